import { readFileSync } from 'node:fs';
import { CfnResource, RemovalPolicy } from 'aws-cdk-lib';
import { Construct } from 'constructs';

type Gen1ResourceDefinition = {
  Type: string;
  Properties?: Record<string, unknown>;
  DependsOn?: string | string[];
  DeletionPolicy?: string;
};

export type Gen1Template = { Resources: Record<string, Gen1ResourceDefinition> };

/** A moved stateful resource: the property that names it and its Gen1 name. */
export type Gen1Name = { property: string; name: string };

export type Gen1ResourceOptions = {
  /** Values for the Gen1 template's parameters and cross-stack attributes. */
  refs: Record<string, unknown>;
  /** Post-refactor only: logical id -> the deployed name to keep. */
  names?: Record<string, Gen1Name>;
  /**
   * Both phases: logical id -> the Gen1 resource it stands for (its key in
   * migration.json), set as `flightplan:gen1` metadata; refactor finds the
   * destination of each moved resource by it.
   */
  identities?: Record<string, string>;
  /** Keep the Gen1 logical ids (needed for resources that refactor moves). */
  keepLogicalIds: boolean;
  /** Without kept ids: a construct id that keeps these apart from others. */
  group?: string;
};

/** Reads amplify/gen1/<file>: a Gen1 template as deployed, with names removed. */
export function readGen1Template(file: string): Gen1Template {
  const url = new URL(`./${file}`, import.meta.url);
  return JSON.parse(readFileSync(url, 'utf8')) as Gen1Template;
}

/** Adds every resource of `template` to `scope`; returns them by logical id. */
export function addGen1Resources(
  scope: Construct,
  template: Gen1Template,
  options: Gen1ResourceOptions,
): Record<string, CfnResource> {
  const created: Record<string, CfnResource> = {};
  const parent = options.group === undefined ? scope : new Construct(scope, options.group);
  for (const [id, definition] of Object.entries(template.Resources)) {
    const resource = new CfnResource(parent, id, { type: definition.Type });
    if (options.keepLogicalIds) resource.overrideLogicalId(id);
    created[id] = resource;
  }
  const substitute = (value: unknown, where: string): unknown => {
    if (Array.isArray(value)) return value.map((item) => substitute(item, where));
    if (value === null || typeof value !== 'object') return value;
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 1) {
      const [fn, arg] = entries[0];
      if (fn === 'Ref' && typeof arg === 'string') {
        if (arg in options.refs) return options.refs[arg];
        if (arg in created) return created[arg].ref;
        if (arg.startsWith('AWS::')) return value;
        throw new Error(`${where}: Gen1 parameter "${arg}" has no Gen2 value; add it to refs in amplify/backend.ts`);
      }
      if (fn === 'Fn::GetAtt' && Array.isArray(arg) && arg.length === 2) {
        const key = `${String(arg[0])}.${String(arg[1])}`;
        if (key in options.refs) return options.refs[key];
        if (String(arg[0]) in created) return created[String(arg[0])].getAtt(String(arg[1]));
        throw new Error(`${where}: Gen1 attribute "${key}" has no Gen2 value; add it to refs in amplify/backend.ts`);
      }
    }
    return Object.fromEntries(entries.map(([key, item]) => [key, substitute(item, where)]));
  };
  for (const [id, definition] of Object.entries(template.Resources)) {
    const resource = created[id];
    for (const [key, value] of Object.entries(definition.Properties ?? {})) {
      resource.addPropertyOverride(key, substitute(value, id));
    }
    const dependsOn = definition.DependsOn === undefined ? [] : [definition.DependsOn].flat();
    for (const dependency of dependsOn) {
      if (dependency in created) resource.addResourceDependency(created[dependency]);
    }
    if (definition.DeletionPolicy === 'Retain') resource.applyRemovalPolicy(RemovalPolicy.RETAIN);
  }
  for (const [id, key] of Object.entries(options.identities ?? {})) {
    created[id].addMetadata('flightplan:gen1', key);
  }
  for (const [id, { property, name }] of Object.entries(options.names ?? {})) {
    created[id].addPropertyOverride(property, name);
    created[id].applyRemovalPolicy(RemovalPolicy.RETAIN);
  }
  return created;
}
