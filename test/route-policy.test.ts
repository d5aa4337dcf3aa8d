import { Duration } from 'cdk8s';
import { ClientTlsMode, LoadBalancer, Match, Protocol, Release, RouteRule } from '../src';
import { renderRoutePolicy } from '../src/istio/route-policy';
import { renderDestinationRule, renderHttpRoutes, renderRoutes } from '../src/istio/routes';
import { renderTrafficPolicy } from '../src/istio/traffic-policy';
import { checkRelease } from '../src/model/release';

const HOST = 'reviews.bookinfo.svc.cluster.local';
const HTTP = { name: 'http', number: 9080, protocol: Protocol.HTTP };
const GRPC = { name: 'grpc', number: 9090, protocol: Protocol.GRPC };
const TCP = { name: 'tcp', number: 7000, protocol: Protocol.TCP };

function release(overrides: Partial<Release> = {}): Release {
  return {
    name: 'reviews', host: HOST, ports: [HTTP], versions: ['v1', 'v2'], stable: 'v1', weights: { v1: 90, v2: 10 }, rules: [], ...overrides,
  };
}

function rule(overrides: Partial<RouteRule> = {}): RouteRule {
  return { name: 'jason', match: [Match.headerExact('end-user', 'jason')], to: { v2: 100 }, ...overrides };
}

describe('route options: bad input fails with the option, the value and the fix', () => {
  test.each<[string, Partial<RouteRule>, string]>([
    ['a timeout under 1ms', { timeout: Duration.millis(0.5) },
      'canary "reviews": route "jason" timeout must be a whole number of milliseconds, at least 1ms (got 0.5ms); use e.g. Duration.seconds(5)'],
    ['a per-try timeout of 0', { retries: { attempts: 2, perTryTimeout: Duration.millis(0) } }, 'route "jason" retries perTryTimeout must be a whole number of milliseconds, at least 1ms (got 0ms)'],
    ['0 attempts with retry conditions', { retries: { attempts: 0, retryOn: ['5xx'] } },
      'canary "reviews": route "jason" retries: 0 attempts turns retries off, so retryOn and perTryTimeout would be ignored (got attempts 0 with retryOn "5xx"); set attempts to 1 or more'],
    ['negative attempts', { retries: { attempts: -1 } }, 'route "jason" retries: attempts must be a whole number from 0 to 2147483647 (got -1)'],
    ['an unknown retry condition', { retries: { attempts: 2, retryOn: ['5xx', 'flaky'] } }, 'route "jason" retries: unknown retryOn condition (got "flaky"); use HTTP status codes or Envoy\'s conditions: 5xx'],
    ['a fault with neither delay nor abort', { fault: {} }, 'canary "reviews": route "jason" fault injects nothing (got neither delay nor abort); give delay'],
    ['a delay percentage over 100', { fault: { delay: { fixed: Duration.seconds(7), percent: 101 } } }, 'route "jason" fault delay percent must be from 0 to 100 (got 101)'],
    ['an abort percentage under 0', { fault: { abort: { httpStatus: 500, percent: -1 } } }, 'route "jason" fault abort percent must be from 0 to 100 (got -1)'],
    ['an abort with both statuses', { fault: { abort: { httpStatus: 500, grpcStatus: 'UNAVAILABLE' } } }, 'an abort returns either an HTTP or a gRPC status (got httpStatus 500 and grpcStatus "UNAVAILABLE")'],
    ['an abort with no status', { fault: { abort: { percent: 10 } } }, 'an abort returns either an HTTP or a gRPC status (got neither)'],
    ['an abort with status 600', { fault: { abort: { httpStatus: 600 } } }, 'httpStatus must be a status code from 200 to 599 (got 600)'],
    ['an abort with a numeric gRPC status', { fault: { abort: { grpcStatus: '14' } } }, 'unknown grpcStatus (got "14"); use a gRPC status name: OK, CANCELLED'],
    ['a mirror to an unknown version', { mirror: { version: 'v9' } }, 'canary "reviews": route "jason" mirror names a version that does not exist (got "v9"); use one of v1, v2'],
    ['a mirror without target', { mirror: { percent: 10 } }, 'route "jason" mirror needs a target: a version of this service or another host (got neither)'],
    ['a mirror with both targets', { mirror: { version: 'v2', host: 'x' } }, 'mirror needs a target: a version of this service or another host (got version "v2" and host "x")'],
    ['a mirror percentage over 100', { mirror: { version: 'v2', percent: 150 } }, 'route "jason" mirror percent must be from 0 to 100 (got 150)'],
    ['a rewrite of nothing', { rewrite: {} }, 'route "jason" rewrite changes nothing (got {}); give uri or authority'],
    ['a rewrite uri without slash', { rewrite: { uri: 'api' } }, 'route "jason" rewrite uri must start with "/" (got "api"); write "/api"'],
    ['a redirect together with a route', { redirect: { uri: '/new' } },
      'canary "reviews": route "jason": a redirect answers without forwarding, so it cannot come with a destination (to) (got redirect with a destination (to)); drop them, or drop the redirect'],
    ['a redirect together with a rewrite', { to: {}, redirect: { uri: '/new' }, rewrite: { uri: '/x' } }, 'a redirect answers without forwarding, so it cannot come with rewrite'],
    ['a redirect to nowhere', { to: {}, redirect: {} }, 'route "jason" redirect goes nowhere new (got {})'],
    ['a redirect code outside 3xx', { to: {}, redirect: { uri: '/n', code: 200 } }, 'route "jason" redirect code must be from 300 to 399 (got 200)'],
    ['a redirect scheme other than http(s)', { to: {}, redirect: { scheme: 'ftp' } }, 'redirect scheme must be http or https (got "ftp")'],
    ['a header operation on host', { headers: { request: { set: { Host: 'x' } } } }, 'route "jason" headers request: Istio does not let header operations change the host header (got "Host"); use rewrite: { authority } instead'],
    ['a header name with a space', { headers: { response: { remove: ['x version'] } } }, 'header names may contain only letters, digits, "-" and "_" (got "x version")'],
    ['a CORS policy without origins', { corsPolicy: { allowOrigins: [] } }, 'route "jason" corsPolicy needs the allowed origins (got [])'],
    ['a CORS method in lower case', { corsPolicy: { allowOrigins: ['*'], allowMethods: ['get'] } }, 'corsPolicy: unknown method in allowMethods (got "get"); use upper-case methods'],
    ['a CORS max age of 0', { corsPolicy: { allowOrigins: ['*'], maxAge: Duration.seconds(0) } }, 'corsPolicy maxAge must be a whole number of milliseconds, at least 1ms (got 0ms)'],
  ])('rejects %s', (_what, overrides, message) => {
    expect(() => checkRelease(release({ rules: [rule(overrides)] }))).toThrow(message);
  });

  test('HTTP-only options on a TCP service fail, on rules and on the default route', () => {
    const tcp = release({ ports: [TCP] });
    const byCaller = rule({ match: [Match.sourceLabels({ app: 'batch' })] });
    expect(() => checkRelease({ ...tcp, rules: [{ ...byCaller, retries: { attempts: 2 }, mirror: { version: 'v2' } }] })).toThrow(
      'canary "reviews": route "jason": retries, mirror are HTTP route options, and a tcp service is routed as TCP (got protocol tcp); drop them, or use an HTTP protocol');
    expect(() => checkRelease({ ...tcp, rules: [{ ...byCaller, redirect: { uri: '/x' }, to: {} }] })).toThrow('route "jason": redirect is an HTTP route option');
    expect(() => checkRelease({ ...tcp, policy: { fault: { abort: { httpStatus: 503 } } } })).toThrow(
      'canary "reviews": default route: fault is an HTTP route option, and a tcp service is routed as TCP');
    expect(() => checkRelease({ ...tcp, versionPolicies: { v2: { headers: { response: { set: { 'x-v': 'v2' } } } } } })).toThrow(
      'version "v2": headers is an HTTP route option, and a tcp service is routed as TCP');
    expect(() => checkRelease({ ...tcp, rules: [byCaller] })).not.toThrow();
  });

  test('accepts every option at its bounds', () => {
    const full = rule({
      timeout: Duration.millis(1),
      retries: { attempts: 0 },
      fault: { delay: { fixed: Duration.millis(1), percent: 0 }, abort: { grpcStatus: 'UNAVAILABLE', percent: 100 } },
      mirror: { host: 'shadow.test.svc.cluster.local', port: 8080, percent: 0.5 },
      rewrite: { authority: 'reviews.internal' },
      headers: { request: { add: { 'x-b3-sampled': '1' } } },
      corsPolicy: { allowOrigins: ['*'], allowMethods: ['GET'], exposeHeaders: ['x-version'], allowCredentials: false },
    });
    expect(() => checkRelease(release({ rules: [full] }))).not.toThrow();
  });
});

describe('route options render as Istio writes them', () => {
  test('every option of an HTTP route', () => {
    const rendered = renderRoutePolicy({
      timeout: Duration.seconds(3),
      retries: { attempts: 3, perTryTimeout: Duration.millis(500), retryOn: ['gateway-error', '503'] },
      fault: { delay: { fixed: Duration.seconds(7) }, abort: { httpStatus: 500, percent: 10 } },
      mirror: { version: 'v2', percent: 25 },
      headers: { request: { set: { 'x-a': '1' }, add: {}, remove: [] }, response: { remove: ['server'] } },
      corsPolicy: { allowOrigins: ['https://a.example'], maxAge: Duration.minutes(1), allowCredentials: true },
    }, { destination: (version) => ({ host: HOST, subset: version, port: { number: 9080 } }), port: 9080 });
    expect(rendered).toEqual({
      timeout: '3s',
      retries: { attempts: 3, perTryTimeout: '500ms', retryOn: 'gateway-error,503' },
      fault: { delay: { fixedDelay: '7s', percentage: { value: 100 } }, abort: { httpStatus: 500, percentage: { value: 10 } } },
      mirror: { host: HOST, subset: 'v2', port: { number: 9080 } },
      mirrorPercentage: { value: 25 },
      headers: { request: { set: { 'x-a': '1' } }, response: { remove: ['server'] } },
      corsPolicy: { allowOrigins: [{ exact: 'https://a.example' }], maxAge: '60s', allowCredentials: true },
    });
  });

  test('a mirror to another host keeps its own port, or takes the route\'s', () => {
    expect(renderRoutePolicy({ mirror: { host: 'shadow', port: 8080 } }, { destination: () => ({}), port: 9080 }).mirror).toEqual({ host: 'shadow', port: { number: 8080 } });
    expect(renderRoutePolicy({ mirror: { host: 'shadow' } }, { destination: () => ({}) }).mirror).toEqual({ host: 'shadow' });
    expect(renderRoutePolicy({ mirror: { host: 'shadow' } }, { destination: () => ({}) }).mirrorPercentage).toBeUndefined();
  });

  test('a redirect rule has no destinations; the default route keeps its options', () => {
    const r = release({
      rules: [{ name: 'moved', match: [Match.uriPrefix('/old')], to: {}, redirect: { uri: '/new', authority: 'b.example', scheme: 'https', port: 8443, code: 308 } }],
      policy: { timeout: Duration.seconds(2), rewrite: { authority: 'reviews.internal' } },
    });
    expect(renderHttpRoutes(r)).toEqual([
      { name: 'moved', match: [{ uri: { exact: '/old' } }, { uri: { prefix: '/old/' } }], redirect: { uri: '/new', authority: 'b.example', scheme: 'https', port: 8443, redirectCode: 308 } },
      {
        name: 'default',
        rewrite: { authority: 'reviews.internal' },
        route: [{ destination: { host: HOST, subset: 'v1' }, weight: 90 }, { destination: { host: HOST, subset: 'v2' }, weight: 10 }],
        timeout: '2s',
      },
    ]);
  });

  test('an entry point\'s rewrite merges with a rule\'s, and clashes on the same field', () => {
    const r = release({ rules: [rule({ rewrite: { authority: 'a.internal' } })] });
    const routes = renderHttpRoutes(r, { gateway: true, rewrite: { uri: '/' } });
    expect(routes[0].rewrite).toEqual({ uri: '/', authority: 'a.internal' });
    expect(routes[1].rewrite).toEqual({ uri: '/' });
    const clash = release({ rules: [rule({ rewrite: { uri: '/v2' } })] });
    expect(() => renderHttpRoutes(clash, { gateway: true, rewrite: { uri: '/' } })).toThrow(
      'canary "reviews": route "jason" rewrites the uri that the entry point already rewrites (got "/" and "/v2"); rewrite the uri in one place');
    const redirect = release({ rules: [rule({ to: {}, redirect: { uri: '/n' } })] });
    expect(() => renderHttpRoutes(redirect, { gateway: true, rewrite: { uri: '/' } })).toThrow('route "jason": a redirect cannot come with the entry point\'s rewrite');
  });

  test('version headers land on every HTTP destination of that version', () => {
    const r = release({ versionPolicies: { v2: { headers: { response: { set: { 'x-version': 'v2' } } } } } });
    expect(renderHttpRoutes(r)[0].route).toEqual([
      { destination: { host: HOST, subset: 'v1' }, weight: 90 },
      { destination: { host: HOST, subset: 'v2' }, weight: 10, headers: { response: { set: { 'x-version': 'v2' } } } },
    ]);
  });
});

describe('several ports', () => {
  const multi = release({ ports: [HTTP, GRPC, TCP] });

  test('header rules go to every HTTP-family port, source-label rules to every port, port matches to one port', () => {
    const r = {
      ...multi,
      rules: [
        rule(),
        { name: 'batch', match: [Match.sourceLabels({ app: 'batch' })], to: { v2: 100 } },
        { name: 'grpc-only', match: [Match.headerExact('x-canary', '1').and(Match.port(9090))], to: { v2: 100 } },
      ],
    };
    checkRelease(r);
    const { http, tcp } = renderRoutes(r);
    expect(http!.map((h) => `${h.name} ${JSON.stringify(h.match ?? null)} ${h.route.map((d: any) => `${d.destination.subset}:${d.destination.port.number}`)}`)).toEqual([
      'jason-http [{"headers":{"end-user":{"exact":"jason"}},"port":9080}] v2:9080',
      'batch-http [{"sourceLabels":{"app":"batch"},"port":9080}] v2:9080',
      'default-http [{"port":9080}] v1:9080,v2:9080',
      'jason-grpc [{"headers":{"end-user":{"exact":"jason"}},"port":9090}] v2:9090',
      'batch-grpc [{"sourceLabels":{"app":"batch"},"port":9090}] v2:9090',
      'grpc-only-grpc [{"headers":{"x-canary":{"exact":"1"}},"port":9090}] v2:9090',
      'default-grpc [{"port":9090}] v1:9090,v2:9090',
    ]);
    expect(tcp).toEqual([
      { match: [{ sourceLabels: { app: 'batch' } }], route: [{ destination: { host: HOST, subset: 'v2', port: { number: 7000 } } }] },
      { route: [{ destination: { host: HOST, subset: 'v1', port: { number: 7000 } }, weight: 90 }, { destination: { host: HOST, subset: 'v2', port: { number: 7000 } }, weight: 10 }] },
    ]);
  });

  test('a gateway targets one HTTP port, named when there are several; rules of other ports are left out', () => {
    const r = { ...multi, rules: [{ name: 'grpc-only', match: [Match.headerExact('x-canary', '1').and(Match.port(9090))], to: { v2: 100 } }] };
    expect(() => renderHttpRoutes(r, { gateway: true })).toThrow(
      'canary "reviews": has several HTTP-family ports, so the gateway route must name one (got 9080 (http), 9090 (grpc)); pass port');
    expect(() => renderHttpRoutes(r, { gateway: true, port: 7000 })).toThrow(
      'canary "reviews": a gateway can route only to an HTTP-family port of the service (got 7000); use one of 9080 (http), 9090 (grpc)');
    expect(renderHttpRoutes(r, { gateway: true, port: 9080 }).map((h) => h.name)).toEqual(['default']);
    const grpc = renderHttpRoutes(r, { gateway: true, port: 9090 });
    expect(grpc.map((h) => [h.name, JSON.stringify(h.match ?? null)])).toEqual([
      ['grpc-only', '[{"headers":{"x-canary":{"exact":"1"}}}]'], // the port chose the route; a gateway's port is its own
      ['default', 'null'],
    ]);
    expect(grpc[1].route[0].destination.port).toEqual({ number: 9090 });
  });

  test.each<[string, Partial<Release>, string]>([
    ['no ports', { ports: [] }, 'canary "reviews": needs at least one port (got [])'],
    ['a port name outside the convention', { ports: [{ ...HTTP, name: 'web' }] }, 'canary "reviews": port 9080 name must be "<protocol>" or "<protocol>-<suffix>", so Istio can tell its protocol (got "web"); name it "http" or "http-web"'],
    ['two ports with one number', { ports: [HTTP, { ...GRPC, number: 9080 }] }, 'port numbers must be unique (got 9080)'],
    ['two ports with one name', { ports: [HTTP, { ...HTTP, number: 9081 }] }, 'port names must be unique (got "http")'],
    ['a port name over 15 characters', { ports: [{ ...HTTP, name: 'http-very-long-name' }] }, 'port name must be at most 15 characters (got "http-very-long-name")'],
    ['a rule on a port the service lacks', { rules: [rule({ match: [Match.headerExact('a', 'b').and(Match.port(1234))] })] }, 'route "jason" matches port 1234, which the service does not have'],
    ['a rule on the only port alone', { rules: [rule({ match: [Match.port(9080)] })] }, 'route "jason" matches every request: port 9080 is the service\'s only port'],
  ])('rejects %s', (_what, overrides, message) => {
    expect(() => checkRelease(release(overrides))).toThrow(message);
  });

  test('a header rule limited to a TCP port applies to no port', () => {
    const r = { ...multi, rules: [rule({ match: [Match.headerExact('a', 'b').and(Match.port(7000))] })] };
    expect(() => checkRelease(r)).toThrow('canary "reviews": route "jason" applies to no port: its port matches name only ports that cannot take it');
  });
});

describe('traffic policy', () => {
  test.each([
    ['round robin', LoadBalancer.roundRobin(), { simple: 'ROUND_ROBIN' }],
    ['least request', LoadBalancer.leastRequest(), { simple: 'LEAST_REQUEST' }],
    ['random', LoadBalancer.random(), { simple: 'RANDOM' }],
    ['a header', LoadBalancer.consistentHashByHeader('x-user'), { consistentHash: { httpHeaderName: 'x-user' } }],
    ['a cookie', LoadBalancer.consistentHashByCookie('s', { ttl: Duration.seconds(30), path: '/' }), { consistentHash: { httpCookie: { name: 's', path: '/', ttl: '30s' } } }],
    ['the source IP', LoadBalancer.consistentHashBySourceIp(), { consistentHash: { useSourceIp: true } }],
  ])('load balancing by %s', (_what, loadBalancer, spec) => {
    expect(renderTrafficPolicy({ loadBalancer })).toEqual({ loadBalancer: spec });
  });

  test('the service-wide policy and a version\'s own render on the DestinationRule and its subset', () => {
    const r = release({
      trafficPolicy: {
        connectionPool: {
          maxConnections: 100, connectTimeout: Duration.millis(250), http2MaxRequests: 1000, maxRetries: 3, idleTimeout: Duration.minutes(5),
        },
        tls: { mode: ClientTlsMode.SIMPLE, sni: 'reviews.example.com', caCertificates: '/etc/certs/ca.pem', subjectAltNames: ['reviews.example.com'] },
      },
      versionPolicies: { v2: { trafficPolicy: { outlierDetection: { consecutiveGatewayErrors: 2, minHealthPercent: 50 } } } },
    });
    checkRelease(r);
    expect(renderDestinationRule(r)).toEqual({
      host: HOST,
      trafficPolicy: {
        connectionPool: { tcp: { maxConnections: 100, connectTimeout: '250ms' }, http: { http2MaxRequests: 1000, maxRetries: 3, idleTimeout: '300s' } },
        tls: { mode: 'SIMPLE', sni: 'reviews.example.com', caCertificates: '/etc/certs/ca.pem', subjectAltNames: ['reviews.example.com'] },
      },
      subsets: [
        { name: 'v1', labels: { version: 'v1' } },
        { name: 'v2', labels: { version: 'v2' }, trafficPolicy: { outlierDetection: { consecutiveGatewayErrors: 2, minHealthPercent: 50 } } },
      ],
    });
    expect(renderDestinationRule(release())).toEqual({ host: HOST, subsets: [{ name: 'v1', labels: { version: 'v1' } }, { name: 'v2', labels: { version: 'v2' } }] });
  });

  test.each<[string, any, string]>([
    ['a cookie without a name', { loadBalancer: LoadBalancer.consistentHashByCookie('') },
      'canary "reviews": trafficPolicy loadBalancer: consistent hashing by cookie needs the cookie name (got ""); e.g. LoadBalancer.consistentHashByCookie("session")'],
    ['a header without a name', { loadBalancer: LoadBalancer.consistentHashByHeader(' ') }, 'consistent hashing by header needs the header name (got " ")'],
    ['a cookie ttl of 0', { loadBalancer: LoadBalancer.consistentHashByCookie('s', { ttl: Duration.seconds(0) }) }, 'trafficPolicy loadBalancer cookie ttl must be a whole number of milliseconds, at least 1ms (got 0ms)'],
    ['a load balancer not from a factory', { loadBalancer: { simple: 'RANDOM' } }, 'trafficPolicy loadBalancer must come from a LoadBalancer factory'],
    ['0 connections', { connectionPool: { maxConnections: 0 } }, 'trafficPolicy connectionPool.maxConnections must be a whole number, 1 or more (got 0)'],
    ['a connect timeout under 1ms', { connectionPool: { connectTimeout: Duration.millis(0) } }, 'connectionPool.connectTimeout must be a whole number of milliseconds'],
    ['a fractional error count', { outlierDetection: { consecutive5xxErrors: 1.5 } }, 'outlierDetection.consecutive5xxErrors must be a whole number, 0 or more (got 1.5)'],
    ['an ejection percentage over 100', { outlierDetection: { maxEjectionPercent: 120 } }, 'trafficPolicy outlierDetection.maxEjectionPercent must be from 0 to 100 (got 120)'],
    ['a fractional ejection percentage', { outlierDetection: { maxEjectionPercent: 12.5 } }, 'outlierDetection.maxEjectionPercent must be a whole percentage (got 12.5)'],
    ['SIMPLE without sni', { tls: { mode: ClientTlsMode.SIMPLE } },
      'canary "reviews": trafficPolicy tls: SIMPLE needs the server name (sni) its certificate is issued for (got nothing); set sni'],
    ['MUTUAL without a client certificate', { tls: { mode: ClientTlsMode.MUTUAL, sni: 'a' } }, 'trafficPolicy tls: MUTUAL needs a client certificate (got none); set credentialName, or both clientCertificate and privateKey'],
    ['MUTUAL with half a key pair', { tls: { mode: ClientTlsMode.MUTUAL, sni: 'a', privateKey: '/k' } }, 'MUTUAL needs a client certificate (got only one of clientCertificate and privateKey)'],
    ['SIMPLE with a client key', { tls: { mode: ClientTlsMode.SIMPLE, sni: 'a', privateKey: '/k' } }, 'SIMPLE sends no client certificate'],
    ['ISTIO_MUTUAL with certificates', { tls: { mode: ClientTlsMode.ISTIO_MUTUAL, caCertificates: '/ca' } }, 'trafficPolicy tls: ISTIO_MUTUAL uses no certificates of yours, so these would be ignored (got caCertificates)'],
    ['an unknown TLS mode', { tls: { mode: 'STRICT' } }, 'trafficPolicy tls: unknown mode (got "STRICT"); use one of DISABLE, SIMPLE, MUTUAL, ISTIO_MUTUAL'],
  ])('rejects %s', (_what, trafficPolicy, message) => {
    expect(() => checkRelease(release({ trafficPolicy }))).toThrow(message);
  });

  test('a version policy is checked under the version\'s name and must name a version', () => {
    expect(() => checkRelease(release({ versionPolicies: { v2: { trafficPolicy: { tls: { mode: ClientTlsMode.SIMPLE } } } } }))).toThrow(
      'canary "reviews": version "v2" trafficPolicy tls: SIMPLE needs the server name');
    expect(() => checkRelease(release({ versionPolicies: { v9: {} } }))).toThrow('version "v9" has a policy but is not one of the versions');
  });

  test('MUTUAL with a credential and DISABLE pass', () => {
    expect(() => checkRelease(release({ trafficPolicy: { tls: { mode: ClientTlsMode.MUTUAL, sni: 'a', credentialName: 'client-cert' } } }))).not.toThrow();
    expect(() => checkRelease(release({ trafficPolicy: { tls: { mode: ClientTlsMode.DISABLE } } }))).not.toThrow();
  });
});
