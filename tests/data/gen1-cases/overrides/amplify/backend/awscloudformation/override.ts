import { AmplifyRootStackTemplate, AmplifyProjectInfo } from '@aws-amplify/cli-extensibility-helper';

export function override(resources: AmplifyRootStackTemplate, amplifyProjectInfo: AmplifyProjectInfo) {
  resources.authRole.addOverride('Properties.MaxSessionDuration', 7200);
}
