import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Chart, Testing, Yaml } from 'cdk8s';
import * as fc from 'fast-check';
import { BrokenMeshChart } from '../examples/broken';
import { CanaryService, Match, MeshAnalysis, MeshGateway } from '../src';
import { newChart } from './util';
import { CHECKS, K8sObject, Severity, analyze, explain, formatFinding } from '../src/analysis';
import { resolveGateway, resolveHost } from '../src/analysis/manifest';

/** A small, correct mesh as plain objects: reviews v1/v2, 90/10 with a header rule, exposed through a gateway. */
function base(): K8sObject[] {
  const deployment = (version: string, replicas = 1) => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: `reviews-${version}`, namespace: 'shop' },
    spec: { replicas, selector: { matchLabels: { app: 'reviews', version } }, template: { metadata: { labels: { app: 'reviews', version } }, spec: {} } },
  });
  const route = (gatewayName?: string) => ({
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name: gatewayName ? 'reviews-gw' : 'reviews', namespace: 'shop' },
    spec: {
      hosts: [gatewayName ? 'reviews.example.com' : 'reviews'],
      ...(gatewayName ? { gateways: [gatewayName] } : {}),
      http: [
        { name: 'jason', match: [{ headers: { 'end-user': { exact: 'jason' } } }], route: [{ destination: { host: 'reviews', subset: 'v2' } }] },
        { name: 'default', route: [{ destination: { host: 'reviews', subset: 'v1' }, weight: 90 }, { destination: { host: 'reviews', subset: 'v2' }, weight: 10 }] },
      ],
    },
  });
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop', labels: { 'istio-injection': 'enabled' } } },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'reviews', namespace: 'shop' },
      spec: { selector: { app: 'reviews' }, ports: [{ name: 'http', port: 9080 }] },
    },
    deployment('v1'),
    deployment('v2'),
    {
      apiVersion: 'networking.istio.io/v1',
      kind: 'DestinationRule',
      metadata: { name: 'reviews', namespace: 'shop' },
      spec: { host: 'reviews.shop.svc.cluster.local', subsets: [{ name: 'v1', labels: { version: 'v1' } }, { name: 'v2', labels: { version: 'v2' } }] },
    },
    route(),
    {
      apiVersion: 'networking.istio.io/v1',
      kind: 'Gateway',
      metadata: { name: 'gw', namespace: 'shop' },
      spec: { selector: { istio: 'ingressgateway' }, servers: [{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['reviews.example.com'] }] },
    },
    route('gw'),
  ];
}

const find = (objects: K8sObject[], kind: string, name: string): any => objects.find((o) => o.kind === kind && o.metadata?.name === name);
const codes = (objects: K8sObject[]) => analyze(objects).map((f) => `${f.code} ${f.severity} ${f.object.kind}/${f.object.name} ${f.path}`);

describe('analysis over plain manifests', () => {
  test('a correct mesh gives no findings', () => {
    expect(analyze(base())).toEqual([]);
  });

  test('host and gateway references resolve as Istio resolves them', () => {
    expect(resolveHost('reviews', 'shop')).toBe('reviews.shop.svc.cluster.local');
    // Istio expands only names without a dot (pilot/pkg/model/config.go ResolveShortnameToFQDN).
    expect(resolveHost('reviews.other', 'shop')).toBe('reviews.other');
    expect(resolveHost('reviews.other.svc', 'shop')).toBe('reviews.other.svc');
    expect(resolveHost('edition.cnn.com', 'shop')).toBe('edition.cnn.com');
    expect(resolveGateway('gw', 'shop')).toBe('shop/gw');
    expect(resolveGateway('istio-system/gw', 'shop')).toBe('istio-system/gw');
    expect(resolveGateway('gw.istio-system.svc.cluster.local', 'shop')).toBe('istio-system/gw');
  });

  test.each<[string, (o: any[]) => void, string[]]>([
    ['IST0101 subset', (o) => { find(o, 'DestinationRule', 'reviews').spec.subsets[1].name = 'v3'; }, [
      'IST0101 error VirtualService/reviews spec.http[0].route[0].destination.subset',
      'IST0101 error VirtualService/reviews spec.http[1].route[1].destination.subset',
      'IST0101 error VirtualService/reviews-gw spec.http[0].route[0].destination.subset',
      'IST0101 error VirtualService/reviews-gw spec.http[1].route[1].destination.subset',
    ]],
    ['IST0101 host', (o) => { find(o, 'VirtualService', 'reviews').spec.http[0].route[0].destination = { host: 'ratings' }; },
      ['IST0101 warning VirtualService/reviews spec.http[0].route[0].destination.host']],
    ['IST0101 port', (o) => { find(o, 'VirtualService', 'reviews').spec.http[0].route[0].destination.port = { number: 80 }; },
      ['IST0101 error VirtualService/reviews spec.http[0].route[0].destination.port']],
    ['IST0101 gateway', (o) => { find(o, 'VirtualService', 'reviews-gw').spec.gateways = ['istio-system/public']; },
      ['IST0101 warning VirtualService/reviews-gw spec.gateways[0]', 'IST0132 warning VirtualService/reviews-gw spec.gateways[0]']],
    ['IST0102', (o) => { find(o, 'Namespace', 'shop').metadata.labels = {}; }, ['IST0102 warning Namespace/shop metadata.labels']],
    ['IST0123', (o) => { find(o, 'Namespace', 'shop').metadata.labels['istio.io/rev'] = 'canary'; }, ['IST0123 warning Namespace/shop metadata.labels']],
    ['IST0109', (o) => { o.push({ ...find(o, 'VirtualService', 'reviews'), metadata: { name: 'reviews-2', namespace: 'shop' } }); },
      ['IST0109 error VirtualService/reviews spec.hosts[0]', 'IST0109 error VirtualService/reviews-2 spec.hosts[0]']],
    ['IST0112', (o) => { find(o, 'Service', 'reviews').spec.ports.push({ name: 'grpc', port: 9090 }); }, [
      'IST0112 error VirtualService/reviews spec.http[0].route[0].destination',
      'IST0112 error VirtualService/reviews spec.http[1].route[0].destination',
      'IST0112 error VirtualService/reviews spec.http[1].route[1].destination',
      'IST0112 error VirtualService/reviews-gw spec.http[0].route[0].destination',
      'IST0112 error VirtualService/reviews-gw spec.http[1].route[0].destination',
      'IST0112 error VirtualService/reviews-gw spec.http[1].route[1].destination',
    ]],
    ['IST0116', (o) => {
      o.push({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'reviews-tcp', namespace: 'shop' }, spec: { selector: { app: 'reviews' }, ports: [{ name: 'tcp', port: 9080 }] } });
    }, ['IST0116 warning Deployment/reviews-v1 spec.template', 'IST0116 warning Deployment/reviews-v2 spec.template']],
    ['IST0118', (o) => { find(o, 'Service', 'reviews').spec.ports[0].name = 'web'; }, ['IST0118 warning Service/reviews spec.ports[0].name']],
    ['IST0130 after a catch-all', (o) => { find(o, 'VirtualService', 'reviews').spec.http.push({ name: 'late', route: [{ destination: { host: 'reviews', subset: 'v2' } }] }); },
      ['IST0130 warning VirtualService/reviews spec.http[2]']],
    ['IST0130 same match', (o) => { const http = find(o, 'VirtualService', 'reviews').spec.http; http.splice(1, 0, { ...http[0], name: 'again' }); },
      ['IST0131 warning VirtualService/reviews spec.http[1].match[0]', 'IST0130 warning VirtualService/reviews spec.http[1]']],
    ['IST0131', (o) => {
      const http = find(o, 'VirtualService', 'reviews').spec.http;
      http.splice(1, 0, { name: 'two', match: [{ headers: { 'end-user': { exact: 'jason' } } }, { uri: { prefix: '/x' } }], route: http[0].route });
    }, ['IST0131 warning VirtualService/reviews spec.http[1].match[0]']],
    ['IST0132', (o) => { find(o, 'VirtualService', 'reviews-gw').spec.hosts = ['reviews.example.org']; }, ['IST0132 warning VirtualService/reviews-gw spec.gateways[0]']],
    ['IST0140', (o) => { find(o, 'VirtualService', 'reviews-gw').spec.http = [{ name: 'all', route: [{ destination: { host: 'reviews' } }] }]; },
      ['IST0140 warning VirtualService/reviews-gw spec.http[0].route[0].destination']],
    ['IST0145', (o) => { o.push({ ...find(o, 'Gateway', 'gw'), metadata: { name: 'gw2', namespace: 'other' } }); }, ['IST0145 error Gateway/gw spec.servers[0]', 'IST0145 error Gateway/gw2 spec.servers[0]']],
    ['IST0173', (o) => { find(o, 'DestinationRule', 'reviews').spec.subsets[1].labels = { version: 'v-two' }; }, ['IST0173 error DestinationRule/reviews spec.subsets[1]']],
    ['IST0174', (o) => { find(o, 'DestinationRule', 'reviews').spec.host = 'ratings'; }, [
      'IST0101 error VirtualService/reviews spec.http[0].route[0].destination.subset',
      'IST0101 error VirtualService/reviews spec.http[1].route[0].destination.subset',
      'IST0101 error VirtualService/reviews spec.http[1].route[1].destination.subset',
      'IST0101 error VirtualService/reviews-gw spec.http[0].route[0].destination.subset',
      'IST0101 error VirtualService/reviews-gw spec.http[1].route[0].destination.subset',
      'IST0101 error VirtualService/reviews-gw spec.http[1].route[1].destination.subset',
      'IST0174 warning DestinationRule/reviews spec.host',
    ]],
    ['CANARY001', (o) => { find(o, 'Service', 'reviews').spec.selector = { app: 'review' }; }, [
      'IST0173 warning DestinationRule/reviews spec.subsets',
      'CANARY001 warning Service/reviews spec.selector',
      'CANARY002 warning Deployment/reviews-v1 spec.template.metadata.labels',
      'CANARY002 warning Deployment/reviews-v2 spec.template.metadata.labels',
    ]],
    ['CANARY002', (o) => {
      o.push({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'ratings', namespace: 'shop' }, spec: { template: { metadata: { labels: { app: 'ratings' } } } } });
    }, ['CANARY002 warning Deployment/ratings spec.template.metadata.labels']],
    ['CANARY003', (o) => { find(o, 'DestinationRule', 'reviews').spec.subsets[0].labels = { app: 'reviews' }; }, ['CANARY003 error DestinationRule/reviews spec.subsets[0]']],
    ['CANARY004', (o) => { find(o, 'Deployment', 'reviews-v2').spec.replicas = 0; }, [
      'CANARY004 error VirtualService/reviews spec.http[0].route[0].destination',
      'CANARY004 error VirtualService/reviews spec.http[1].route[1].destination',
      'CANARY004 error VirtualService/reviews-gw spec.http[0].route[0].destination',
      'CANARY004 error VirtualService/reviews-gw spec.http[1].route[1].destination',
    ]],
  ])('%s fires on its mistake', (_what, mutate, expected) => {
    const objects = base();
    mutate(objects);
    expect(codes(objects)).toEqual(expected);
  });

  test('findings name the object and the fix; checks can be disabled; known hosts are not missing', () => {
    const objects = base();
    find(objects, 'VirtualService', 'reviews').spec.http[0].route[0].destination = { host: 'ratings' };
    const [finding] = analyze(objects);
    expect(formatFinding(finding)).toBe('IST0101 warning VirtualService shop/reviews spec.http[0].route[0].destination.host: destination host '
      + 'ratings.shop.svc.cluster.local is no Service or ServiceEntry in these manifests; fix the host, create the Service, or add a ServiceEntry '
      + 'for a host outside the mesh (ignore this if it exists in the cluster)');
    expect(analyze(objects, { disable: ['IST0101'] })).toEqual([]);
    expect(analyze(objects, { knownHosts: ['*.shop.svc.cluster.local'] })).toEqual([]);
  });

  test('the deliberately broken example shows every check', () => {
    const findings = analyze(Testing.synth(new BrokenMeshChart(Testing.app(), 'broken')));
    expect([...new Set(findings.map((f) => f.code))].sort()).toEqual(Object.keys(CHECKS).sort());
    expect(findings.every((f) => f.message.length > 0 && f.fix.length > 0 && !/undefined/.test(formatFinding(f)))).toBe(true);
  });
});

describe('GWAPI001 and ReferenceGrants', () => {
  const objects = (fromGroup: string): K8sObject[] => [
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'api', namespace: 'b' }, spec: { selector: { app: 'api' }, ports: [{ name: 'http', port: 80 }] } },
    {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: 'r', namespace: 'a' },
      spec: { parentRefs: [{ group: '', kind: 'Service', name: 'api', namespace: 'b', port: 80 }], rules: [{ backendRefs: [{ name: 'api', namespace: 'b', port: 80 }] }] },
    },
    {
      apiVersion: 'gateway.networking.k8s.io/v1beta1',
      kind: 'ReferenceGrant',
      metadata: { name: 'g', namespace: 'b' },
      spec: { from: [{ group: fromGroup, kind: 'HTTPRoute', namespace: 'a' }], to: [{ group: '', kind: 'Service' }] },
    },
  ];
  const gwapi001 = (o: K8sObject[]) => analyze(o).filter((f) => f.code === 'GWAPI001' && f.severity === Severity.ERROR).map(formatFinding);

  test('a grant from Gateway API routes lets the route refer across namespaces; one naming another group does not', () => {
    expect(gwapi001(objects('gateway.networking.k8s.io'))).toEqual([]);
    expect(gwapi001(objects('networking.istio.io'))).toEqual([expect.stringContaining('backend b/api is in another namespace and no ReferenceGrant there')]);
  });
});

describe('Argo Rollouts as workloads', () => {
  // The objects Argo Rollouts' Istio subset-level routing works with: one Service, a DestinationRule with stable and
  // canary subsets, a VirtualService all to stable (the Rollout's initial state), and the Rollout's pod template.
  const rollout = (labels: Record<string, string>): K8sObject => ({
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Rollout',
    metadata: { name: 'ad', namespace: 'weather' },
    spec: { replicas: 2, template: { metadata: { labels }, spec: { containers: [{ name: 'ad', image: 'istioweather/advertisement:v1' }] } } },
  });
  const mesh = (labels: Record<string, string>): K8sObject[] => [
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'ad', namespace: 'weather' }, spec: { selector: { app: 'ad' }, ports: [{ name: 'http', port: 3003 }] } },
    {
      apiVersion: 'networking.istio.io/v1',
      kind: 'DestinationRule',
      metadata: { name: 'ad', namespace: 'weather' },
      spec: { host: 'ad', subsets: [{ name: 'stable', labels: { app: 'ad' } }, { name: 'canary', labels: { app: 'ad' } }] },
    },
    {
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name: 'ad', namespace: 'weather' },
      spec: { hosts: ['ad'], http: [{ name: 'primary', route: [{ destination: { host: 'ad', subset: 'stable' }, weight: 100 }, { destination: { host: 'ad', subset: 'canary' }, weight: 0 }] }] },
    },
    rollout(labels),
  ];

  test('a Rollout\'s pods count for Services and subsets: no orphaned Service, no empty subset; pods it lacks are found', () => {
    expect(analyze(mesh({ app: 'ad' })).map(formatFinding)).toEqual([]);
    expect(analyze(mesh({ app: 'other' })).map((f) => f.code).sort()).toEqual(['CANARY001', 'CANARY002', 'IST0173']);
  });

  test('explain shows the Rollout\'s initial state: every request to stable, served by the Rollout\'s pods', () => {
    const explained = explain(mesh({ app: 'ad' }), { host: 'ad', from: { namespace: 'weather' } });
    expect(explained.destinations.map((d) => [d.subset, d.probability, d.workloads.map((w) => `${w.name} x${w.replicas}`)])).toEqual([['stable', 1, ['ad x2']]]);
  });
});

describe('MeshAnalysis on a cdk8s app', () => {
  test('an error finding fails the synth with every error listed, and nothing is written', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'shop', { namespace: 'shop' });
    new CanaryService(chart, 'reviews', { port: 9080, versions: [{ name: 'v1', image: 'r:1', replicas: 0 }, { name: 'v2', image: 'r:2' }], weights: { v1: 50, v2: 50 } });
    expect(() => app.synth()).toThrow(/mesh analysis: CANARY004 error VirtualService shop\/reviews spec\.http\[0\]\.route\[0\]\.destination: traffic goes to subset v1/);
    expect(fs.readdirSync(app.outdir)).toEqual([]);
    MeshAnalysis.of(chart).disable('CANARY004');
    expect(() => app.synth()).not.toThrow();
  });

  test('warnings become metadata on the app; unknown codes are refused', () => {
    const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'analysis-')) });
    const chart = new Chart(app, 'shop', { namespace: 'shop' });
    const gw = new MeshGateway(chart, 'gw', { hosts: ['*.example.com'] });
    gw.addRoute({ match: [Match.uriPrefix('/legacy')], to: { host: 'legacy', port: 8080 } });
    app.synth();
    expect(app.node.metadata.filter((m) => m.type === 'istio-canary:warning').map((m) => m.data)).toEqual([
      expect.stringMatching(/^IST0101 warning VirtualService shop\/gw spec\.http\[0\]\.route\[0\]\.destination\.host: destination host legacy\.shop\.svc\.cluster\.local/),
    ]);
    expect(() => MeshAnalysis.of(chart).disable('IST9999')).toThrow('mesh analysis: unknown check code (got "IST9999")');
    MeshAnalysis.of(chart).addKnownHosts('legacy.shop.svc.cluster.local');
    expect(MeshAnalysis.of(chart).findings()).toEqual([]);
  });
});

describe('cost of a synth with many charts', () => {
  /** A chart (namespace) per team, each with a service exposed through its own gateway. */
  const teams = (app: App, count: number) => {
    for (let i = 0; i < count; i++) {
      const chart = new Chart(app, `team-${i}`, { namespace: `team-${i}` });
      const gw = new MeshGateway(chart, 'gw', { hosts: [`*.team-${i}.example.com`] });
      new CanaryService(chart, 'web', { port: 8080, versions: [{ name: 'v1', image: 'w:1' }, { name: 'v2', image: 'w:2' }], weights: { v1: 90, v2: 10 } })
        .exposeVia(gw, { hosts: [`web.team-${i}.example.com`] });
    }
  };
  /** Counts the analysis runs of `app` from now on. */
  const countRuns = (app: App) => {
    const analysis = MeshAnalysis.of(app);
    const findings = analysis.findings.bind(analysis);
    const runs = { count: 0 };
    analysis.findings = () => {
      runs.count += 1;
      return findings();
    };
    return runs;
  };

  test('the analysis runs once per synth of the app, not once per chart', () => {
    const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'analysis-')) });
    teams(app, 20);
    const runs = countRuns(app);
    app.synth();
    expect(fs.readdirSync(app.outdir)).toHaveLength(20);
    expect(runs.count).toBe(1);
    app.synthYaml();
    expect(runs.count).toBe(2);
  });

  test('a change between two synths is analyzed again: the second synth fails on it', () => {
    const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'analysis-')) });
    teams(app, 3);
    const runs = countRuns(app);
    app.synth();
    const chart = app.node.findChild('team-1') as Chart;
    new CanaryService(chart, 'api', { port: 8080, versions: [{ name: 'v1', image: 'a:1', replicas: 0 }, { name: 'v2', image: 'a:2' }], weights: { v1: 50, v2: 50 } });
    expect(() => app.synth()).toThrow(/mesh analysis: CANARY004 error VirtualService team-1\/api/);
    expect(runs.count).toBe(2);
  });

  test('charts render the same inside a synth as alone, and chart.toJson() outside a synth still analyzes', () => {
    const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'analysis-')) });
    teams(app, 4);
    app.synth();
    const alone = app.charts.map((c) => Yaml.stringify(...c.toJson()));
    const written = app.charts.map((c) => fs.readFileSync(path.join(app.outdir, `${c.node.id}.k8s.yaml`), 'utf8'));
    expect(written).toEqual(alone);
    const runs = countRuns(app);
    app.charts[0].toJson();
    expect(runs.count).toBe(1);
  });
});

describe('properties', () => {
  const label = fc.stringMatching(/^[a-z][a-z0-9]{0,6}$/);
  const releaseArb = fc.record({
    name: label,
    versions: fc.uniqueArray(label, { minLength: 2, maxLength: 3 }),
    header: label,
    exposed: fc.boolean(),
  });
  const build = (input: { name: string; versions: string[]; header: string; exposed: boolean }) => {
    const chart = newChart('prop');
    const service = new CanaryService(chart, input.name, {
      port: 8080,
      versions: input.versions.map((v) => ({ name: v, image: `app:${v}` })),
      weights: { [input.versions[0]]: 90, [input.versions[1]]: 10 },
    });
    service.routeHeader('x-user', input.header, input.versions[input.versions.length - 1]);
    // Upper-case construct ids cannot clash with the random (lower-case) service names.
    if (input.exposed) service.exposeVia(new MeshGateway(chart, 'Gateway', { name: 'gw', hosts: [`${input.name}.example.com`] }));
    return Testing.synth(chart);
  };

  test('random valid releases give no findings', () => {
    fc.assert(fc.property(releaseArb, (input) => {
      expect(analyze(build(input)).map(formatFinding)).toEqual([]);
    }), { numRuns: 200 });
  }, 60_000);

  test('a single mutation of their output gives the expected code', () => {
    const mutations: Array<[string, (objects: any[], input: { name: string }) => void]> = [
      ['IST0101', (o) => { o.find((x) => x.kind === 'DestinationRule').spec.subsets[0].name += 'x'; }],
      ['IST0173', (o) => { const d = o.find((x) => x.kind === 'Deployment'); d.spec.template.metadata.labels.version += 'x'; }],
      ['IST0132', (o) => { const vs = o.find((x) => x.kind === 'VirtualService' && x.spec.gateways); if (vs) vs.spec.hosts = ['elsewhere.example.org']; }],
      ['IST0118', (o) => { const s = o.find((x) => x.kind === 'Service'); s.spec.ports[0].name = 'web'; delete s.spec.ports[0].appProtocol; }],
    ];
    fc.assert(fc.property(releaseArb, fc.integer({ min: 0, max: mutations.length - 1 }), (input, which) => {
      const [code, mutate] = mutations[which];
      if (code === 'IST0132' && !input.exposed) return;
      const objects = JSON.parse(JSON.stringify(build(input)));
      mutate(objects, input);
      expect(analyze(objects).map((f) => f.code)).toContain(code);
      expect(analyze(objects).filter((f) => f.severity === Severity.ERROR || f.code === code).length).toBeGreaterThan(0);
    }), { numRuns: 200 });
  }, 60_000);
});
