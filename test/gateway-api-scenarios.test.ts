/**
 * The seed scenarios under both routing APIs (issue 16): `explain` asks the same requests of the Istio chart and of
 * its Gateway API twin and must find the same workloads with the same shares. The scenario Gateway API cannot say
 * (ratings delayed for jason) fails the synth with our message.
 */
import { App, Chart, Testing } from 'cdk8s';
import { GATEWAY_API_CHARTS } from '../examples/gateway-api';
import { WebSplitHeaderChart, WebSplitWeightedChart } from '../examples/host-split';
import {
  BookinfoGatewayChart, BookinfoReviewsChart, CatMouseGatewayChart, GrpcHeaderChart, GrpcWeightedChart, NginxGatewayCanaryChart,
} from '../examples/scenarios';
import { BookinfoRatingsDelayChart } from '../examples/traffic-policies';
import { ROUTING_API_CONTEXT, RoutingApi } from '../src';
import { TrafficRequest, diffTraffic, explain, formatExplanation, renderReport } from '../src/analysis';

type ChartClass = new (scope: App, id: string) => Chart;

/** A request in the chart's own namespace: a gateway is named by its name alone, a mesh caller comes from the chart's namespace. */
type ScenarioRequest = Omit<TrafficRequest, 'gateway' | 'from'> & { gateway?: string };

/** Where a request goes, in API-neutral terms: the outcome and each workload's share in percent. */
function outcome(objects: any[], namespace: string, request: ScenarioRequest): { outcome: string; shares: Record<string, number> } {
  const e = explain(objects, {
    ...request,
    gateway: request.gateway && `${namespace}/${request.gateway}`,
    from: { namespace },
  });
  const shares: Record<string, number> = {};
  for (const d of e.destinations) {
    const names = d.workloads.map((w) => w.name).join('+') || d.host.split('.')[0];
    shares[names] = Math.round((shares[names] ?? 0) + d.probability * 1000) / 10;
  }
  return { outcome: e.outcome, shares };
}

const GRPC = { method: 'POST', port: 50051 };
const SCENARIOS: Array<[string, ChartClass, ScenarioRequest[]]> = [
  ['nginx 90/10 through a gateway', NginxGatewayCanaryChart, [
    { gateway: 'canary-gateway', host: 'nginx.example.com', path: '/' },
    { gateway: 'canary-gateway', host: 'other.example.com', path: '/' },
  ]],
  ['cat and mouse: env header routes at the gateway and in the mesh', CatMouseGatewayChart, [
    { gateway: 'gray-gateway', host: 'cat.istio.gray.com', headers: { env: 'gray' } },
    { gateway: 'gray-gateway', host: 'cat.istio.gray.com', headers: { env: 'prod' } },
    { gateway: 'gray-gateway', host: 'cat.istio.gray.com', headers: { env: 'daily' } },
    { host: 'mouse', headers: { env: 'gray' } },
    { host: 'mouse' },
  ]],
  ['bookinfo: path routing at the gateway, reviews 50/10/40 and jason in the mesh', BookinfoGatewayChart, [
    { gateway: 'bookinfo-gateway', host: 'bookinfo.example.com', path: '/productpage' },
    { gateway: 'bookinfo-gateway', host: 'bookinfo.example.com', path: '/static/css/style.css' },
    { gateway: 'bookinfo-gateway', host: 'bookinfo.example.com', path: '/api/v1/products/1/reviews' },
    { gateway: 'bookinfo-gateway', host: 'bookinfo.example.com', path: '/admin' },
    { host: 'reviews', headers: { 'end-user': 'jason' } },
    { host: 'reviews', headers: { 'end-user': 'mary' } },
  ]],
  ['bookinfo reviews in the mesh', BookinfoReviewsChart, [{ host: 'reviews', headers: { 'end-user': 'jason' } }, { host: 'reviews' }]],
  ['web-svc 80/20 between tomcat and httpd', WebSplitWeightedChart, [{ host: 'web-svc', port: 8080 }]],
  ['web-svc: end-user zyx to tomcat, everyone else to httpd', WebSplitHeaderChart, [
    { host: 'web-svc', port: 8080, headers: { 'end-user': 'zyx' } },
    { host: 'web-svc', port: 8080 },
  ]],
  ['gRPC version 100/200 headers', GrpcHeaderChart, [
    { host: 'greeter', ...GRPC, path: '/helloworld.Greeter/SayHello', headers: { version: '200' } },
    { host: 'greeter', ...GRPC, path: '/helloworld.Greeter/SayHello', headers: { version: '100' } },
    { host: 'greeter', ...GRPC, path: '/helloworld.Greeter/SayHello' },
  ]],
  ['gRPC SayHello 10/90, other methods on v1', GrpcWeightedChart, [
    { host: 'greeter', ...GRPC, path: '/helloworld.Greeter/SayHello' },
    { host: 'greeter', ...GRPC, path: '/helloworld.Greeter/SayGoodbye' },
  ]],
];

/** The Gateway API twin of each seed chart. */
function twinOf(chart: ChartClass): ChartClass {
  const twin = Object.values(GATEWAY_API_CHARTS).find((c) => Object.getPrototypeOf(c) === chart);
  if (!twin) throw new Error(`no Gateway API twin of ${chart.name}`);
  return twin;
}

describe('explain gives the same versions and shares under both routing APIs', () => {
  test.each(SCENARIOS)('%s', (_, SeedChart, requests) => {
    const istio = new SeedChart(Testing.app(), 'istio');
    const gatewayApi = new (twinOf(SeedChart))(Testing.app(), 'gwapi');
    const istioObjects = Testing.synth(istio);
    const gatewayApiObjects = Testing.synth(gatewayApi);
    // The twin really is the other API: no VirtualService, Gateway API routes instead.
    expect(gatewayApiObjects.filter((o) => o.kind === 'VirtualService')).toEqual([]);
    expect(gatewayApiObjects.some((o) => o.kind === 'HTTPRoute' || o.kind === 'GRPCRoute')).toBe(true);
    for (const request of requests) {
      const expected = outcome(istioObjects, istio.namespace!, request);
      const actual = outcome(gatewayApiObjects, gatewayApi.namespace!, request);
      expect({ request, ...actual }).toEqual({ request, ...expected });
    }
  });

  test('the shares themselves (so that two wrong answers cannot agree)', () => {
    const bookinfo = new (twinOf(BookinfoGatewayChart))(Testing.app(), 'gwapi');
    const objects = Testing.synth(bookinfo);
    const ns = bookinfo.namespace!;
    expect(outcome(objects, ns, { host: 'reviews', headers: { 'end-user': 'mary' } }))
      .toEqual({ outcome: 'routed', shares: { 'reviews-v1': 50, 'reviews-v2': 10, 'reviews-v3': 40 } });
    expect(outcome(objects, ns, { host: 'reviews', headers: { 'end-user': 'jason' } })).toEqual({ outcome: 'routed', shares: { 'reviews-v2': 100 } });
    expect(outcome(objects, ns, { gateway: 'bookinfo-gateway', host: 'bookinfo.example.com', path: '/admin' })).toEqual({ outcome: '404 NR', shares: {} });
    const text = formatExplanation(explain(objects, { host: 'reviews', headers: { 'end-user': 'jason' }, from: { namespace: ns } }));
    expect(text).toContain('route: HTTPRoute bookinfo-gwapi/reviews');
    expect(text).toContain('rule: 1 "end-user-jason", because header end-user = "jason"');
    expect(text).toContain('outcome: routed (rule 1 "end-user-jason" of HTTPRoute bookinfo-gwapi/reviews is the first that matches '
      + 'in Gateway API\'s precedence order)');
    expect(text).toContain('100% -> reviews-v2.bookinfo-gwapi.svc.cluster.local port 9080: reviews-v2 (1 replica');

    const grpc = Testing.synth(new (twinOf(GrpcWeightedChart))(Testing.app(), 'g'));
    expect(outcome(grpc, 'grpc-weighted-gwapi', { host: 'greeter', ...GRPC, path: '/helloworld.Greeter/SayHello' }))
      .toEqual({ outcome: 'routed', shares: { 'greeter-v1': 10, 'greeter-v2': 90 } });
  });

  test('a PathPrefix matches whole path elements, as Gateway API defines it (an Istio uri prefix would not)', () => {
    const objects = Testing.synth(new (twinOf(BookinfoGatewayChart))(Testing.app(), 'gwapi'));
    const at = (path: string) => outcome(objects, 'bookinfo-gwapi', { gateway: 'bookinfo-gateway', host: 'bookinfo.example.com', path }).outcome;
    expect(at('/static')).toBe('routed');
    expect(at('/static/x')).toBe('routed');
    expect(at('/staticfoo')).toBe('404 NR');
  });
});

test('report and diff read HTTPRoutes: matches in precedence order, backend Services as versions, weight changes', () => {
  const objects = Testing.synth(new (twinOf(BookinfoGatewayChart))(Testing.app(), 'gwapi'));
  const report = renderReport(objects);
  expect(report).toContain('HTTPRoute `bookinfo-gwapi/reviews`, bound to Service bookinfo-gwapi/reviews:9080.');
  expect(report).toContain('Matches in Gateway API\'s precedence order, first match wins:\n\n1. `end-user-jason`: end-user=jason → reviews-v2.bookinfo-gwapi 100%\n'
    + '2. `default`: every request → reviews-v1.bookinfo-gwapi 50%, reviews-v2.bookinfo-gwapi 10%, reviews-v3.bookinfo-gwapi 40%');
  expect(report).toContain('| reviews-v3.bookinfo-gwapi | app=reviews,version=v3 | reviews-v3 × 2 |');
  expect(report).toContain('HTTPRoute `bookinfo-gwapi/bookinfo-gateway`, bound to Gateway bookinfo-gwapi/bookinfo-gateway.');

  const head = JSON.parse(JSON.stringify(objects));
  const route = head.find((o: any) => o.kind === 'HTTPRoute' && o.metadata.name === 'reviews');
  route.spec.rules[1].backendRefs[2].weight = 30;
  route.spec.rules[1].backendRefs[0].weight = 60;
  expect(diffTraffic(objects, head).map((c) => c.text)).toEqual([
    'reviews: reviews-v1.bookinfo-gwapi 50% -> 60%',
    'reviews: reviews-v3.bookinfo-gwapi 40% -> 30%',
  ]);
  route.spec.rules[1].backendRefs[2].port = 8080;
  expect(diffTraffic(objects, head).map((c) => c.text)).toContain(
    'reviews: port 8080 is not a port of Service bookinfo-gwapi/reviews-v3 (its ports: 9080)');
});

test('the one seed scenario Gateway API cannot express, ratings delayed for jason, fails with our message', () => {
  const app = Testing.app();
  app.node.setContext(ROUTING_API_CONTEXT, RoutingApi.GATEWAY_API);
  expect(() => new BookinfoRatingsDelayChart(app, 'delay')).toThrow(
    'canary "ratings": route "end-user-jason": Gateway API has no fault injection (got {"delay":{"fixed":{"amount":7,"unit":{"label":"seconds","inMillis":1000}},"percent":100}}); '
    + 'route this service with RoutingApi.ISTIO, or drop the fault');
});

test('SayHello with a 5 s timeout cannot be a GRPCRoute: our message names the way out', () => {
  const app = Testing.app();
  expect(() => new GrpcWeightedChart(app, 'g', { routingApi: RoutingApi.GATEWAY_API })).toThrow(
    'canary "greeter": route "say-hello": GRPCRoute has no timeout (Gateway API 1.5.1), and port 50051 is gRPC (got timeout); '
    + 'give the port Protocol.HTTP2 (an HTTPRoute; gRPC is HTTP/2), route this service with RoutingApi.ISTIO, or drop timeout');
});
