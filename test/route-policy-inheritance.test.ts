// One route policy per service (issue 27): the route options given on a service apply to every route of it (header
// rules, sticky rules, lane rules, gateway exposure), and a rule's own options override them field by field.
import { Duration } from 'cdk8s';
import {
  CanaryService, CanaryServiceProps, Match, MeshGateway, ReleaseLane, RoutingApi,
} from '../src';
import { newChart, only, synth } from './util';
import { explain, renderReport } from '../src/analysis';
import { RoutePolicy, inheritRoutePolicy } from '../src/model/route-policy';

const versions = [{ name: 'v1', image: 'checkout:1' }, { name: 'v2', image: 'checkout:2' }];

/** The issue's `checkout`: v1 90 / v2 10, `x-canary: always` to v2, 2s timeout, 2 retries, exposed at a gateway. */
function checkout(extra: Partial<CanaryServiceProps> = {}) {
  const chart = newChart('shop');
  const gateway = new MeshGateway(chart, 'gw', { name: 'shop-gw', hosts: ['shop.example.com'] });
  const service = new CanaryService(chart, 'checkout', {
    port: 8080, versions, weights: { v1: 90, v2: 10 }, timeout: Duration.seconds(2), retries: { attempts: 2 }, ...extra,
  });
  service.routeHeader('x-canary', 'always', 'v2');
  service.exposeVia(gateway);
  return { chart, service, gateway };
}

const options = (route: any) => ({ name: route.name, timeout: route.timeout, retries: route.retries });

describe('one route policy per service', () => {
  test('every route of the mesh VirtualService and of the gateway VirtualService has the service\'s timeout and retries', () => {
    const { chart } = checkout({ stickyCanary: {} });
    const objects = synth(chart);
    const mesh = only(objects, 'VirtualService', 'checkout').spec.http;
    const edge = only(objects, 'VirtualService', 'checkout-shop-gw').spec.http;
    expect(mesh.map(options)).toEqual(['x-canary-always', 'sticky-v1', 'sticky-v2', 'default'].map((name) => ({ name, timeout: '2s', retries: { attempts: 2 } })));
    expect(edge.map(options)).toEqual(mesh.map(options));
    expect(edge[0].match).toEqual([{ headers: { 'x-canary': { exact: 'always' } } }]);
  });

  test('a rule\'s own timeout wins and it keeps the service\'s retries; its own retries replace the service\'s as a whole', () => {
    const { chart, service } = checkout();
    service.routeHeader('x-fast', 'yes', 'v1', { timeout: Duration.seconds(1) });
    service.addRoute({ name: 'batch', match: [Match.uriPrefix('/batch')], to: 'v1', retries: { attempts: 5, retryOn: ['5xx'] } });
    const http = only(synth(chart), 'VirtualService', 'checkout').spec.http;
    expect(http.map(options)).toEqual([
      { name: 'x-canary-always', timeout: '2s', retries: { attempts: 2 } },
      { name: 'x-fast-yes', timeout: '1s', retries: { attempts: 2 } },
      { name: 'batch', timeout: '2s', retries: { attempts: 5, retryOn: '5xx' } },
      { name: 'default', timeout: '2s', retries: { attempts: 2 } },
    ]);
  });

  test('lane rules take the service\'s options too', () => {
    const { chart, service } = checkout();
    new ReleaseLane(chart, 'gray', { header: { name: 'env', value: 'gray' }, version: 'v2' }).include(service);
    const http = only(synth(chart), 'VirtualService', 'checkout').spec.http;
    expect(options(http[0])).toEqual({ name: 'lane-gray', timeout: '2s', retries: { attempts: 2 } });
  });

  test('headers merge by name, rewrite field by field; mirror stays on the split; a redirect takes nothing', () => {
    const { chart, service } = checkout({
      headers: { request: { set: { 'x-team': 'shop', 'x-env': 'prod' } } },
      rewrite: { authority: 'checkout.internal' },
      mirror: { version: 'v2', percent: 5 },
      corsPolicy: { allowOrigins: ['https://shop.example.com'] },
      stickyCanary: {},
    });
    service.addRoute({ name: 'beta', match: [Match.headerExact('x-beta', '1')], to: 'v2', headers: { request: { set: { 'x-env': 'beta' } } } });
    service.addRoute({ name: 'moved', match: [Match.uriExact('/old')], redirect: { uri: '/new' } });
    const http = only(synth(chart), 'VirtualService', 'checkout').spec.http;
    const byName = Object.fromEntries(http.map((r: any) => [r.name, r]));
    expect(byName.beta.headers).toEqual({ request: { set: { 'x-team': 'shop', 'x-env': 'beta' } } });
    expect(byName.beta.rewrite).toEqual({ authority: 'checkout.internal' });
    expect(byName.beta.corsPolicy).toEqual({ allowOrigins: [{ exact: 'https://shop.example.com' }] });
    expect(byName.beta.mirror).toBeUndefined();
    expect(byName['x-canary-always'].mirror).toBeUndefined();
    // The sticky rules carry the split's own traffic: they keep its mirror.
    expect(byName['sticky-v1'].mirror).toEqual({ host: 'checkout.shop.svc.cluster.local', subset: 'v2' });
    expect(byName['sticky-v1'].mirrorPercentage).toEqual({ value: 5 });
    expect(byName.default.mirror).toEqual({ host: 'checkout.shop.svc.cluster.local', subset: 'v2' });
    expect(byName.moved).toEqual({ name: 'moved', match: [{ uri: { exact: '/old' } }], redirect: { uri: '/new' } });
  });

  test('the merge helper: each field as a whole, headers by name, rewrite by field, no mirror, nothing for a redirect', () => {
    const service = { timeout: Duration.seconds(2), retries: { attempts: 2 }, mirror: { version: 'v2' }, rewrite: { uri: '/', authority: 'a' } };
    const merged: RoutePolicy = inheritRoutePolicy<RoutePolicy>(service, { timeout: Duration.seconds(1), rewrite: { authority: 'b' } });
    expect(merged.timeout?.toSeconds()).toBe(1);
    expect(merged.retries).toEqual({ attempts: 2 });
    expect(merged.mirror).toBeUndefined();
    expect(merged.rewrite).toEqual({ uri: '/', authority: 'b' });
    expect(inheritRoutePolicy(service, { redirect: { uri: '/x' } })).toEqual({ redirect: { uri: '/x' } });
  });

  test('explain and the report show the effective timeout and retries of each route', () => {
    const { chart, service } = checkout();
    service.routeHeader('x-fast', 'yes', 'v1', { timeout: Duration.seconds(1) });
    const objects = synth(chart);
    const e = explain(objects, { host: 'checkout', from: { namespace: 'shop' }, headers: { 'x-fast': 'yes' } });
    expect([e.rule?.name, e.timeout, e.retries]).toEqual(['x-fast-yes', '1s', { attempts: 2 }]);
    const atGateway = explain(objects, { host: 'shop.example.com', gateway: 'shop/shop-gw', headers: { 'x-canary': 'always' } });
    expect([atGateway.rule?.name, atGateway.timeout, atGateway.retries]).toEqual(['x-canary-always', '2s', { attempts: 2 }]);
    expect(atGateway.virtualService).toBe('shop/checkout-shop-gw');
    const report = renderReport(objects);
    expect(report).toContain('1. `x-canary-always`: x-canary=always → v2 100% (timeout 2s; retries 2 attempts)');
    expect(report).toContain('2. `x-fast-yes`: x-fast=yes → v1 100% (timeout 1s; retries 2 attempts)');
    expect(report).toContain('3. `default`: every request → v1 90%, v2 10% (timeout 2s; retries 2 attempts)');
  });

  test('under the Gateway API: every rule gets the timeouts and (experimental channel) the retry', () => {
    const chart = newChart('shop');
    const service = new CanaryService(chart, 'checkout', {
      port: 8080,
      versions,
      weights: { v1: 90, v2: 10 },
      routingApi: RoutingApi.GATEWAY_API,
      gatewayApiExperimental: true,
      timeout: Duration.seconds(2),
      retries: { attempts: 2, perTryTimeout: Duration.millis(500) },
      stickyCanary: {},
    });
    service.routeHeader('x-canary', 'always', 'v2');
    service.routeHeader('x-fast', 'yes', 'v1', { timeout: Duration.seconds(1) });
    const rules = only(synth(chart), 'HTTPRoute').spec.rules;
    expect(rules.map((r: any) => [r.name, r.timeouts, r.retry])).toEqual(
      ['x-canary-always', 'x-fast-yes', 'sticky-v1', 'sticky-v2', 'default'].map((name) => [
        name, { request: name === 'x-fast-yes' ? '1s' : '2s', backendRequest: '500ms' }, { attempts: 2 },
      ]));
    expect(renderReport(synth(chart))).toContain('(timeout 1s; retries 2 attempts, per try 500ms)');
  });

  test('under the Gateway API a rule timeout shorter than the service\'s per-try timeout is refused, with the way out', () => {
    const chart = newChart('shop');
    const service = new CanaryService(chart, 'checkout', {
      port: 8080,
      versions,
      routingApi: RoutingApi.GATEWAY_API,
      gatewayApiExperimental: true,
      retries: { attempts: 2, perTryTimeout: Duration.seconds(2) },
    });
    expect(() => service.routeHeader('x-fast', 'yes', 'v1', { timeout: Duration.seconds(1) })).toThrow('canary "checkout": route "x-fast-yes": Gateway API refuses a per-try timeout longer than the request timeout '
      + '(got perTryTimeout 2s, timeout 1s); make perTryTimeout at most the timeout, or give the rule its own retries');
  });
});
