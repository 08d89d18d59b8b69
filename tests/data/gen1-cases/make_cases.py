"""Writes the Gen1 test projects of tests/data/gen1-cases/ (README.md).

Each case is a small Gen1 project as the Amplify CLI leaves it after
`amplify push`: amplify/backend/ (backend-config.json, amplify-meta.json,
cli-inputs.json, parameters, function sources) and the deployed templates
under amplify/#current-cloud-backend/. The auth resource and the function
template are modelled on the backend-only fixture app; each case then adds
the one feature it shows and writes case.json (what the tests check).

    python3 tests/data/gen1-cases/make_cases.py [case ...]
"""
import json, os, shutil, sys
HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.join(HERE, '..', 'fixtures', 'amplify-migration-apps', 'backend-only', 'amplify')
OUT = HERE
AUTH = 'backendonlyf8c4c57b'

def rd(p): return json.load(open(os.path.join(SRC, p)))
def ren(v, project):
    return json.loads(json.dumps(v).replace('backendonly', project))
def wr(path, v):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w') as f:
        if isinstance(v, str): f.write(v)
        else: f.write(json.dumps(v, indent=2) + '\n')

class Case:
    def __init__(self, case, project):
        self.dir = os.path.join(OUT, case)
        shutil.rmtree(self.dir, ignore_errors=True)
        self.p = project
        self.auth = AUTH.replace('backendonly', project)
        a = os.path.join(self.dir, 'amplify')
        self.a = a
        self.backend = os.path.join(a, 'backend')
        self.build = os.path.join(a, '#current-cloud-backend', 'awscloudformation', 'build')
        pc = rd('.config/project-config.json'); pc['projectName'] = project
        self.files = {}
        self.files['.config/project-config.json'] = pc
        self.files['cli.json'] = rd('cli.json')
        tpi = ren(rd('team-provider-info.json'), project)
        tpi['main']['categories'] = {'auth': {self.auth: {}}}
        self.files['team-provider-info.json'] = tpi
        meta = ren(rd('backend/amplify-meta.json'), project)
        self.meta = {'providers': meta['providers'], 'auth': meta['auth']}
        bc = ren(rd('backend/backend-config.json'), project)
        self.config = {'auth': bc['auth']}
        self.cli_inputs = ren(rd(f'backend/auth/{AUTH}/cli-inputs.json'), project)
        self.auth_params = ren(rd(f'backend/auth/{AUTH}/build/parameters.json'), project)
        root = ren(rd('#current-cloud-backend/awscloudformation/build/root-cloudformation-stack.json'), project)
        keep = ['DeploymentBucket', 'DeploymentBucketBlockHTTP', 'AuthRole', 'UnauthRole', 'auth' + self.auth]
        root['Resources'] = {k: v for k, v in root['Resources'].items() if k in keep}
        self.root = root
        self.auth_tmpl = ren(rd(f'#current-cloud-backend/awscloudformation/build/auth/{AUTH}/build/{AUTH}-cloudformation-template.json'), project)
        self.extra = {}  # path under amplify/ -> content
        self.spec = {}

    def root_param(self, stack, key, value):
        self.root['Resources'][stack]['Properties']['Parameters'][key] = value

    def write(self):
        for k, v in self.files.items(): wr(os.path.join(self.a, k), v)
        wr(os.path.join(self.backend, 'amplify-meta.json'), self.meta)
        wr(os.path.join(self.backend, 'backend-config.json'), self.config)
        wr(os.path.join(self.backend, 'auth', self.auth, 'cli-inputs.json'), self.cli_inputs)
        wr(os.path.join(self.backend, 'auth', self.auth, 'build', 'parameters.json'), self.auth_params)
        wr(os.path.join(self.build, 'root-cloudformation-stack.json'), self.root)
        wr(os.path.join(self.build, 'auth', self.auth, 'build', f'{self.auth}-cloudformation-template.json'), self.auth_tmpl)
        for k, v in self.extra.items(): wr(os.path.join(self.a, k), v)
        wr(os.path.join(self.dir, 'case.json'), self.spec)

    def cog(self): return self.cli_inputs['cognitoConfig']
    def pool(self): return self.auth_tmpl['Resources']['UserPool']['Properties']

    # --- functions and layers, modelled on backend-only's quotegeneratorbe ---
    def add_function(self, name, runtime='nodejs22.x', handler='index.handler', src=None,
                     amplify_state=None, layers=(), env_vars=None, depends_on=None, extra_params=None):
        FN = 'quotegeneratorbe'
        tmpl = ren(rd(f'#current-cloud-backend/awscloudformation/build/function/{FN}/{FN}-cloudformation-template.json'), self.p)
        tmpl = json.loads(json.dumps(tmpl).replace(FN, name))
        fnp = tmpl['Resources']['LambdaFunction']['Properties']
        fnp['Runtime'] = runtime
        fnp['Handler'] = handler
        if env_vars: fnp['Environment']['Variables'].update(env_vars)
        for p_name, p_def in (extra_params or {}).items(): tmpl['Parameters'][p_name] = p_def
        root_params = {'deploymentBucketName': self.files['team-provider-info.json']['main']['awscloudformation']['DeploymentBucketName'],
                       's3Key': f'amplify-builds/{name}-build.zip', 'env': 'main'}
        if layers:
            fnp['Layers'] = []
            for layer in layers:
                pn = f'function{layer}Arn'
                tmpl['Parameters'][pn] = {'Type': 'String', 'Default': pn}
                fnp['Layers'].append({'Ref': pn})
                root_params[pn] = {'Fn::GetAtt': [f'function{layer}', 'Outputs.Arn']}
        for dep in (depends_on or []):
            for attr in dep['attributes']:
                pn = f"{dep['category']}{dep['resourceName']}{attr}"
                tmpl['Parameters'][pn] = {'Type': 'String', 'Default': pn}
                root_params[pn] = {'Fn::GetAtt': [f"{dep['category']}{dep['resourceName']}", f'Outputs.{attr}']}
        self.config.setdefault('function', {})[name] = {
            'build': True, 'providerPlugin': 'awscloudformation', 'service': 'Lambda',
            **({'dependsOn': depends_on} if depends_on else {})}
        meta_out = {'Region': 'us-east-1', 'Arn': f'arn:aws:lambda:us-east-1:123456789012:function:{name}-main',
                    'Name': f'{name}-main', 'LambdaExecutionRole': f'{self.p}LambdaRole{name}-main'}
        self.meta.setdefault('function', {})[name] = {**self.config['function'][name], 'output': meta_out}
        self.files['team-provider-info.json']['main']['categories'].setdefault('function', {})[name] = {
            'deploymentBucketName': root_params['deploymentBucketName'], 's3Key': root_params['s3Key']}
        d = f'backend/function/{name}'
        self.extra[f'{d}/function-parameters.json'] = {
            'lambdaLayers': [{'type': 'ProjectLayer', 'resourceName': l, 'env': 'main', 'version': 1,
                              'isLatestVersionSelected': True} for l in layers]}
        self.extra[f'{d}/amplify.state'] = amplify_state or {
            'pluginId': 'amplify-nodejs-function-runtime-provider', 'functionRuntime': 'nodejs',
            'useLegacyBuild': True, 'defaultEditorFile': 'src/index.js'}
        for rel, text in (src or {}).items(): self.extra[f'{d}/src/{rel}'] = text
        self.extra[f'#current-cloud-backend/awscloudformation/build/function/{name}/{name}-cloudformation-template.json'] = tmpl
        self.root['Resources'][f'function{name}'] = {'Type': 'AWS::CloudFormation::Stack', 'Properties': {
            'TemplateURL': f"https://s3.amazonaws.com/{root_params['deploymentBucketName']}/amplify-cfn-templates/function/{name}-cloudformation-template.json",
            'Parameters': root_params}}
        return tmpl

    def add_layer(self, name, files, runtimes=('nodejs22.x',)):
        bucket = self.files['team-provider-info.json']['main']['awscloudformation']['DeploymentBucketName']
        tmpl = {'AWSTemplateFormatVersion': '2010-09-09', 'Description': 'Lambda layer resource stack creation using Amplify CLI',
                'Parameters': {'env': {'Type': 'String'}, 'deploymentBucketName': {'Type': 'String'},
                               's3Key': {'Type': 'String'}, 'description': {'Type': 'String', 'Default': ''},
                               'runtimes': {'Type': 'List<String>'}},
                'Resources': {
                    'LambdaLayerVersion4f2b1c3a': {'Type': 'AWS::Lambda::LayerVersion', 'Properties': {
                        'CompatibleRuntimes': {'Ref': 'runtimes'},
                        'Content': {'S3Bucket': {'Ref': 'deploymentBucketName'}, 'S3Key': {'Ref': 's3Key'}},
                        'Description': {'Ref': 'description'},
                        'LayerName': {'Fn::Sub': [f'{self.p}{name}-' + '${env}', {'env': {'Ref': 'env'}}]}},
                        'DeletionPolicy': 'Delete', 'UpdateReplacePolicy': 'Retain'},
                    'LambdaLayerPermissionPrivate4f2b1c3a': {'Type': 'AWS::Lambda::LayerVersionPermission', 'Properties': {
                        'Action': 'lambda:GetLayerVersion', 'LayerVersionArn': {'Ref': 'LambdaLayerVersion4f2b1c3a'},
                        'Principal': {'Ref': 'AWS::AccountId'}}}},
                'Outputs': {'Arn': {'Value': {'Ref': 'LambdaLayerVersion4f2b1c3a'}}}}
        self.config.setdefault('function', {})[name] = {'build': True, 'providerPlugin': 'awscloudformation', 'service': 'LambdaLayer'}
        self.meta.setdefault('function', {})[name] = {**self.config['function'][name], 'output': {
            'Arn': f'arn:aws:lambda:us-east-1:123456789012:layer:{self.p}{name}-main:1'}}
        d = f'backend/function/{name}'
        self.extra[f'{d}/parameters.json'] = {'runtimes': list(runtimes), 'description': ''}
        self.extra[f'{d}/layer-configuration.json'] = {'permissions': [{'type': 'Private'}], 'runtimes': list(runtimes)}
        for rel, text in files.items(): self.extra[f'{d}/lib/{rel}'] = text
        self.extra[f'#current-cloud-backend/awscloudformation/build/function/{name}/{name}-awscloudformation-template.json'] = tmpl
        self.root['Resources'][f'function{name}'] = {'Type': 'AWS::CloudFormation::Stack', 'Properties': {
            'TemplateURL': f'https://s3.amazonaws.com/{bucket}/amplify-cfn-templates/function/{name}-awscloudformation-template.json',
            'Parameters': {'deploymentBucketName': bucket, 's3Key': f'amplify-builds/{name}-LambdaLayerVersion.zip',
                           'description': '', 'runtimes': ','.join(runtimes), 'env': 'main'}}}

    # --- the GraphQL API of backend-only (Project and Todo models), without
    # its @function query (the function is not part of the case) ---
    def add_api(self):
        api = 'backendonly'
        name = self.p
        def text(rel):
            return open(os.path.join(SRC, rel)).read().replace('backendonly', self.p)
        for rel in ('cli-inputs.json', 'parameters.json', 'build/parameters.json'):
            self.extra[f'backend/api/{name}/{rel}'] = text(f'backend/api/{api}/{rel}')
        schema = text(f'backend/api/{api}/schema.graphql')
        self.extra[f'backend/api/{name}/schema.graphql'] = schema[schema.index('enum ProjectStatus'):]
        for stack in ('Project', 'Todo', 'ConnectionStack', 'CustomResources'):
            self.extra[f'#current-cloud-backend/api/{name}/build/stacks/{stack}.json'] = text(
                f'#current-cloud-backend/api/{api}/build/stacks/{stack}.json')
        self.extra[f'#current-cloud-backend/awscloudformation/build/api/{name}/build/cloudformation-template.json'] = text(
            f'#current-cloud-backend/awscloudformation/build/api/{api}/build/cloudformation-template.json')
        bc = ren(rd('backend/backend-config.json'), self.p)
        self.config['api'] = bc['api']
        self.meta['api'] = ren(rd('backend/amplify-meta.json'), self.p)['api']
        root = ren(rd('#current-cloud-backend/awscloudformation/build/root-cloudformation-stack.json'), self.p)
        self.root['Resources']['api' + name] = root['Resources']['api' + name]
        self.files['team-provider-info.json']['main']['categories']['api'] = {name: {}}
        return name

    # --- the S3 storage of backend-only ---
    def add_storage(self):
        st = 's3c31471c3'
        def text(rel):
            return open(os.path.join(SRC, rel)).read().replace('backendonly', self.p)
        for rel in ('cli-inputs.json', 'build/parameters.json'):
            self.extra[f'backend/storage/{st}/{rel}'] = text(f'backend/storage/{st}/{rel}')
        self.extra[f'#current-cloud-backend/awscloudformation/build/storage/{st}/build/cloudformation-template.json'] = json.loads(text(
            f'#current-cloud-backend/awscloudformation/build/storage/{st}/build/cloudformation-template.json'))
        self.config['storage'] = ren(rd('backend/backend-config.json'), self.p)['storage']
        self.meta['storage'] = ren(rd('backend/amplify-meta.json'), self.p)['storage']
        root = ren(rd('#current-cloud-backend/awscloudformation/build/root-cloudformation-stack.json'), self.p)
        self.root['Resources']['storage' + st] = root['Resources']['storage' + st]
        self.files['team-provider-info.json']['main']['categories']['storage'] = {st: {}}
        return st

CASES = {}
def case(f): CASES[f.__name__.replace('_', '-')] = f; return f

@case
def custom_attributes():
    c = Case('custom-attributes', 'customattrs')
    for k in ('userpoolClientReadAttributes', 'userpoolClientWriteAttributes'):
        c.cog()[k] = ['email', 'custom:family_name']
        c.auth_params[k] = ['email', 'custom:family_name']
    c.root_param('auth' + c.auth, 'userpoolClientReadAttributes', 'email,custom:family_name')
    c.root_param('auth' + c.auth, 'userpoolClientWriteAttributes', 'email,custom:family_name')
    c.pool()['Schema'].append({'Name': 'family_name', 'AttributeDataType': 'String', 'Mutable': True,
                               'StringAttributeConstraints': {'MinLength': '1', 'MaxLength': '256'}})
    c.spec = {
        'title': 'Cognito custom attributes (custom:family_name) that the app client reads and writes',
        'aws_issue': 'aws-amplify/amplify-cli#14932',
        'expect': {'amplify/auth/resource.ts': ["'custom:family_name': { dataType: 'String', mutable: true }"],
                   'amplify/backend.ts': ["Name: 'family_name'"]},
        'synth': [{'type': 'AWS::Cognito::UserPool', 'property': 'Schema',
                   'value': c.pool()['Schema']}],
    }
    return c

@case
def attribute_restrictions():
    c = Case('attribute-restrictions', 'attrlimits')
    read = ['email', 'email_verified', 'name', 'locale']
    write = ['name', 'locale']
    for src in (c.cog(), c.auth_params):
        src['userpoolClientSetAttributes'] = True
        src['userpoolClientReadAttributes'] = read
        src['userpoolClientWriteAttributes'] = write
    for client in ('UserPoolClient', 'UserPoolClientWeb'):
        props = c.auth_tmpl['Resources'][client]['Properties']
        props['ReadAttributes'] = read
        props['WriteAttributes'] = write
    c.spec = {
        'title': 'user attribute read/write restrictions on the app client',
        'aws_issue': 'aws-amplify/amplify-cli#14748',
        'expect': {'amplify/backend.ts': ["cfnUserPoolClient.addPropertyOverride('ReadAttributes'",
                                          "cfnUserPoolClient.addPropertyOverride('WriteAttributes'"]},
        'synth': [{'type': 'AWS::Cognito::UserPoolClient', 'property': 'ReadAttributes', 'value': read},
                  {'type': 'AWS::Cognito::UserPoolClient', 'property': 'WriteAttributes', 'value': write}],
    }
    return c

NODE_PKG = lambda n: {'name': n, 'version': '1.0.0', 'main': 'index.js', 'license': 'Apache-2.0'}

@case
def lambda_layer():
    c = Case('lambda-layer', 'layered')
    c.add_layer('sharedutils', {'nodejs/utils.js': 'exports.greet = (name) => `hello ${name}`;\n',
                                'nodejs/package.json': json.dumps({'name': 'sharedutils', 'version': '1.0.0'}, indent=2) + '\n'})
    c.add_function('greeter', layers=['sharedutils'], src={
        'index.js': "const { greet } = require('/opt/nodejs/utils');\n\nexports.handler = async (event) => ({ statusCode: 200, body: greet(event.name ?? 'world') });\n",
        'package.json': NODE_PKG('greeter')})
    c.spec = {
        'title': 'a function using a project Lambda layer',
        'aws_issue': 'aws-amplify/amplify-cli#14527',
        'expect': {'amplify/backend.ts': ['new lambda.LayerVersion(', 'cfnFunction.layers = [sharedutils.layerVersionArn]'],
                   'amplify/layers/sharedutils/nodejs/utils.js': ['exports.greet'],
                   'amplify/functions/greeter/resource.ts': ["'/opt/*': 'arn:aws:lambda:us-east-1:123456789012:layer:layeredsharedutils-main:1'"]},
        'manual': ['Lambda layer versions are pinned by number'],
        'synth': [{'type': 'AWS::Lambda::LayerVersion', 'property': 'CompatibleRuntimes', 'value': ['nodejs22.x']}],
    }
    return c

@case
def non_js_functions():
    c = Case('non-js-functions', 'polyglot')
    c.add_function('pyfn', runtime='python3.12', handler='index.handler',
                   amplify_state={'pluginId': 'amplify-python-function-runtime-provider', 'functionRuntime': 'python',
                                  'defaultEditorFile': 'src/index.py'},
                   src={'index.py': "def handler(event, context):\n    return {'statusCode': 200, 'body': 'from python'}\n",
                        'Pipfile': "[packages]\n\n[requires]\npython_version = \"3.12\"\n"})
    c.add_function('gofn', runtime='provided.al2023', handler='bootstrap',
                   amplify_state={'pluginId': 'amplify-go-function-runtime-provider', 'functionRuntime': 'go',
                                  'defaultEditorFile': 'src/main.go'},
                   src={'main.go': 'package main\n\nimport "github.com/aws/aws-lambda-go/lambda"\n\nfunc handle() (string, error) { return "from go", nil }\n\nfunc main() { lambda.Start(handle) }\n',
                        'go.mod': 'module gofn\n\ngo 1.22\n\nrequire github.com/aws/aws-lambda-go v1.47.0\n'})
    c.add_function('javafn', runtime='java21', handler='example.Handler::handleRequest',
                   amplify_state={'pluginId': 'amplify-java-function-runtime-provider', 'functionRuntime': 'java',
                                  'defaultEditorFile': 'src/src/main/java/example/Handler.java'},
                   src={'src/main/java/example/Handler.java': 'package example;\n\npublic class Handler {\n  public String handleRequest(Object event) { return "from java"; }\n}\n',
                        'build.gradle': "apply plugin: 'java'\n"})
    c.add_function('dotnetfn', runtime='dotnet8', handler='dotnetfn::dotnetfn.Function::FunctionHandler',
                   amplify_state={'pluginId': 'amplify-dotnet-function-runtime-provider', 'functionRuntime': 'dotnet8',
                                  'defaultEditorFile': 'src/Function.cs'},
                   src={'Function.cs': 'namespace dotnetfn;\n\npublic class Function {\n  public string FunctionHandler(object input) => "from dotnet";\n}\n',
                        'dotnetfn.csproj': '<Project Sdk="Microsoft.NET.Sdk"><PropertyGroup><TargetFramework>net8.0</TargetFramework></PropertyGroup></Project>\n'})
    c.spec = {
        'title': 'non-JavaScript functions (Python, Go, Java, .NET)',
        'aws_issue': 'aws-amplify/amplify-cli PR #14972',
        'expect': {'amplify/backend.ts': ["new lambda.Runtime('python3.12', lambda.RuntimeFamily.PYTHON)",
                                          "new lambda.Runtime('provided.al2023', lambda.RuntimeFamily.OTHER)",
                                          "new lambda.Runtime('java21', lambda.RuntimeFamily.JAVA)",
                                          "new lambda.Runtime('dotnet8', lambda.RuntimeFamily.DOTNET_CORE)"],
                   'amplify/functions/pyfn/src/index.py': ['def handler'],
                   'amplify/functions/gofn/src/main.go': ['lambda.Start']},
        'synth': [{'type': 'AWS::Lambda::Function', 'property': 'Runtime', 'value': r}
                  for r in ('python3.12', 'provided.al2023', 'java21', 'dotnet8')],
    }
    return c

@case
def auth_trigger_data_table():
    c = Case('auth-trigger-data-table', 'triggertable')
    api = c.add_api()
    fn = c.auth + 'PostConfirmation'
    table_name = {'Fn::ImportValue': {'Fn::Sub': '${api' + api + 'GraphQLAPIIdOutput}:GetAtt:TodoTable:Name'}}
    table_arn = {'Fn::Join': ['', ['arn:aws:dynamodb:', {'Ref': 'AWS::Region'}, ':', {'Ref': 'AWS::AccountId'},
                                   ':table/', table_name]]}
    tmpl = c.add_function(fn, env_vars={f'API_{api.upper()}_TODOTABLE_NAME': table_name},
                          depends_on=[{'category': 'api', 'resourceName': api,
                                       'attributes': ['GraphQLAPIIdOutput']}],
                          src={'index.js': (
                              "// Confirms the user and names the Todo table it writes the first Todo to.\n"
                              "// (The SDK call is left out: what the case shows is the table reference in\n"
                              "// the environment and the role policy, which made AWS's generator build a\n"
                              "// circular dependency between the auth and data stacks.)\n"
                              "exports.handler = async (event) => {\n"
                              f"  console.log('first Todo goes to', process.env.API_{api.upper()}_TODOTABLE_NAME);\n"
                              "  return event;\n"
                              "};\n"),
                               'package.json': NODE_PKG(fn)})
    tmpl['Resources']['AmplifyResourcesPolicy'] = {
        'DependsOn': ['LambdaExecutionRole'], 'Type': 'AWS::IAM::Policy', 'Properties': {
            'PolicyName': 'amplify-lambda-execution-policy',
            'Roles': [{'Ref': 'LambdaExecutionRole'}],
            'PolicyDocument': {'Version': '2012-10-17', 'Statement': [{
                'Effect': 'Allow', 'Action': ['dynamodb:PutItem'],
                'Resource': [table_arn]}]}}}
    c.config['auth'][c.auth]['dependsOn'] = [{'category': 'function', 'resourceName': fn,
                                             'attributes': ['Arn', 'Name'], 'triggerProvider': 'Cognito'}]
    c.meta['auth'][c.auth]['dependsOn'] = c.config['auth'][c.auth]['dependsOn']
    c.cog()['triggers'] = {'PostConfirmation': ['custom']}
    c.cog()['dependsOn'] = c.config['auth'][c.auth]['dependsOn']
    c.spec = {
        'title': 'an auth trigger that writes to a data model table (no circular dependency at synth)',
        'aws_issue': 'aws-amplify/amplify-cli#14727',
        'expect': {'amplify/auth/resource.ts': ['postConfirmation: '],
                   'amplify/functions/' + fn + '/resource.ts': ["resourceGroupName: 'auth'"]},
        'manual': ['auth triggers are generated as defineAuth triggers'],
    }
    return c

@case
def overrides():
    c = Case('overrides', 'overridden')
    api = c.add_api()
    st = c.add_storage()
    helper = "import { AmplifyProjectInfo } from '@aws-amplify/cli-extensibility-helper';\n"
    c.extra[f'backend/auth/{c.auth}/override.ts'] = (
        "import { AmplifyAuthCognitoStackTemplate, AmplifyProjectInfo } from '@aws-amplify/cli-extensibility-helper';\n\n"
        "export function override(resources: AmplifyAuthCognitoStackTemplate, amplifyProjectInfo: AmplifyProjectInfo) {\n"
        "  resources.userPoolClientWeb.accessTokenValidity = 2;\n"
        "  resources.userPoolClientWeb.tokenValidityUnits = { accessToken: 'hours' };\n"
        "}\n")
    c.extra[f'backend/storage/{st}/override.ts'] = (
        "import { AmplifyS3ResourceTemplate, AmplifyProjectInfo } from '@aws-amplify/cli-extensibility-helper';\n\n"
        "export function override(resources: AmplifyS3ResourceTemplate, amplifyProjectInfo: AmplifyProjectInfo) {\n"
        "  resources.s3Bucket.versioningConfiguration = { status: 'Enabled' };\n"
        "}\n")
    c.extra[f'backend/api/{api}/override.ts'] = (
        "import { AmplifyApiGraphQlResourceStackTemplate, AmplifyProjectInfo } from '@aws-amplify/cli-extensibility-helper';\n\n"
        "export function override(resources: AmplifyApiGraphQlResourceStackTemplate, amplifyProjectInfo: AmplifyProjectInfo) {\n"
        "  resources.models['Todo'].modelDDBTable.timeToLiveSpecification = { attributeName: 'ttl', enabled: true };\n"
        "}\n")
    c.extra['backend/awscloudformation/override.ts'] = (
        "import { AmplifyRootStackTemplate, AmplifyProjectInfo } from '@aws-amplify/cli-extensibility-helper';\n\n"
        "export function override(resources: AmplifyRootStackTemplate, amplifyProjectInfo: AmplifyProjectInfo) {\n"
        "  resources.authRole.addOverride('Properties.MaxSessionDuration', 7200);\n"
        "}\n")
    c.spec = {
        'title': 'override.ts for auth, storage, api and the project',
        'aws_issue': 'aws-amplify/amplify-cli#14640, #14641, #14642, #14643',
        'expect': {'amplify/backend.ts': [
            'resources.userPoolClientWeb.accessTokenValidity = 2;',
            f'function gen1Override_auth_',
            "resources.s3Bucket.versioningConfiguration = { status: 'Enabled' };",
            f'// --- api {api}: Gen1 override.ts, NOT APPLIED ---',
            "//     resources.models['Todo'].modelDDBTable.timeToLiveSpecification",
            '// --- project (amplify/backend/awscloudformation): Gen1 override.ts, NOT APPLIED ---',
            "//     resources.authRole.addOverride('Properties.MaxSessionDuration', 7200);"]},
        'manual': [f'auth/{c.auth}/override.ts is carried over verbatim',
                   f'storage/{st}/override.ts is carried over verbatim',
                   'override.ts of the API is not translated',
                   '**project**: amplify/backend/awscloudformation/override.ts'],
        'synth': [{'type': 'AWS::Cognito::UserPoolClient', 'property': 'AccessTokenValidity', 'value': 2},
                  {'type': 'AWS::S3::Bucket', 'property': 'VersioningConfiguration', 'value': {'Status': 'Enabled'}}],
    }
    return c

@case
def lambda_authorizer():
    c = Case('lambda-authorizer', 'lambdaauth')
    api = c.add_api()
    c.add_function('apiauthorizer', src={
        'index.js': ("// AppSync Lambda authorizer: the token 'letmein' is allowed.\n"
                     "exports.handler = async (event) => ({\n"
                     "  isAuthorized: event.authorizationToken === 'letmein',\n"
                     "  ttlOverride: 300,\n"
                     "});\n"),
        'package.json': NODE_PKG('apiauthorizer')})
    mode = {'authenticationType': 'AWS_LAMBDA',
            'lambdaAuthorizerConfig': {'lambdaFunction': 'apiauthorizer', 'ttlSeconds': '300'}}
    for holder in (c.config['api'][api], c.meta['api'][api]):
        holder['output']['authConfig']['additionalAuthenticationProviders'].append(mode)
        holder['dependsOn'].append({'category': 'function', 'resourceName': 'apiauthorizer',
                                    'attributes': ['Name', 'Arn']})
    inputs = json.loads(c.extra[f'backend/api/{api}/cli-inputs.json'])
    inputs['serviceConfiguration']['additionalAuthTypes'].append(
        {'mode': 'AWS_LAMBDA', 'lambdaFunction': 'apiauthorizer', 'ttlSeconds': '300'})
    c.extra[f'backend/api/{api}/cli-inputs.json'] = inputs
    schema = c.extra[f'backend/api/{api}/schema.graphql']
    todo = schema.index('type Todo @model @auth(rules: [')
    at = schema.index('{ allow: public, operations: [read] },', todo)
    c.extra[f'backend/api/{api}/schema.graphql'] = (
        schema[:at] + '{ allow: custom },\n  ' + schema[at:])
    c.spec = {
        'title': 'a Lambda authorizer function for the GraphQL API',
        'aws_issue': 'aws-amplify/amplify-cli#14813',
        'expect': {'amplify/data/resource.ts': [
            "import { apiauthorizer } from '../functions/apiauthorizer/resource';",
            'lambdaAuthorizationMode: {\n      function: apiauthorizer,\n      timeToLiveInSeconds: 300,',
            '{ allow: custom }']},
        'absent': {'amplify/data/resource.ts': ['lambdaAuthorizationMode / oidcAuthorizationMode']},
        'synth': [{'type': 'AWS::AppSync::GraphQLApi', 'property': 'AuthenticationType', 'value': 'API_KEY'}],
    }
    return c

@case
def transfer_acceleration():
    c = Case('transfer-acceleration', 'accelerated')
    st = c.add_storage()
    tmpl_key = f'#current-cloud-backend/awscloudformation/build/storage/{st}/build/cloudformation-template.json'
    c.extra[tmpl_key]['Resources']['S3Bucket']['Properties']['AccelerateConfiguration'] = {
        'AccelerationStatus': 'Enabled'}
    c.extra[f'backend/storage/{st}/override.ts'] = (
        "import { AmplifyS3ResourceTemplate, AmplifyProjectInfo } from '@aws-amplify/cli-extensibility-helper';\n\n"
        "// Gen1 has no setting for Transfer Acceleration: it is switched on here.\n"
        "export function override(resources: AmplifyS3ResourceTemplate, amplifyProjectInfo: AmplifyProjectInfo) {\n"
        "  resources.s3Bucket.accelerateConfiguration = { accelerationStatus: 'Enabled' };\n"
        "}\n")
    c.spec = {
        'title': 'S3 Transfer Acceleration on a bucket (pinned only where Gen1 set it)',
        'aws_issue': 'aws-amplify/amplify-cli#14876',
        'expect': {'amplify/backend.ts': [
            "cfnBucket.addPropertyOverride('AccelerateConfiguration', {\n  AccelerationStatus: 'Enabled',\n})"]},
        'manual': [f'storage/{st}/override.ts is carried over verbatim'],
        'synth': [{'type': 'AWS::S3::Bucket', 'property': 'AccelerateConfiguration',
                   'value': {'AccelerationStatus': 'Enabled'}}],
    }
    return c

@case
def phone_social():
    c = Case('phone-social', 'phonesocial')
    cog = c.cog()
    oauth = {'AllowedOAuthFlows': ['code'],
             'AllowedOAuthScopes': ['phone', 'email', 'openid', 'profile', 'aws.cognito.signin.user.admin'],
             'CallbackURLs': ['https://app.example.com/'], 'LogoutURLs': ['https://app.example.com/']}
    cog.update({'usernameAttributes': ['phone_number'], 'requiredAttributes': ['phone_number'],
                'autoVerifiedAttributes': ['phone_number'], 'authProvidersUserPool': ['Google'],
                'hostedUI': True, 'hostedUIDomainName': 'phonesocial-main',
                'oAuthMetadata': json.dumps(oauth),
                'hostedUIProviderMeta': json.dumps([{'ProviderName': 'Google', 'authorize_scopes': 'openid email profile',
                                                     'AttributeMapping': {'username': 'sub'}}])})
    for k in ('userpoolClientReadAttributes', 'userpoolClientWriteAttributes'):
        cog[k] = ['phone_number']
    pool = c.pool()
    pool['UsernameAttributes'] = ['phone_number']
    pool['AutoVerifiedAttributes'] = ['phone_number']
    pool['Schema'] = [{'Name': 'phone_number', 'Required': True, 'Mutable': True}]
    params = c.root['Resources']['auth' + c.auth]['Properties']['Parameters']
    params.update({'usernameAttributes': 'phone_number', 'requiredAttributes': 'phone_number',
                   'autoVerifiedAttributes': 'phone_number'})
    fe = c.config['auth'][c.auth]['frontendAuthConfig']
    fe.update({'usernameAttributes': ['PHONE_NUMBER'], 'signupAttributes': ['PHONE_NUMBER'],
               'socialProviders': ['GOOGLE'], 'verificationMechanisms': ['PHONE_NUMBER']})
    c.meta['auth'][c.auth]['frontendAuthConfig'] = fe
    c.meta['auth'][c.auth]['output']['HostedUIDomain'] = 'phonesocial-main'
    c.meta['auth'][c.auth]['output']['OAuthMetadata'] = json.dumps(oauth)
    c.files['team-provider-info.json']['main']['categories']['auth'][c.auth] = {
        'googleAppIdUserPool': 'google-client-id.apps.googleusercontent.com'}
    c.spec = {
        'title': 'phone_number as the username with a social provider (Google)',
        'aws_issue': 'aws-amplify/amplify-cli PR #14983',
        'expect': {'amplify/auth/resource.ts': ['    phone: true,', "clientId: secret('GOOGLE_CLIENT_ID')"],
                   'amplify/backend.ts': ["cfnUserPool.addPropertyOverride('UsernameAttributes', ['phone_number']);"]},
        'absent': {'amplify/auth/resource.ts': ['    email: true,']},
        'manual': ['social sign-in providers read their client ids and secrets from Gen2', "the hosted UI domain 'phonesocial-main'"],
        'synth': [{'type': 'AWS::Cognito::UserPool', 'property': 'UsernameAttributes', 'value': ['phone_number']}],
    }
    return c

@case
def two_environments():
    c = Case('two-environments', 'twoenvs')
    tpi = c.files['team-provider-info.json']
    dev = json.loads(json.dumps(tpi['main']).replace('-main-5e0fa', '-dev-7a1b2').replace('6563d5d0', '8f1e2d3c'))
    tpi['dev'] = dev
    c.spec = {
        'title': 'a project with two environments (main deployed here, dev in the cloud), generated for each',
        'aws_issue': '-',
        'envs': ['main'],
        'expect': {'amplify/migration.json': ['"env": "main"', 'twoenvsf8c4c57b_userpool_f8c4c57b']},
        'other_envs': ['dev'],
    }
    return c

@case
def email_verification_link():
    c = Case('email-verification-link', 'emaillink')
    fn = c.auth + 'CustomMessage'
    bucket_param = 'emaillinkverificationbucket'
    c.auth_tmpl['Parameters']['verificationBucketName'] = {'Type': 'String'}
    c.root_param('auth' + c.auth, 'verificationBucketName', bucket_param)
    c.auth_tmpl['Resources']['CustomMessageConfirmationBucket'] = {
        'Type': 'AWS::S3::Bucket', 'DeletionPolicy': 'Retain', 'UpdateReplacePolicy': 'Retain',
        'Properties': {
            'BucketName': {'Fn::If': ['ShouldNotCreateEnvResources', {'Ref': 'verificationBucketName'},
                                      {'Fn::Join': ['', [{'Ref': 'verificationBucketName'}, '-', {'Ref': 'env'}]]}]},
            'OwnershipControls': {'Rules': [{'ObjectOwnership': 'BucketOwnerEnforced'}]},
            'PublicAccessBlockConfiguration': {'BlockPublicAcls': True, 'BlockPublicPolicy': False,
                                               'IgnorePublicAcls': True, 'RestrictPublicBuckets': False},
            'WebsiteConfiguration': {'IndexDocument': 'index.html', 'ErrorDocument': 'index.html'},
            'CorsConfiguration': {'CorsRules': [{'AllowedHeaders': ['Authorization', 'Content-Length'],
                                                 'AllowedMethods': ['GET'], 'AllowedOrigins': ['*'],
                                                 'MaxAge': 3000}]}}}
    c.auth_tmpl['Resources']['CustomMessageConfirmationBucketPolicy'] = {
        'Type': 'AWS::S3::BucketPolicy',
        'Properties': {'Bucket': {'Ref': 'CustomMessageConfirmationBucket'},
                       'PolicyDocument': {'Version': '2012-10-17', 'Statement': [{
                           'Sid': 'PublicReadForGetBucketObjects', 'Effect': 'Allow', 'Principal': '*',
                           'Action': 's3:GetObject',
                           'Resource': {'Fn::Join': ['', ['arn:aws:s3:::', {'Ref': 'CustomMessageConfirmationBucket'}, '/*']]}}]}}}
    c.add_function(fn, env_vars={'EMAILSUBJECT': 'Confirm your account',
                                 'EMAILMESSAGE': 'Click the link to confirm:',
                                 'REDIRECTURL': 'https://app.example.com/confirmed'},
                   src={'index.js': (
                       "// Gen1's custom-message 'verification-link' trigger: the sign-up email\n"
                       "// carries a link to the confirmation page in the verification bucket.\n"
                       "exports.handler = async (event) => {\n"
                       "  if (event.triggerSource === 'CustomMessage_SignUp') {\n"
                       "    const { codeParameter } = event.request;\n"
                       "    const { userName, region } = event;\n"
                       "    const { clientId } = event.callerContext;\n"
                       "    const redirect = process.env.REDIRECTURL;\n"
                       "    const link = `${redirect}/?data=${Buffer.from(JSON.stringify({ userName, codeParameter, clientId, region })).toString('base64')}`;\n"
                       "    event.response.emailSubject = process.env.EMAILSUBJECT;\n"
                       "    event.response.emailMessage = `${process.env.EMAILMESSAGE} <a href=\"${link}\">${link}</a>`;\n"
                       "  }\n"
                       "  return event;\n"
                       "};\n"),
                        'package.json': NODE_PKG(fn)})
    c.config['auth'][c.auth]['dependsOn'] = [{'category': 'function', 'resourceName': fn,
                                             'attributes': ['Arn', 'Name'], 'triggerProvider': 'Cognito'}]
    c.meta['auth'][c.auth]['dependsOn'] = c.config['auth'][c.auth]['dependsOn']
    c.cog().update({'triggers': {'CustomMessage': ['verification-link']},
                    'verificationBucketName': bucket_param,
                    'dependsOn': c.config['auth'][c.auth]['dependsOn']})
    c.auth_params['verificationBucketName'] = bucket_param
    c.spec = {
        'title': 'the email-verification-link bucket of the auth stack (CustomMessage trigger)',
        'aws_issue': 'aws-amplify/amplify-cli#14796',
        'expect': {'amplify/auth/resource.ts': ['customMessage: '],
                   'amplify/backend.ts': ['the email verification link bucket (not part of defineAuth)',
                                          f"CustomMessageConfirmationBucket: {{ property: 'BucketName', name: gen1Name('auth/{c.auth}/CustomMessageConfirmationBucket') }}"],
                   'amplify/migration.json': [f'"name": "{bucket_param}-main"'],
                   f'amplify/gen1/auth-{c.auth}.json': ['"WebsiteConfiguration"', '"CustomMessageConfirmationBucketPolicy"']},
        'manual': ['the email verification link bucket of the CustomMessage trigger'],
        'synth': [{'type': 'AWS::S3::Bucket', 'property': 'WebsiteConfiguration',
                   'value': {'IndexDocument': 'index.html', 'ErrorDocument': 'index.html'}}],
    }
    return c

if __name__ == '__main__':
    for name in (sys.argv[1:] or CASES):
        CASES[name]().write()
        print('wrote', name)
