import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Testing } from 'cdk8s';
import { addExampleCharts } from '../examples/charts';
import { WebSplitWeightedChart } from '../examples/host-split';
import { BookinfoReviewsChart } from '../examples/scenarios';
import { K8sObject, diffTraffic, explain, renderReport } from '../src/analysis';
import { main } from '../src/cli/main';

const BIN = path.join(__dirname, '..', 'bin', 'istio-canary');
const BOOKINFO = path.join(__dirname, 'fixtures', 'bookinfo');

/** Runs the bin as a process. */
function run(...args: string[]): { code: number; out: string; err: string } {
  const result = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });
  return { code: result.status ?? -1, out: result.stdout, err: result.stderr };
}

/** Synthesizes `build` into a new folder and returns it. */
function synthTo(build: (app: App) => void): string {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-'));
  const app = new App({ outdir });
  build(app);
  app.synth();
  return outdir;
}

const examples = synthTo(addExampleCharts);
afterAll(() => fs.rmSync(examples, { recursive: true, force: true }));

const split = (e: ReturnType<typeof explain>) => e.destinations.map((d) => `${d.subset ?? d.host}=${Math.round(d.probability * 100)}%`);

describe('istio-canary as a process', () => {
  test('explain on Bookinfo\'s own samples: jason -> v2, everyone else -> v3; and the 50/50 v2/v3 split', () => {
    const jason = run('explain', path.join(BOOKINFO, 'reviews.yaml'), path.join(BOOKINFO, 'virtual-service-reviews-jason-v2-v3.yaml'),
      '--host', 'reviews', '-H', 'end-user=jason', '--json');
    expect(jason.code).toBe(0);
    const parsed = JSON.parse(jason.out);
    expect(parsed.request.host).toBe('reviews.default.svc.cluster.local');
    expect(parsed.rule).toEqual({ index: 1, matched: ['header end-user = "jason"'] });
    expect(parsed.destinations.map((d: any) => [d.subset, d.probability, d.workloads[0].name])).toEqual([['v2', 1, 'reviews-v2']]);
    const others = run('explain', path.join(BOOKINFO, 'reviews.yaml'), path.join(BOOKINFO, 'virtual-service-reviews-jason-v2-v3.yaml'), '--host', 'reviews');
    expect(others.out).toContain('rule: 2, because no condition (matches every request)');
    expect(others.out).toContain('100% -> reviews.default.svc.cluster.local subset v3: reviews-v3 (1 replica, docker.io/istio/examples-bookinfo-reviews-v3:1.20.3)');
    const half = run('explain', path.join(BOOKINFO, 'reviews.yaml'), path.join(BOOKINFO, 'virtual-service-reviews-v2-v3.yaml'), '--host', 'reviews', '--json');
    expect(JSON.parse(half.out).destinations.map((d: any) => [d.subset, d.probability])).toEqual([['v2', 0.5], ['v3', 0.5]]);
  });

  test('explain on the example app: 90/10 through canary-gateway, env gray -> gray, env daily -> prod, version 200 -> v2', () => {
    const nginx = JSON.parse(run('explain', examples, '--gateway', 'canary-gateway/canary-gateway', '--host', 'nginx.example.com', '--json').out);
    expect(nginx.virtualService).toBe('canary-gateway/nginx-canary-gateway');
    expect(nginx.destinations.map((d: any) => [d.subset, d.probability])).toEqual([['v1', 0.9], ['v2', 0.1]]);
    const gray = run('explain', examples, '--gateway', 'gray/gray-gateway', '--host', 'cat.istio.gray.com', '-H', 'env=gray');
    expect(gray.out).toContain('rule: 2 "env-gray", because header env = "gray"');
    expect(gray.out).toContain('100% -> cat.gray.svc.cluster.local subset gray: cat-gray');
    const daily = JSON.parse(run('explain', examples, '--gateway', 'gray/gray-gateway', '--host', 'cat.istio.gray.com', '-H', 'env=daily', '--json').out);
    expect([daily.rule.name, daily.destinations[0].subset]).toEqual(['default', 'prod']);
    const grpc = JSON.parse(run('explain', examples, '--host', 'greeter', '--from', 'grpc', '-H', 'version=200', '--json').out);
    expect([grpc.rule.name, grpc.destinations[0].subset]).toEqual(['version-200', 'v2']);
  });

  test('report: Markdown with versions, rules and a Mermaid flowchart; diff between two versions of one chart', () => {
    const report = run('report', path.join(examples, 'bookinfo-reviews.k8s.yaml'));
    expect(report.code).toBe(0);
    expect(report.out).toContain('## reviews.bookinfo.svc.cluster.local');
    expect(report.out).toContain('1. `end-user-jason`: end-user=jason → v2 100%');
    expect(report.out).toContain('2. `default`: every request → v1 50%, v2 10%, v3 40%');
    expect(report.out).toContain('```mermaid\nflowchart LR');
    expect(report.out).toMatch(/-->\|"end-user=jason: 100%"\| \w+\["v2"\]/);
    const base = synthTo((app) => new BookinfoReviewsChart(app, 'reviews'));
    const head = synthTo((app) => {
      const chart = new BookinfoReviewsChart(app, 'reviews');
      chart.reviews.shiftWeights({ v1: 40, v2: 0, v3: 60 });
      chart.reviews.routeHeader('end-user', 'debra', 'v3');
    });
    const diff = run('diff', base, head, '--exit-code');
    expect(diff.code).toBe(1);
    expect(diff.out).toContain('- bookinfo/reviews: v1 50% -> 40%');
    expect(diff.out).toContain('- bookinfo/reviews: v2 10% -> 0%');
    expect(diff.out).toContain('- bookinfo/reviews: v3 40% -> 60%');
    expect(diff.out).toContain('- bookinfo/reviews: new rule end-user=debra → v3 100% (position 2)');
    expect(run('diff', base, base, '--exit-code')).toMatchObject({ code: 0, out: '# Traffic changes\n\nNo traffic changes.\n' });
  });

  test('errors name the file; --help; unknown commands and options', () => {
    const missing = run('report', '/no/such/manifests.yaml');
    expect(missing).toMatchObject({ code: 2, err: 'istio-canary: cannot read /no/such/manifests.yaml: no such file or folder\n' });
    const bad = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'bad-')), 'broken.yaml');
    fs.writeFileSync(bad, 'kind: Service\nmetadata: [unclosed\n');
    const unparseable = run('explain', bad, '--host', 'x');
    expect(unparseable.code).toBe(2);
    expect(unparseable.err).toMatch(new RegExp(`^istio-canary: ${bad.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: not valid YAML \\(document 1\\)`));
    expect(run('--help')).toMatchObject({ code: 0 });
    expect(run('--help').out).toContain('usage: istio-canary <command> [options]');
    expect(run('frobnicate')).toMatchObject({ code: 2, err: 'istio-canary: unknown command "frobnicate"; use explain, report or diff\n' });
    expect(run('explain', examples)).toMatchObject({ code: 2, err: 'istio-canary: explain needs --host\n' });
    expect(run('report', examples, '--bogus').err).toBe('istio-canary: unknown option --bogus\n');
  });
});

describe('explain semantics (Istio\'s)', () => {
  const bookinfo = Testing.synth(new BookinfoReviewsChart(Testing.app(), 'reviews'));
  const vs = (http: any[], extra: Record<string, any> = {}): K8sObject => ({
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name: 'reviews', namespace: 'bookinfo' },
    spec: { hosts: ['reviews'], http, ...extra },
  });
  const withVs = (virtualService: K8sObject) => [...bookinfo.filter((o) => o.kind !== 'VirtualService'), virtualService];
  const to = (subset: string, weight?: number) => ({ destination: { host: 'reviews', subset }, ...(weight !== undefined ? { weight } : {}) });
  const ask = (virtualService: K8sObject, request: Partial<Parameters<typeof explain>[1]> = {}) =>
    explain(withVs(virtualService), { host: 'reviews', from: { namespace: 'bookinfo' }, ...request });

  test('first match wins; matches ORed, conditions ANDed; exact, prefix and RE2 full-match regex', () => {
    const routes = vs([
      { name: 'both', match: [{ headers: { 'end-user': { exact: 'jason' } }, uri: { prefix: '/api' } }], route: [to('v2')] },
      { name: 'either', match: [{ uri: { regex: '/v[0-9]+' } }, { method: { exact: 'POST' } }], route: [to('v3')] },
      { name: 'default', route: [to('v1')] },
    ]);
    expect(ask(routes, { headers: { 'end-user': 'jason' }, path: '/api/x' }).rule?.name).toBe('both');
    expect(ask(routes, { headers: { 'end-user': 'jason' }, path: '/other' }).rule?.name).toBe('default');
    expect(ask(routes, { path: '/v2' }).rule?.name).toBe('either');
    expect(ask(routes, { path: '/v2/more' }).rule?.name).toBe('default'); // a regex must match the whole path
    expect(ask(routes, { method: 'post' }).rule).toEqual({ index: 2, name: 'either', matched: ['method = "POST"'] });
  });

  test('rules are numbered from 1 in explain, its JSON and the report alike', () => {
    const routes = vs([{ name: 'jason', match: [{ headers: { 'end-user': { exact: 'jason' } } }], route: [to('v2')] }, { name: 'default', route: [to('v1')] }]);
    const explained = ask(routes);
    expect(explained.rule?.index).toBe(2);
    expect(explained.reason).toBe('route 2 "default" of VirtualService bookinfo/reviews is the first that matches');
    expect(renderReport(withVs(routes))).toContain('2. `default`: every request → v1 100%');
  });

  test('Istio\'s own Services in istio-system are taken as present, as the analysis takes them', () => {
    const egress = vs([{ route: [{ destination: { host: 'istio-egressgateway.istio-system.svc.cluster.local', subset: 'cnn' } }] }]);
    const explained = ask(egress);
    expect(explained.outcome).toBe('routed');
    expect(explained.destinations[0].failure).toBeUndefined();
    expect(explained.notes).toContain('istio-egressgateway.istio-system.svc.cluster.local is taken as present: Istio\'s own Services live in istio-system, outside these manifests');
  });

  test('a Service whose pods are not in the manifests is routed to the Service, not 503 UH', () => {
    // A TrafficSplit's backends are Services deployed by other means: only the Services are in the manifests.
    const objects = Testing.synth(new WebSplitWeightedChart(Testing.app(), 'web')).filter((o) => o.kind !== 'Deployment');
    const explained = explain(objects, { host: 'web-svc', from: { namespace: 'web-weighted' } });
    expect(explained.outcome).toBe('routed');
    expect(explained.destinations.map((d) => [d.host, Math.round(d.probability * 100), d.failure])).toEqual([
      ['tomcat-svc.web-weighted.svc.cluster.local', 80, undefined],
      ['httpd-svc.web-weighted.svc.cluster.local', 20, undefined],
    ]);
    expect(explained.notes).toContain('the pods of Service web-weighted/tomcat-svc are not in these manifests; explained as routed to the Service');
  });

  test('weights are relative and zero weights dropped; no rule -> 404 NR', () => {
    expect(split(ask(vs([{ route: [to('v1', 1), to('v2', 0), to('v3', 3)] }])))).toEqual(['v1=25%', 'v3=75%']);
    expect(ask(vs([{ match: [{ uri: { exact: '/only' } }], route: [to('v1')] }])).outcome).toBe('404 NR');
  });

  test('a missing subset is 503 NC, a subset without pods or scaled to 0 is 503 UH', () => {
    expect(ask(vs([{ route: [to('v9')] }])).destinations[0].failure).toMatch(/^503 NC: subset v9 of reviews\.bookinfo\.svc\.cluster\.local/);
    expect(ask(vs([{ route: [to('v9')] }])).outcome).toBe('503 NC');
    const scaled = withVs(vs([{ route: [to('v2')] }])).map((o) => (o.kind === 'Deployment' && o.metadata?.name === 'reviews-v2' ? { ...o, spec: { ...o.spec, replicas: 0 } } : o));
    expect(explain(scaled, { host: 'reviews', from: { namespace: 'bookinfo' } }).outcome).toBe('503 UH');
    const mixed = ask(vs([{ route: [to('v1', 50), to('v9', 50)] }]));
    expect(mixed.outcome).toBe('partly failing');
  });

  test('source labels match callers in the mesh only; short hosts resolve against the caller\'s namespace', () => {
    const routes = vs([{ match: [{ sourceLabels: { app: 'productpage' } }], route: [to('v2')] }, { route: [to('v1')] }]);
    expect(split(ask(routes, { from: { namespace: 'bookinfo', labels: { app: 'productpage', version: 'v1' } } }))).toEqual(['v2=100%']);
    expect(split(ask(routes, { from: { namespace: 'bookinfo', labels: { app: 'ratings' } } }))).toEqual(['v1=100%']);
    expect(ask(routes, { from: { namespace: 'other' } }).outcome).toBe('unknown'); // reviews.other does not exist
  });

  test('at a gateway: the exact host before the longest wildcard; a host the gateway does not serve is 404 NR', () => {
    const gateway = {
      apiVersion: 'networking.istio.io/v1',
      kind: 'Gateway',
      metadata: { name: 'gw', namespace: 'bookinfo' },
      spec: { selector: { istio: 'ingressgateway' }, servers: [{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['*.example.com'] }] },
    };
    const edge = (name: string, host: string, subset: string) => ({
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name, namespace: 'bookinfo' },
      spec: { hosts: [host], gateways: ['gw'], http: [{ route: [to(subset)] }] },
    });
    const objs = [...bookinfo, gateway, edge('wide', '*.example.com', 'v1'), edge('narrow', '*.shop.example.com', 'v2'), edge('exact', 'a.shop.example.com', 'v3')];
    const at = (host: string) => explain(objs, { host, gateway: 'bookinfo/gw' });
    expect([at('a.shop.example.com').virtualService, at('b.shop.example.com').virtualService, at('c.example.com').virtualService])
      .toEqual(['bookinfo/exact', 'bookinfo/narrow', 'bookinfo/wide']);
    expect(at('example.org')).toMatchObject({ outcome: '404 NR', reason: 'gateway bookinfo/gw has no server for host example.org on port 80' });
  });

  test('without a VirtualService, requests are balanced across every pod of the Service', () => {
    const noVs = bookinfo.filter((o) => o.kind !== 'VirtualService');
    const e = explain(noVs, { host: 'reviews.bookinfo' });
    expect(e.reason).toBe('no VirtualService for reviews.bookinfo.svc.cluster.local: Istio balances across all pods of the Service');
    expect(e.destinations[0].workloads.map((w) => w.name)).toEqual(['reviews-v1', 'reviews-v2', 'reviews-v3']);
  });

  test('main() in-process: report over no VirtualService, diff as JSON', () => {
    const out: string[] = [];
    const io = { out: (t: string) => out.push(t), err: (t: string) => out.push(`ERR ${t}`) };
    expect(renderReport([])).toContain('No VirtualService, HTTPRoute or GRPCRoute in these manifests.');
    expect(main(['diff', path.join(BOOKINFO, 'virtual-service-reviews-jason-v2-v3.yaml'), path.join(BOOKINFO, 'virtual-service-reviews-v2-v3.yaml'), '--json'], io)).toBe(0);
    // Unnamed routes are compared by position, as Istio evaluates them.
    expect(JSON.parse(out.join('')).changes.map((c: any) => c.text)).toEqual([
      'default/reviews: rule #2 removed (every request → v3 100%)',
      'default/reviews: rule #1 now matches every request (was end-user=jason)',
      'default/reviews (rule #1): v2 100% -> 50%',
      'default/reviews (rule #1): v3 0% -> 50%',
    ]);
    expect(diffTraffic(bookinfo, bookinfo)).toEqual([]);
    const withoutV1 = bookinfo.map((o) => (o.kind === 'DestinationRule'
      ? { ...o, spec: { ...o.spec, subsets: o.spec.subsets.filter((x: any) => x.name !== 'v1') } } : o));
    expect(diffTraffic(bookinfo, withoutV1)).toEqual([{
      kind: 'subset',
      ref: 'bookinfo/reviews',
      text: 'bookinfo/reviews (DestinationRule): subset v1 removed (version=v1)',
    }, {
      kind: 'broken',
      ref: 'bookinfo/reviews',
      text: 'bookinfo/reviews: subset v1 removed while still routed; not defined by DestinationRule bookinfo/reviews (its subsets: v2, v3)',
    }]);
  });
});
