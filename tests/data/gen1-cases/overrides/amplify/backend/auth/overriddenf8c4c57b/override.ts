import { AmplifyAuthCognitoStackTemplate, AmplifyProjectInfo } from '@aws-amplify/cli-extensibility-helper';

export function override(resources: AmplifyAuthCognitoStackTemplate, amplifyProjectInfo: AmplifyProjectInfo) {
  resources.userPoolClientWeb.accessTokenValidity = 2;
  resources.userPoolClientWeb.tokenValidityUnits = { accessToken: 'hours' };
}
