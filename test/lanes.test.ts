import { App, Chart, Testing } from 'cdk8s';
import { CanaryService, Lane, Match, MeshGateway, Protocol, Release, ReleaseLane } from '../src';
import { newChart, only, synth } from './util';
import { checkLane, checkLaneBeside, laneRules, withLanes } from '../src/model/lane';

const release = (versions: string[], rules: Release['rules'] = []): Release => ({
  name: 'cat',
  host: 'cat.default.svc.cluster.local',
  ports: [{ name: 'http', number: 8080, protocol: Protocol.HTTP }],
  versions,
  stable: versions[0],
  weights: { [versions[0]]: 100 },
  rules,
});
const gray: Lane = { name: 'gray', version: 'gray', header: { name: 'env', value: 'gray' } };
const routeSummary = (rules: readonly { name: string; match: readonly Match[]; to: Record<string, number> }[]) =>
  rules.map((r) => `${r.name}: ${r.match.map(String).join(' or ')} -> ${Object.keys(r.to).join(',')}`);

describe('lane model (pure)', () => {
  test('a lane puts its header rule ahead of the member\'s own rules', () => {
    const own = release(['prod', 'gray'], [{ name: 'jason', match: [Match.headerExact('end-user', 'jason')], to: { gray: 100 } }]);
    expect(routeSummary(withLanes(own, [gray]).rules)).toEqual([
      'lane-gray: header env=gray -> gray',
      'jason: header end-user=jason -> gray',
    ]);
  });

  test('header rules of all lanes come before the sticky source rules', () => {
    const daily: Lane = { name: 'daily', version: 'daily', header: { name: 'env', value: 'daily' }, sticky: true };
    expect(routeSummary(laneRules(release(['prod', 'gray', 'daily']), [{ ...gray, sticky: true }, daily]))).toEqual([
      'lane-gray: header env=gray -> gray',
      'lane-daily: header env=daily -> daily',
      'lane-gray-source: source label version=gray -> gray',
      'lane-daily-source: source label version=daily -> daily',
    ]);
  });

  test('a member without the lane\'s version sends the lane to its stable version; strict refuses it', () => {
    const mouse = { ...release(['v1', 'v2']), stable: 'v1', weights: { v1: 90, v2: 10 } };
    expect(laneRules(mouse, [gray]).map((r) => r.to)).toEqual([{ v1: 100 }]);
    expect(() => withLanes(mouse, [{ ...gray, strict: true }])).toThrow(
      'lane "gray": is strict, and member "cat" has no version "gray" (got versions v1, v2); add version "gray" to "cat", or leave it out of the lane');
  });

  test('a member rule that the lane header would shadow is refused, by exact, prefix or regex', () => {
    for (const match of [Match.headerExact('env', 'gray'), Match.headerPrefix('env', 'gr'), Match.headerRegex('env', 'gr.*'), Match.headerPresent('env')]) {
      const own = release(['prod', 'gray'], [{ name: 'mine', match: [match], to: { prod: 100 } }]);
      expect(() => withLanes(own, [gray])).toThrow(/^lane "gray": member "cat" route "mine" also matches header env=gray, which the lane routes first/);
    }
    const other = release(['prod', 'gray'], [{ name: 'daily', match: [Match.headerExact('env', 'daily')], to: { prod: 100 } }]);
    expect(withLanes(other, [gray]).rules).toHaveLength(2);
  });

  test('a sticky lane refuses a member rule on the same caller version', () => {
    const own = release(['prod', 'gray'], [{ name: 'from-gray', match: [Match.sourceLabels({ version: 'gray' })], to: { prod: 100 } }]);
    expect(() => withLanes(own, [{ ...gray, sticky: true }])).toThrow(
      'lane "gray": member "cat" route "from-gray" also matches callers of version "gray", which the sticky lane routes first');
    expect(withLanes(own, [gray]).rules).toHaveLength(2);
  });

  test('a TCP-only member cannot be in a lane', () => {
    const tcp = { ...release(['prod', 'gray']), ports: [{ name: 'tcp', number: 9000, protocol: Protocol.TCP }] };
    expect(() => withLanes(tcp, [gray])).toThrow('lane "gray": member "cat" has no HTTP-family port, so the lane header cannot route it (got protocol tcp)');
  });

  test('lane checks: names, versions, headers, and two lanes on one header value', () => {
    expect(() => checkLane({ ...gray, name: 'Gray' })).toThrow('lane "Gray": lane name');
    expect(() => checkLane({ ...gray, version: 'v_2' })).toThrow('lane "gray": lane version');
    expect(() => checkLane({ ...gray, header: { name: 'Env', value: 'gray' } })).toThrow('lane "gray": lane header: Istio only accepts lower-case header names (got "Env")');
    expect(() => checkLane({ ...gray, header: { name: 'env', value: '' } })).toThrow('compares with an empty string');
    expect(() => checkLane({ ...gray, header: undefined as any })).toThrow('lane "gray": needs a header name and value (got nothing)');
    expect(() => checkLaneBeside({ ...gray, name: 'blue' }, [gray])).toThrow(
      'lane "blue": claims the same header value as lane "gray" (got env=gray); give each lane its own header value');
    expect(() => checkLaneBeside({ ...gray, header: { name: 'env', value: 'blue' } }, [gray])).toThrow('lane "gray": lane names must be unique');
    expect(() => checkLaneBeside({ ...gray, name: 'blue', header: { name: 'env', value: 'blue' } }, [gray])).not.toThrow();
  });
});

const twoVersions = (chart: Chart, name: string, versions = ['prod', 'gray'], props: Partial<ConstructorParameters<typeof CanaryService>[2]> = {}) =>
  new CanaryService(chart, name, { port: 8080, versions: versions.map((v) => ({ name: v, image: `${name}:${v}` })), ...props });

describe('ReleaseLane', () => {
  test('cat -> mouse: the lane header routes to gray at the gateway and in the mesh; sticky only in the mesh', () => {
    const chart = newChart('shop');
    const gw = new MeshGateway(chart, 'gw', { hosts: ['cat.example.com'] });
    const lane = new ReleaseLane(chart, 'gray', { header: { name: 'env', value: 'gray' }, sticky: true });
    const cat = twoVersions(chart, 'cat', ['prod', 'gray'], { lanes: [lane] });
    const mouse = twoVersions(chart, 'mouse');
    lane.include(mouse);
    cat.exposeVia(gw);
    cat.routeHeader('end-user', 'jason', 'gray');
    expect(lane.members).toEqual([cat, mouse]);
    expect(cat.lanes).toEqual([lane]);
    const out = synth(chart);
    const mesh = only(out, 'VirtualService', 'cat').spec.http;
    expect(mesh.map((r: any) => r.name)).toEqual(['lane-gray', 'lane-gray-source', 'end-user-jason', 'default']);
    expect(mesh[0].match).toEqual([{ headers: { env: { exact: 'gray' } } }]);
    expect(mesh[0].route).toEqual([{ destination: { host: 'cat.shop.svc.cluster.local', subset: 'gray' } }]);
    expect(mesh[1].match).toEqual([{ sourceLabels: { version: 'gray' } }]);
    expect(mesh[1].route).toEqual([{ destination: { host: 'cat.shop.svc.cluster.local', subset: 'gray' } }]);
    const edge = only(out, 'VirtualService', 'cat-gw').spec.http;
    expect(edge.map((r: any) => r.name)).toEqual(['lane-gray', 'end-user-jason', 'default']);
    expect(only(out, 'VirtualService', 'mouse').spec.http.map((r: any) => `${r.name}->${r.route[0].destination.subset}`))
      .toEqual(['lane-gray->gray', 'lane-gray-source->gray', 'default->prod']);
  });

  test('a gateway route (MeshGateway.addRoute) to a member carries the lane rule too', () => {
    const chart = newChart('shop');
    const gw = new MeshGateway(chart, 'gw', { hosts: ['*.example.com'] });
    const lane = new ReleaseLane(chart, 'gray', { header: { name: 'env', value: 'gray' } });
    const cat = twoVersions(chart, 'cat', ['prod', 'gray'], { lanes: [lane] });
    gw.addRoute({ match: [Match.uriPrefix('/cat')], to: cat });
    const routes = synth(chart).filter((o) => o.kind === 'VirtualService' && o.spec.gateways).flatMap((o) => o.spec.http);
    expect(routes[0].match).toEqual([{ uri: { exact: '/cat' }, headers: { env: { exact: 'gray' } } }, { uri: { prefix: '/cat/' }, headers: { env: { exact: 'gray' } } }]);
    expect(routes[0].route[0].destination.subset).toEqual('gray');
  });

  test('a member without the version falls back to stable; strict fails where the member joins', () => {
    const chart = newChart();
    const lane = new ReleaseLane(chart, 'gray', { header: { name: 'env', value: 'gray' } });
    twoVersions(chart, 'cat', ['prod', 'gray'], { lanes: [lane] });
    const mouse = twoVersions(chart, 'mouse', ['v1', 'v2'], { weights: { v1: 50, v2: 50 } });
    lane.include(mouse);
    expect(only(synth(chart), 'VirtualService', 'mouse').spec.http[0].route).toEqual([{ destination: { host: 'mouse.default.svc.cluster.local', subset: 'v1' } }]);
    const strict = new ReleaseLane(chart, 'strict', { version: 'gray', header: { name: 'env', value: 'strict' }, strict: true });
    expect(() => strict.include(mouse)).toThrow('lane "strict": is strict, and member "mouse" has no version "gray"');
    expect(mouse.lanes).toEqual([lane]);
  });

  test('a member rule added after joining that collides with the lane is refused and not kept', () => {
    const chart = newChart();
    const lane = new ReleaseLane(chart, 'gray', { header: { name: 'env', value: 'gray' } });
    const cat = twoVersions(chart, 'cat', ['prod', 'gray'], { lanes: [lane] });
    expect(() => cat.routeHeader('env', 'gray', 'prod')).toThrow('lane "gray": member "cat" route "env-gray" also matches header env=gray');
    expect(cat.release.rules.map((r) => r.name)).toEqual(['lane-gray']);
    const other = twoVersions(chart, 'mouse');
    other.routeHeader('env', 'gray', 'gray');
    expect(() => lane.include(other)).toThrow('lane "gray": member "mouse" route "env-gray" also matches header env=gray');
    expect(other.lanes).toEqual([]);
  });

  test('a lane whose version no member has, or with no members, fails the synth', () => {
    const chart = newChart();
    const lane = new ReleaseLane(chart, 'grey', { header: { name: 'env', value: 'grey' } });
    twoVersions(chart, 'cat', ['prod', 'gray'], { lanes: [lane] });
    expect(() => Testing.synth(chart)).toThrow(
      'lane "grey": no member has version "grey", so the lane routes nowhere new (got cat: prod, gray); give the lane the version name its services use');
    const empty = newChart();
    new ReleaseLane(empty, 'gray', { header: { name: 'env', value: 'gray' } });
    expect(() => Testing.synth(empty)).toThrow('lane "gray": has no members (got no services); add services with lane.include(...)');
  });

  test('two lanes of a chart on one header value, or one member in two lanes on one value, are refused', () => {
    const chart = newChart();
    new ReleaseLane(chart, 'gray', { header: { name: 'env', value: 'gray' } });
    expect(() => new ReleaseLane(chart, 'blue', { header: { name: 'env', value: 'gray' } })).toThrow('lane "blue": claims the same header value as lane "gray"');
    const app = Testing.app();
    const a = new Chart(app, 'a');
    const b = new Chart(app, 'b');
    const laneA = new ReleaseLane(a, 'gray', { header: { name: 'env', value: 'gray' } });
    const laneB = new ReleaseLane(b, 'gray2', { version: 'gray', header: { name: 'env', value: 'gray' } });
    const cat = twoVersions(a, 'cat', ['prod', 'gray'], { lanes: [laneA] });
    expect(() => cat.addLane(laneB)).toThrow('lane "gray2": claims the same header value as lane "gray"');
    expect(() => cat.addLane(laneA)).toThrow('canary "cat": is already a member of this lane (got "gray")');
    expect(() => twoVersions(new Chart(new App(), 'c'), 'dog', ['prod', 'gray'], { lanes: [laneA] })).toThrow('canary "dog": can only join a lane of its own app');
  });
});
