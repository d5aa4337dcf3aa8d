import { Duration } from 'cdk8s';
import { Match, Protocol, Release } from '../src';
import { renderDestinations, renderRoutes, renderSubsets } from '../src/istio/routes';
import { renderDuration } from '../src/model/data';
import { checkRelease, formatWeights } from '../src/model/release';

const HTTP_PORT = [{ name: 'http', number: 9080, protocol: Protocol.HTTP }];
const TCP_PORT = [{ name: 'tcp', number: 3306, protocol: Protocol.TCP }];

const HOST = 'reviews.bookinfo.svc.cluster.local';

function release(overrides: Partial<Release> = {}): Release {
  return {
    name: 'reviews',
    host: HOST,
    ports: HTTP_PORT,
    versions: ['v1', 'v2', 'v3'],
    stable: 'v1',
    weights: { v1: 50, v2: 10, v3: 40 },
    rules: [],
    ...overrides,
  };
}

const jason = { name: 'jason', match: [Match.headerExact('end-user', 'jason')], to: { v2: 100 } };

describe('checkRelease', () => {
  test('accepts a valid release', () => {
    expect(() => checkRelease(release({ rules: [jason] }))).not.toThrow();
  });

  test.each([
    ['no versions', { versions: [], weights: {} }, 'canary "reviews": needs at least one version (got []); add a version'],
    ['duplicate versions', { versions: ['v1', 'v1'], weights: { v1: 100 } }, 'canary "reviews": version names must be unique (got "v1")'],
    ['version not a DNS label', { versions: ['V_1'], stable: 'V_1', weights: { V_1: 100 } }, 'canary "reviews": version name must be a DNS-1123 label (got "V_1")'],
    ['service name not a DNS label', { name: 'Reviews' }, 'canary "Reviews": name must be a DNS-1035 label, as Kubernetes requires of Service names (got "Reviews")'],
    ['unknown version in weights', { weights: { v1: 90, v9: 10 } }, 'canary "reviews": weights name a version that does not exist (got "v9"); use one of v1, v2, v3'],
    ['negative weight', { weights: { v1: 110, v2: -10 } }, 'canary "reviews": weights must be whole percentages from 0 to 100 (got v1=110)'],
    ['negative weight alone', { weights: { v1: 100, v2: -10, v3: 10 } }, 'weights must be whole percentages from 0 to 100 (got v2=-10)'],
    ['fractional weight', { weights: { v1: 99.5, v2: 0.5 } }, 'weights must be whole percentages from 0 to 100 (got v1=99.5)'],
    ['weights not adding up', { weights: { v1: 90, v2: 20 } }, 'canary "reviews": weights must add up to 100 (got v1=90 v2=20); adjust them so they sum to 100 (they sum to 110)'],
    ['stable not a version', { stable: 'v9' }, 'canary "reviews": stable version is not one of the versions (got "v9"); use one of v1, v2, v3'],
    ['zero timeout', { policy: { timeout: Duration.millis(0) } }, 'canary "reviews": default route timeout must be a whole number of milliseconds, at least 1ms (got 0ms)'],
    ['too long deployment name', { name: 'r'.repeat(60), versions: ['v100'], stable: 'v100', weights: { v100: 100 } }, 'deployment name "<name>-<version>" must be at most 63 characters'],
  ])('rejects %s', (_what, overrides, message) => {
    expect(() => checkRelease(release(overrides as Partial<Release>))).toThrow(message);
  });

  test.each([
    ['a rule without match', { name: 'all', match: [], to: { v2: 100 } }, 'canary "reviews": route "all" matches every request, so the default route after it could never be used (got no match)'],
    ['a catch-all uri prefix', { name: 'all', match: [Match.uriPrefix('/')], to: { v2: 100 } }, 'route "all" matches every request'],
    ['an empty header name', { name: 'x', match: [Match.headerExact('', 'a')], to: { v2: 100 } }, 'canary "reviews": route "x": header name is empty (got ""); name the header'],
    ['an upper-case header name', { name: 'x', match: [Match.headerExact('End-User', 'a')], to: { v2: 100 } }, 'Istio only accepts lower-case header names (got "End-User"); write "end-user"'],
    ['an invalid regex', { name: 'x', match: [Match.uriRegex('/api/(v1')], to: { v2: 100 } }, 'canary "reviews": route "x": uri is not a valid RE2 regular expression'],
    ['a lookahead regex', { name: 'x', match: [Match.headerRegex('user', '(?=a)b')], to: { v2: 100 } }, 'RE2 has no lookaround'],
    ['a route to an unknown version', { name: 'x', match: [Match.headerExact('a', 'b')], to: { v7: 100 } }, 'canary "reviews": route "x" weights name a version that does not exist (got "v7")'],
    ['route weights not adding up', { name: 'x', match: [Match.headerExact('a', 'b')], to: { v1: 50, v2: 40 } }, 'route "x" weights must add up to 100 (got v1=50 v2=40)'],
    ['a match port out of range', { name: 'x', match: [Match.port(70000)], to: { v2: 100 } }, 'route "x": match port must be a whole number from 1 to 65535 (got 70000)'],
    ['an empty exact value', { name: 'x', match: [Match.headerExact('a', '')], to: { v2: 100 } }, 'compares with an empty string'],
    ['the reserved name default', { name: 'default', match: [Match.headerExact('a', 'b')], to: { v2: 100 } }, 'route names must be unique, and "default" is the default route\'s (got "default")'],
  ])('rejects %s', (_what, rule, message) => {
    expect(() => checkRelease(release({ rules: [rule] }))).toThrow(message);
  });

  test('rejects a rule placed after an identical one, naming both', () => {
    const again = { ...jason, name: 'jason-again', to: { v3: 100 } };
    expect(() => checkRelease(release({ rules: [jason, again] }))).toThrow(
      'canary "reviews": route "jason-again" can never match: route "jason" before it already matches the same requests (got header end-user=jason)');
  });

  test('refuses a later rule repeating one match of an earlier one (istiod warns: the match is never used), accepts it without', () => {
    const wider = { name: 'wider', match: [Match.headerExact('end-user', 'jason'), Match.headerExact('end-user', 'amy')], to: { v3: 100 } };
    expect(() => checkRelease(release({ rules: [jason, wider] }))).toThrow(
      'route "wider": this match is never used, route "jason" before it has the same match (got "header end-user=jason"); drop the match from route "wider"');
    expect(() => checkRelease(release({ rules: [jason, { ...wider, match: [Match.headerExact('end-user', 'amy')] }] }))).not.toThrow();
  });

  test('rejects duplicate route names', () => {
    const twin = { ...jason, match: [Match.headerExact('end-user', 'amy')] };
    expect(() => checkRelease(release({ rules: [jason, twin] }))).toThrow('route names must be unique');
  });

  test('rejects header matches and timeouts on TCP services', () => {
    const tcp = release({ ports: TCP_PORT });
    expect(() => checkRelease({ ...tcp, rules: [jason] })).toThrow('route "jason": a tcp service is routed as TCP, which cannot see headers');
    const timed = { name: 't', match: [Match.sourceLabels({ app: 'x' })], to: { v2: 100 }, timeout: Duration.seconds(1) };
    expect(() => checkRelease({ ...tcp, rules: [timed] })).toThrow('route "t": timeout is an HTTP route option, and a tcp service is routed as TCP (got protocol tcp)');
  });
});

describe('rendering', () => {
  test('one subset per version, selecting the version label', () => {
    expect(renderSubsets(release())).toEqual([
      { name: 'v1', labels: { version: 'v1' } },
      { name: 'v2', labels: { version: 'v2' } },
      { name: 'v3', labels: { version: 'v3' } },
    ]);
  });

  test('destinations follow version order, drop zero weights, and a lone destination has no weight', () => {
    const r = release();
    expect(renderDestinations(r, { v3: 40, v1: 60, v2: 0 })).toEqual([
      { destination: { host: HOST, subset: 'v1' }, weight: 60 },
      { destination: { host: HOST, subset: 'v3' }, weight: 40 },
    ]);
    expect(renderDestinations(r, { v2: 100, v1: 0 })).toEqual([{ destination: { host: HOST, subset: 'v2' } }]);
  });

  test('rules come in order, then the weighted default route last', () => {
    const beta = { name: 'beta', match: [Match.headerPrefix('version', '2'), Match.uriPrefix('/beta').and(Match.method('GET'))], to: { v2: 50, v3: 50 }, timeout: Duration.millis(1500) };
    const { http, tcp } = renderRoutes(release({ rules: [jason, beta], policy: { timeout: Duration.seconds(10) } }));
    expect(tcp).toBeUndefined();
    expect(http!.map((r) => r.name)).toEqual(['jason', 'beta', 'default']);
    // One route policy per service (issue 27): jason takes the service's timeout, beta keeps its own.
    expect(http![0]).toEqual({ name: 'jason', match: [{ headers: { 'end-user': { exact: 'jason' } } }], route: [{ destination: { host: HOST, subset: 'v2' } }], timeout: '10s' });
    expect(http![1].match).toEqual([{ headers: { version: { prefix: '2' } } }, { uri: { exact: '/beta' }, method: { exact: 'GET' } }, { uri: { prefix: '/beta/' }, method: { exact: 'GET' } }]);
    expect(http![1].timeout).toBe('1500ms');
    expect(http![2]).toEqual({
      name: 'default',
      route: [
        { destination: { host: HOST, subset: 'v1' }, weight: 50 },
        { destination: { host: HOST, subset: 'v2' }, weight: 10 },
        { destination: { host: HOST, subset: 'v3' }, weight: 40 },
      ],
      timeout: '10s',
    });
  });

  test('TCP services get weighted tcp routes', () => {
    const r = release({ ports: TCP_PORT, weights: { v1: 80, v2: 20 }, rules: [{ name: 'db', match: [Match.sourceLabels({ app: 'admin' })], to: { v3: 100 } }] });
    expect(renderRoutes(r)).toEqual({
      tcp: [
        { match: [{ sourceLabels: { app: 'admin' } }], route: [{ destination: { host: HOST, subset: 'v3' } }] },
        { route: [{ destination: { host: HOST, subset: 'v1' }, weight: 80 }, { destination: { host: HOST, subset: 'v2' }, weight: 20 }] },
      ],
    });
  });

  test('durations and weights format as Istio and our messages write them', () => {
    expect(renderDuration(Duration.seconds(5))).toBe('5s');
    expect(renderDuration(Duration.millis(250))).toBe('250ms');
    expect(renderDuration(Duration.minutes(2))).toBe('120s');
    expect(formatWeights({ prod: 90, gray: 20 })).toBe('prod=90 gray=20');
  });
});
