"""Writes tests/data/multi-storage/two-buckets-two-tables/ (README.md).

A Gen1 app with two S3 buckets and two DynamoDB tables in the storage
category, derived from the fixture apps (../fixtures/amplify-migration-apps,
under their licence):

- everything of backend-only's Gen1 environment (auth, the GraphQL API, the
  function, S3 storage s3c31471c3): amplify/ and the Gen1 stacks of
  pre.refactor/ (its Gen2 stacks are left out: the tests deploy their own);
- a second S3 storage resource, s3a7e2b9d4: backend-only's s3c31471c3 under
  another name, bucket and policy names;
- discussions' DynamoDB storage `activity` (table activity-main), renamed to
  this project, and a copy of it named `auditlog` (table auditlog-main).

Each added resource gets everything `amplify push` leaves and the simulator's
seed reads: amplify/backend/storage/<name>/ (cli-inputs.json,
build/parameters.json), backend-config.json, amplify-meta.json,
team-provider-info.json, the deployed template under
amplify/#current-cloud-backend/, the root stack's nested-stack resource (in
pre.refactor/ and in both cloud-backend copies of the root template) and the
nested stack's template, parameters, outputs (which pin the physical ids) and
description in pre.refactor/. Physical names never collide.

    python3 tests/data/multi-storage/make_app.py
"""
import json, os, shutil

HERE = os.path.dirname(os.path.abspath(__file__))
APPS = os.path.join(HERE, '..', 'fixtures', 'amplify-migration-apps')
BO = os.path.join(APPS, 'backend-only')
DI = os.path.join(APPS, 'discussions')
OUT = os.path.join(HERE, 'two-buckets-two-tables')

ROOT = 'amplify-backendonly-main-5e0fa'
BUCKET = 'amplify-backendonly-main-5e0fa-deployment'
BUILD = os.path.join('amplify', '#current-cloud-backend', 'awscloudformation', 'build')
ROOT_COPIES = [os.path.join(BUILD, 'root-cloudformation-stack.json'),
               os.path.join(BUILD, 'awscloudformation', 'build', 'root-cloudformation-stack.json')]


def rd(path):
    with open(path) as f:
        return json.load(f)


def wr(path, value):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w') as f:
        if isinstance(value, str):
            f.write(value)
        else:
            f.write(json.dumps(value, indent=2) + '\n')


def rename(value, pairs):
    text = json.dumps(value) if not isinstance(value, str) else value
    for old, new in pairs:
        text = text.replace(old, new)
    return text if isinstance(value, str) else json.loads(text)


def stack_files(app, prefix):
    """pre.refactor/ files of the stack named exactly `prefix`-<RANDOM>."""
    d = os.path.join(app, 'pre.refactor')
    out = {}
    for f in sorted(os.listdir(d)):
        stem = f.split('.')[0]
        if stem.startswith(prefix + '-') and '-' not in stem[len(prefix) + 1:]:
            out[f] = os.path.join(d, f)
    return out


class App:
    def __init__(self):
        shutil.rmtree(OUT, ignore_errors=True)
        # backend-only's Gen1 environment, whole.
        shutil.copytree(os.path.join(BO, 'amplify'), os.path.join(OUT, 'amplify'))
        os.makedirs(os.path.join(OUT, 'pre.refactor'))
        for f in sorted(os.listdir(os.path.join(BO, 'pre.refactor'))):
            if f.startswith(ROOT + '.') or f.startswith(ROOT + '-'):
                shutil.copy(os.path.join(BO, 'pre.refactor', f), os.path.join(OUT, 'pre.refactor', f))
        self.meta = rd(self.p('amplify/backend/amplify-meta.json'))
        self.config = rd(self.p('amplify/backend/backend-config.json'))
        self.tpi = rd(self.p('amplify/team-provider-info.json'))
        self.roots = {path: rd(self.p(path)) for path in ROOT_COPIES}
        self.roots[f'pre.refactor/{ROOT}.template.json'] = rd(self.p(f'pre.refactor/{ROOT}.template.json'))

    def p(self, rel):
        return os.path.join(OUT, rel)

    def add_storage(self, src_app, src_root, name, logical_stack_suffix, pairs, backend_files,
                    cloud_files, template_key):
        """Adds storage resource `name`: `pairs` rename the source's files."""
        src_name = rename(name, [(b, a) for a, b in pairs[::-1]])
        src_meta = rd(os.path.join(src_app, 'amplify/backend/amplify-meta.json'))['storage'][src_name]
        src_config = rd(os.path.join(src_app, 'amplify/backend/backend-config.json'))['storage'][src_name]
        meta = rename(src_meta, pairs)
        meta['providerMetadata']['s3TemplateURL'] = (
            f'https://s3.amazonaws.com/{BUCKET}/amplify-cfn-templates/storage/{template_key}')
        self.meta['storage'][name] = meta
        self.config['storage'][name] = rename(src_config, pairs)
        self.tpi['main']['categories']['storage'][name] = {}
        for rel in backend_files:
            wr(self.p(rename(rel, pairs)), rename(rd(os.path.join(src_app, rel)), pairs))
        for rel in cloud_files:
            wr(self.p(rename(rel, pairs)), rename(rd(os.path.join(src_app, rel)), pairs))
        src_root_tmpl = rd(os.path.join(src_app, 'pre.refactor', src_root + '.template.json'))
        resource = rename(src_root_tmpl['Resources']['storage' + src_name], pairs)
        resource['Properties']['TemplateURL'] = meta['providerMetadata']['s3TemplateURL']
        for tmpl in self.roots.values():
            tmpl['Resources']['storage' + name] = resource
        for f, path in stack_files(src_app, f'{src_root}-storage{src_name}').items():
            suffix = f[len(f'{src_root}-storage{src_name}-'):]
            random_id, ext = suffix.split('.', 1)
            new = f'{ROOT}-storage{name}-{logical_stack_suffix or random_id}.{ext}'
            if ext.endswith('.json'):
                wr(self.p(f'pre.refactor/{new}'), rename(rd(path), pairs))
            else:
                with open(path) as fh:
                    wr(self.p(f'pre.refactor/{new}'), rename(fh.read(), pairs))

    def write(self):
        wr(self.p('amplify/backend/amplify-meta.json'), self.meta)
        wr(self.p('amplify/backend/backend-config.json'), self.config)
        wr(self.p('amplify/team-provider-info.json'), self.tpi)
        for path, tmpl in self.roots.items():
            wr(self.p(path), tmpl)


def main():
    app = App()
    # A second bucket: backend-only's under another resource, bucket and
    # policy name (the bucket is <bucketName><env suffix>-main).
    s3_files = ['amplify/backend/storage/s3c31471c3/cli-inputs.json',
                'amplify/backend/storage/s3c31471c3/build/parameters.json']
    s3_cloud = [os.path.join(BUILD, 'storage/s3c31471c3/build/cloudformation-template.json')]
    app.add_storage(BO, ROOT, 's3a7e2b9d4', '1K3V7ZQ2M9XAP',
                    [('c31471c3', 'a7e2b9d4'), ('backendonlycb1a13ab', 'backendonlyarchive0')],
                    s3_files, s3_cloud, 's3a7e2b9d4-cloudformation-template.json')
    # discussions' `activity` table, renamed to this project, and a copy.
    di_root = 'amplify-discussions-main-d5a80'
    project = [('amplify-discussions-main-d5a80', ROOT), ('discussions', 'backendonly')]
    ddb_files = ['amplify/backend/storage/activity/cli-inputs.json',
                 'amplify/backend/storage/activity/build/parameters.json']
    ddb_cloud = [os.path.join(BUILD, 'storage/activity/build/activity-cloudformation-template.json')]
    app.add_storage(DI, di_root, 'activity', None, project, ddb_files, ddb_cloud,
                    'activity-cloudformation-template.json')
    app.add_storage(DI, di_root, 'auditlog', '2QW8E4RT6Y1UI', project + [('activity', 'auditlog')],
                    ddb_files, ddb_cloud, 'auditlog-cloudformation-template.json')
    app.write()


if __name__ == '__main__':
    main()
