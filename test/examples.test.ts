import { Testing } from 'cdk8s';
import { only, synthToFiles } from './util';
import { EXAMPLE_CHARTS, addExampleCharts } from '../examples/charts';
import { CnnEgressChart, GoogleApisTlsOriginationChart } from '../examples/egress';
import { BookinfoAmbientChart } from '../examples/gateway-api';
import { BookinfoReviewsHostSplitChart, WebSplitHeaderChart, WebSplitWeightedChart } from '../examples/host-split';
import { CatMouseLaneChart, TwoLanesChart } from '../examples/lanes';
import { ERROR_RATE_QUERY, WeatherAdAbTestChart, WeatherAdProgressiveChart } from '../examples/progressive';
import {
  BookinfoGatewayChart, BookinfoHttpsGatewayChart, BookinfoReviewsChart, CatMouseGatewayChart,
  GrpcHeaderChart, GrpcWeightedChart, NginxCanaryChart, NginxGatewayCanaryChart,
} from '../examples/scenarios';
import {
  BookinfoRatingsAbortChart, BookinfoRatingsDelayChart, HttpbinCircuitBreakerChart, HttpbinMirrorChart, ShopPoliciesChart, TcpEchoChart,
} from '../examples/traffic-policies';

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

  test('every route goes to a subset of its DestinationRule, a Service or a ServiceEntry host of the chart; every subset of a chart Service selects one Deployment', () => {
    const rules = new Map<string, any>(objects.filter((o) => o.kind === 'DestinationRule').map((dr) => [dr.spec.host, dr]));
    const deployments = objects.filter((o) => o.kind === 'Deployment');
    const services = new Set(objects.filter((o) => o.kind === 'Service').map((o) => `${o.metadata.name}.${o.metadata.namespace ?? id}.svc.cluster.local`));
    const externalHosts = new Set(objects.filter((o) => o.kind === 'ServiceEntry').flatMap((o) => o.spec.hosts));
    for (const vs of objects.filter((o) => o.kind === 'VirtualService')) {
      const destinations = [...vs.spec.http ?? [], ...vs.spec.tcp ?? [], ...vs.spec.tls ?? []]
        .flatMap((r: any) => [...r.route ?? [], ...r.mirror ? [{ destination: r.mirror }] : []]);
      for (const d of destinations) {
        if (d.destination.subset === undefined) {
          // Mirror targets outside the chart (none in the examples) would need a ServiceEntry or another chart.
          expect([...services, ...externalHosts]).toContain(d.destination.host);
          continue;
        }
        const subsets = rules.get(d.destination.host).spec.subsets.map((s: any) => s.name);
        expect(subsets).toContain(d.destination.subset);
      }
    }
    for (const dr of [...rules.values()].filter((r) => services.has(r.spec.host))) {
      for (const { labels } of dr.spec.subsets ?? []) {
        const selected = deployments.filter((d) => Object.entries(labels).every(([k, v]) => d.spec.template.metadata.labels[k] === v)
          && d.spec.template.metadata.labels.app === dr.metadata.name);
        expect(selected).toHaveLength(1);
      }
    }
  });

  test('every Gateway API route sends to a Service of the chart on one of its ports, and that Service selects a Deployment', () => {
    const services = new Map(objects.filter((o) => o.kind === 'Service').map((s) => [`${s.metadata.namespace}/${s.metadata.name}`, s]));
    const deployments = objects.filter((o) => o.kind === 'Deployment');
    for (const route of objects.filter((o) => o.kind === 'HTTPRoute' || o.kind === 'GRPCRoute')) {
      const refs = (route.spec.rules ?? []).flatMap((r: any) => [
        ...r.backendRefs ?? [],
        ...(r.filters ?? []).flatMap((f: any) => (f.requestMirror ? [f.requestMirror.backendRef] : [])),
      ]);
      for (const ref of refs) {
        const service = services.get(`${ref.namespace ?? route.metadata.namespace}/${ref.name}`);
        const where = { route: route.metadata.name, backend: ref.name };
        expect({ ...where, found: service !== undefined }).toEqual({ ...where, found: true });
        expect(service.spec.ports.map((p: any) => p.port)).toContain(ref.port);
        const selector = service.spec.selector;
        expect(deployments.some((d) => Object.entries(selector).every(([k, v]) => d.spec.template.metadata.labels[k] === v))).toBe(true);
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

  test('nginx through canary-gateway: the tutorial objects (with a named host), 90/10', () => {
    const out = Testing.synth(new NginxGatewayCanaryChart(Testing.app(), 'canary'));
    expect(out.map((o) => o.kind).sort()).toEqual(['Deployment', 'Deployment', 'DestinationRule', 'Gateway', 'Service', 'ServiceAccount', 'VirtualService']);
    expect(only(out, 'Gateway', 'canary-gateway').spec.servers).toEqual([{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['nginx.example.com'] }]);
    const vs = only(out, 'VirtualService');
    expect(vs.spec.gateways).toEqual(['canary-gateway']);
    expect(vs.spec.hosts).toEqual(['nginx.example.com']);
    expect(routes(vs)).toEqual([['default', 'null', 'v1=90', 'v2=10']]);
    expect(only(out, 'DestinationRule').spec.subsets.map((s: any) => s.name)).toEqual(['v1', 'v2']);
  });

  test.each([
    ['HTTP', BookinfoGatewayChart, ['http'], 'bookinfo.example.com'],
    ['HTTPS with redirect', BookinfoHttpsGatewayChart, ['http', 'https'], 'secure.bookinfo.example.com'],
  ])('bookinfo gateway over %s: the five productpage paths, reviews canary in the mesh', (_what, ChartClass, portNames, host) => {
    const out = Testing.synth(new ChartClass(Testing.app(), 'bookinfo'));
    const gateway = only(out, 'Gateway', 'bookinfo-gateway');
    expect(gateway.spec.servers.map((s: any) => s.port.name)).toEqual(portNames);
    expect(gateway.spec.servers.map((s: any) => s.hosts)).toEqual(portNames.map(() => [host]));
    const vs = only(out, 'VirtualService', 'bookinfo-gateway');
    expect(vs.spec.gateways).toEqual(['bookinfo-gateway']);
    expect(vs.spec.hosts).toEqual([host]);
    expect(routes(vs)).toEqual([[
      'productpage',
      // Path prefixes by whole path elements: the path, or the prefix ending in "/" (test/path-prefix.test.ts).
      '[{"uri":{"exact":"/productpage"}},{"uri":{"exact":"/static"}},{"uri":{"prefix":"/static/"}},{"uri":{"exact":"/login"}},{"uri":{"exact":"/logout"}},'
        + '{"uri":{"exact":"/api/v1/products"}},{"uri":{"prefix":"/api/v1/products/"}}]',
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

describe('traffic policy scenarios', () => {
  test.each([
    ['delay', BookinfoRatingsDelayChart, { delay: { fixedDelay: '7s', percentage: { value: 100 } } }],
    ['abort', BookinfoRatingsAbortChart, { abort: { httpStatus: 500, percentage: { value: 100 } } }],
  ])('bookinfo ratings %s: the fault for end-user jason only, everyone else served by v1', (_what, ChartClass, fault) => {
    const vs = only(Testing.synth(new ChartClass(Testing.app(), 'ratings')), 'VirtualService');
    expect(routes(vs)).toEqual([
      ['end-user-jason', '[{"headers":{"end-user":{"exact":"jason"}}}]', 'v1=100'],
      ['default', 'null', 'v1=100'],
    ]);
    expect(vs.spec.http[0].fault).toEqual(fault);
    expect(vs.spec.http[1].fault).toBeUndefined();
  });

  test('httpbin circuit breaker: 1 connection, 1 pending request, eject on one 5xx', () => {
    const out = Testing.synth(new HttpbinCircuitBreakerChart(Testing.app(), 'cb'));
    expect(only(out, 'DestinationRule').spec.trafficPolicy).toEqual({
      connectionPool: { tcp: { maxConnections: 1 }, http: { http1MaxPendingRequests: 1, maxRequestsPerConnection: 1 } },
      outlierDetection: { consecutive5xxErrors: 1, interval: '1s', baseEjectionTime: '180s', maxEjectionPercent: 100 },
    });
    expect(only(out, 'Service').spec.ports[0]).toMatchObject({ port: 8000, targetPort: 8080 });
  });

  test('httpbin mirror: v1 serves everything, half of it copied to v2', () => {
    const vs = only(Testing.synth(new HttpbinMirrorChart(Testing.app(), 'mirror')), 'VirtualService');
    expect(routes(vs)).toEqual([['default', 'null', 'v1=100']]);
    expect(vs.spec.http[0].mirror).toEqual({ host: 'httpbin.mirror.svc.cluster.local', subset: 'v2' });
    expect(vs.spec.http[0].mirrorPercentage).toEqual({ value: 50 });
  });

  test('tcp-echo: 80/20 on each of its two TCP ports, every destination naming its port', () => {
    const out = Testing.synth(new TcpEchoChart(Testing.app(), 'tcp'));
    const vs = only(out, 'VirtualService');
    expect(vs.spec.http).toBeUndefined();
    expect(vs.spec.tcp.map((r: any) => [r.match, ...r.route.map((d: any) => `${d.destination.subset}:${d.destination.port.number}=${d.weight}`)])).toEqual([
      [[{ port: 9000 }], 'v1:9000=80', 'v2:9000=20'],
      [[{ port: 9001 }], 'v1:9001=80', 'v2:9001=20'],
    ]);
    expect(only(out, 'Service').spec.ports.map((p: any) => `${p.name}/${p.appProtocol}/${p.port}`)).toEqual(['tcp-9000/tcp/9000', 'tcp-9001/tcp/9001']);
  });

  test('shop: every route and traffic policy option lands on its route, subset or port', () => {
    const out = Testing.synth(new ShopPoliciesChart(Testing.app(), 'shop'));
    const dr = only(out, 'DestinationRule');
    expect(dr.spec.trafficPolicy).toEqual({
      loadBalancer: { consistentHash: { httpCookie: { name: 'shop-session', ttl: '3600s' } } },
      tls: { mode: 'ISTIO_MUTUAL' },
    });
    expect(dr.spec.subsets).toEqual([
      { name: 'stable', labels: { version: 'stable' } },
      { name: 'gray', labels: { version: 'gray' }, trafficPolicy: { outlierDetection: { consecutive5xxErrors: 3, interval: '10s', baseEjectionTime: '30s' } } },
    ]);
    const mesh = only(out, 'VirtualService', 'catalog');
    // Web rules on port 8080 only; gRPC gets the default route; the TCP port gets the split.
    expect(mesh.spec.http.map((r: any) => `${r.name} ${JSON.stringify(r.match)}`)).toEqual([
      'old-catalog-http [{"port":8080,"uri":{"exact":"/old-catalog"}},{"port":8080,"uri":{"prefix":"/old-catalog/"}}]',
      'beta-api-http [{"port":8080,"uri":{"exact":"/beta/api"}},{"port":8080,"uri":{"prefix":"/beta/api/"}}]',
      'default-http [{"port":8080}]',
      'default-grpc [{"port":9090}]',
    ]);
    const [redirect, beta, web, grpc] = mesh.spec.http;
    expect(redirect).toEqual({ name: 'old-catalog-http', match: redirect.match, redirect: { uri: '/catalog', redirectCode: 301 } });
    // The prefix /beta/api is matched as "/beta/api/", so the rewrite ends in "/": /beta/api/x goes as /api/x.
    expect(beta.rewrite).toEqual({ uri: '/api/' });
    expect(beta.headers).toEqual({ request: { set: { 'x-beta': 'true' }, remove: ['x-debug'] } });
    expect(beta.route).toEqual([{
      destination: { host: 'catalog.shop.svc.cluster.local', subset: 'gray', port: { number: 8080 } },
      headers: { response: { set: { 'x-catalog-version': 'gray' } } },
    }]);
    for (const [route, port] of [[web, 8080], [grpc, 9090]]) {
      expect(route.timeout).toBe('10s');
      expect(route.retries).toEqual({ attempts: 3, perTryTimeout: '2s', retryOn: '5xx,connect-failure,refused-stream' });
      expect(route.corsPolicy).toEqual({
        allowOrigins: [{ exact: 'https://shop.example.com' }], allowMethods: ['GET', 'POST'], allowHeaders: ['authorization', 'content-type'], maxAge: '86400s',
      });
      expect(route.route.map((d: any) => `${d.destination.subset}:${d.destination.port.number}=${d.weight} ${d.headers.response.set['x-catalog-version']}`))
        .toEqual([`stable:${port}=90 stable`, `gray:${port}=10 gray`]);
    }
    expect(mesh.spec.tcp).toEqual([{
      route: [
        { destination: { host: 'catalog.shop.svc.cluster.local', subset: 'stable', port: { number: 7000 } }, weight: 90 },
        { destination: { host: 'catalog.shop.svc.cluster.local', subset: 'gray', port: { number: 7000 } }, weight: 10 },
      ],
    }]);
    const edge = only(out, 'VirtualService', 'catalog-shop-gateway');
    expect(edge.spec.http.map((r: any) => `${r.name} ${JSON.stringify(r.match ?? null)}`)).toEqual([
      'old-catalog [{"uri":{"exact":"/old-catalog"}},{"uri":{"prefix":"/old-catalog/"}}]',
      'beta-api [{"uri":{"exact":"/beta/api"}},{"uri":{"prefix":"/beta/api/"}}]', 'default null',
    ]);
    expect(edge.spec.http[2].route.map((d: any) => d.destination.port.number)).toEqual([8080, 8080]);
    expect(only(out, 'PeerAuthentication', 'default').spec).toEqual({ mtls: { mode: 'STRICT' } });
    expect(only(out, 'AuthorizationPolicy', 'catalog-callers').spec).toEqual({
      selector: { matchLabels: { app: 'catalog' } },
      action: 'ALLOW',
      rules: [{
        from: [
          { source: { principals: ['cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account'] } },
          { source: { namespaces: ['shop'] } },
        ],
      }],
    });
    expect(only(out, 'Service', 'catalog').spec.ports.map((p: any) => `${p.name}/${p.appProtocol}/${p.port}`))
      .toEqual(['http/http/8080', 'grpc/grpc/9090', 'tcp-metrics/tcp/7000']);
  });
});

describe('host-level split scenarios', () => {
  /** A route as `[name, match as text, host=weight...]`, hosts without the cluster suffix. */
  const hostRoutes = (vs: any) => vs.spec.http.map((r: any) => [
    r.name, JSON.stringify(r.match ?? null), ...r.route.map((d: any) => `${d.destination.host.replace('.svc.cluster.local', '')}=${d.weight ?? 100}`),
  ]);

  test('web-svc: tomcat-svc 80 / httpd-svc 20, by host, on port 8080', () => {
    const out = Testing.synth(new WebSplitWeightedChart(Testing.app(), 'web'));
    const vs = only(out, 'VirtualService', 'web-svc');
    expect(vs.spec.hosts).toEqual(['web-svc.web-weighted.svc.cluster.local']);
    expect(hostRoutes(vs)).toEqual([['default', 'null', 'tomcat-svc.web-weighted=80', 'httpd-svc.web-weighted=20']]);
    expect(vs.spec.http[0].route.every((d: any) => d.destination.subset === undefined)).toBe(true);
    expect(out.filter((o) => o.kind === 'DestinationRule')).toEqual([]);
    for (const name of ['web-svc', 'tomcat-svc', 'httpd-svc']) expect(only(out, 'Service', name).spec.ports[0].port).toBe(8080);
    expect(only(out, 'Service', 'httpd-svc').spec.selector).toEqual({ app: 'web', server: 'httpd' });
  });

  test('web-svc: end-user zyx -> tomcat-svc, everyone else httpd-svc', () => {
    const vs = only(Testing.synth(new WebSplitHeaderChart(Testing.app(), 'web')), 'VirtualService', 'web-svc');
    expect(hostRoutes(vs)).toEqual([
      ['end-user-zyx', '[{"headers":{"end-user":{"exact":"zyx"}}}]', 'tomcat-svc.web-header=100'],
      ['default', 'null', 'httpd-svc.web-header=100'],
    ]);
  });

  test('bookinfo reviews by host: a Service and a DestinationRule per version, routes to hosts, same rules and split', () => {
    const out = Testing.synth(new BookinfoReviewsHostSplitChart(Testing.app(), 'reviews'));
    expect(hostRoutes(only(out, 'VirtualService', 'reviews'))).toEqual([
      ['end-user-jason', '[{"headers":{"end-user":{"exact":"jason"}}}]', 'reviews-v2.bookinfo-host=100'],
      ['default', 'null', 'reviews-v1.bookinfo-host=50', 'reviews-v2.bookinfo-host=10', 'reviews-v3.bookinfo-host=40'],
    ]);
    for (const v of ['v1', 'v2', 'v3']) {
      expect(only(out, 'Service', `reviews-${v}`).spec.selector).toEqual({ app: 'reviews', version: v });
      expect(only(out, 'DestinationRule', `reviews-${v}`).spec).toEqual({
        host: `reviews-${v}.bookinfo-host.svc.cluster.local`,
        trafficPolicy: { outlierDetection: { consecutive5xxErrors: 5, interval: '10s', baseEjectionTime: '30s' } },
      });
    }
    expect(only(out, 'Service', 'reviews').spec.selector).toEqual({ app: 'reviews' });
    expect(out.filter((o) => o.kind === 'DestinationRule' && o.metadata.name === 'reviews')).toEqual([]);
  });
});

describe('lane scenarios', () => {
  const grayHeader = '[{"headers":{"env":{"exact":"gray"}}}]';

  test('cat -> mouse: env gray reaches cat-gray at the gateway and mouse-gray in the mesh, also from gray callers', () => {
    const out = Testing.synth(new CatMouseLaneChart(Testing.app(), 'lane'));
    const fromGray = '[{"sourceLabels":{"version":"gray"}}]';
    expect(routes(only(out, 'VirtualService', 'cat-gray-gateway'))).toEqual([['lane-gray', grayHeader, 'gray=100'], ['default', 'null', 'prod=100']]);
    expect(only(out, 'VirtualService', 'cat-gray-gateway').spec.hosts).toEqual(['cat.lane.gray.com']);
    for (const name of ['cat', 'mouse']) {
      expect(routes(only(out, 'VirtualService', name))).toEqual([
        ['lane-gray', grayHeader, 'gray=100'],
        ['lane-gray-source', fromGray, 'gray=100'],
        ['default', 'null', 'prod=100'],
      ]);
      expect(only(out, 'DestinationRule', name).spec.subsets.map((s: any) => [s.name, s.labels])).toEqual([
        ['prod', { version: 'prod' }], ['gray', { version: 'gray' }],
      ]);
      expect(only(out, 'Deployment', `${name}-gray`).spec.template.metadata.labels).toMatchObject({ app: name, version: 'gray' });
    }
  });

  test('two lanes: gray and daily each reach their version; mouse has no daily, so daily stays on mouse-prod', () => {
    const out = Testing.synth(new TwoLanesChart(Testing.app(), 'lanes'));
    const dailyHeader = '[{"headers":{"env":{"exact":"daily"}}}]';
    expect(routes(only(out, 'VirtualService', 'cat'))).toEqual([
      ['lane-gray', grayHeader, 'gray=100'], ['lane-daily', dailyHeader, 'daily=100'], ['default', 'null', 'prod=100'],
    ]);
    expect(routes(only(out, 'VirtualService', 'mouse'))).toEqual([
      ['lane-gray', grayHeader, 'gray=100'], ['lane-daily', dailyHeader, 'prod=100'], ['default', 'null', 'prod=100'],
    ]);
    expect(routes(only(out, 'VirtualService', 'dog'))).toEqual([['lane-gray', grayHeader, 'gray=100'], ['default', 'null', 'prod=100']]);
  });
});

describe('egress scenarios', () => {
  test('cnn through the egress gateway: mesh -> istio-egressgateway subset cnn -> edition.cnn.com, on 80 and (by SNI) 443', () => {
    const out = Testing.synth(new CnnEgressChart(Testing.app(), 'egress'));
    expect(only(out, 'ServiceEntry', 'cnn').spec).toEqual({
      hosts: ['edition.cnn.com'],
      location: 'MESH_EXTERNAL',
      ports: [{ number: 80, name: 'http', protocol: 'HTTP' }, { number: 443, name: 'https', protocol: 'HTTPS' }],
      resolution: 'DNS',
    });
    const gateway = only(out, 'Gateway', 'cnn-egress').spec;
    expect(gateway.selector).toEqual({ istio: 'egressgateway' });
    expect(gateway.servers.map((s: any) => [s.port.number, s.port.protocol, s.hosts, s.tls?.mode])).toEqual([
      [80, 'HTTP', ['edition.cnn.com'], undefined], [443, 'TLS', ['edition.cnn.com'], 'PASSTHROUGH'],
    ]);
    expect(only(out, 'DestinationRule', 'egressgateway-for-cnn').spec).toEqual({ host: 'istio-egressgateway.istio-system.svc.cluster.local', subsets: [{ name: 'cnn' }] });
    const vs = only(out, 'VirtualService', 'cnn-egress').spec;
    expect(vs.hosts).toEqual(['edition.cnn.com']);
    expect(vs.gateways).toEqual(['cnn-egress', 'mesh']);
    const hop = (r: any) => `${r.match[0].gateways[0]}:${r.match[0].port} -> ${r.route[0].destination.host}/${r.route[0].destination.subset ?? ''}:${r.route[0].destination.port.number}`;
    expect(vs.http.map(hop)).toEqual(['mesh:80 -> istio-egressgateway.istio-system.svc.cluster.local/cnn:80', 'cnn-egress:80 -> edition.cnn.com/:80']);
    expect(vs.tls.map(hop)).toEqual(['mesh:443 -> istio-egressgateway.istio-system.svc.cluster.local/cnn:443', 'cnn-egress:443 -> edition.cnn.com/:443']);
    expect(vs.tls.every((r: any) => r.match[0].sniHosts[0] === 'edition.cnn.com')).toBe(true);
    expect(only(out, 'Sidecar', 'default').spec).toEqual({
      // The cnn ServiceEntry lives in this namespace: `./*` covers it (a second entry is "duplicated egress host" to Istio).
      egress: [{ hosts: ['./*', 'istio-system/*'] }], outboundTrafficPolicy: { mode: 'REGISTRY_ONLY' },
    });
  });

  test('googleapis TLS origination: port 80 goes to 443 with TLS SIMPLE and the host as SNI; 443 stays passthrough', () => {
    const out = Testing.synth(new GoogleApisTlsOriginationChart(Testing.app(), 'tls'));
    expect(only(out, 'ServiceEntry', 'googleapis').spec.ports).toEqual([
      { number: 80, name: 'http', protocol: 'HTTP', targetPort: 443 }, { number: 443, name: 'https', protocol: 'HTTPS' },
    ]);
    expect(only(out, 'DestinationRule', 'googleapis').spec).toEqual({
      host: 'www.googleapis.com',
      trafficPolicy: { portLevelSettings: [{ port: { number: 80 }, tls: { mode: 'SIMPLE', sni: 'www.googleapis.com', caCertificates: 'system' } }] },
    });
    expect(out.filter((o) => o.kind === 'VirtualService')).toEqual([]);
  });
});

describe('Gateway API scenarios', () => {
  test('bookinfo ambient: the ambient namespace with its waypoint, reviews 50/10/40 with jason as an HTTPRoute on the Service', () => {
    const out = Testing.synth(new BookinfoAmbientChart(Testing.app(), 'ambient'));
    expect(only(out, 'Namespace').metadata.labels).toEqual({
      'istio.io/dataplane-mode': 'ambient', 'istio.io/use-waypoint': 'waypoint', 'istio.io/ingress-use-waypoint': 'true',
    });
    expect(only(out, 'Gateway', 'waypoint').spec).toEqual({ gatewayClassName: 'istio-waypoint', listeners: [{ name: 'mesh', port: 15008, protocol: 'HBONE' }] });
    expect(only(out, 'Gateway', 'bookinfo-gateway').spec.gatewayClassName).toBe('istio');
    expect(out.filter((o) => o.kind === 'VirtualService' || o.kind === 'DestinationRule')).toEqual([]);
    const reviews = only(out, 'HTTPRoute', 'reviews');
    expect(reviews.spec.parentRefs).toEqual([{ group: '', kind: 'Service', name: 'reviews', port: 9080 }]);
    expect(reviews.spec.rules.map((r: any) => [r.name, r.backendRefs.map((b: any) => `${b.name}=${b.weight ?? 100}`)])).toEqual([
      ['end-user-jason', ['reviews-v2=100']],
      ['default', ['reviews-v1=50', 'reviews-v2=10', 'reviews-v3=40']],
    ]);
    expect(only(out, 'HTTPRoute', 'bookinfo-gateway').spec.rules[0].backendRefs).toEqual([{ name: 'productpage-v1', namespace: 'bookinfo-ambient', port: 9080 }]);
  });
});

describe('Flagger scenarios', () => {
  test('weather ad: 20% steps every 40s to 100, threshold 3, 60s deadline, success rate >= 95 and error rate <= 5 from a MetricTemplate', () => {
    const out = Testing.synth(new WeatherAdProgressiveChart(Testing.app(), 'weather'));
    expect(out.filter((o) => ['Service', 'VirtualService', 'DestinationRule'].includes(o.kind))).toEqual([]);
    const spec = only(out, 'Canary', 'ad').spec;
    expect(spec.targetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'ad' });
    expect(spec.progressDeadlineSeconds).toBe(60);
    expect(spec.service).toEqual({ port: 3003, portName: 'http', targetPort: 3003, hosts: ['ad'] });
    const { interval, threshold, maxWeight, stepWeight, metrics } = spec.analysis;
    expect({ interval, threshold, maxWeight, stepWeight }).toEqual({ interval: '40s', threshold: 3, maxWeight: 100, stepWeight: 20 });
    expect(metrics).toEqual([
      { name: 'request-success-rate', thresholdRange: { min: 95 }, interval: '60s' },
      { name: 'request-error-rate', templateRef: { name: 'ad-request-error-rate', namespace: 'weather' }, thresholdRange: { max: 5 }, interval: '60s' },
    ]);
    expect(only(out, 'MetricTemplate', 'ad-request-error-rate').spec).toEqual({
      provider: { type: 'prometheus', address: 'http://prometheus.istio-system:9090' }, query: ERROR_RATE_QUERY,
    });
    expect(only(out, 'Deployment', 'ad').spec.template.spec.containers[0].image).toBe('istioweather/advertisement:v1');
  });

  test('weather ad A/B: x-canary insider for 10 iterations, through the gateway and the mesh, with a load test', () => {
    const out = Testing.synth(new WeatherAdAbTestChart(Testing.app(), 'ab'));
    const spec = only(out, 'Canary', 'ad').spec;
    expect(spec.analysis.iterations).toBe(10);
    expect(spec.analysis.match).toEqual([{ headers: { 'x-canary': { exact: 'insider' } } }]);
    expect(spec.analysis.stepWeight).toBeUndefined();
    expect(spec.analysis.maxWeight).toBeUndefined();
    expect(spec.service.gateways).toEqual(['weather-gateway', 'mesh']);
    expect(spec.service.hosts).toEqual(['ad.weather.example.com']);
    expect(only(out, 'Gateway', 'weather-gateway').spec.servers[0].hosts).toEqual(['ad.weather.example.com']);
    expect(spec.analysis.webhooks.map((w: any) => [w.name, w.type, w.url])).toEqual([['load-test', 'rollout', 'http://flagger-loadtester.test/']]);
  });
});

test('the example app synthesizes byte-identical YAML twice', () => {
  const first = synthToFiles(addExampleCharts);
  const second = synthToFiles(addExampleCharts);
  expect(Object.keys(first)).toEqual(Object.keys(EXAMPLE_CHARTS).map((id) => `${id}.k8s.yaml`).sort());
  expect(second).toEqual(first);
});
