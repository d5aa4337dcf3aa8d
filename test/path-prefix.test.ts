/**
 * One meaning of a path prefix under both routing APIs (issue 27, item 5): `Match.uriPrefix`, `exposeVia({ pathPrefix })`
 * and `gateway.addRoute` match whole path elements, a trailing `/` ignored, as Gateway API's `PathPrefix` and Istio's own
 * translation of it do. `explain` asks every path of the table of both APIs' manifests, and Istio's pilot (verify
 * routes) answers the Istio side.
 */
import * as fs from 'fs';
import { Chart, Testing } from 'cdk8s';
import { compareWithPilot, describeDisagreement, CRD_DIR, VerifyRequest, runVerify, writeManifests } from './verify-tool';
import { CanaryService, Match, MeshGateway, RolloutService, RolloutStep, RoutingApi } from '../src';
import { K8sObject, explain } from '../src/analysis';

const haveCrds = fs.existsSync(CRD_DIR);
const describeWithCrds = haveCrds ? describe : describe.skip;

const PATHS = ['/static', '/static/', '/static/a', '/static?x=1', '/staticfoo', '/staticfoo/a', '/', '/other'];
const PREFIXES = ['/static', '/static/'];
const APIS = [RoutingApi.ISTIO, RoutingApi.GATEWAY_API];
/** Whole path elements: the prefix itself, with or without a trailing `/`, and what is under it. */
const UNDER_STATIC = (path: string) => /^\/static(\/.*)?$/.test(path.split('?')[0]);

const versions = [{ name: 'v1', image: 'web:1' }, { name: 'v2', image: 'web:2' }];

/** A service with a rule on `prefix` to v2, one exposed at a gateway under `prefix`, one a gateway route on `prefix` sends to. */
function synth(api: RoutingApi, prefix: string): K8sObject[] {
  const chart = new Chart(Testing.app(), 'p', { namespace: 'shop' });
  const web = new CanaryService(chart, 'web', { port: 8080, versions, routingApi: api });
  web.addRoute({ name: 'static', match: [Match.uriPrefix(prefix)], to: 'v2' });
  const shop = new CanaryService(chart, 'shop', { port: 8080, versions, routingApi: api });
  const edge = new MeshGateway(chart, 'edge', { hosts: ['web.example.com'], routingApi: api });
  shop.exposeVia(edge, { pathPrefix: prefix });
  const files = new CanaryService(chart, 'files', { port: 8080, versions, routingApi: api });
  const assets = new MeshGateway(chart, 'assets', { hosts: ['assets.example.com'], routingApi: api });
  assets.addRoute({ name: 'static', match: [Match.uriPrefix(prefix)], to: files });
  return Testing.synth(chart);
}

/** The version a request lands on (`v1`, `v2`), or the failure (`404 NR`). */
function landsOn(objects: K8sObject[], request: VerifyRequest): string {
  const e = explain(objects, request);
  if (e.outcome !== 'routed') return e.outcome;
  return e.destinations.map((d) => d.workloads.map((w) => w.name).join('+') || d.host.split('.')[0]).join(',');
}

const requests = (path: string): Record<string, VerifyRequest> => ({
  mesh: { host: 'web.shop.svc.cluster.local', path, from: { namespace: 'shop' } },
  exposure: { host: 'web.example.com', path, gateway: 'shop/edge', port: 80 },
  gatewayRoute: { host: 'assets.example.com', path, gateway: 'shop/assets', port: 80 },
});

describe('a path prefix matches whole path elements, under both routing APIs', () => {
  const synthesized = Object.fromEntries(APIS.flatMap((api) => PREFIXES.map((prefix) => [`${api} ${prefix}`, synth(api, prefix)])));

  const table = PREFIXES.flatMap((prefix) => PATHS.map((path) => [prefix, path] as const));
  test.each(table)('prefix %s, path %s', (prefix, path) => {
    const under = UNDER_STATIC(path);
    const expected = {
      mesh: under ? 'web-v2' : 'web-v1',
      exposure: under ? 'shop-v1' : '404 NR',
      gatewayRoute: under ? 'files-v1' : '404 NR',
    };
    for (const api of APIS) {
      const objects = synthesized[`${api} ${prefix}`];
      const got = Object.fromEntries(Object.entries(requests(path)).map(([where, r]) => [where, landsOn(objects, r)]));
      expect({ api, got }).toEqual({ api, got: expected });
    }
  });

  test('Istio\'s API says it as the exact path or the prefix ending in "/", as Istio renders Gateway API\'s PathPrefix', () => {
    for (const prefix of PREFIXES) {
      const vs = synthesized[`${RoutingApi.ISTIO} ${prefix}`].find((o) => o.kind === 'VirtualService' && o.metadata?.name === 'web');
      expect(vs?.spec.http[0]).toMatchObject({ name: 'static', match: [{ uri: { exact: '/static' } }, { uri: { prefix: '/static/' } }] });
    }
    const root = Testing.synth((() => {
      const chart = new Chart(Testing.app(), 'r', { namespace: 'shop' });
      new CanaryService(chart, 'web', { port: 8080, versions }).addRoute({ name: 'all', match: [Match.uriPrefix('/').and(Match.headerExact('x', 'y'))], to: 'v2' });
      return chart;
    })()).find((o) => o.kind === 'VirtualService');
    expect(root?.spec.http[0].match).toEqual([{ uri: { prefix: '/' }, headers: { x: { exact: 'y' } } }]);
  });

  test('an exact path beside the prefix of the same path is written once (istiod warns of a match never used; seed 20)', () => {
    const chart = new Chart(Testing.app(), 'd', { namespace: 'shop' });
    new CanaryService(chart, 'web', { port: 8080, versions }).addRoute({ name: 'api', match: [Match.uriExact('/api'), Match.uriPrefix('/api')], to: 'v2' });
    const vs = Testing.synth(chart).find((o) => o.kind === 'VirtualService');
    expect(vs?.spec.http[0].match).toEqual([{ uri: { exact: '/api' } }, { uri: { prefix: '/api/' } }]);
  });

  test('a gateway route with a prefix after one with the exact path lists only what the exact does not (seed 29)', () => {
    const chart = new Chart(Testing.app(), 'g', { namespace: 'shop' });
    const gw = new MeshGateway(chart, 'edge', { hosts: ['web.example.com'] });
    const web = new CanaryService(chart, 'web', { port: 8080, versions });
    gw.addRoute({ match: [Match.uriExact('/api')], to: web });
    gw.addRoute({ match: [Match.uriPrefix('/api')], to: web });
    const vs = Testing.synth(chart).find((o) => o.kind === 'VirtualService' && o.metadata?.name === 'edge');
    expect(vs?.spec.http.map((r: any) => r.match)).toEqual([[{ uri: { exact: '/api' } }], [{ uri: { prefix: '/api/' } }]]);
  });

  test('a prefix after an exact rule of the same path lists only what the exact does not (seed 27: istiod warns of a match never used)', () => {
    const chart = new Chart(Testing.app(), 'e', { namespace: 'shop' });
    const web = new CanaryService(chart, 'web', { port: 8080, versions });
    web.addRoute({ name: 'exact', match: [Match.uriExact('/api')], to: 'v1' });
    web.addRoute({ name: 'api', match: [Match.uriPrefix('/api')], to: 'v2' });
    const objects = Testing.synth(chart);
    const vs = objects.find((o) => o.kind === 'VirtualService');
    expect(vs?.spec.http.map((r: any) => [r.name, r.match])).toEqual([
      ['exact', [{ uri: { exact: '/api' } }]], ['api', [{ uri: { prefix: '/api/' } }]], ['default', undefined],
    ]);
    const at = (path: string) => explain(objects, { host: 'web.shop.svc.cluster.local', path, from: { namespace: 'shop' } }).destinations.map((d) => d.subset);
    expect([at('/api'), at('/api/x')]).toEqual([['v1'], ['v2']]);
  });

  test.each(APIS)('%s: a rewrite of the exposure\'s prefix to "/" strips it, and to "/v2" replaces it, by whole elements', (api) => {
    const rewritten = (uri: string, path: string) => {
      const chart = new Chart(Testing.app(), 'w', { namespace: 'shop' });
      const web = new CanaryService(chart, 'web', { port: 8080, versions, routingApi: api });
      web.exposeVia(new MeshGateway(chart, 'edge', { hosts: ['web.example.com'], routingApi: api }), { pathPrefix: '/checkout/', rewrite: { uri } });
      return explain(Testing.synth(chart), { host: 'web.example.com', path, gateway: 'shop/edge', port: 80 }).rewrittenPath;
    };
    expect([rewritten('/', '/checkout/a'), rewritten('/', '/checkout'), rewritten('/', '/checkout/')]).toEqual(['/a', '/', '/']);
    expect([rewritten('/v2', '/checkout/a/b'), rewritten('/v2/', '/checkout/a')]).toEqual(['/v2/a/b', '/v2/a']);
  });

  test('an Argo Rollouts mirror route takes a path prefix as one regex of whole path elements', () => {
    const chart = new Chart(Testing.app(), 'a', { namespace: 'shop' });
    new RolloutService(chart, 'api', {
      port: 8080,
      image: 'api:1',
      steps: [RolloutStep.weight(10), RolloutStep.mirrorRoute('m', [Match.uriPrefix('/v1.0/')]), RolloutStep.pause()],
    });
    const rollout = Testing.synth(chart).find((o) => o.kind === 'Rollout');
    const step = rollout?.spec.strategy.canary.steps.find((s: any) => s.setMirrorRoute);
    expect(step.setMirrorRoute.match).toEqual([{ path: { regex: '/v1\\.0(/.*)?' } }]);
  });
});

describeWithCrds('verify routes: Istio\'s pilot routes every path of the table as explain does', () => {
  test.each(PREFIXES)('prefix %s', (prefix) => {
    const objects = synth(RoutingApi.ISTIO, prefix);
    const all = PATHS.flatMap((path) => Object.values(requests(path)));
    expect(describeDisagreement(compareWithPilot(objects, all)[0])).toBe('none');
  });
});

describe('a rule an earlier path prefix takes (seed 109: istiod warns "match ... is not used")', () => {
  const web = () => new CanaryService(new Chart(Testing.app(), 'c', { namespace: 'shop' }), 'web', { port: 8080, versions });
  const fix = 'add route "v1-api" before route "api", or give it a match that route does not take';

  test('a longer prefix, or an exact path under the prefix, after it can never match: refused', () => {
    for (const match of [Match.uriPrefix('/api/v1'), Match.uriExact('/api/v1/users')]) {
      const svc = web();
      svc.addRoute({ name: 'api', match: [Match.uriPrefix('/api')], to: 'v2' });
      expect(() => svc.addRoute({ name: 'v1-api', match: [match], to: 'v1' })).toThrow(
        'canary "web": route "v1-api": this route can never match, route "api" before it takes its requests (its path prefix /api/ takes '
        + `${match.conditions.uri?.prefix ?? match.conditions.uri?.exact}) (got ${match}); ${fix}`);
    }
  });

  test('a prefix that source labels tell apart, which istiod still reports as never used: refused, saying why', () => {
    const svc = web();
    svc.addRoute({ name: 'api', match: [Match.sourceLabels({ team: 'a' }).and(Match.uriPrefix('/api'))], to: 'v2' });
    expect(() => svc.addRoute({ name: 'v1-api', match: [Match.uriPrefix('/api/v1')], to: 'v1' })).toThrow(
      'canary "web": route "v1-api": istiod would report its match uri prefix /api/v1 as never used: route "api" comes before it and its path '
      + `prefix /api/ takes /api/v1/; istiod does not compare source labels or regex values (got uri prefix /api/v1); ${fix}`);
  });

  test('the longer prefix first is accepted, and each path goes where the first rule that takes it says', () => {
    const svc = web();
    svc.addRoute({ name: 'v1-api', match: [Match.uriPrefix('/api/v1')], to: 'v1' });
    svc.addRoute({ name: 'api', match: [Match.uriPrefix('/api')], to: 'v2' });
    const objects = Testing.synth(svc.node.scope as Chart);
    const at = (path: string) => explain(objects, { host: 'web.shop.svc.cluster.local', path, from: { namespace: 'shop' } }).rule?.name;
    expect([at('/api/v1'), at('/api/v1/users'), at('/api'), at('/api/v2')]).toEqual(['v1-api', 'v1-api', 'api', 'api']);
  });

  describeWithCrds('verify validate', () => {
    test('matches of one route are ordered so no prefix comes after one that covers it: istiod admits it without a warning', () => {
      const svc = web();
      svc.addRoute({ name: 'team-a', match: [Match.sourceLabels({ team: 'a' }).and(Match.uriPrefix('/')), Match.uriPrefix('/v1/')], to: 'v2' });
      const objects = Testing.synth(svc.node.scope as Chart);
      const vs = objects.find((o) => o.kind === 'VirtualService');
      expect(vs?.spec.http[0].match).toEqual([
        { uri: { prefix: '/v1/' } }, { sourceLabels: { team: 'a' }, uri: { prefix: '/' } }, { uri: { exact: '/v1' } },
      ]);
      const dir = writeManifests({ 'web.yaml': objects });
      const result = JSON.parse(runVerify(['validate', dir, '--crds', CRD_DIR, '--json']).stdout);
      fs.rmSync(dir, { recursive: true, force: true });
      expect([result.problems, result.warnings]).toEqual([[], []]);
    });
  });
});
