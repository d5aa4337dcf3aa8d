import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CrdSchemas, toCelValue } from '../src/validation/crd-schema';

const schemas = CrdSchemas.fromYaml(fs.readFileSync(path.join(__dirname, 'fixtures', 'widget-crd.yaml'), 'utf8'));
const widget = (spec: Record<string, unknown>) => ({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec });

describe('CrdSchemas', () => {
  test('parsed schemas are cached by the text\'s hash; a damaged cache file is parsed again', () => {
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'crd-cache-'));
    const previous = process.env.CDK8S_ISTIO_CANARY_CACHE;
    process.env.CDK8S_ISTIO_CANARY_CACHE = folder;
    try {
      const text = fs.readFileSync(path.join(__dirname, 'fixtures', 'widget-crd.yaml'), 'utf8');
      const parsed = CrdSchemas.fromYaml(text);
      const files = fs.readdirSync(folder);
      expect(files).toEqual([expect.stringMatching(/^crds-[0-9a-f]{64}\.json$/)]);
      const cached = CrdSchemas.fromYaml(text);
      expect(cached.size).toBe(1);
      expect(cached.schemaFor('example.com/v1', 'Widget')).toEqual(parsed.schemaFor('example.com/v1', 'Widget'));
      fs.writeFileSync(path.join(folder, files[0]), '{ not json');
      expect(CrdSchemas.fromYaml(text).schemaFor('example.com/v1', 'Widget')).toEqual(parsed.schemaFor('example.com/v1', 'Widget'));
      expect(JSON.parse(fs.readFileSync(path.join(folder, files[0]), 'utf8'))).toHaveLength(1); // rewritten whole
    } finally {
      if (previous === undefined) delete process.env.CDK8S_ISTIO_CANARY_CACHE;
      else process.env.CDK8S_ISTIO_CANARY_CACHE = previous;
    }
  });

  test('loads the kinds of a CRD file and ignores other kinds', () => {
    expect(schemas.size).toBe(1);
    expect(schemas.validate({ apiVersion: 'v1', kind: 'Service' })).toBeUndefined();
    expect(schemas.validate({ apiVersion: 'example.com/v2', kind: 'Widget' })).toBeUndefined();
  });

  test('a valid object has no findings', () => {
    expect(schemas.validate(widget({
      size: 3,
      ratio: 0.5,
      color: 'red',
      name: 'abc',
      port: 'http',
      timeout: '5s',
      hosts: ['a.example.com'],
      labels: { a: 'b' },
      free: { anything: [1, { x: 2 }] },
      endpoint: 'https://example.com',
      mode: { simple: 'x' },
      ports: [{ number: 80 }, { number: 443 }],
      previous: 'kept',
    }))).toEqual([]);
  });

  test.each([
    ['a missing required field', {}, 'spec.size', 'is required'],
    ['a wrong type', { size: 'big' }, 'spec.size', 'must be of type integer (got string "big")'],
    ['a fraction for an integer', { size: 1.5 }, 'spec.size', 'must be of type integer (got number 1.5)'],
    ['below minimum', { size: 0 }, 'spec.size', 'must be at least 1 (got 0)'],
    ['above maximum', { size: 11 }, 'spec.size', 'must be at most 10 (got 11)'],
    ['a value outside the enum', { size: 1, color: 'blue' }, 'spec.color', 'must be one of "red", "green" (got "blue")'],
    ['too long', { size: 1, name: 'abcdef' }, 'spec.name', 'must be at most 5 characters (got 6)'],
    ['against the pattern', { size: 1, name: 'ab1' }, 'spec.name', 'must match the pattern ^[a-z]+$ (got "ab1")'],
    ['neither int nor string', { size: 1, port: true }, 'spec.port', 'must be of type integer or string (got boolean true)'],
    ['too many items', { size: 1, hosts: ['a', 'b', 'c'] }, 'spec.hosts', 'must have at most 2 items'],
    ['an unknown field', { size: 1, colour: 'red' }, 'spec.colour', 'is an unknown field'],
    ['a wrongly typed map value', { size: 1, labels: { a: 1 } }, 'spec.labels.a', 'must be of type string (got number 1)'],
    ['null where not nullable', { size: 1, name: null }, 'spec.name', 'must not be null'],
    ['both oneOf alternatives', { size: 1, mode: { simple: 'a', fancy: 'b' } }, 'spec.mode', 'must match exactly one of 3 alternatives'],
    ['a failing CEL rule', { size: 1, timeout: '0s' }, 'spec.timeout', "must be at least 1ms (rule `duration(self) >= duration('1ms')` failed)"],
    ['a CEL rule on list items', { size: 1, hosts: ['*.example.com'] }, 'spec.hosts[0]', 'no wildcards'],
    ['a CEL rule over a list', { size: 1, ports: [{ number: 80 }, { number: 80 }] }, 'spec.ports', 'port numbers must be unique'],
    ['the Kubernetes url() library', { size: 1, endpoint: 'ftp://example.com' }, 'spec.endpoint', 'http or https only'],
    ['a CEL rule that cannot be evaluated', { size: 1, timeout: 'soon' }, 'spec.timeout', 'could not be evaluated'],
  ])('reports %s', (_what, spec, at, message) => {
    const findings = schemas.validate(widget(spec))!;
    expect(findings).toEqual(expect.arrayContaining([{ path: at, message: expect.stringContaining(message) }]));
  });

  test('CEL values follow the schema: integers become ints, numbers stay doubles, objects become maps', () => {
    const schema = { type: 'object' as const, properties: { n: { type: 'integer' as const }, r: { type: 'number' as const } } };
    const value = toCelValue({ n: 3, r: 3 }, schema) as Map<string, unknown>;
    expect(value.get('n')).toBe(3n);
    expect(value.get('r')).toBe(3);
  });
});
