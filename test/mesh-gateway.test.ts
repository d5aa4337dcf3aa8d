import { Testing } from 'cdk8s';
import * as fc from 'fast-check';
import { CanaryService, GatewaySpecServersTlsMode, Match, MeshGateway, MeshNamespace, Protocol } from '../src';
import { newChart, only, synth } from './util';
import { hostsIntersect, parseServerHost } from '../src/model/hosts';

const versions = [{ name: 'prod', image: 'cat:1' }, { name: 'gray', image: 'cat:2' }];

function cat(chart = newChart('shop'), props: Record<string, unknown> = {}) {
  const service = new CanaryService(chart, 'cat', { port: 8080, versions, ...props });
  service.routeHeader('env', 'gray', 'gray');
  return service;
}

describe('MeshGateway', () => {
  test('the shorthand is an HTTP server on port 80 on the default ingress gateway', () => {
    const chart = newChart('shop');
    const gw = new MeshGateway(chart, 'shop-gateway', { hosts: ['*.shop.example.com'] });
    expect(only(synth(chart), 'Gateway').spec).toEqual({
      selector: { istio: 'ingressgateway' },
      servers: [{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['*.shop.example.com'] }],
    });
    expect(gw.referenceFrom('shop')).toBe('shop-gateway');
    expect(gw.referenceFrom('other')).toBe('shop/shop-gateway');
  });

  test('tls adds HTTPS on 443 with mode SIMPLE and the credential, and redirects HTTP', () => {
    const chart = newChart('shop');
    new MeshGateway(chart, 'gw', { hosts: ['shop.example.com'], tls: { credentialName: 'shop-cert' }, selector: { istio: 'public' } });
    const spec = only(synth(chart), 'Gateway').spec;
    expect(spec.selector).toEqual({ istio: 'public' });
    expect(spec.servers).toEqual([
      { port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['shop.example.com'], tls: { httpsRedirect: true } },
      { port: { number: 443, name: 'https', protocol: 'HTTPS' }, hosts: ['shop.example.com'], tls: { mode: 'SIMPLE', credentialName: 'shop-cert' } },
    ]);
  });

  test('httpsRedirect: false keeps plain HTTP; MUTUAL mode is passed on', () => {
    const chart = newChart('shop');
    new MeshGateway(chart, 'gw', { hosts: ['a.io'], tls: { credentialName: 'c', httpsRedirect: false, mode: GatewaySpecServersTlsMode.MUTUAL } });
    const servers = only(synth(chart), 'Gateway').spec.servers;
    expect(servers[0].tls).toBeUndefined();
    expect(servers[1].tls.mode).toBe('MUTUAL');
  });

  test('servers can be given in full', () => {
    const chart = newChart('shop');
    const gw = new MeshGateway(chart, 'gw', {
      servers: [
        { port: { number: 443, name: 'https-a', protocol: 'HTTPS' }, hosts: ['a.io'], tls: { mode: GatewaySpecServersTlsMode.SIMPLE, credentialName: 'a' } },
        { port: { number: 8443, name: 'https-b', protocol: 'HTTPS' }, hosts: ['shop/b.io'], tls: { mode: GatewaySpecServersTlsMode.SIMPLE, credentialName: 'b' } },
      ],
    });
    expect(gw.serverHosts).toEqual(['a.io', 'shop/b.io']);
    expect(only(synth(chart), 'Gateway').spec.servers).toHaveLength(2);
  });

  const https = (tls: Record<string, unknown> | undefined, name = 'https') =>
    ({ port: { number: 443, name, protocol: 'HTTPS' }, hosts: ['a.io'], tls } as any);

  test.each([
    ['a name with dots', { name: 'shop.gateway', hosts: ['*'] }, 'gateway "shop.gateway": a Gateway name cannot contain dots (Istio reads "name.namespace") (got "shop.gateway"); use "shop-gateway"'],
    ['no hosts', { hosts: [] }, 'gateway "gw": needs hosts (or servers) (got [])'],
    ['both servers and hosts', { hosts: ['*'], servers: [https({ mode: 'SIMPLE', credentialName: 'c' })] }, 'give either servers or the hosts/port/tls shorthand, not both'],
    ['duplicate port names', { servers: [https({ mode: 'SIMPLE', credentialName: 'a' }), https({ mode: 'SIMPLE', credentialName: 'b' })] }, 'gateway "gw": server port names must be unique (got "https")'],
    ['an HTTPS server without a credential', { servers: [https({ mode: 'SIMPLE' })] }, 'gateway "gw": server "https": tls mode SIMPLE needs a certificate (got {"mode":"SIMPLE"}); set credentialName'],
    ['an HTTPS server without a mode', { servers: [https({ credentialName: 'c' })] }, 'server "https": a HTTPS server needs an explicit tls.mode, or Istio silently passes TLS through'],
    ['credentialName with certificate files', { servers: [https({ mode: 'SIMPLE', credentialName: 'c', serverCertificate: '/etc/cert.pem', privateKey: '/etc/key.pem' })] }, 'server "https": credentialName and certificate files exclude each other'],
    ['a server without hosts', { servers: [{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: [] }] }, 'server "http" needs hosts'],
  ])('rejects %s', (_what, props, message) => {
    expect(() => new MeshGateway(newChart('shop'), 'gw', props as any)).toThrow(message);
  });

  test('fromName references an existing gateway without synthesizing it', () => {
    const chart = newChart('shop');
    const external = MeshGateway.fromName(chart, 'public', 'istio-system/public-gateway', { hosts: ['*'] });
    cat(chart).exposeVia(external, { hosts: ['cat.example.com'] });
    const out = synth(chart);
    expect(out.filter((o) => o.kind === 'Gateway')).toEqual([]);
    expect(only(out, 'VirtualService', 'cat-public-gateway').spec.gateways).toEqual(['istio-system/public-gateway']);
    expect(() => MeshGateway.fromName(chart, 'bad', 'istio-system/public.gateway', { hosts: ['*'] })).toThrow('cannot contain dots');
    expect(() => MeshGateway.fromName(chart, 'nohosts', 'gw', { hosts: [] })).toThrow('gateway "gw": needs the hosts its servers admit');
  });
});

describe('CanaryService.exposeVia', () => {
  test('gateway traffic follows the same rules and split as the mesh, in a gateway-only VirtualService', () => {
    const chart = newChart('shop');
    const gw = new MeshGateway(chart, 'shop-gateway', { hosts: ['*.shop.example.com'] });
    const service = cat(chart, { weights: { prod: 90, gray: 10 } });
    service.exposeVia(gw, { hosts: ['cat.shop.example.com'] });
    service.routeHeader('end-user', 'jason', 'gray'); // added after exposeVia: applies at the gateway too
    const out = synth(chart);
    const mesh = only(out, 'VirtualService', 'cat');
    const edge = only(out, 'VirtualService', 'cat-shop-gateway');
    expect(mesh.spec.gateways).toBeUndefined();
    expect(mesh.spec.hosts).toEqual(['cat.shop.svc.cluster.local']);
    expect(edge.spec.gateways).toEqual(['shop-gateway']);
    expect(edge.spec.hosts).toEqual(['cat.shop.example.com']);
    expect(edge.spec.http).toEqual(mesh.spec.http);
    expect(edge.spec.http.map((r: any) => r.name)).toEqual(['env-gray', 'end-user-jason', 'default']);
    expect(edge.spec.http[2].route.map((d: any) => `${d.destination.subset}=${d.weight}`)).toEqual(['prod=90', 'gray=10']);
    // Every gateway destination names a subset (no IST0140), and the Gateway comes before its routes.
    for (const r of edge.spec.http) for (const d of r.route) expect(d.destination.subset).toBeDefined();
    const kinds = out.map((o) => o.kind);
    expect(kinds.indexOf('Gateway')).toBeLessThan(out.indexOf(edge));
  });

  test('pathPrefix and rewrite apply to gateway traffic only', () => {
    const chart = newChart('shop');
    const gw = new MeshGateway(chart, 'gw', { hosts: ['shop.example.com'] });
    const service = cat(chart);
    service.exposeVia(gw, { pathPrefix: '/cat', rewrite: { uri: '/' } });
    const out = synth(chart);
    const edge = only(out, 'VirtualService', 'cat-gw').spec;
    expect(edge.hosts).toEqual(['shop.example.com']); // inherited: the gateway's one host
    // A path prefix by whole path elements: the path itself, or the prefix ending in "/" (see test/path-prefix.test.ts).
    expect(edge.http[0].match).toEqual([{ uri: { exact: '/cat' }, headers: { env: { exact: 'gray' } } }, { uri: { prefix: '/cat/' }, headers: { env: { exact: 'gray' } } }]);
    expect(edge.http[1]).toMatchObject({ name: 'default', match: [{ uri: { exact: '/cat' } }, { uri: { prefix: '/cat/' } }], rewrite: { uri: '/' } });
    expect(only(out, 'VirtualService', 'cat').spec.http[1].match).toBeUndefined();
  });

  test('mesh: false leaves only the gateway VirtualService; without a gateway the synth fails', () => {
    const chart = newChart('shop');
    const gw = new MeshGateway(chart, 'gw', { hosts: ['*'] });
    cat(chart, { mesh: false }).exposeVia(gw);
    expect(synth(chart).filter((o) => o.kind === 'VirtualService').map((o) => o.metadata.name)).toEqual(['cat-gw']);
    const lonely = newChart('shop');
    cat(lonely, { mesh: false });
    expect(() => Testing.synth(lonely)).toThrow('canary "cat": its routes are bound to no gateway and not to the mesh '
      + '(got mesh: false, no exposeVia() and no gateway route); call exposeVia(gateway) or gateway.addRoute({ to: service })');
  });

  test('the hosts shorthand listens on port 80, or on the port given (Istio\'s current Bookinfo gateway: 8080)', () => {
    const chart = newChart('bookinfo');
    const gw = new MeshGateway(chart, 'bookinfo-gateway', { hosts: ['*'], port: 8080 });
    expect(only(synth(chart), 'Gateway').spec.servers).toEqual([{ port: { number: 8080, name: 'http', protocol: 'HTTP' }, hosts: ['*'] }]);
    expect(new MeshGateway(newChart('b'), 'gw', { hosts: ['*'] }).servers[0].port.number).toBe(80);
    expect(() => new MeshGateway(newChart('b'), 'gw', { hosts: ['*'], port: 0 })).toThrow('gateway "gw": port must be a whole number from 1 to 65535 (got 0)');
    expect(() => new MeshGateway(newChart('b'), 'gw', { port: 8080, servers: gw.servers as any })).toThrow('give either servers or the hosts/port/tls shorthand, not both');
  });

  test('mesh: false reached only through a gateway route (Bookinfo\'s gateway sample) synthesizes', () => {
    const chart = newChart('bookinfo');
    const gw = new MeshGateway(chart, 'bookinfo-gateway', { hosts: ['*'] });
    const productpage = cat(chart, { mesh: false });
    gw.addRoute({ name: 'productpage', match: [Match.uriExact('/productpage'), Match.uriPrefix('/static')], to: productpage });
    const out = synth(chart);
    expect(out.filter((o) => o.kind === 'VirtualService').map((o) => o.metadata.name)).toEqual(['bookinfo-gateway']);
    expect(only(out, 'VirtualService', 'bookinfo-gateway').spec.gateways).toEqual(['bookinfo-gateway']);
  });

  test.each([
    ['a host the gateway does not admit', { hosts: ['cat.other.com'] }, 'canary "cat": host "cat.other.com" fits none of gateway "gw"\'s hosts (got cat.other.com against *.shop.example.com, shop.example.com)'],
    ['no hosts and no single gateway host', {}, 'canary "cat": exposeVia needs hosts: gateway "gw" has no single host to inherit (got ["*.shop.example.com","shop.example.com"])'],
    ['a path prefix on top of a rule\'s path', { hosts: ['shop.example.com'], pathPrefix: '/cat', rule: true }, 'canary "cat": the entry point\'s match "uri prefix /cat" cannot be combined with a rule\'s match (got "uri prefix /v2")'],
  ])('rejects %s', (_what, options: any, message) => {
    const chart = newChart('shop');
    const gw = new MeshGateway(chart, 'gw', { hosts: ['*.shop.example.com', 'shop.example.com'] });
    const service = cat(chart);
    if (options.rule) service.addRoute({ match: [Match.uriPrefix('/v2')], to: 'gray' });
    expect(() => service.exposeVia(gw, options)).toThrow(message);
  });

  test('a rule added after exposeVia that clashes with the path prefix fails the synth', () => {
    const chart = newChart('shop');
    const gw = new MeshGateway(chart, 'gw', { hosts: ['shop.example.com'] });
    const service = cat(chart);
    service.exposeVia(gw, { pathPrefix: '/cat' });
    service.addRoute({ match: [Match.uriPrefix('/v2')], to: 'gray' });
    expect(() => Testing.synth(chart)).toThrow('cannot be combined with a rule\'s match');
  });

  test('a gateway in another namespace admits only the namespaces its hosts name', () => {
    const chart = newChart('shop');
    const gw = new MeshGateway(chart, 'gw', { namespace: 'istio-system', hosts: ['shop/*.example.com'] });
    expect(cat(chart).exposeVia(gw, { hosts: ['cat.example.com'] })).toBeDefined();
    const other = new CanaryService(chart, 'dog', { port: 80, versions, namespace: 'pets' });
    expect(() => other.exposeVia(gw, { hosts: ['dog.example.com'] })).toThrow('host "dog.example.com" fits none of gateway "gw"\'s hosts');
  });

  test('TCP services and second exposures are refused', () => {
    const chart = newChart('shop');
    const gw = new MeshGateway(chart, 'gw', { hosts: ['*'] });
    const db = new CanaryService(chart, 'db', { port: 3306, protocol: Protocol.MYSQL, versions });
    expect(() => db.exposeVia(gw)).toThrow('canary "db": only HTTP-family services can be routed from a gateway (got protocol mysql); use an HTTP, HTTP2, GRPC or GRPC_WEB protocol');
    const service = cat(chart);
    service.exposeVia(gw);
    expect(() => service.exposeVia(gw)).toThrow('canary "cat": is already exposed via this gateway (got "gw")');
  });
});

describe('MeshGateway.addRoute', () => {
  test('paths to a CanaryService keep its rules and subsets; paths to a plain Service carry its port', () => {
    const chart = newChart('bookinfo');
    const gw = new MeshGateway(chart, 'bookinfo-gateway', { hosts: ['*'] });
    const service = cat(chart, { weights: { prod: 80, gray: 20 } });
    gw.addRoute({ name: 'cat', match: [Match.uriPrefix('/cat'), Match.uriExact('/login')], to: service, rewrite: { uri: '/' } });
    gw.addRoute({ match: [Match.uriPrefix('/legacy')], to: { host: 'legacy', port: 8080 } });
    const vs = only(synth(chart), 'VirtualService', 'bookinfo-gateway').spec;
    expect(vs.gateways).toEqual(['bookinfo-gateway']);
    expect(vs.hosts).toEqual(['*']);
    expect(vs.http.map((r: any) => r.name)).toEqual(['cat-env-gray', 'cat', 'route-2']);
    expect(vs.http[0].match).toEqual([
      { uri: { exact: '/cat' }, headers: { env: { exact: 'gray' } } },
      { uri: { prefix: '/cat/' }, headers: { env: { exact: 'gray' } } },
      { uri: { exact: '/login' }, headers: { env: { exact: 'gray' } } },
    ]);
    expect(vs.http[1].route.map((d: any) => `${d.destination.subset}=${d.weight}`)).toEqual(['prod=80', 'gray=20']);
    expect(vs.http[1].rewrite).toEqual({ uri: '/' });
    expect(vs.http[2]).toEqual({
      name: 'route-2',
      match: [{ uri: { exact: '/legacy' } }, { uri: { prefix: '/legacy/' } }],
      route: [{ destination: { host: 'legacy.bookinfo.svc.cluster.local', port: { number: 8080 } } }],
    });
  });

  test.each([
    ['no match', { match: [], to: { host: 'a' } }, 'gateway "gw": route "route-1" needs a match (got no match)'],
    ['an empty host', { match: [Match.uriPrefix('/a')], to: { host: '' } }, 'gateway "gw": route "route-1" needs a target host'],
    ['a bad port', { match: [Match.uriPrefix('/a')], to: { host: 'a', port: 0 } }, 'gateway "gw": route "route-1" port must be a whole number from 1 to 65535 (got 0)'],
    ['an invalid regex', { match: [Match.uriRegex('(')], to: { host: 'a' } }, 'gateway "gw": route "route-1": uri is not a valid RE2 regular expression'],
  ])('rejects %s', (_what, options: any, message) => {
    const gw = new MeshGateway(newChart('shop'), 'gw', { hosts: ['*'] });
    expect(() => gw.addRoute(options)).toThrow(message);
  });

  test('a TCP CanaryService cannot take gateway HTTP routes', () => {
    const chart = newChart('shop');
    const gw = new MeshGateway(chart, 'gw', { hosts: ['*'] });
    const db = new CanaryService(chart, 'db', { port: 3306, protocol: Protocol.TCP, versions });
    expect(() => gw.addRoute({ match: [Match.uriPrefix('/db')], to: db })).toThrow(
      'canary "db": only HTTP-family services can be routed from a gateway (got protocol tcp); use an HTTP, HTTP2, GRPC or GRPC_WEB protocol');
  });

  test('route names are unique on a gateway', () => {
    const gw = new MeshGateway(newChart('shop'), 'gw', { hosts: ['*'] });
    gw.addRoute({ name: 'a', match: [Match.uriPrefix('/a')], to: { host: 'a' } });
    expect(() => gw.addRoute({ name: 'a', match: [Match.uriPrefix('/b')], to: { host: 'b' } })).toThrow('gateway "gw": route names must be unique on a gateway (got "a")');
  });
});

describe('MeshNamespace', () => {
  test('labels the namespace for injection, or for a revision, never both', () => {
    const chart = newChart();
    new MeshNamespace(chart, 'shop', { labels: { team: 'shop' } });
    new MeshNamespace(chart, 'canary', { name: 'canary-ns', revision: '1-30' });
    const out = synth(chart);
    expect(only(out, 'Namespace', 'shop').metadata.labels).toEqual({ 'team': 'shop', 'istio-injection': 'enabled' });
    expect(only(out, 'Namespace', 'canary-ns').metadata.labels).toEqual({ 'istio.io/rev': '1-30' });
  });

  test.each([
    [{ revision: '1-30', labels: { 'istio-injection': 'enabled' } }, 'namespace "shop": the istio-injection label is set by MeshNamespace, and two sources for it would conflict (got istio-injection=enabled)'],
    [{ labels: { 'istio.io/rev': 'canary' } }, 'the istio.io/rev label is set by MeshNamespace'],
    [{ revision: '1.30' }, 'namespace "shop": revision must be a DNS-1123 label (got "1.30")'],
    [{ name: 'Shop' }, 'namespace "Shop": name must be a DNS-1123 label'],
  ])('rejects %j', (props, message) => {
    expect(() => new MeshNamespace(newChart(), 'shop', props)).toThrow(message);
  });
});

describe('random gateway host sets and route hosts', () => {
  const label = fc.constantFrom('a', 'b', 'shop', 'example');
  // At least two labels: an Istio Gateway takes no short names (validateSidecarOrGatewayHostnamePart).
  const host = fc.tuple(fc.constantFrom('', '*.'), fc.array(label, { minLength: 2, maxLength: 3 })).map(([w, p]) => w + p.join('.'));
  const serverHost = fc.oneof(host, fc.constant('*'), host.map((h) => `shop/${h}`), host.map((h) => `other/${h}`));

  test('every synthesized gateway VirtualService host intersects a server host, or exposeVia says which does not', () => {
    const serverHosts = fc.uniqueArray(serverHost, { minLength: 1, maxLength: 3 });
    // Hosts that do not overlap: Istio refuses a VirtualService whose hosts do (checkHostsDistinct).
    const routeHosts = fc.uniqueArray(host, { minLength: 1, maxLength: 3 })
      .filter((hs) => hs.every((a, i) => hs.every((b, j) => i === j || !hostsIntersect(a, b))));
    fc.assert(fc.property(serverHosts, routeHosts, (servers, hosts) => {
      const chart = newChart('shop');
      const gw = new MeshGateway(chart, 'gw', { hosts: servers });
      const service = cat(chart);
      try {
        service.exposeVia(gw, { hosts });
      } catch (e) {
        expect((e as Error).message).toMatch(/^canary "cat": host "[^"]+" fits none of gateway "gw"'s hosts/);
        return;
      }
      const edge = only(synth(chart), 'VirtualService', 'cat-gw');
      for (const h of edge.spec.hosts) {
        const admitting = servers.map(parseServerHost).filter((s) => s.namespace === '*' || s.namespace === 'shop');
        expect(admitting.some((s) => hostsIntersect(s.host, h))).toBe(true);
      }
    }), { numRuns: 300 });
  });
});

describe('MeshGateway edgeIngress (an Ingress controller in front of the ingress gateway)', () => {
  const backend = (rule: any) => [rule.host ?? '*', rule.http.paths[0].backend.service.name, rule.http.paths[0].backend.service.port.number];

  test('HTTP hosts: an Ingress in istio-system with the class, one rule per host, every path to istio-ingressgateway on 80', () => {
    const chart = newChart('shop');
    const gateway = new MeshGateway(chart, 'shop-gateway', { hosts: ['shop.example.com', 'web/*.example.org', '*'], edgeIngress: { className: 'nginx' } });
    const ingress = only(synth(chart), 'Ingress');
    expect(gateway.edgeIngress).toBeDefined();
    expect(ingress.apiVersion).toBe('networking.k8s.io/v1');
    expect(ingress.metadata).toEqual({ name: 'shop-gateway-edge', namespace: 'istio-system' });
    expect(ingress.spec.ingressClassName).toBe('nginx');
    expect(ingress.spec.rules.map(backend)).toEqual([
      ['shop.example.com', 'istio-ingressgateway', 80], ['*.example.org', 'istio-ingressgateway', 80], ['*', 'istio-ingressgateway', 80],
    ]);
    expect(ingress.spec.rules[0].http.paths[0]).toMatchObject({ path: '/', pathType: 'Prefix' });
  });

  test('hosts the gateway redirects to HTTPS go to 443 (plain HTTP to a redirecting server would loop), with the controller\'s annotation', () => {
    const chart = newChart('shop');
    const annotations = { 'nginx.ingress.kubernetes.io/backend-protocol': 'HTTPS' };
    new MeshGateway(chart, 'gw', {
      hosts: ['shop.example.com'],
      tls: { credentialName: 'shop-cert' },
      edgeIngress: { className: 'nginx', namespace: 'ingress', serviceName: 'edge-gateway', annotations },
    });
    const ingress = only(synth(chart), 'Ingress');
    expect(ingress.metadata).toEqual({ name: 'gw-edge', namespace: 'ingress', annotations });
    expect(ingress.spec.rules.map(backend)).toEqual([['shop.example.com', 'edge-gateway', 443]]);
  });

  test('a host also served as plain HTTP goes to 80', () => {
    const chart = newChart('shop');
    new MeshGateway(chart, 'gw', { hosts: ['shop.example.com'], tls: { credentialName: 'shop-cert', httpsRedirect: false }, edgeIngress: { className: 'nginx' } });
    expect(only(synth(chart), 'Ingress').spec.rules.map(backend)).toEqual([['shop.example.com', 'istio-ingressgateway', 80]]);
  });

  test.each([
    ['a TLS host without annotations', { hosts: ['shop.example.com'], tls: { credentialName: 'c' }, edgeIngress: { className: 'nginx' } },
      'gateway "gw": edgeIngress must forward shop.example.com to port 443 (the gateway serves it over TLS or redirects it there), and an Ingress has no field saying '
      + 'the backend speaks TLS (got ["shop.example.com"]); set edgeIngress.annotations for your controller'],
    ['no class', { hosts: ['a.example.com'], edgeIngress: { className: '' } }, 'gateway "gw": edgeIngress needs the edge controller\'s IngressClass (got ""); set className, e.g. "nginx"'],
    ['a TCP-only gateway', { servers: [{ port: { number: 31400, name: 'tcp', protocol: 'TCP' }, hosts: ['*'] }], edgeIngress: { className: 'nginx' } },
      'gateway "gw": edgeIngress forwards HTTP and HTTPS hosts, and the gateway serves none'],
    ['a namespace that is no DNS label', { hosts: ['a.example.com'], edgeIngress: { className: 'nginx', namespace: 'Istio_System' } }, 'gateway "gw": edgeIngress namespace'],
  ])('refused: %s', (_, props, message) => {
    expect(() => new MeshGateway(newChart('shop'), 'gw', props as any)).toThrow(message);
  });
});
