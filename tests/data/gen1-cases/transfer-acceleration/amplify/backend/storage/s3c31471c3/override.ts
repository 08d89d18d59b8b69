import { AmplifyS3ResourceTemplate, AmplifyProjectInfo } from '@aws-amplify/cli-extensibility-helper';

// Gen1 has no setting for Transfer Acceleration: it is switched on here.
export function override(resources: AmplifyS3ResourceTemplate, amplifyProjectInfo: AmplifyProjectInfo) {
  resources.s3Bucket.accelerateConfiguration = { accelerationStatus: 'Enabled' };
}
