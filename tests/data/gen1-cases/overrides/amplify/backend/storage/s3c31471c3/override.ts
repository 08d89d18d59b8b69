import { AmplifyS3ResourceTemplate, AmplifyProjectInfo } from '@aws-amplify/cli-extensibility-helper';

export function override(resources: AmplifyS3ResourceTemplate, amplifyProjectInfo: AmplifyProjectInfo) {
  resources.s3Bucket.versioningConfiguration = { status: 'Enabled' };
}
