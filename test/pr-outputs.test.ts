// PR outputs worth trusting (issue 25, item 4): `diff` reports every change an Istio user reviews (images, replicas,
// route options, traffic policies), every line names its namespace, and every Mermaid block we print parses.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { Testing } from 'cdk8s';
import { EXAMPLE_CHARTS } from '../examples/charts';
import { K8sObject, diffTraffic, renderDiff, renderReport } from '../src/analysis';

const ROOT = path.join(__dirname, '..');

/** checkout v1 and v2 in `ns`: a Service, two Deployments, a DestinationRule and a VirtualService (jason -> v2, 90/10). */
function shop(ns = 'shop'): K8sObject[] {
  const deployment = (version: string, image: string) => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: `checkout-${version}`, namespace: ns },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'checkout', version } },
      template: { metadata: { labels: { app: 'checkout', version } }, spec: { containers: [{ name: 'app', image }] } },
    },
  });
  const to = (subset: string, weight?: number) => ({ destination: { host: 'checkout', subset }, ...(weight === undefined ? {} : { weight }) });
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: { 'istio-injection': 'enabled' } } },
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'checkout', namespace: ns }, spec: { selector: { app: 'checkout' }, ports: [{ name: 'http', port: 8080 }] } },
    deployment('v1', 'app:1'),
    deployment('v2', 'app:2'),
    {
      apiVersion: 'networking.istio.io/v1',
      kind: 'DestinationRule',
      metadata: { name: 'checkout', namespace: ns },
      spec: {
        host: 'checkout',
        trafficPolicy: { loadBalancer: { simple: 'ROUND_ROBIN' } },
        subsets: [
          { name: 'v1', labels: { version: 'v1' } },
          { name: 'v2', labels: { version: 'v2' }, trafficPolicy: { outlierDetection: { consecutive5xxErrors: 5, interval: '10s' } } },
        ],
      },
    },
    {
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name: 'checkout', namespace: ns },
      spec: {
        hosts: ['checkout'],
        http: [
          { name: 'jason', match: [{ headers: { 'end-user': { exact: 'jason' } } }], route: [to('v2')] },
          { name: 'default', timeout: '5s', retries: { attempts: 3 }, route: [to('v1', 90), to('v2', 10)] },
        ],
      },
    },
  ];
}

const clone = (objects: readonly K8sObject[]): any[] => JSON.parse(JSON.stringify(objects));
const find = (objects: any[], kind: string, name: string, ns = 'shop'): any =>
  objects.find((o) => o.kind === kind && o.metadata?.name === name && (o.metadata?.namespace ?? 'default') === ns);
/** The diff's lines after `change` edits a copy of `base`. */
function changed(base: readonly K8sObject[], change: (head: any[]) => void): string[] {
  const head = clone(base);
  change(head);
  return diffTraffic(base, head).map((c) => c.text);
}
const kinds = (base: readonly K8sObject[], change: (head: any[]) => void): string[] => {
  const head = clone(base);
  change(head);
  return diffTraffic(base, head).map((c) => c.kind);
};

describe('diff: workloads', () => {
  test('an image change is reported per container, with namespace and kind', () => {
    const base = shop();
    const bump = (head: any[]) => { find(head, 'Deployment', 'checkout-v2').spec.template.spec.containers[0].image = 'app:3'; };
    expect(changed(base, bump)).toEqual(['shop/checkout-v2 (Deployment): image app:2 -> app:3']);
    expect(kinds(base, bump)).toEqual(['image']);
    const head = clone(base);
    bump(head);
    expect(renderDiff(diffTraffic(base, head))).toBe('# Traffic changes\n\n- shop/checkout-v2 (Deployment): image app:2 -> app:3\n');
  });

  test('with several containers each is named; containers added and removed', () => {
    const base = clone(shop());
    find(base, 'Deployment', 'checkout-v1').spec.template.spec.containers.push({ name: 'log', image: 'fluent-bit:3.0' });
    expect(changed(base, (head) => {
      const containers = find(head, 'Deployment', 'checkout-v1').spec.template.spec.containers;
      containers[0].image = 'app:1.1';
      containers[1] = { name: 'otel', image: 'otel-collector:0.99' };
      find(head, 'Deployment', 'checkout-v1').spec.template.spec.initContainers = [{ name: 'migrate', image: 'migrate:7' }];
    })).toEqual([
      'shop/checkout-v1 (Deployment): container app image app:1 -> app:1.1',
      'shop/checkout-v1 (Deployment): container log removed (image fluent-bit:3.0)',
      'shop/checkout-v1 (Deployment): init container migrate added (image migrate:7)',
      'shop/checkout-v1 (Deployment): container otel added (image otel-collector:0.99)',
    ]);
  });

  test('a replicas change is reported; unset replicas read as Kubernetes\' default of 1', () => {
    const base = shop();
    expect(changed(base, (head) => { find(head, 'Deployment', 'checkout-v2').spec.replicas = 3; }))
      .toEqual(['shop/checkout-v2 (Deployment): replicas 2 -> 3']);
    expect(kinds(base, (head) => { find(head, 'Deployment', 'checkout-v2').spec.replicas = 3; })).toEqual(['replicas']);
    expect(changed(base, (head) => { delete find(head, 'Deployment', 'checkout-v1').spec.replicas; }))
      .toEqual(['shop/checkout-v1 (Deployment): replicas 2 -> unset (1)']);
  });

  test('workloads added and removed', () => {
    const base = shop();
    expect(changed(base, (head) => {
      head.push({ ...clone([find(head, 'Deployment', 'checkout-v2')])[0], metadata: { name: 'checkout-v3', namespace: 'shop' } });
      head.splice(head.indexOf(find(head, 'Deployment', 'checkout-v1')), 1);
    })).toEqual([
      'shop/checkout-v1 (Deployment): removed',
      'shop/checkout-v3 (Deployment): new, replicas 2, image app:2',
      // Removing v1's pods breaks its subset, which the VirtualService still routes to.
      'shop/checkout: subset v1 (version=v1) selects none of the pods of checkout.shop.svc.cluster.local '
        + '(checkout-v2: app=checkout,version=v2; checkout-v3: app=checkout,version=v2)',
    ]);
  });
});

describe('diff: route options', () => {
  const base = shop();
  const route = (head: any[], name: string) => find(head, 'VirtualService', 'checkout').spec.http.find((r: any) => r.name === name);

  test('timeout', () => {
    expect(changed(base, (head) => { route(head, 'default').timeout = '10s'; })).toEqual(['shop/checkout (rule default): timeout 5s -> 10s']);
    expect(kinds(base, (head) => { route(head, 'default').timeout = '10s'; })).toEqual(['route-options']);
    expect(changed(base, (head) => { delete route(head, 'default').timeout; })).toEqual(['shop/checkout (rule default): timeout 5s -> none']);
  });

  test('retries', () => {
    expect(changed(base, (head) => { route(head, 'default').retries = { attempts: 5, perTryTimeout: '2s', retryOn: '5xx' }; }))
      .toEqual(['shop/checkout (rule default): retries {"attempts":3} -> {"attempts":5,"perTryTimeout":"2s","retryOn":"5xx"}']);
  });

  test('fault', () => {
    expect(changed(base, (head) => { route(head, 'jason').fault = { delay: { fixedDelay: '7s', percentage: { value: 100 } } }; }))
      .toEqual(['shop/checkout (rule jason): fault none -> {"delay":{"fixedDelay":"7s","percentage":{"value":100}}}']);
  });

  test('mirror', () => {
    expect(changed(base, (head) => {
      route(head, 'default').mirror = { host: 'checkout', subset: 'v2' };
      route(head, 'default').mirrorPercentage = { value: 25 };
    })).toEqual([
      'shop/checkout (rule default): mirror none -> {"host":"checkout","subset":"v2"}',
      'shop/checkout (rule default): mirrorPercentage none -> {"value":25}',
    ]);
  });

  test('rewrite, headers and corsPolicy', () => {
    expect(changed(base, (head) => {
      route(head, 'jason').rewrite = { uri: '/v2/' };
      route(head, 'jason').headers = { request: { set: { 'x-canary': 'true' } } };
      route(head, 'default').corsPolicy = { allowOrigins: [{ exact: 'https://shop.example.com' }] };
    })).toEqual([
      'shop/checkout (rule jason): rewrite none -> {"uri":"/v2/"}',
      'shop/checkout (rule jason): headers none -> {"request":{"set":{"x-canary":"true"}}}',
      'shop/checkout (rule default): corsPolicy none -> {"allowOrigins":[{"exact":"https://shop.example.com"}]}',
    ]);
  });

  test('HTTPRoute rules: timeouts and filters by type', () => {
    const httpRoute = (rule: Record<string, any>): K8sObject => ({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: 'checkout', namespace: 'shop' },
      spec: {
        parentRefs: [{ group: '', kind: 'Service', name: 'checkout', port: 8080 }],
        rules: [{ name: 'default', backendRefs: [{ name: 'checkout', port: 8080 }], ...rule }],
      },
    });
    const gwBase = [...shop().filter((o) => o.kind !== 'VirtualService'), httpRoute({ timeouts: { request: '5s' } })];
    const gwHead = [...shop().filter((o) => o.kind !== 'VirtualService'), httpRoute({
      timeouts: { request: '10s', backendRequest: '2s' },
      filters: [
        { type: 'URLRewrite', urlRewrite: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/v2' } } },
        { type: 'RequestMirror', requestMirror: { backendRef: { name: 'checkout-shadow', port: 8080 } } },
      ],
    })];
    expect(diffTraffic(gwBase, gwHead).filter((c) => c.kind === 'route-options').map((c) => c.text)).toEqual([
      'shop/checkout (rule default): filter RequestMirror none -> {"backendRef":{"name":"checkout-shadow","port":8080}}',
      'shop/checkout (rule default): filter URLRewrite none -> {"path":{"replacePrefixMatch":"/v2","type":"ReplacePrefixMatch"}}',
      'shop/checkout (rule default): timeouts {"request":"5s"} -> {"backendRequest":"2s","request":"10s"}',
    ]);
  });
});

describe('diff: DestinationRules', () => {
  const base = shop();
  const dr = (head: any[]) => find(head, 'DestinationRule', 'checkout');

  test('traffic policy: whole and per subset, by field', () => {
    const change = (head: any[]) => {
      dr(head).spec.trafficPolicy.loadBalancer = { simple: 'LEAST_REQUEST' };
      dr(head).spec.trafficPolicy.tls = { mode: 'ISTIO_MUTUAL' };
      dr(head).spec.subsets[1].trafficPolicy.outlierDetection.consecutive5xxErrors = 1;
      dr(head).spec.subsets[0].trafficPolicy = { connectionPool: { http: { http1MaxPendingRequests: 1 } } };
    };
    expect(changed(base, change)).toEqual([
      'shop/checkout (DestinationRule): trafficPolicy.loadBalancer {"simple":"ROUND_ROBIN"} -> {"simple":"LEAST_REQUEST"}',
      'shop/checkout (DestinationRule): trafficPolicy.tls none -> {"mode":"ISTIO_MUTUAL"}',
      'shop/checkout (DestinationRule): subset v1 trafficPolicy.connectionPool none -> {"http":{"http1MaxPendingRequests":1}}',
      'shop/checkout (DestinationRule): subset v2 trafficPolicy.outlierDetection {"consecutive5xxErrors":5,"interval":"10s"} '
        + '-> {"consecutive5xxErrors":1,"interval":"10s"}',
    ]);
    expect(new Set(kinds(base, change))).toEqual(new Set(['traffic-policy']));
  });

  test('subsets added and relabelled; a new DestinationRule with its policy', () => {
    expect(changed(base, (head) => {
      dr(head).spec.subsets.push({ name: 'v3', labels: { version: 'v3' } });
      dr(head).spec.subsets[0].labels = { version: 'v1', app: 'checkout' };
    })).toEqual([
      'shop/checkout (DestinationRule): subset v1 labels version=v1 -> version=v1,app=checkout',
      'shop/checkout (DestinationRule): subset v3 added (version=v3)',
      'shop/checkout: subset v3 (version=v3) selects none of the pods of checkout.shop.svc.cluster.local '
        + '(checkout-v1: app=checkout,version=v1; checkout-v2: app=checkout,version=v2)',
    ]);
    const withoutDr = base.filter((o) => o.kind !== 'DestinationRule' && o.kind !== 'VirtualService');
    expect(diffTraffic(withoutDr, base.filter((o) => o.kind !== 'VirtualService')).map((c) => c.text)).toEqual([
      'shop/checkout (DestinationRule): new, host checkout, subsets v1, v2',
      'shop/checkout (DestinationRule): trafficPolicy.loadBalancer none -> {"simple":"ROUND_ROBIN"}',
      'shop/checkout (DestinationRule): subset v2 trafficPolicy.outlierDetection none -> {"consecutive5xxErrors":5,"interval":"10s"}',
    ]);
  });
});

describe('diff: namespaces and order', () => {
  const namespaces = ['shop-a', 'shop-b', 'shop-c', 'shop-d'];
  const four = namespaces.flatMap((ns) => shop(ns));

  test('one change in four namespaces is four lines, each naming its namespace', () => {
    const lines = changed(four, (head) => {
      for (const ns of namespaces) {
        const http = find(head, 'VirtualService', 'checkout', ns).spec.http[1];
        http.route[0].weight = 50;
        http.route[1].weight = 50;
      }
    });
    expect(lines).toEqual(namespaces.flatMap((ns) => [`${ns}/checkout: v1 90% -> 50%`, `${ns}/checkout: v2 10% -> 50%`]));
  });

  test('every line of every kind starts with <namespace>/', () => {
    const head = clone(four);
    const a = (kind: string, name: string) => find(head, kind, name, 'shop-a');
    a('VirtualService', 'checkout').spec.http[1].route[0].weight = 50;
    a('VirtualService', 'checkout').spec.http[1].timeout = '1s';
    a('VirtualService', 'checkout').spec.http.splice(0, 1);
    a('DestinationRule', 'checkout').spec.subsets.splice(1, 1);
    a('DestinationRule', 'checkout').spec.trafficPolicy = {};
    a('Deployment', 'checkout-v1').spec.replicas = 0;
    a('Deployment', 'checkout-v1').spec.template.spec.containers[0].image = 'app:9';
    find(head, 'VirtualService', 'checkout', 'shop-b').spec.gateways = ['shop-b/gw'];
    head.splice(head.indexOf(find(head, 'VirtualService', 'checkout', 'shop-c')), 1);
    head.push({ ...find(head, 'VirtualService', 'checkout', 'shop-d'), metadata: { name: 'checkout-2', namespace: 'shop-d' } });
    const changes = diffTraffic(four, head);
    expect(new Set(changes.map((c) => c.kind))).toEqual(new Set(['split', 'route-options', 'rule-removed', 'subset', 'traffic-policy', 'replicas', 'image',
      'binding', 'virtual-service-removed', 'virtual-service-added', 'broken']));
    for (const c of changes) expect(c.text).toMatch(/^shop-[a-d]\/\S/);
    for (const line of renderDiff(changes).split('\n').filter((l) => l.startsWith('- '))) expect(line).toMatch(/^- (⚠️ )?shop-[a-d]\//);
    // Two VirtualServices of shop-d for one host also name themselves.
    expect(changes.map((c) => c.text)).toContain('shop-d/checkout (VirtualService checkout-2): new VirtualService shop-d/checkout-2 '
      + '(end-user=jason → v2 100%; every request → v1 90%, v2 10%)');
  });

  test('the order does not depend on the order of the input', () => {
    const head = clone(four);
    for (const ns of namespaces) {
      find(head, 'Deployment', 'checkout-v2', ns).spec.replicas = 4;
      find(head, 'VirtualService', 'checkout', ns).spec.http[1].route[1].weight = 20;
      find(head, 'DestinationRule', 'checkout', ns).spec.trafficPolicy.loadBalancer.simple = 'RANDOM';
    }
    const expected = diffTraffic(four, head);
    expect(expected).toHaveLength(16);
    expect(diffTraffic([...four].reverse(), [...head].reverse())).toEqual(expected);
    expect(diffTraffic([...four.slice(9), ...four.slice(0, 9)], [...head.slice(5), ...head.slice(0, 5)])).toEqual(expected);
  });
});

/** Runs Mermaid's own parser (`mermaid.parse`) over the blocks in a Node process: mermaid ships as ES modules only. */
const MERMAID_PARSE = `
// mermaid.parse() sanitizes labels with DOMPurify, which needs a DOM only to sanitize: parsing needs none.
import DOMPurify from 'dompurify';
Object.assign(DOMPurify, { addHook() {}, removeHook() {}, removeHooks() {}, removeAllHooks() {}, sanitize: (text) => text });
const { default: mermaid } = await import('mermaid');
let input = '';
for await (const chunk of process.stdin) input += chunk;
const errors = [];
for (const text of JSON.parse(input)) {
  try {
    await mermaid.parse(text);
    errors.push(null);
  } catch (e) {
    errors.push(String(e?.message ?? e));
  }
}
process.stdout.write(JSON.stringify(errors));
`;

/** Mermaid's parse error for each block, or null when it parses. */
function mermaidErrors(blocks: readonly string[]): Array<string | null> {
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', MERMAID_PARSE], { cwd: ROOT, input: JSON.stringify(blocks), encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`mermaid parser: did not run (got exit ${run.status}: ${run.stderr}); run npm ci so devDependency mermaid is installed`);
  return JSON.parse(run.stdout);
}

/** The Mermaid blocks of a Markdown text. */
function mermaidBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^```mermaid\n([\s\S]*?)^```$/gm)].map((m) => m[1]);
}

/** Blocks that do not parse, with where they come from and Mermaid's error. */
function unparsed(blocks: ReadonlyArray<[string, string]>): string[] {
  const errors = mermaidErrors(blocks.map(([, block]) => block));
  return blocks.flatMap(([where, block], i) => (errors[i] === null ? [] : [`${where}:\n${block}\n${errors[i]}`]));
}

/** A VirtualService and an HTTPRoute whose hosts, gateways, subsets and matches hold what Mermaid reads as syntax. */
function tricky(): K8sObject[] {
  const nasty = '^/(a|b)[0-9]{2}/"quoted"#x;<y>%%{init}%%$ é ✓ `tick` end';
  const subsets = ['v1.0', 'v1_0', 'v2-beta', 'v"3', 'ünï', 'end', 'graph', 'a<b>'];
  return [
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'odd', namespace: 'we-ird' }, spec: { selector: { app: 'odd' }, ports: [{ name: 'http', port: 80 }] } },
    {
      apiVersion: 'networking.istio.io/v1',
      kind: 'DestinationRule',
      metadata: { name: 'odd', namespace: 'we-ird' },
      spec: { host: 'odd', subsets: subsets.map((name) => ({ name, labels: { version: name } })) },
    },
    {
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name: 'odd', namespace: 'we-ird' },
      spec: {
        hosts: ['odd', '*.wild-card.example.com', 'a"quote.example.com', '#hash;', 'ünïcode.example.com'],
        gateways: ['mesh', 'we-ird/gw`1', 'istio-system/gw"2', 'gw%%3'],
        http: [
          { name: 'regex', match: [{ uri: { regex: nasty }, headers: { 'x-"h"': { regex: '[a-z]+|(x)' } } }], route: [{ destination: { host: 'odd', subset: 'v"3' } }] },
          { name: 'semi;colon', match: [{ queryParams: { 'q{1}': { exact: 'a;b' } }, method: { exact: 'GET' } }], route: [{ destination: { host: 'odd', subset: 'ünï' } }] },
          { name: 'external', match: [{ uri: { prefix: '/ext' } }], route: [{ destination: { host: 'api.example.com' } }] },
          {
            name: 'default',
            route: subsets.filter((s) => s !== 'v"3' && s !== 'ünï').map((subset) => ({ destination: { host: 'odd', subset }, weight: 1 })),
          },
        ],
      },
    },
    {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: 'odd-route', namespace: 'we-ird' },
      spec: {
        parentRefs: [{ name: 'gw', sectionName: 'https"1' }, { group: '', kind: 'Service', name: 'odd', port: 80 }],
        hostnames: ['*.wild.example.com'],
        rules: [{
          name: 'r"1',
          matches: [{ path: { type: 'RegularExpression', value: nasty }, headers: [{ name: 'x-<t>', value: '{1}' }] }],
          backendRefs: [{ name: 'odd', port: 80 }],
        }],
      },
    },
  ];
}

describe('Mermaid blocks parse with Mermaid\'s own parser', () => {
  test('the parser rejects a broken block, so this test can fail', () => {
    expect(mermaidErrors(['flowchart LR\n  a(("mesh")) --> b["v1"]', 'flowchart LR\n  a(("mesh")) --> b["a "quoted" host"]', 'flowchart LR\n  a --> b["%%{init}%%"]']))
      .toEqual([null, expect.stringContaining('Parse error on line 2'), expect.stringContaining('Parse error on line 2')]);
  });

  test('the report of every example chart, of all of them together, and of tricky names and matches', () => {
    const app = Testing.app();
    const charts = Object.entries(EXAMPLE_CHARTS).map(([id, ChartClass]) => [id, Testing.synth(new ChartClass(app, id))] as const);
    const reports: Array<[string, string]> = [
      ...charts.map(([id, objects]): [string, string] => [`example chart ${id}`, renderReport(objects)]),
      ['every example chart', renderReport(charts.flatMap(([, objects]) => objects))],
      ['tricky names', renderReport(tricky())],
    ];
    const blocks = reports.flatMap(([where, report]) => mermaidBlocks(report).map((block, i): [string, string] => [`${where}, block ${i + 1}`, block]));
    expect(blocks.length).toBeGreaterThan(Object.keys(EXAMPLE_CHARTS).length);
    expect(unparsed(blocks)).toEqual([]);
  });

  test('tricky texts are escaped, not changed, and nodes that read alike stay apart', () => {
    const [block] = mermaidBlocks(renderReport(tricky().filter((o) => o.kind !== 'HTTPRoute')));
    expect(block).toContain('["v#quot;3"]');
    expect(block).toContain('-->|"x-#quot;h#quot; ~ /[a-z]+|(x)/ and path ~ /^/(a|b)[0-9]{2}/#quot;quoted#quot;#35;x;#lt;y#gt;#37;%{init}#37;%$ é ✓ #96;tick#96; end/: 100%"|');
    expect(block).toContain('in_istio_system_gw_2(("istio-system/gw#quot;2"))');
    const v10 = /(\w+)\["v1\.0"\]/.exec(block)![1];
    const v1_0 = /(\w+)\["v1_0"\]/.exec(block)![1];
    expect(v10).not.toBe(v1_0);
  });

  test('every Mermaid block in README.md and docs/*.md', () => {
    const files = ['README.md', ...fs.readdirSync(path.join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`)];
    const blocks = files.flatMap((file) => mermaidBlocks(fs.readFileSync(path.join(ROOT, file), 'utf8')).map((block, i): [string, string] => [`${file}, block ${i + 1}`, block]));
    expect(blocks.length).toBeGreaterThanOrEqual(2);
    expect(unparsed(blocks)).toEqual([]);
  });
});
