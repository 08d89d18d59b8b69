import { AmplifyApiGraphQlResourceStackTemplate, AmplifyProjectInfo } from '@aws-amplify/cli-extensibility-helper';

export function override(resources: AmplifyApiGraphQlResourceStackTemplate, amplifyProjectInfo: AmplifyProjectInfo) {
  resources.models['Todo'].modelDDBTable.timeToLiveSpecification = { attributeName: 'ttl', enabled: true };
}
