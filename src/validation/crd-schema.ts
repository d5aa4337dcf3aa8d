/**
 * Validates Kubernetes objects against the OpenAPI v3 schemas of CustomResourceDefinitions, the way
 * `kubectl apply` (strict field validation) and the kube-apiserver do: structure, types, enums, bounds,
 * patterns, unknown fields, oneOf/anyOf/allOf/not, and `x-kubernetes-validations` CEL rules.
 * Plain functions over plain data: no constructs, no cluster.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { RE2JS } from '@bufbuild/re2';
import { parseAllDocuments } from 'yaml';
import { evaluateRule, isTransitionRule } from './cel';

/** The subset of OpenAPI v3 that structural CRD schemas use. */
export interface JsonSchema {
  readonly 'type'?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  readonly 'properties'?: Record<string, JsonSchema>;
  readonly 'additionalProperties'?: JsonSchema | boolean;
  readonly 'items'?: JsonSchema;
  readonly 'required'?: string[];
  readonly 'enum'?: unknown[];
  readonly 'format'?: string;
  readonly 'pattern'?: string;
  readonly 'minimum'?: number;
  readonly 'maximum'?: number;
  readonly 'exclusiveMinimum'?: boolean;
  readonly 'exclusiveMaximum'?: boolean;
  readonly 'minLength'?: number;
  readonly 'maxLength'?: number;
  readonly 'minItems'?: number;
  readonly 'maxItems'?: number;
  readonly 'minProperties'?: number;
  readonly 'maxProperties'?: number;
  readonly 'nullable'?: boolean;
  readonly 'default'?: unknown;
  readonly 'oneOf'?: JsonSchema[];
  readonly 'anyOf'?: JsonSchema[];
  readonly 'allOf'?: JsonSchema[];
  readonly 'not'?: JsonSchema;
  readonly 'x-kubernetes-int-or-string'?: boolean;
  readonly 'x-kubernetes-preserve-unknown-fields'?: boolean;
  readonly 'x-kubernetes-validations'?: Array<{ rule: string; message?: string; messageExpression?: string }>;
}

/** One problem with an object, at a field path such as `spec.http[0].route[1].weight`. */
export interface SchemaFinding {
  readonly path: string;
  readonly message: string;
}

/** The schemas of a set of CRDs, by `<group>/<version>` and kind. */
export class CrdSchemas {
  /**
   * Reads every CustomResourceDefinition in a multi-document YAML text. Parsing megabytes of CRD YAML is most of
   * a validation's time, so the schemas of a text are kept in a cache folder by the text's hash and read from there
   * next time (`CDK8S_ISTIO_CANARY_CACHE`, else `node_modules/.cache/cdk8s-istio-canary` or the temp folder).
   */
  public static fromYaml(text: string): CrdSchemas {
    const file = path.join(cacheFolder(), `crds-${createHash('sha256').update(text).digest('hex')}.json`);
    try {
      const schemas = new CrdSchemas();
      for (const [k, schema] of JSON.parse(fs.readFileSync(file, 'utf8')) as Array<[string, JsonSchema]>) schemas.byKey.set(k, schema);
      return schemas;
    } catch {
      // not cached yet, or unreadable: parse the YAML
    }
    const schemas = CrdSchemas.parseYaml(text);
    try {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(`${file}.${process.pid}`, JSON.stringify([...schemas.byKey]));
      fs.renameSync(`${file}.${process.pid}`, file); // whole or not at all, when synths run side by side
    } catch {
      // a read-only folder only costs the next run the parse
    }
    return schemas;
  }

  /** Reads CRDs from files, and from every .yaml/.yml/.json file in the folders named. */
  public static fromPaths(paths: string[]): CrdSchemas {
    return CrdSchemas.merge(paths.flatMap(listFiles).map((file) => CrdSchemas.fromYaml(fs.readFileSync(file, 'utf8'))));
  }

  /** One set with the schemas of all `sets`; a later set's schema of a kind version wins. */
  public static merge(sets: readonly CrdSchemas[]): CrdSchemas {
    const merged = new CrdSchemas();
    for (const set of sets) set.byKey.forEach((schema, k) => merged.byKey.set(k, schema));
    return merged;
  }

  private static parseYaml(text: string): CrdSchemas {
    const schemas = new CrdSchemas();
    for (const doc of parseAllDocuments(text)) {
      const crd = doc.toJS();
      if (crd?.kind !== 'CustomResourceDefinition') continue;
      const { group, names, versions } = crd.spec ?? {};
      for (const version of versions ?? []) {
        const schema = version.schema?.openAPIV3Schema;
        if (schema) schemas.byKey.set(key(`${group}/${version.name}`, names.kind), schema);
      }
    }
    return schemas;
  }

  private readonly byKey = new Map<string, JsonSchema>();

  /** Number of kind versions loaded. */
  public get size(): number {
    return this.byKey.size;
  }

  /** The schema of a kind in an API version, if loaded. */
  public schemaFor(apiVersion: string, kind: string): JsonSchema | undefined {
    return this.byKey.get(key(apiVersion, kind));
  }

  /**
   * Validates one object. Returns undefined when no loaded CRD defines its kind in its API version
   * (core kinds, or CRDs the caller did not load).
   */
  public validate(obj: { apiVersion?: string; kind?: string; [field: string]: unknown }): SchemaFinding[] | undefined {
    const schema = this.schemaFor(obj.apiVersion ?? '', obj.kind ?? '');
    return schema ? validateCustomResource(obj, schema) : undefined;
  }
}

/** Where parsed CRD schemas are kept between runs. */
function cacheFolder(): string {
  if (process.env.CDK8S_ISTIO_CANARY_CACHE) return process.env.CDK8S_ISTIO_CANARY_CACHE;
  const nodeModules = path.join(process.cwd(), 'node_modules');
  return path.join(fs.existsSync(nodeModules) ? path.join(nodeModules, '.cache') : os.tmpdir(), 'cdk8s-istio-canary');
}

function key(apiVersion: string, kind: string): string {
  return `${apiVersion}|${kind}`;
}

function listFiles(p: string): string[] {
  if (!fs.statSync(p).isDirectory()) return [p];
  return fs.readdirSync(p).sort().filter((f) => /\.(ya?ml|json)$/.test(f)).map((f) => path.join(p, f));
}

/** Validates a whole custom resource: apiVersion, kind and metadata are implicit in every CRD schema. */
export function validateCustomResource(obj: Record<string, any>, schema: JsonSchema): SchemaFinding[] {
  const implicit: Record<string, JsonSchema> = {
    apiVersion: { type: 'string' },
    kind: { type: 'string' },
    metadata: { 'type': 'object', 'x-kubernetes-preserve-unknown-fields': true },
  };
  const whole: JsonSchema = { ...schema, properties: { ...implicit, ...schema.properties } };
  return validateValue(withDefaults(obj, whole), whole, '');
}

/**
 * The value with the schema's `default`s filled in where a field is absent, as the kube-apiserver does before it
 * validates: CEL rules read defaulted fields (Gateway API's `backendRef.group`, say) as if they had been written.
 */
export function withDefaults(value: unknown, schema: JsonSchema): unknown {
  if (Array.isArray(value)) return schema.items ? value.map((item) => withDefaults(item, schema.items!)) : value;
  if (!isObject(value)) return value;
  const result: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const child = schema.properties?.[k] ?? (typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined);
    result[k] = child ? withDefaults(v, child) : v;
  }
  for (const [k, child] of Object.entries(schema.properties ?? {})) {
    if (!(k in result) && child.default !== undefined) result[k] = withDefaults(structuredClone(child.default), child);
  }
  return result;
}

/** Validates a value against a schema; `at` is the value's field path. */
export function validateValue(value: unknown, schema: JsonSchema, at: string): SchemaFinding[] {
  const findings: SchemaFinding[] = [];
  const fail = (message: string, where = at) => findings.push({ path: where || '<root>', message });

  if (value === null) {
    if (!schema.nullable) fail('must not be null');
    return findings;
  }
  if (!checkType(value, schema)) {
    fail(`must be of type ${schema['x-kubernetes-int-or-string'] ? 'integer or string' : schema.type} (got ${describe(value)})`);
    return findings;
  }
  if (schema.enum && !schema.enum.some((e) => e === value)) {
    fail(`must be one of ${schema.enum.map((e) => JSON.stringify(e)).join(', ')} (got ${JSON.stringify(value)})`);
  }
  if (typeof value === 'number') checkNumber(value, schema, fail);
  if (typeof value === 'string') checkString(value, schema, fail);
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems) fail(`must have at least ${schema.minItems} items`);
    if (schema.maxItems !== undefined && value.length > schema.maxItems) fail(`must have at most ${schema.maxItems} items`);
    if (schema.items) value.forEach((item, i) => findings.push(...validateValue(item, schema.items!, `${at}[${i}]`)));
  } else if (isObject(value)) {
    findings.push(...validateObject(value, schema, at));
  }
  findings.push(...checkCombinators(value, schema, at));
  if (findings.length === 0) findings.push(...checkRules(value, schema, at));
  return findings;
}

function validateObject(value: Record<string, unknown>, schema: JsonSchema, at: string): SchemaFinding[] {
  const findings: SchemaFinding[] = [];
  const keys = Object.keys(value);
  for (const required of schema.required ?? []) {
    if (!(required in value)) findings.push({ path: join(at, required), message: 'is required' });
  }
  if (schema.minProperties !== undefined && keys.length < schema.minProperties) {
    findings.push({ path: at || '<root>', message: `must have at least ${schema.minProperties} fields` });
  }
  if (schema.maxProperties !== undefined && keys.length > schema.maxProperties) {
    findings.push({ path: at || '<root>', message: `must have at most ${schema.maxProperties} fields` });
  }
  for (const k of keys) {
    const child = schema.properties?.[k];
    if (child) {
      findings.push(...validateValue(value[k], child, join(at, k)));
    } else if (typeof schema.additionalProperties === 'object') {
      findings.push(...validateValue(value[k], schema.additionalProperties, join(at, k)));
    } else if (schema.properties && schema.additionalProperties !== true && !schema['x-kubernetes-preserve-unknown-fields']) {
      findings.push({ path: join(at, k), message: 'is an unknown field' });
    }
  }
  return findings;
}

/** oneOf, anyOf, allOf and not: in structural schemas they carry value validations such as `required`. */
function checkCombinators(value: unknown, schema: JsonSchema, at: string): SchemaFinding[] {
  const matches = (s: JsonSchema) => validateValue(value, withoutRules(s), at).length === 0;
  const where = at || '<root>';
  const findings: SchemaFinding[] = [];
  if (schema.oneOf && schema.oneOf.filter(matches).length !== 1) {
    findings.push({ path: where, message: `must match exactly one of ${schema.oneOf.length} alternatives (${describeAlternatives(schema.oneOf)})` });
  }
  if (schema.anyOf && !schema.anyOf.some(matches)) {
    findings.push({ path: where, message: `must match at least one of ${describeAlternatives(schema.anyOf)}` });
  }
  for (const s of schema.allOf ?? []) findings.push(...validateValue(value, s, at));
  if (schema.not && matches(schema.not)) {
    findings.push({ path: where, message: 'matches a schema it must not match' });
  }
  return findings;
}

function withoutRules(schema: JsonSchema): JsonSchema {
  const { ['x-kubernetes-validations']: _rules, ...rest } = schema;
  return rest;
}

function describeAlternatives(alternatives: JsonSchema[]): string {
  const names = alternatives.map((a) => (a.required ? a.required.join('+') : a.not ? 'none of them' : 'other'));
  return `set ${names.join(' | ')}`;
}

function checkRules(value: unknown, schema: JsonSchema, at: string): SchemaFinding[] {
  const rules = schema['x-kubernetes-validations'];
  if (!rules) return [];
  const findings: SchemaFinding[] = [];
  const self = toCelValue(value, schema);
  for (const { rule, message } of rules) {
    if (isTransitionRule(rule)) continue;
    const outcome = evaluateRule(rule, self);
    if (!outcome.ok) {
      const why = outcome.error ? `could not be evaluated: ${outcome.error}` : 'failed';
      findings.push({ path: at || '<root>', message: `${message ?? 'validation rule'} (rule \`${rule}\` ${why})` });
    }
  }
  return findings;
}

/**
 * Converts JSON to the CEL values a kube-apiserver binds to `self`: integers as CEL ints (bigint), objects as
 * maps, following the schema so that `type: number` stays a double and int-or-string numbers become ints.
 */
export function toCelValue(value: unknown, schema: JsonSchema | undefined): unknown {
  if (typeof value === 'number') {
    const isInt = schema?.type === 'integer' || schema?.['x-kubernetes-int-or-string'] || (!schema?.type && Number.isInteger(value));
    return isInt && Number.isInteger(value) ? BigInt(value) : value;
  }
  if (Array.isArray(value)) return value.map((item) => toCelValue(item, schema?.items));
  if (isObject(value)) {
    return new Map(Object.entries(value).map(([k, v]) => {
      const child = schema?.properties?.[k] ?? (typeof schema?.additionalProperties === 'object' ? schema.additionalProperties : undefined);
      return [k, toCelValue(v, child)];
    }));
  }
  return value;
}

function checkType(value: unknown, schema: JsonSchema): boolean {
  if (schema['x-kubernetes-int-or-string']) return typeof value === 'string' || Number.isInteger(value);
  switch (schema.type) {
    case undefined: return true;
    case 'object': return isObject(value);
    case 'array': return Array.isArray(value);
    case 'string': return typeof value === 'string';
    case 'integer': return Number.isInteger(value);
    case 'number': return typeof value === 'number' && Number.isFinite(value);
    case 'boolean': return typeof value === 'boolean';
  }
}

function checkNumber(value: number, schema: JsonSchema, fail: (m: string) => void): void {
  if (schema.minimum !== undefined && (schema.exclusiveMinimum ? value <= schema.minimum : value < schema.minimum)) {
    fail(`must be ${schema.exclusiveMinimum ? 'greater than' : 'at least'} ${schema.minimum} (got ${value})`);
  }
  if (schema.maximum !== undefined && (schema.exclusiveMaximum ? value >= schema.maximum : value > schema.maximum)) {
    fail(`must be ${schema.exclusiveMaximum ? 'less than' : 'at most'} ${schema.maximum} (got ${value})`);
  }
  if (schema.format === 'int32' && (value < -(2 ** 31) || value >= 2 ** 31)) fail(`must fit in a 32-bit integer (got ${value})`);
}

function checkString(value: string, schema: JsonSchema, fail: (m: string) => void): void {
  const length = [...value].length;
  if (schema.minLength !== undefined && length < schema.minLength) fail(`must be at least ${schema.minLength} characters (got ${JSON.stringify(value)})`);
  if (schema.maxLength !== undefined && length > schema.maxLength) fail(`must be at most ${schema.maxLength} characters (got ${length})`);
  if (schema.pattern !== undefined && !new RE2JS(schema.pattern).test(value)) {
    fail(`must match the pattern ${schema.pattern} (got ${JSON.stringify(value)})`);
  }
  if (schema.format === 'date-time' && Number.isNaN(Date.parse(value))) fail(`must be an RFC 3339 date-time (got ${JSON.stringify(value)})`);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${JSON.stringify(value)}`;
}

function join(at: string, field: string): string {
  return at ? `${at}.${field}` : field;
}
