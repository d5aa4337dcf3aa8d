import { Testing } from 'cdk8s';
import { only, synthToFiles } from './util';
import {
  BookinfoGatewayChart, BookinfoHttpsGatewayChart, BookinfoReviewsChart, CatMouseGatewayChart, EXAMPLE_CHARTS,
  GrpcHeaderChart, GrpcWeightedChart, NginxCanaryChart, NginxGatewayCanaryChart, addExampleCharts,
} from '../examples/scenarios';

/** A route as `[name, match as text, subset=weight...]`, to pin what matters in one line. */
function routes(vs: any): string[][] {
  return vs.spec.http.map((r: any) => [
    r.name,
    JSON.stringify(r.match ?? null),
    ...r.route.map((d: any) => `${d.destination.subset}=${d.weight ?? 100}`),
    ...(r.timeout ? [`timeout=${r.timeout}`] : []),
  ]);
}

describe.each(Object.entries(EXAMPLE_CHARTS))('example chart %s', (id, ChartClass) => {
  const objects = Testing.synth(new ChartClass(Testing.app(), id));

  test('matches its snapshot', () => {
    expect(objects).toMatchSnapshot();
  });

  test('every subset route goes to a subset of its DestinationRule, every subset selects one Deployment', () => {
    const rules = new Map<string, any>(objects.filter((o) => o.kind === 'DestinationRule').map((dr) => [dr.spec.host, dr]));
    const deployments = objects.filter((o) => o.kind === 'Deployment');
    for (const vs of objects.filter((o) => o.kind === 'VirtualService')) {
      for (const d of vs.spec.http.flatMap((r: any) => r.route)) {
        if (d.destination.subset === undefined) continue;
        const subsets = rules.get(d.destination.host).spec.subsets.map((s: any) => s.name);
        expect(subsets).toContain(d.destination.subset);
      }
    }
    for (const dr of rules.values()) {
      for (const { labels } of dr.spec.subsets) {
        const selected = deployments.filter((d) => Object.entries(labels).every(([k, v]) => d.spec.template.metadata.labels[k] === v)
          && d.spec.template.metadata.labels.app === dr.metadata.name);
        expect(selected).toHaveLength(1);
      }
    }
  });
});

describe('seed scenarios', () => {
  test('nginx: v1/v2 behind one Service, 90/10', () => {
    const out = Testing.synth(new NginxCanaryChart(Testing.app(), 'nginx'));
    expect(only(out, 'Service', 'nginx').spec.selector).toEqual({ app: 'nginx' });
    expect(only(out, 'DestinationRule').spec.subsets.map((s: any) => s.name)).toEqual(['v1', 'v2']);
    expect(routes(only(out, 'VirtualService'))).toEqual([['default', 'null', 'v1=90', 'v2=10']]);
    expect(only(out, 'Deployment', 'nginx-v1').spec.template.spec.containers[0].securityContext).toMatchObject({ runAsNonRoot: false });
  });

  test('gRPC: version 100 -> v1, 200 -> v2, default v1, on a grpc port', () => {
    const out = Testing.synth(new GrpcHeaderChart(Testing.app(), 'grpc'));
    expect(only(out, 'Service').spec.ports[0]).toMatchObject({ name: 'grpc', appProtocol: 'grpc', port: 50051 });
    expect(routes(only(out, 'VirtualService'))).toEqual([
      ['version-100', '[{"headers":{"version":{"exact":"100"}}}]', 'v1=100'],
      ['version-200', '[{"headers":{"version":{"exact":"200"}}}]', 'v2=100'],
      ['default', 'null', 'v1=100'],
    ]);
  });

  test('gRPC: SayHello 10/90 with a 5s timeout', () => {
    const out = Testing.synth(new GrpcWeightedChart(Testing.app(), 'grpc'));
    expect(routes(only(out, 'VirtualService'))).toEqual([
      ['say-hello', '[{"uri":{"exact":"/helloworld.Greeter/SayHello"}}]', 'v1=10', 'v2=90', 'timeout=5s'],
      ['default', 'null', 'v1=100'],
    ]);
  });

  test('bookinfo reviews: jason -> v2, others 50/10/40', () => {
    const out = Testing.synth(new BookinfoReviewsChart(Testing.app(), 'bookinfo'));
    expect(only(out, 'DestinationRule').spec.host).toBe('reviews.bookinfo.svc.cluster.local');
    expect(routes(only(out, 'VirtualService'))).toEqual([
      ['end-user-jason', '[{"headers":{"end-user":{"exact":"jason"}}}]', 'v2=100'],
      ['default', 'null', 'v1=50', 'v2=10', 'v3=40'],
    ]);
    const mounts = only(out, 'Deployment', 'reviews-v2').spec.template.spec.containers[0].volumeMounts.map((m: any) => m.mountPath);
    expect(mounts).toEqual(['/tmp', '/opt/ibm/wlp/output']);
  });
});

describe('ingress seed scenarios', () => {
  test('cat through *.istio.gray.com: env prod -> prod, env gray -> gray, anything else prod; mouse the same in the mesh', () => {
    const out = Testing.synth(new CatMouseGatewayChart(Testing.app(), 'gray'));
    expect(only(out, 'Namespace', 'gray').metadata.labels).toEqual({ 'istio-injection': 'enabled' });
    expect(only(out, 'Gateway', 'gray-gateway').spec.servers[0].hosts).toEqual(['*.istio.gray.com']);
    const edge = only(out, 'VirtualService', 'cat-gray-gateway');
    expect(edge.spec.gateways).toEqual(['gray-gateway']);
    expect(edge.spec.hosts).toEqual(['cat.istio.gray.com']);
    const expected = [
      ['env-prod', '[{"headers":{"env":{"exact":"prod"}}}]', 'prod=100'],
      ['env-gray', '[{"headers":{"env":{"exact":"gray"}}}]', 'gray=100'],
      ['default', 'null', 'prod=100'],
    ];
    expect(routes(edge)).toEqual(expected);
    expect(routes(only(out, 'VirtualService', 'cat'))).toEqual(expected);
    expect(routes(only(out, 'VirtualService', 'mouse'))).toEqual(expected);
    expect(out.filter((o) => o.kind === 'VirtualService' && o.metadata.name.startsWith('mouse-'))).toEqual([]);
  });

  test('nginx through canary-gateway: exactly the tutorial objects, 90/10', () => {
    const out = Testing.synth(new NginxGatewayCanaryChart(Testing.app(), 'canary'));
    expect(out.map((o) => o.kind).sort()).toEqual(['Deployment', 'Deployment', 'DestinationRule', 'Gateway', 'Service', 'ServiceAccount', 'VirtualService']);
    expect(only(out, 'Gateway', 'canary-gateway').spec.servers).toEqual([{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['*'] }]);
    const vs = only(out, 'VirtualService');
    expect(vs.spec.gateways).toEqual(['canary-gateway']);
    expect(vs.spec.hosts).toEqual(['*']);
    expect(routes(vs)).toEqual([['default', 'null', 'v1=90', 'v2=10']]);
    expect(only(out, 'DestinationRule').spec.subsets.map((s: any) => s.name)).toEqual(['v1', 'v2']);
  });

  test.each([
    ['HTTP', BookinfoGatewayChart, ['http']],
    ['HTTPS with redirect', BookinfoHttpsGatewayChart, ['http', 'https']],
  ])('bookinfo gateway over %s: the five productpage paths, reviews canary in the mesh', (_what, ChartClass, portNames) => {
    const out = Testing.synth(new ChartClass(Testing.app(), 'bookinfo'));
    const gateway = only(out, 'Gateway', 'bookinfo-gateway');
    expect(gateway.spec.servers.map((s: any) => s.port.name)).toEqual(portNames);
    const vs = only(out, 'VirtualService', 'bookinfo-gateway');
    expect(vs.spec.gateways).toEqual(['bookinfo-gateway']);
    expect(routes(vs)).toEqual([[
      'productpage',
      '[{"uri":{"exact":"/productpage"}},{"uri":{"prefix":"/static"}},{"uri":{"exact":"/login"}},{"uri":{"exact":"/logout"}},{"uri":{"prefix":"/api/v1/products"}}]',
      'v1=100',
    ]]);
    expect(vs.spec.http[0].route[0].destination.host).toMatch(/^productpage\.bookinfo-(gateway|https)\.svc\.cluster\.local$/);
    expect(routes(only(out, 'VirtualService', 'reviews'))[1]).toEqual(['default', 'null', 'v1=50', 'v2=10', 'v3=40']);
    if (portNames.includes('https')) {
      expect(gateway.spec.servers[0].tls).toEqual({ httpsRedirect: true });
      expect(gateway.spec.servers[1].tls).toEqual({ mode: 'SIMPLE', credentialName: 'bookinfo-cert' });
    }
  });
});

test('the example app synthesizes byte-identical YAML twice', () => {
  const first = synthToFiles(addExampleCharts);
  const second = synthToFiles(addExampleCharts);
  expect(Object.keys(first)).toEqual(Object.keys(EXAMPLE_CHARTS).map((id) => `${id}.k8s.yaml`).sort());
  expect(second).toEqual(first);
});
