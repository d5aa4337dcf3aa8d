/**
 * Releases routed with the Kubernetes Gateway API (issue 16): HTTPRoute and GRPCRoute in the mesh (bound to the
 * Service), Gateway API Gateways with HTTPRoutes at the edge, and everything Gateway API cannot say refused at synth.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Chart, Duration, Testing } from 'cdk8s';
import {
  CanaryService, DefaultRoute, LoadBalancer, Match, MeshGateway, MeshNamespace, Protocol, RoutingApiContext, ReleaseLane, RoutingApi, Split,
  TrafficSplit,
} from '../src';
import { newChart, only, synth } from './util';
import { CrdSchemas } from '../src/validation/crd-schema';

const CRD_DIR = process.env.CRD_DIR ?? path.join(__dirname, '..', '..', 'shared', 'crds');
const EXPERIMENTAL_DIR = path.join(CRD_DIR, '..', 'crds-experimental');
const available = fs.existsSync(CRD_DIR) && fs.existsSync(EXPERIMENTAL_DIR);
if (!available && process.env.CI) throw new Error(`CRDs not found at ${CRD_DIR}: CI must run with ../shared beside the repository`);
const withCrds = available ? test : test.skip;

const GATEWAY_API = { routingApi: RoutingApi.GATEWAY_API };

function reviews(chart: Chart, extra: Partial<ConstructorParameters<typeof CanaryService>[2]> = {}): CanaryService {
  return new CanaryService(chart, 'reviews', {
    port: 9080,
    versions: [{ name: 'v1', image: 'reviews:v1' }, { name: 'v2', image: 'reviews:v2' }, { name: 'v3', image: 'reviews:v3' }],
    weights: { v1: 50, v2: 10, v3: 40 },
    ...GATEWAY_API,
    ...extra,
  });
}

/** The Gateway API objects of a synth, for the CRD checks. */
function gatewayApiObjects(objects: any[]): any[] {
  return objects.filter((o) => o.apiVersion.startsWith('gateway.networking.k8s.io/'));
}

describe('CanaryService with Gateway API', () => {
  test('reviews 50/10/40 with end-user jason: a Service per version and an HTTPRoute bound to the Service', () => {
    const chart = newChart('bookinfo');
    const service = reviews(chart);
    service.routeHeader('end-user', 'jason', 'v2');
    const objects = synth(chart);
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toMatchSnapshot();

    // No Istio routing objects: the versions are Services, the routes an HTTPRoute.
    expect(objects.filter((o) => ['VirtualService', 'DestinationRule'].includes(o.kind))).toEqual([]);
    for (const version of ['v1', 'v2', 'v3']) {
      expect(only(objects, 'Service', `reviews-${version}`).spec.selector).toEqual({ app: 'reviews', version });
    }
    expect(only(objects, 'Service', 'reviews').spec.selector).toEqual({ app: 'reviews' });
    const route = only(objects, 'HTTPRoute', 'reviews');
    expect(route.metadata.namespace).toBe('bookinfo');
    expect(route.spec.parentRefs).toEqual([{ group: '', kind: 'Service', name: 'reviews', port: 9080 }]);
    expect(route.spec.rules.map((r: any) => r.name)).toEqual(['end-user-jason', 'default']);
    expect(route.spec.rules[0].matches).toEqual([{ headers: [{ type: 'Exact', name: 'end-user', value: 'jason' }] }]);
    expect(route.spec.rules[0].backendRefs).toEqual([{ name: 'reviews-v2', namespace: 'bookinfo', port: 9080 }]);
    expect(route.spec.rules[1].matches).toBeUndefined();
    expect(route.spec.rules[1].backendRefs.map((b: any) => [b.name, b.weight])).toEqual([['reviews-v1', 50], ['reviews-v2', 10], ['reviews-v3', 40]]);
    expect(service.meshRoutes).toHaveLength(1);
    expect(service.virtualService).toBeUndefined();
  });

  test('route options become filters, timeouts and backend filters', () => {
    const chart = newChart('shop');
    const service = new CanaryService(chart, 'web', {
      port: 8080,
      ...GATEWAY_API,
      versions: [{ name: 'v1', image: 'web:1' }, { name: 'v2', image: 'web:2', headers: { response: { set: { 'x-version': 'v2' } } } }],
      weights: { v1: 90, v2: 10 },
      timeout: Duration.seconds(5),
      corsPolicy: { allowOrigins: ['https://shop.example.com'], allowMethods: ['GET', 'POST'], maxAge: Duration.minutes(1), allowCredentials: true },
    });
    service.addRoute({
      name: 'api',
      match: [Match.uriPrefix('/api').and(Match.headerPrefix('x-client', 'web')).and(Match.queryParam('debug', '1'))],
      to: { v2: 100 },
      mirror: { version: 'v1', percent: 0.5 },
      rewrite: { uri: '/v2/api', authority: 'web-internal' },
      headers: { request: { set: { 'x-gray': 'true' }, remove: ['x-debug'] } },
    });
    service.addRoute({ name: 'old', match: [Match.uriExact('/old')], redirect: { uri: '/new', code: 302 } });
    service.addRoute({ name: 'any-agent', match: [Match.headerPresent('user-agent').and(Match.method('GET'))], to: { v1: 100 } });
    const rules = only(synth(chart), 'HTTPRoute', 'web').spec.rules;
    expect(rules.map((r: any) => r.name)).toEqual(['api', 'old', 'any-agent', 'default']);
    const [api, old, anyAgent, fallback] = rules;
    expect(api.matches).toEqual([{
      path: { type: 'PathPrefix', value: '/api' },
      headers: [{ type: 'RegularExpression', name: 'x-client', value: 'web.*' }],
      queryParams: [{ type: 'Exact', name: 'debug', value: '1' }],
    }]);
    expect(api.filters).toEqual([
      { type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'x-gray', value: 'true' }], remove: ['x-debug'] } },
      { type: 'RequestMirror', requestMirror: { backendRef: { name: 'web-v1', namespace: 'shop', port: 8080 }, fraction: { numerator: 5, denominator: 1000 } } },
      { type: 'URLRewrite', urlRewrite: { hostname: 'web-internal', path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/v2/api' } } },
      // One route policy per service (issue 27): the service's CORS and timeout on every forwarding rule.
      { type: 'CORS', cors: { allowOrigins: ['https://shop.example.com'], allowMethods: ['GET', 'POST'], maxAge: 60, allowCredentials: true } },
    ]);
    expect(api.timeouts).toEqual({ request: '5s' });
    expect(old).toEqual({
      name: 'old',
      matches: [{ path: { type: 'Exact', value: '/old' } }],
      filters: [{ type: 'RequestRedirect', requestRedirect: { path: { type: 'ReplaceFullPath', replaceFullPath: '/new' }, statusCode: 302 } }],
    });
    expect(anyAgent.matches).toEqual([{ headers: [{ type: 'RegularExpression', name: 'user-agent', value: '.*' }], method: 'GET' }]);
    expect(fallback.timeouts).toEqual({ request: '5s' });
    expect(fallback.filters).toEqual([{
      type: 'CORS',
      cors: { allowOrigins: ['https://shop.example.com'], allowMethods: ['GET', 'POST'], maxAge: 60, allowCredentials: true },
    }]);
    // The version's header operations go with its backend, wherever it is a destination.
    expect(fallback.backendRefs[1]).toEqual({
      name: 'web-v2',
      namespace: 'shop',
      port: 8080,
      weight: 10,
      filters: [{ type: 'ResponseHeaderModifier', responseHeaderModifier: { set: [{ name: 'x-version', value: 'v2' }] } }],
    });
  });

  test('gRPC ports get a GRPCRoute with method matches; several ports get a route each, named by port', () => {
    const chart = newChart('grpc');
    const service = new CanaryService(chart, 'greeter', {
      ...GATEWAY_API,
      ports: [{ number: 50051, protocol: Protocol.GRPC }, { number: 8080, protocol: Protocol.HTTP }],
      versions: [{ name: 'v1', image: 'greeter:1' }, { name: 'v2', image: 'greeter:2' }],
      weights: { v1: 90, v2: 10 },
    });
    // A method match outranks a header match in Gateway API (and Istio's conversion), so it comes first here too.
    service.addRoute({ name: 'say-hello', match: [Match.grpcMethod('helloworld.Greeter', 'SayHello').and(Match.port(50051))], to: { v1: 10, v2: 90 } });
    service.routeHeader('version', '200', 'v2');
    const objects = synth(chart);
    const grpc = only(objects, 'GRPCRoute', 'greeter-grpc');
    expect(grpc.spec.parentRefs).toEqual([{ group: '', kind: 'Service', name: 'greeter', port: 50051 }]);
    expect(grpc.spec.rules.map((r: any) => [r.name, r.matches])).toEqual([
      ['say-hello', [{ method: { type: 'Exact', service: 'helloworld.Greeter', method: 'SayHello' } }]],
      ['version-200', [{ headers: [{ type: 'Exact', name: 'version', value: '200' }] }]],
      ['default', undefined],
    ]);
    expect(grpc.spec.rules[0].backendRefs.map((b: any) => [b.name, b.port, b.weight])).toEqual([['greeter-v1', 50051, 10], ['greeter-v2', 50051, 90]]);
    const http = only(objects, 'HTTPRoute', 'greeter-http');
    expect(http.spec.parentRefs).toEqual([{ group: '', kind: 'Service', name: 'greeter', port: 8080 }]);
    expect(http.spec.rules.map((r: any) => r.name)).toEqual(['version-200', 'default']);
  });

  test('DefaultRoute.EVEN and ALL_PODS; a DestinationRule only for a version with a traffic policy', () => {
    const chart = newChart('shop');
    new CanaryService(chart, 'even', { ...GATEWAY_API, port: 80, versions: [{ name: 'a', image: 'x' }, { name: 'b', image: 'y' }, { name: 'c', image: 'z' }], defaultRoute: DefaultRoute.EVEN });
    new CanaryService(chart, 'pods', {
      ...GATEWAY_API,
      port: 80,
      versions: [{ name: 'a', image: 'x', trafficPolicy: { loadBalancer: LoadBalancer.roundRobin() } }, { name: 'b', image: 'y' }],
      defaultRoute: DefaultRoute.ALL_PODS,
    });
    const objects = synth(chart);
    expect(only(objects, 'HTTPRoute', 'even').spec.rules[0].backendRefs.map((b: any) => [b.name, b.weight])).toEqual([['even-a', 1], ['even-b', 1], ['even-c', 1]]);
    expect(only(objects, 'HTTPRoute', 'pods').spec.rules[0].backendRefs).toEqual([{ name: 'pods', namespace: 'shop', port: 80 }]);
    expect(objects.filter((o) => o.kind === 'DestinationRule').map((o) => [o.metadata.name, o.spec.host]))
      .toEqual([['pods-a', 'pods-a.shop.svc.cluster.local']]);
  });

  test('the app or chart context sets the default; a prop wins over it', () => {
    const app = Testing.app();
    app.node.setContext(RoutingApiContext.KEY, RoutingApi.GATEWAY_API);
    const chart = new Chart(app, 'c', { namespace: 'ns' });
    new CanaryService(chart, 'a', { port: 80, versions: [{ name: 'v1', image: 'x' }] });
    new CanaryService(chart, 'b', { port: 80, versions: [{ name: 'v1', image: 'x' }], routingApi: RoutingApi.ISTIO });
    const objects = Testing.synth(chart);
    expect(objects.filter((o) => ['HTTPRoute', 'VirtualService'].includes(o.kind)).map((o) => `${o.kind}/${o.metadata.name}`))
      .toEqual(['HTTPRoute/a', 'VirtualService/b']);

    const other = newChart('ns');
    other.node.setContext(RoutingApiContext.KEY, 'gateway-api');
    const gateway = new MeshGateway(other, 'gw', { hosts: ['shop.example.com'] });
    expect(gateway.routingApi).toBe(RoutingApi.GATEWAY_API);
    const bad = newChart();
    bad.node.setContext(RoutingApiContext.KEY, 'gateway');
    expect(() => new CanaryService(bad, 'x', { port: 80, versions: [{ name: 'v1', image: 'x' }] }))
      .toThrow('canary "x": unknown routingApi (got "gateway"); use one of RoutingApi.ISTIO, RoutingApi.GATEWAY_API');
  });

  test.each<[string, (chart: Chart) => void, string]>([
    ['fault injection', (c) => reviews(c).addRoute({ name: 'delay', match: [Match.headerExact('end-user', 'jason')], to: { v1: 100 }, fault: { delay: { fixed: Duration.seconds(7) } } }),
      'canary "reviews": route "delay": Gateway API has no fault injection'],
    ['source labels (and so lanes by caller)', (c) => reviews(c).addRoute({ name: 'from', match: [Match.sourceLabels({ app: 'productpage' })], to: { v2: 100 } }),
      'route "from": Gateway API routes cannot match the caller\'s labels'],
    ['retries without the experimental channel', (c) => reviews(c, { retries: { attempts: 3 } }),
      'default route: retries are in Gateway API\'s experimental channel only (HTTPRoute retry) (got {"attempts":3}); set gatewayApiExperimental: true'],
    ['free-form retry conditions', (c) => reviews(c, { gatewayApiExperimental: true, retries: { attempts: 3, retryOn: ['5xx', '503'] } }),
      'default route: Gateway API retries on HTTP status codes only, not on Envoy\'s conditions (got "5xx")'],
    ['subsets', (c) => reviews(c, { split: Split.SUBSET }), 'canary "reviews": Gateway API routes have no subsets'],
    ['a TCP port', (c) => new CanaryService(c, 'db', { ...GATEWAY_API, port: 3306, protocol: Protocol.MYSQL, versions: [{ name: 'v1', image: 'x' }] }),
      'canary "db": Gateway API has no standard route for TCP ports'],
    ['a timeout on a gRPC port', (c) => new CanaryService(c, 'g', { ...GATEWAY_API, port: 50051, protocol: Protocol.GRPC, versions: [{ name: 'v1', image: 'x' }], timeout: Duration.seconds(5) }),
      'canary "g": default route: GRPCRoute has no timeout (Gateway API 1.5.1), and port 50051 is gRPC (got timeout); give the port Protocol.HTTP2'],
    ['a path match on a gRPC port', (c) => {
      const g = new CanaryService(c, 'g', { ...GATEWAY_API, port: 50051, protocol: Protocol.GRPC, versions: [{ name: 'v1', image: 'x' }, { name: 'v2', image: 'y' }] });
      g.addRoute({ name: 'p', match: [Match.uriPrefix('/helloworld')], to: { v2: 100 } });
    }, 'route "p": a GRPCRoute matches gRPC service/method and headers only'],
    ['a method regex', (c) => reviews(c).addRoute({ name: 'm', match: [Match._fromConditions({ method: { regex: 'GET|HEAD' } })], to: { v2: 100 } }),
      'route "m": Gateway API matches a method exactly, not by regex'],
    ['a 307 redirect', (c) => reviews(c).addRoute({ name: 'r', match: [Match.uriExact('/a')], redirect: { uri: '/b', code: 307 } }),
      'route "r": Gateway API redirects with 301 or 302 only'],
    ['a mirror to a host outside the cluster', (c) => reviews(c).addRoute({ name: 'm', match: [Match.uriExact('/a')], to: { v1: 100 }, mirror: { host: 'audit.example.com' } }),
      'route "m": a Gateway API mirror goes to a Service of the cluster'],
    ['an order precedence would change', (c) => {
      const r = reviews(c);
      r.routeHeader('end-user', 'jason', 'v2');
      r.addRoute({ name: 'api', match: [Match.uriPrefix('/api')], to: { v3: 100 } });
    }, 'canary "reviews": route "api" would take requests from route "end-user-jason" before it: Gateway API orders matches by precedence'],
    ['a regex path the default route outranks', (c) => reviews(c).addRoute({ name: 're', match: [Match.uriRegex('/v[0-9]+/.*')], to: { v3: 100 } }),
      'route "default" would take requests from route "re" before it'],
  ])('refuses %s with our message', (_, build, message) => {
    expect(() => build(newChart('bookinfo'))).toThrow(message);
  });

  test('a TrafficSplit to backends in other namespaces: an HTTPRoute on the host\'s Service and one ReferenceGrant per namespace', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'web', { namespace: 'web' });
    new TrafficSplit(chart, 'web-svc', {
      ...GATEWAY_API,
      host: 'web-svc',
      port: 8080,
      backends: [{ service: 'tomcat-svc', namespace: 'legacy', weight: 80 }, { service: 'httpd-svc', weight: 20 }],
    });
    const objects = Testing.synth(chart);
    const route = only(objects, 'HTTPRoute', 'web-svc');
    expect(route.spec.parentRefs).toEqual([{ group: '', kind: 'Service', name: 'web-svc', port: 8080 }]);
    expect(route.spec.rules[0].backendRefs.map((b: any) => [`${b.namespace}/${b.name}`, b.weight])).toEqual([['legacy/tomcat-svc', 80], ['web/httpd-svc', 20]]);
    expect(objects.filter((o) => o.kind === 'ReferenceGrant').map((g) => `${g.metadata.namespace}/${g.metadata.name}`)).toEqual(['legacy/httproutes-from-web']);
  });

  test('a release lane routes by its header first; a sticky lane (by the caller\'s labels) is refused', () => {
    const chart = newChart('lane');
    const grayRelease = (name: string) => {
      const service = new CanaryService(chart, name, { ...GATEWAY_API, port: 8080, versions: [{ name: 'prod', image: `${name}:1` }, { name: 'gray', image: `${name}:2` }] });
      service.routeHeader('env', 'prod', 'prod');
      return service;
    };
    const cat = grayRelease('cat');
    new ReleaseLane(chart, 'gray', { header: { name: 'env', value: 'gray' } }).include(cat);
    expect(only(synth(chart), 'HTTPRoute', 'cat').spec.rules.map((r: any) => [r.name, r.backendRefs[0].name]))
      .toEqual([['lane-gray', 'cat-gray'], ['env-prod', 'cat-prod'], ['default', 'cat-prod']]);
    const mouse = grayRelease('mouse');
    expect(() => new ReleaseLane(chart, 'sticky', { header: { name: 'env', value: 'daily' }, sticky: true }).include(mouse))
      .toThrow('canary "mouse": route "lane-sticky-source": Gateway API routes cannot match the caller\'s labels (and so no sticky lanes by source)');
  });

  test('a refused rule leaves the routing as it was', () => {
    const chart = newChart('bookinfo');
    const service = reviews(chart);
    service.routeHeader('end-user', 'jason', 'v2');
    expect(() => service.addRoute({ name: 'api', match: [Match.uriPrefix('/api')], to: { v3: 100 } })).toThrow('precedence');
    expect(service.release.rules.map((r) => r.name)).toEqual(['end-user-jason']);
    // Disjoint matches may come in any order, and a more specific rule may come first.
    service.addRoute({ name: 'api-jason', match: [Match.uriPrefix('/api').and(Match.headerExact('end-user', 'mary'))], to: { v3: 100 } });
    expect(only(synth(chart), 'HTTPRoute').spec.rules.map((r: any) => r.name)).toEqual(['end-user-jason', 'api-jason', 'default']);
  });

  test('experimental retry: attempts, status codes and the per-try timeout as backendRequest', () => {
    const chart = newChart('shop');
    reviews(chart, { gatewayApiExperimental: true, timeout: Duration.seconds(10), retries: { attempts: 3, retryOn: ['503', '504'], perTryTimeout: Duration.millis(2500) } });
    const rule = only(synth(chart), 'HTTPRoute').spec.rules[0];
    expect(rule.retry).toEqual({ attempts: 3, codes: [503, 504] });
    expect(rule.timeouts).toEqual({ request: '10s', backendRequest: '2s500ms' });
  });

  withCrds('every object passes the Gateway API 1.5.1 CRDs, CEL rules included (retry: the experimental channel)', () => {
    const standard = CrdSchemas.fromPaths([CRD_DIR]);
    const experimental = CrdSchemas.fromPaths([path.join(EXPERIMENTAL_DIR, 'gateway-api-experimental-1.5.1.yaml')]);
    const chart = newChart('conformance');
    const gateway = new MeshGateway(chart, 'gw', { ...GATEWAY_API, hosts: ['shop.example.com', '*.apps.example.com'], tls: { credentialName: 'shop-cert' } });
    const web = new CanaryService(chart, 'web', {
      ...GATEWAY_API,
      ports: [{ number: 8080 }, { number: 9090, protocol: Protocol.GRPC }],
      versions: [{ name: 'v1', image: 'web:1' }, { name: 'v2', image: 'web:2', headers: { response: { set: { 'x-version': 'v2' } } } }],
      weights: { v1: 80, v2: 20 },
    });
    reviews(chart, { corsPolicy: { allowOrigins: ['*'], allowMethods: ['GET'], exposeHeaders: ['x-version'] } }).addRoute({
      name: 'moved', match: [Match.uriExact('/old')], redirect: { scheme: 'https', authority: 'new.example.com', uri: '/new', port: 8443 },
    });
    web.addRoute({
      name: 'api',
      match: [Match.uriPrefix('/api').and(Match.port(8080))],
      to: { v2: 100 },
      timeout: Duration.seconds(3),
      rewrite: { uri: '/' },
      mirror: { version: 'v1', percent: 10 },
    });
    web.routeHeader('end-user', 'jason', 'v2');
    web.exposeVia(gateway, { hosts: ['shop.example.com'], port: 8080 });
    gateway.addRoute({ name: 'static', match: [Match.uriPrefix('/static')], to: { host: 'static.assets.svc.cluster.local', port: 80 } });
    const objects = gatewayApiObjects(synth(chart));
    expect(objects.map((o) => o.kind).sort()).toEqual(['GRPCRoute', 'Gateway', 'HTTPRoute', 'HTTPRoute', 'HTTPRoute', 'HTTPRoute', 'HTTPRoute', 'ReferenceGrant']);
    for (const obj of objects) {
      expect({ object: `${obj.kind}/${obj.metadata.name}`, findings: standard.validate(obj) }).toEqual({ object: `${obj.kind}/${obj.metadata.name}`, findings: [] });
    }

    const retrying = newChart('conformance');
    reviews(retrying, { gatewayApiExperimental: true, retries: { attempts: 2, retryOn: ['503'], perTryTimeout: Duration.seconds(1) } });
    const route = only(synth(retrying), 'HTTPRoute');
    expect(experimental.validate(route)).toEqual([]);
    // The standard channel has no retry: the cluster needs the experimental CRDs, as the option says.
    expect(standard.validate(route)).toEqual([{ path: 'spec.rules[0].retry', message: 'is an unknown field' }]);
  });
});

describe('MeshGateway with Gateway API', () => {
  test('listeners per host, HTTPS with the certificate Secret, the redirect route, and exposeVia on the HTTPS listeners', () => {
    const chart = newChart('bookinfo');
    const gateway = new MeshGateway(chart, 'bookinfo-gateway', {
      ...GATEWAY_API,
      hosts: ['bookinfo.example.com', './internal.example.com', 'team-a/a.example.com'],
      tls: { credentialName: 'bookinfo-cert' },
    });
    const productpage = new CanaryService(chart, 'productpage', { ...GATEWAY_API, port: 9080, versions: [{ name: 'v1', image: 'productpage:1' }] });
    productpage.exposeVia(gateway, { hosts: ['bookinfo.example.com'], pathPrefix: '/productpage' });
    const objects = synth(chart);
    expect(objects.filter((o) => o.apiVersion.startsWith('gateway.')).map((o) => `${o.kind}/${o.metadata.name}`)).toMatchSnapshot();

    const gw = only(objects, 'Gateway', 'bookinfo-gateway');
    expect(gw.apiVersion).toBe('gateway.networking.k8s.io/v1');
    expect(gw.spec.gatewayClassName).toBe('istio');
    // The HTTP listeners only redirect: they take the gateway's own redirect route.
    expect(gw.spec.listeners.map((l: any) => [l.name, l.port, l.protocol, l.hostname, l.allowedRoutes.namespaces.from])).toEqual([
      ['http-1', 80, 'HTTP', 'bookinfo.example.com', 'Same'],
      ['http-2', 80, 'HTTP', 'internal.example.com', 'Same'],
      ['http-3', 80, 'HTTP', 'a.example.com', 'Same'],
      ['https-1', 443, 'HTTPS', 'bookinfo.example.com', 'All'],
      ['https-2', 443, 'HTTPS', 'internal.example.com', 'Same'],
      ['https-3', 443, 'HTTPS', 'a.example.com', 'Selector'],
    ]);
    expect(gw.spec.listeners[5].allowedRoutes.namespaces.selector).toEqual({ matchLabels: { 'kubernetes.io/metadata.name': 'team-a' } });
    expect(gw.spec.listeners[3].tls).toEqual({ mode: 'Terminate', certificateRefs: [{ kind: 'Secret', name: 'bookinfo-cert' }] });

    const redirect = only(objects, 'HTTPRoute', 'bookinfo-gateway-https-redirect');
    expect(redirect.spec.parentRefs.map((p: any) => p.sectionName)).toEqual(['http-1', 'http-2', 'http-3']);
    expect(redirect.spec.rules[0].filters).toEqual([{ type: 'RequestRedirect', requestRedirect: { scheme: 'https', statusCode: 301 } }]);

    const route = only(objects, 'HTTPRoute', 'productpage-bookinfo-gateway');
    expect(route.metadata.namespace).toBe('bookinfo');
    // Only the HTTPS listener of its host.
    expect(route.spec.parentRefs).toEqual([{ name: 'bookinfo-gateway', namespace: 'bookinfo', sectionName: 'https-1' }]);
    expect(route.spec.hostnames).toEqual(['bookinfo.example.com']);
    expect(route.spec.rules).toEqual([{
      name: 'default',
      matches: [{ path: { type: 'PathPrefix', value: '/productpage' } }],
      backendRefs: [{ name: 'productpage-v1', namespace: 'bookinfo', port: 9080 }],
    }]);
  });

  test('addRoute: a CanaryService\'s rules under the route\'s match, a plain Service, and ReferenceGrants across namespaces', () => {
    const app = Testing.app();
    const edge = new Chart(app, 'edge', { namespace: 'edge' });
    const shop = new Chart(app, 'shop', { namespace: 'shop' });
    const gateway = new MeshGateway(edge, 'gw', { ...GATEWAY_API, hosts: ['*'] });
    const cat = new CanaryService(shop, 'cat', { ...GATEWAY_API, port: 80, versions: [{ name: 'v1', image: 'cat:1' }, { name: 'v2', image: 'cat:2' }] });
    cat.routeHeader('env', 'gray', 'v2');
    gateway.addRoute({ name: 'cat', match: [Match.uriPrefix('/cat')], to: cat, rewrite: { uri: '/' } });
    gateway.addRoute({ name: 'mouse', match: [Match.uriPrefix('/mouse')], to: { host: 'mouse.shop.svc.cluster.local', port: 80 } });
    const objects = Testing.synth(edge);
    const route = only(objects, 'HTTPRoute', 'gw');
    expect(route.spec.hostnames).toBeUndefined();
    expect(route.spec.parentRefs).toEqual([{ name: 'gw', namespace: 'edge' }]);
    expect(route.spec.rules.map((r: any) => [r.name, r.matches, r.backendRefs.map((b: any) => `${b.namespace}/${b.name}:${b.port}`)])).toEqual([
      ['cat-env-gray', [{ path: { type: 'PathPrefix', value: '/cat' }, headers: [{ type: 'Exact', name: 'env', value: 'gray' }] }], ['shop/cat-v2:80']],
      ['cat', [{ path: { type: 'PathPrefix', value: '/cat' } }], ['shop/cat-v1:80']],
      ['mouse', [{ path: { type: 'PathPrefix', value: '/mouse' } }], ['shop/mouse:80']],
    ]);
    expect(route.spec.rules[0].filters).toEqual([{ type: 'URLRewrite', urlRewrite: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/' } } }]);
    expect(only(objects, 'ReferenceGrant')).toMatchObject({
      metadata: { name: 'httproutes-from-edge', namespace: 'shop' },
      spec: { from: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: 'edge' }], to: [{ group: '', kind: 'Service' }] },
    });
    expect(() => gateway.addRoute({ name: 'no-port', match: [Match.uriPrefix('/x')], to: { host: 'x' } }))
      .toThrow('gateway "gw": route "no-port": a Gateway API backendRef names the Service port');
    // A later gateway route that Gateway API would put first is refused, and not kept.
    expect(() => gateway.addRoute({ name: 'cat-api', match: [Match.uriPrefix('/cat/api')], to: { host: 'api', port: 80 } }))
      .toThrow('route "cat-api" would take requests from route "cat" before it');
  });

  test('a gateway route to an Istio-routed release refuses what Gateway API cannot say, as the release would', () => {
    const chart = newChart('ns');
    const gateway = new MeshGateway(chart, 'gw', { ...GATEWAY_API, hosts: ['x.example.com'] });
    const ratings = new CanaryService(chart, 'ratings', { port: 9080, split: Split.HOST, versions: [{ name: 'v1', image: 'r:1' }] });
    ratings.routeHeader('end-user', 'jason', 'v1', { fault: { abort: { httpStatus: 500 } } });
    expect(() => gateway.addRoute({ match: [Match.uriPrefix('/ratings')], to: ratings }))
      .toThrow('canary "ratings": route "end-user-jason": Gateway API has no fault injection');
  });

  test('refuses Istio-only options and a mix of routing APIs', () => {
    const chart = newChart('ns');
    expect(() => new MeshGateway(chart, 'a', { ...GATEWAY_API, hosts: ['x.example.com'], selector: { istio: 'ingressgateway' } }))
      .toThrow('gateway "a": selector is an Istio Gateway option, and the gateway uses Gateway API');
    expect(() => new MeshGateway(chart, 'b', { hosts: ['x.example.com'], gatewayClassName: 'istio' }))
      .toThrow('gateway "b": gatewayClassName is a Gateway API option');
    expect(() => new MeshGateway(chart, 'c', { ...GATEWAY_API, hosts: ['x.example.com', 'ns/x.example.com'] }))
      .toThrow('a Gateway API Gateway has one listener per host and port, and this host is listed twice');
    const istioGateway = new MeshGateway(chart, 'istio-gw', { hosts: ['x.example.com'] });
    const gatewayApiService = reviews(chart);
    expect(() => gatewayApiService.exposeVia(istioGateway))
      .toThrow('canary "reviews": is routed with Gateway API, and gateway "istio-gw" with Istio\'s API (got routingApi gateway-api); give the service and the gateway the same routingApi');
  });

  test('the edge Ingress forwards to the Service Istio deploys for the Gateway', () => {
    const chart = newChart('edge');
    new MeshGateway(chart, 'gw', { ...GATEWAY_API, hosts: ['shop.example.com'], edgeIngress: { className: 'nginx' } });
    const ingress = only(synth(chart), 'Ingress');
    expect(ingress.metadata.namespace).toBe('edge');
    expect(ingress.spec.rules[0].http.paths[0].backend.service).toEqual({ name: 'gw-istio', port: { number: 80 } });
  });
});

describe('ambient namespaces', () => {
  test('ambient with a waypoint: the data plane, waypoint and ingress labels, and the waypoint Gateway', () => {
    const chart = newChart('shop');
    const ns = new MeshNamespace(chart, 'shop', { ambient: true, labels: { team: 'a' } });
    const objects = synth(chart);
    expect(only(objects, 'Namespace').metadata.labels).toEqual({
      'team': 'a',
      'istio.io/dataplane-mode': 'ambient',
      'istio.io/use-waypoint': 'waypoint',
      'istio.io/ingress-use-waypoint': 'true',
    });
    const waypoint = only(objects, 'Gateway', 'waypoint');
    expect(waypoint).toEqual({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'Gateway',
      metadata: { name: 'waypoint', namespace: 'shop', labels: { 'istio.io/waypoint-for': 'service' } },
      spec: { gatewayClassName: 'istio-waypoint', listeners: [{ name: 'mesh', port: 15008, protocol: 'HBONE' }] },
    });
    expect(ns.waypoint).toBeDefined();
    if (available) expect(CrdSchemas.fromPaths([CRD_DIR]).validate(waypoint)).toEqual([]);
    // Without a waypoint: L4 only, no waypoint labels.
    const plain = newChart('l4');
    new MeshNamespace(plain, 'l4', { ambient: true, waypoint: false });
    expect(only(synth(plain), 'Namespace').metadata.labels).toEqual({ 'istio.io/dataplane-mode': 'ambient' });
  });

  test.each<[string, ConstructorParameters<typeof MeshNamespace>[2], string]>([
    ['a waypoint without ambient', { waypoint: true }, 'namespace "ns": waypoints belong to the ambient data plane (got waypoint: true)'],
    ['ingress through a missing waypoint', { ambient: true, waypoint: false, ingressUseWaypoint: true },
      'ingressUseWaypoint sends gateway traffic through the waypoint, and the namespace has none'],
    ['a mesh label in labels', { ambient: true, labels: { 'istio.io/dataplane-mode': 'ambient' } },
      'the istio.io/dataplane-mode label is set by MeshNamespace'],
  ])('refuses %s', (_, props, message) => {
    expect(() => new MeshNamespace(newChart(), 'ns', props)).toThrow(message);
  });

  test('L7 routes in an ambient namespace without a waypoint fail the synth; a VirtualService there is a warning', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'c', { namespace: 'l4' });
    new MeshNamespace(chart, 'l4', { ambient: true, waypoint: false });
    reviews(chart);
    expect(() => app.synth()).toThrow(/AMBIENT001 error HTTPRoute l4\/reviews spec.parentRefs\[0\]: HTTPRoute routes reviews.l4.svc.cluster.local, whose namespace l4 is ambient with no waypoint: ztunnel handles L4 only and ignores these routes/);

    const withWaypoint = Testing.app();
    const ok = new Chart(withWaypoint, 'c', { namespace: 'amb' });
    new MeshNamespace(ok, 'amb', { ambient: true });
    reviews(ok);
    new CanaryService(ok, 'ratings', { port: 9080, versions: [{ name: 'v1', image: 'ratings:1' }] }); // Istio's API
    Testing.synth(ok);
    expect(withWaypoint.node.metadata.filter((m) => m.type === 'istio-canary:warning').map((m) => m.data)).toEqual([
      'AMBIENT002 warning VirtualService amb/ratings spec.hosts[0]: ratings.amb.svc.cluster.local is in the ambient namespace amb, where VirtualService is Alpha; '
      + 'route it with an HTTPRoute (RoutingApi.GATEWAY_API)',
    ]);
  });

  test('a VirtualService and an HTTPRoute for one Service fail the synth', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'c', { namespace: 'mix' });
    reviews(chart);
    expect(() => new TrafficSplit(chart, 'split', { host: 'reviews', port: 9080, backends: [{ service: 'reviews-v1' }] })).not.toThrow();
    expect(() => app.synth()).toThrow(/GWAPI003 error VirtualService mix\/split spec.hosts\[0\]: reviews.mix.svc.cluster.local is routed by this VirtualService and by a Gateway API route bound to its Service/);
  });
});

test('an app with both APIs synthesizes both, each to its own objects', () => {
  const chart = new Chart(Testing.app(), 'both', { namespace: 'both' });
  new CanaryService(chart, 'istio', { port: 80, versions: [{ name: 'v1', image: 'x' }] });
  new CanaryService(chart, 'gapi', { ...GATEWAY_API, port: 80, versions: [{ name: 'v1', image: 'x' }] });
  const kinds = Testing.synth(chart).map((o) => `${o.kind}/${o.metadata.name}`);
  expect(kinds).toEqual(expect.arrayContaining(['VirtualService/istio', 'DestinationRule/istio', 'HTTPRoute/gapi', 'Service/gapi-v1']));
});
