/**
 * Any YAML (issue 25, item 3): wrong types, nulls, missing fields, unknown kinds, `kind: List`, several versions of an
 * object and empty documents. A property test mutates real manifests (the example charts, Istio's Bookinfo samples)
 * and checks that the analysis, explain, report, diff and the CLI give an answer or a clear Error, never a crash.
 * FC_RUNS sets the number of runs (default 1000); FC_SEED and FC_PATH replay a failure.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Testing } from 'cdk8s';
import * as fc from 'fast-check';
import { parseAllDocuments, stringify } from 'yaml';
import { addExampleCharts } from '../examples/charts';
import { K8sObject, analyze, diffTraffic, explain, formatExplanation, renderReport, summarize } from '../src/analysis';
import { loadManifests, main } from '../src/cli/main';

const UPSTREAM = '/work/shared/upstream/istio-1.30.3';
const RUNS = Number(process.env.FC_RUNS ?? 1000);

function readYaml(file: string): K8sObject[] {
  return parseAllDocuments(fs.readFileSync(file, 'utf8')).map((d) => d.toJS()).filter((o) => o && typeof o === 'object');
}

function yamlFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir).sort().filter((f) => /\.ya?ml$/.test(f)).map((f) => path.join(dir, f));
}

/** The manifest sets mutated: each example chart, Bookinfo with each networking sample, Bookinfo with each Gateway API route. */
function originals(): K8sObject[][] {
  const app = Testing.app();
  const sets: K8sObject[][] = addExampleCharts(app).map((chart) => chart.toJson());
  const istio = path.join(UPSTREAM, 'bookinfo-networking');
  const platform = [...readYaml(path.join(istio, 'platform', 'bookinfo.yaml')), ...readYaml(path.join(istio, 'platform', 'bookinfo-versions.yaml'))];
  for (const file of yamlFiles(path.join(istio, 'networking'))) sets.push([...platform, ...readYaml(file)]);
  const gwapi = path.join(UPSTREAM, 'bookinfo-gateway-api');
  const gwPlatform = [...readYaml(path.join(gwapi, 'platform', 'bookinfo.yaml')), ...readYaml(path.join(gwapi, 'platform', 'bookinfo-versions.yaml'))];
  for (const file of yamlFiles(path.join(gwapi, 'gateway-api'))) sets.push([...gwPlatform, ...readYaml(file)]);
  return sets;
}

const SETS = originals();
const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x));

/** Every field path of a value (objects and arrays), root excluded. */
function pathsOf(value: unknown, prefix: Array<string | number> = [], out: Array<Array<string | number>> = []): Array<Array<string | number>> {
  if (Array.isArray(value)) {
    value.forEach((v, i) => { out.push([...prefix, i]); pathsOf(v, [...prefix, i], out); });
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) { out.push([...prefix, k]); pathsOf(v, [...prefix, k], out); }
  }
  return out;
}

const REPLACEMENTS: unknown[] = [null, 0, 42, -1, 1.5, '', 'x', '[object]', true, {}, { a: 1 }, [], [null], [1, 'x'], [{}], undefined];

interface Mutation { readonly op: number; readonly target: number; readonly at: number; readonly value: number }

function setAt(obj: any, p: Array<string | number>, value: unknown): void {
  let node = obj;
  for (const key of p.slice(0, -1)) node = node[key];
  const last = p[p.length - 1];
  if (value === undefined) {
    if (Array.isArray(node) && typeof last === 'number') node.splice(last, 1); else delete node[last];
  } else {
    node[last] = value;
  }
}

/** Applies one mutation to the list of documents (any value: objects, nulls, scalars). */
function mutate(docs: unknown[], m: Mutation): void {
  if (docs.length === 0) return;
  const i = m.target % docs.length;
  const doc = docs[i];
  const replacement = clone(REPLACEMENTS[m.value % REPLACEMENTS.length] ?? null);
  switch (m.op % 10) {
    case 0: case 1: case 2: case 3: { // a field of any depth gets a value of another type, or goes
      const paths = pathsOf(doc);
      if (paths.length === 0) return;
      setAt(doc, paths[m.at % paths.length], m.value % REPLACEMENTS.length === REPLACEMENTS.length - 1 ? undefined : replacement);
      return;
    }
    case 4: // an unknown kind
      if (doc && typeof doc === 'object') (doc as any).kind = ['Frobnicator', 'virtualservice', '', 'List'][m.at % 4];
      return;
    case 5: // wrapped in a List
      docs[i] = { apiVersion: 'v1', kind: 'List', items: m.at % 3 === 0 ? replacement : [doc] };
      return;
    case 6: { // a second version of the object, its spec changed
      const copy = clone(doc) as any;
      if (copy && typeof copy === 'object') {
        const paths = pathsOf(copy.spec ?? {}).map((p) => ['spec', ...p]);
        if (paths.length > 0) setAt(copy, paths[m.at % paths.length], replacement);
      }
      docs.splice((m.at % (docs.length + 1)), 0, copy);
      return;
    }
    case 7: // an empty document or a scalar one
      docs.splice(m.at % (docs.length + 1), 0, [null, 'text', 42, []][m.value % 4]);
      return;
    case 8: // the whole object, or its spec or metadata, of another type
      if (m.at % 3 === 0) docs[i] = replacement;
      else if (doc && typeof doc === 'object') (doc as any)[m.at % 3 === 1 ? 'spec' : 'metadata'] = replacement;
      return;
    default: // an object removed
      docs.splice(i, 1);
  }
}

/** Hosts and gateways to explain, from the original manifests. */
function requestsOf(objects: readonly K8sObject[]): Array<{ host: string; gateway?: string; path?: string; headers?: Record<string, string> }> {
  const hosts = new Set<string>();
  const gateways: string[] = [];
  for (const o of objects) {
    const ns = o.metadata?.namespace ?? 'default';
    if (o.kind === 'VirtualService') for (const h of o.spec?.hosts ?? []) hosts.add(`${h}`);
    if (o.kind === 'HTTPRoute') for (const h of o.spec?.hostnames ?? []) hosts.add(`${h}`);
    if (o.kind === 'Service') hosts.add(`${o.metadata?.name}.${ns}`);
    if (o.kind === 'Gateway') gateways.push(`${ns}/${o.metadata?.name}`);
  }
  const list = [...hosts].slice(0, 3);
  return [
    ...list.map((host) => ({ host, headers: { 'end-user': 'jason', 'env': 'gray' } })),
    ...gateways.slice(0, 1).flatMap((gateway) => list.slice(0, 2).map((host) => ({ host: host.replace(/^\*\./, 'a.'), gateway, path: '/productpage' }))),
  ];
}

const REF = /\b[A-Z][A-Za-z]+ [^\s/]*\/?\S+/;

/** Calls `f`; it returns, or throws an Error (not a TypeError or RangeError) whose message names an object. */
function answers(what: string, f: () => unknown, names: RegExp = REF): void {
  try {
    const value = f();
    if (typeof value === 'string') expect(value).not.toContain('[object Object]');
  } catch (e) {
    const error = e as Error;
    const detail = `${what}: ${error?.constructor?.name}: ${error?.message}\n${error?.stack}`;
    if (!(error instanceof Error) || error instanceof TypeError || error instanceof RangeError) throw new Error(`crash in ${detail}`);
    if (/undefined|\[object Object\]/.test(error.message) || !names.test(error.message)) throw new Error(`unclear error in ${detail}`);
  }
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'any-yaml-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
let runs = 0;

/** Writes the documents as YAML files (some garbage ones too) into a new folder and runs the CLI over it. */
function cli(docs: unknown[], original: K8sObject[], garbage: number): void {
  const dir = path.join(tmp, `run-${runs++}`);
  fs.mkdirSync(dir);
  const half = Math.ceil(docs.length / 2);
  const text = (list: unknown[]) => list.map((d) => (d === undefined ? '' : stringify(d))).join('---\n');
  fs.writeFileSync(path.join(dir, 'a.yaml'), text(docs.slice(0, half)));
  fs.writeFileSync(path.join(dir, 'b.yaml'), text(docs.slice(half)));
  if (garbage % 5 === 1) fs.writeFileSync(path.join(dir, 'c.yaml'), 'kind: [unclosed\n');
  if (garbage % 5 === 2) fs.writeFileSync(path.join(dir, 'c.yaml'), '---\njust text\n---\n');
  if (garbage % 5 === 3) fs.writeFileSync(path.join(dir, 'c.json'), '{"kind": ');
  fs.writeFileSync(path.join(tmp, `base-${runs}.yaml`), text(original));
  const err: string[] = [];
  const io = { out: () => undefined, err: (t: string) => err.push(t) };
  const host = requestsOf(original)[0]?.host ?? 'reviews';
  for (const argv of [['report', dir], ['explain', dir, '--host', host], ['diff', path.join(tmp, `base-${runs}.yaml`), dir]]) {
    let code = -1;
    answers(`istio-canary ${argv.join(' ')}`, () => { code = main(argv, io); });
    expect([0, 2]).toContain(code);
    if (code === 2) {
      const message = err.join('');
      // Names the file (and the document), never a stack.
      expect(message).toMatch(new RegExp(`${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/[abc]\\.(yaml|json)`));
      expect(message).not.toMatch(/undefined|\[object Object\]|\n\s+at /);
    }
    err.length = 0;
  }
  fs.rmSync(dir, { recursive: true, force: true });
}

describe('any YAML', () => {
  test('the sets to mutate are read', () => {
    expect(SETS.length).toBeGreaterThan(30);
    expect(SETS.every((s) => s.length > 0)).toBe(true);
  });

  test('mutated manifests: every function answers, or throws an Error naming the object; the CLI names the file', () => {
    const mutation = fc.record({ op: fc.nat(), target: fc.nat(), at: fc.nat(), value: fc.nat() });
    fc.assert(fc.property(fc.nat(), fc.array(mutation, { minLength: 1, maxLength: 6 }), fc.nat(), (which, mutations, garbage) => {
      const original = SETS[which % SETS.length];
      const docs: unknown[] = clone(original);
      for (const m of mutations) mutate(docs, m);
      const objects = docs as K8sObject[];
      answers('analyze', () => analyze(objects));
      for (const request of requestsOf(original)) answers(`explain ${JSON.stringify(request)}`, () => formatExplanation(explain(objects, request)));
      answers('summarize', () => JSON.stringify(summarize(objects)));
      answers('renderReport', () => renderReport(objects));
      answers('diffTraffic', () => diffTraffic(original, objects));
      answers('diffTraffic reversed', () => diffTraffic(objects, original));
      if (garbage % 4 === 0) cli(docs, original, garbage);
    }), { numRuns: RUNS, ...(process.env.FC_PATH ? { path: process.env.FC_PATH } : {}) });
  });
});

describe('loading', () => {
  const dir = fs.mkdtempSync(path.join(tmp, 'load-'));
  const err: string[] = [];
  const io = { out: () => undefined, err: (t: string) => err.push(t) };
  beforeEach(() => { err.length = 0; });

  test('a YAML parse error or a non-object document names the file and the document', () => {
    fs.writeFileSync(path.join(dir, 'bad.yaml'), 'kind: Service\n---\nkind: [unclosed\n');
    expect(main(['report', path.join(dir, 'bad.yaml')], io)).toBe(2);
    expect(err.join('')).toMatch(new RegExp(`^istio-canary: ${dir}/bad\\.yaml: not valid YAML \\(document 2\\): `));
    fs.writeFileSync(path.join(dir, 'bad.yaml'), 'kind: Service\n---\n- a list\n');
    err.length = 0;
    expect(main(['report', path.join(dir, 'bad.yaml')], io)).toBe(2);
    expect(err.join('')).toBe(`istio-canary: ${dir}/bad.yaml: document 2: a list, not a Kubernetes object\n`);
    fs.rmSync(path.join(dir, 'bad.yaml'));
  });

  test('empty documents, nulls and a kind: List are read', () => {
    fs.writeFileSync(path.join(dir, 'list.yaml'), '---\n---\napiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: Service, metadata: {name: a}}\n');
    expect(loadManifests([dir]).map((o) => o.kind)).toEqual(['List']);
    fs.rmSync(path.join(dir, 'list.yaml'));
  });
});

describe('several versions of one object', () => {
  const vs = (weightV2: number) => ({
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name: 'reviews', namespace: 'shop' },
    spec: {
      hosts: ['reviews'],
      http: [{ route: [{ destination: { host: 'reviews', subset: 'v1' }, weight: 100 - weightV2 }, { destination: { host: 'reviews', subset: 'v2' }, weight: weightV2 }] }],
    },
  });
  const rest = [
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'reviews', namespace: 'shop' }, spec: { selector: { app: 'reviews' }, ports: [{ name: 'http', port: 80 }] } },
    {
      apiVersion: 'networking.istio.io/v1',
      kind: 'DestinationRule',
      metadata: { name: 'reviews', namespace: 'shop' },
      spec: { host: 'reviews', subsets: [{ name: 'v1', labels: { version: 'v1' } }, { name: 'v2', labels: { version: 'v2' } }] },
    },
  ];

  test('the last one wins, files in the order kubectl reads them (sorted by name, folders walked in place), documents in order', () => {
    const dir = fs.mkdtempSync(path.join(tmp, 'dup-'));
    fs.mkdirSync(path.join(dir, 'b'));
    fs.writeFileSync(path.join(dir, 'a.yaml'), [rest[0], vs(10), rest[1]].map((o) => stringify(o)).join('---\n'));
    fs.writeFileSync(path.join(dir, 'b', 'x.yaml'), stringify(vs(20)));
    // c.yaml: two documents, the second wins over the first and over b/x.yaml.
    fs.writeFileSync(path.join(dir, 'c.yaml'), [vs(30), vs(40)].map((o) => stringify(o)).join('---\n'));
    const out: string[] = [];
    const io = { out: (t: string) => out.push(t), err: (t: string) => out.push(`ERR ${t}`) };
    expect(main(['explain', dir, '--host', 'reviews.shop', '--json'], io)).toBe(0);
    const e = JSON.parse(out.join(''));
    expect(e.destinations.map((d: any) => [d.subset, d.probability])).toEqual([['v1', 0.6], ['v2', 0.4]]);
    const note = `VirtualService shop/reviews is defined 4 times; the last one (${path.join(dir, 'c.yaml')} document 2) is used, as kubectl apply would`;
    expect(e.notes).toContain(note);
    out.length = 0;
    expect(main(['report', dir], io)).toBe(0);
    const report = out.join('');
    expect(report).toContain(`- ${note}`);
    expect(report.match(/^## /gm)).toHaveLength(1);
    expect(report).toContain('v1 60%');
    // Other API groups, kinds, namespaces or names are other objects.
    const other = [{ ...vs(50), metadata: { name: 'reviews', namespace: 'other' } }, { ...vs(50), apiVersion: 'example.com/v1' }];
    expect(explain([...rest, vs(10), ...other], { host: 'reviews.shop' }).notes.filter((n) => n.includes('defined'))).toEqual([]);
    // Without files: the last in the input.
    expect(explain([...rest, vs(10), vs(70)], { host: 'reviews.shop' })).toMatchObject({
      destinations: [{ subset: 'v1', probability: 0.3 }, { subset: 'v2', probability: 0.7 }],
      notes: expect.arrayContaining(['VirtualService shop/reviews is defined 2 times; the last one (the last in the input) is used, as kubectl apply would']),
    });
  });

  test('an object with a field of the wrong type is skipped with a note naming it and the field', () => {
    const broken = { ...vs(10), spec: { ...vs(10).spec, http: [{ route: 'reviews' }] } };
    const e = explain([...rest, broken], { host: 'reviews.shop' });
    expect(e.notes).toContain('VirtualService shop/reviews: spec.http[0].route is the string "reviews", not a list; skipped');
    expect(e.reason).toBe('no VirtualService for reviews.shop.svc.cluster.local: Istio balances across all pods of the Service');
    expect(renderReport([...rest, broken])).toContain('- VirtualService shop/reviews: spec.http[0].route is the string "reviews", not a list; skipped');
    // A null is a field left out.
    const withNull = { ...vs(10), spec: { ...vs(10).spec, gateways: null } };
    expect(explain([...rest, withNull], { host: 'reviews.shop' }).virtualService).toBe('shop/reviews');
  });
});

describe('hosts a progressive-delivery controller routes', () => {
  const canary = {
    apiVersion: 'flagger.app/v1beta1',
    kind: 'Canary',
    metadata: { name: 'podinfo', namespace: 'test' },
    spec: {
      targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'podinfo' },
      service: { port: 9898, hosts: ['app.example.com'], gateways: ['public-gateway.istio-system.svc.cluster.local'] },
      analysis: { interval: '1m', maxWeight: 50, stepWeight: 10 },
    },
  };
  const deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'podinfo', namespace: 'test' },
    spec: { selector: { matchLabels: { app: 'podinfo' } }, template: { metadata: { labels: { app: 'podinfo' } }, spec: { containers: [{ name: 'podinfo', image: 'podinfo' }] } } },
  };
  const caller = {
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name: 'frontend', namespace: 'test' },
    spec: { hosts: ['frontend'], http: [{ route: [{ destination: { host: 'podinfo-primary' } }] }, { route: [{ destination: { host: 'nowhere' } }] }] },
  };

  test('Flagger Canary: explain names it, the analysis takes its Services as present', () => {
    for (const host of ['podinfo.test', 'podinfo-canary.test', 'podinfo-primary.test.svc.cluster.local']) {
      const e = explain([canary, deployment], { host });
      expect(e.outcome).toBe('routed');
      expect(e.reason).toMatch(/^host podinfo(-canary|-primary)?\.test\.svc\.cluster\.local is routed by Flagger Canary test\/podinfo \(primary\/canary at weights Flagger moves at run time\)$/);
    }
    expect(explain([canary, deployment], { host: 'app.example.com', gateway: 'istio-system/public-gateway' }).reason)
      .toBe('host app.example.com is routed by Flagger Canary test/podinfo (primary/canary at weights Flagger moves at run time)');
    expect(explain([canary, deployment], { host: 'other.test' }).outcome).toBe('unknown');
    const missing = analyze([canary, deployment, caller]).filter((f) => f.code === 'IST0101').map((f) => f.message);
    expect(missing).toEqual(['destination host nowhere.test.svc.cluster.local is no Service or ServiceEntry in these manifests']);
  });

  test('Argo Rollout: explain names it for its stable and canary Services', () => {
    const rollout = {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Rollout',
      metadata: { name: 'shop', namespace: 'web' },
      spec: {
        selector: { matchLabels: { app: 'shop' } },
        template: { metadata: { labels: { app: 'shop' } }, spec: { containers: [{ name: 'shop', image: 'shop' }] } },
        strategy: { canary: { stableService: 'shop-stable', canaryService: 'shop-canary', trafficRouting: { istio: { virtualService: { name: 'shop' } } } } },
      },
    };
    expect(explain([rollout], { host: 'shop-canary.web' }).reason)
      .toBe('host shop-canary.web.svc.cluster.local is routed by Argo Rollout web/shop (stable/canary at weights Argo Rollouts moves at run time)');
    const vs = {
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name: 'shop', namespace: 'web' },
      spec: { hosts: ['shop-stable'], http: [{ route: [{ destination: { host: 'shop-stable' }, weight: 100 }, { destination: { host: 'shop-canary' }, weight: 0 }] }] },
    };
    expect(explain([rollout, vs], { host: 'shop-stable.web' }).notes)
      .toContain('VirtualService web/shop is managed by Argo Rollout web/shop: the weights here are the manifest\'s; it moves them at run time');
  });
});
