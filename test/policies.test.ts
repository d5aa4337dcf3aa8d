import * as fs from 'fs';
import { Duration, Testing } from 'cdk8s';
import {
  CanaryService, ClientTlsMode, LoadBalancer, Match, MeshAuthorizationPolicy, MeshGateway, MeshPeerAuthentication, MtlsMode, Protocol, Source,
} from '../src';
import { newChart, only, synth } from './util';
import { CRD_DIR, runVerify, writeManifests } from './verify-tool';

const describeWithCrds = fs.existsSync(CRD_DIR) ? describe : describe.skip;

const versions = [{ name: 'v1', image: 'shop:1' }, { name: 'v2', image: 'shop:2', replicas: 1 }];

describe('CanaryService with several ports', () => {
  test('Service, containers and destinations carry every port, named by protocol', () => {
    const chart = newChart('shop');
    new CanaryService(chart, 'shop', {
      ports: [
        { number: 80, protocol: Protocol.HTTP, containerPort: 8080 },
        { number: 81, containerPort: 8081 },
        { number: 9090, protocol: Protocol.GRPC },
      ],
      versions,
      weights: { v1: 50, v2: 50 },
    });
    const out = synth(chart);
    expect(only(out, 'Service').spec.ports.map((p: any) => [p.name, p.port, p.targetPort, p.appProtocol])).toEqual([
      ['http-80', 80, 8080, 'http'], ['http-81', 81, 8081, 'http'], ['grpc', 9090, 9090, 'grpc'],
    ]);
    expect(only(out, 'Deployment', 'shop-v1').spec.template.spec.containers[0].ports).toEqual([
      { containerPort: 8080, name: 'http-80' }, { containerPort: 8081, name: 'http-81' }, { containerPort: 9090, name: 'grpc' },
    ]);
    const http = only(out, 'VirtualService').spec.http;
    expect(http.map((r: any) => [r.name, r.match[0].port, r.route.map((d: any) => d.destination.port.number)])).toEqual([
      ['default-http-80', 80, [80, 80]], ['default-http-81', 81, [81, 81]], ['default-grpc', 9090, [9090, 9090]],
    ]);
  });

  test.each([
    ['neither port nor ports', { port: undefined }, 'canary "shop": give either port or ports (got neither); use port for one port'],
    ['both port and ports', { ports: [{ number: 80 }] }, 'canary "shop": give either port or ports (got both)'],
    ['ports with a top-level protocol', { port: undefined, protocol: Protocol.GRPC, ports: [{ number: 80 }] }, 'containerPort and protocol go into each entry of ports'],
    ['a port name that hides the protocol', { port: undefined, ports: [{ number: 80, name: 'web' }] }, 'port 80 name must be "<protocol>" or "<protocol>-<suffix>"'],
    ['a container port out of range', { port: undefined, ports: [{ number: 80, containerPort: 0 }] }, 'canary "shop": containerPort must be a whole number from 1 to 65535 (got 0)'],
  ])('rejects %s', (_what, props, message) => {
    expect(() => new CanaryService(newChart('shop'), 'shop', { port: 80, versions, ...props } as any)).toThrow(message);
  });

  test('exposeVia targets the port given, and needs one when there are several HTTP ports', () => {
    const chart = newChart('shop');
    const gw = new MeshGateway(chart, 'gw', { hosts: ['shop.example.com'] });
    const shop = new CanaryService(chart, 'shop', { ports: [{ number: 80 }, { number: 9090, protocol: Protocol.GRPC }], versions });
    expect(() => shop.exposeVia(gw)).toThrow('canary "shop": has several HTTP-family ports, so the gateway route must name one (got 80 (http), 9090 (grpc)); pass port');
    const vs = shop.exposeVia(gw, { port: 9090 });
    expect(vs.toJson().spec.http[0].route).toEqual([{ destination: { host: 'shop.shop.svc.cluster.local', subset: 'v1', port: { number: 9090 } } }]);
    const other = new MeshGateway(chart, 'other', { hosts: ['api.example.com'] });
    gw.addRoute({ match: [Match.uriPrefix('/shop')], to: shop, port: 80 });
    const routes = only(synth(chart), 'VirtualService', 'gw').spec.http;
    expect(routes.map((r: any) => r.route[0].destination.port)).toEqual([{ number: 80 }]);
    expect(() => other.addRoute({ match: [Match.uriPrefix('/shop')], to: shop })).toThrow('has several HTTP-family ports');
  });
});

describe('CanaryService route options', () => {
  test('options of the default route, of a header route and of a version land where Istio reads them', () => {
    const chart = newChart('shop');
    const shop = new CanaryService(chart, 'shop', {
      port: 8080,
      versions: [
        { name: 'v1', image: 'shop:1' },
        { name: 'v2', image: 'shop:2', headers: { response: { set: { 'x-version': 'v2' } } }, trafficPolicy: { loadBalancer: LoadBalancer.random() } },
      ],
      weights: { v1: 90, v2: 10 },
      timeout: Duration.seconds(5),
      retries: { attempts: 2, retryOn: ['5xx'] },
      trafficPolicy: { loadBalancer: LoadBalancer.consistentHashByHeader('x-user'), tls: { mode: ClientTlsMode.ISTIO_MUTUAL } },
    });
    shop.routeHeader('end-user', 'jason', 'v2', { fault: { delay: { fixed: Duration.seconds(7) } }, timeout: Duration.seconds(10) });
    const out = synth(chart);
    const [jason, fallback] = only(out, 'VirtualService').spec.http;
    expect(jason).toMatchObject({ name: 'end-user-jason', timeout: '10s', fault: { delay: { fixedDelay: '7s', percentage: { value: 100 } } } });
    // One route policy per service (issue 27): the rule's own timeout wins, the service's retries apply to it too.
    expect(jason.retries).toEqual({ attempts: 2, retryOn: '5xx' });
    expect(jason.route[0].headers).toEqual({ response: { set: { 'x-version': 'v2' } } });
    expect(fallback).toMatchObject({ name: 'default', timeout: '5s', retries: { attempts: 2, retryOn: '5xx' } });
    const dr = only(out, 'DestinationRule').spec;
    expect(dr.trafficPolicy).toEqual({ loadBalancer: { consistentHash: { httpHeaderName: 'x-user' } }, tls: { mode: 'ISTIO_MUTUAL' } });
    expect(dr.subsets[1].trafficPolicy).toEqual({ loadBalancer: { simple: 'RANDOM' } });
  });

  test('a redirect route needs no destination, and a rejected route leaves the service unchanged', () => {
    const shop = new CanaryService(newChart('shop'), 'shop', { port: 8080, versions });
    shop.addRoute({ name: 'moved', match: [Match.uriPrefix('/old')], redirect: { uri: '/new' } });
    expect(() => shop.addRoute({ name: 'both', match: [Match.uriPrefix('/x')], to: 'v2', redirect: { uri: '/y' } })).toThrow(
      'canary "shop": route "both": a redirect answers without forwarding, so it cannot come with a destination (to)');
    expect(() => shop.routeHeader('x-test', '1', 'v2', { mirror: { version: 'v3' } })).toThrow('route "x-test-1" mirror names a version that does not exist (got "v3")');
    expect(shop.release.rules.map((r) => r.name)).toEqual(['moved']);
  });

  test('bad props fail in the constructor', () => {
    expect(() => new CanaryService(newChart('shop'), 'shop', { port: 8080, versions, fault: {} })).toThrow('canary "shop": default route fault injects nothing');
    expect(() => new CanaryService(newChart('shop'), 'shop', {
      port: 3306, protocol: Protocol.TCP, versions, retries: { attempts: 3 },
    })).toThrow('canary "shop": default route: retries is an HTTP route option, and a tcp service is routed as TCP');
    expect(() => new CanaryService(newChart('shop'), 'shop', {
      port: 8080, versions: [{ name: 'v1', image: 'a', trafficPolicy: { tls: { mode: ClientTlsMode.SIMPLE } } }],
    })).toThrow('canary "shop": version "v1" trafficPolicy tls: SIMPLE needs the server name (sni)');
  });
});

describe('MeshPeerAuthentication', () => {
  test('STRICT by default for the chart namespace; PERMISSIVE for one service selects its pods', () => {
    const chart = newChart('shop');
    const shop = new CanaryService(chart, 'shop', { port: 8080, versions });
    new MeshPeerAuthentication(chart, 'default');
    new MeshPeerAuthentication(chart, 'shop-migrating', { service: shop, mode: MtlsMode.PERMISSIVE });
    new MeshPeerAuthentication(chart, 'mesh-wide', { namespace: 'istio-system' });
    const out = synth(chart);
    expect(only(out, 'PeerAuthentication', 'default')).toMatchObject({ apiVersion: 'security.istio.io/v1', metadata: { namespace: 'shop' }, spec: { mtls: { mode: 'STRICT' } } });
    expect(only(out, 'PeerAuthentication', 'shop-migrating').spec).toEqual({ selector: { matchLabels: { app: 'shop' } }, mtls: { mode: 'PERMISSIVE' } });
    expect(only(out, 'PeerAuthentication', 'mesh-wide').metadata.namespace).toBe('istio-system');
  });

  test('rejects a policy outside its service\'s namespace and unknown modes', () => {
    const chart = newChart('shop');
    const shop = new CanaryService(chart, 'shop', { port: 8080, versions });
    expect(() => new MeshPeerAuthentication(chart, 'p', { service: shop, namespace: 'other' })).toThrow(
      'peer authentication "p": a policy applies to pods of its own namespace, and shop runs in "shop" (got "other"); leave namespace out');
    expect(() => new MeshPeerAuthentication(chart, 'q', { mode: 'DISABLE' as MtlsMode })).toThrow('peer authentication "q": unknown mode (got "DISABLE"); use one of STRICT, PERMISSIVE');
  });
});

describe('MeshAuthorizationPolicy', () => {
  test('admits the named callers only: principals and namespaces in separate sources (ORed)', () => {
    const chart = newChart('shop');
    const cart = new CanaryService(chart, 'cart', { port: 8080, versions });
    const shop = new CanaryService(chart, 'shop', { port: 8080, versions, serviceAccountName: 'shop-runner' });
    new MeshAuthorizationPolicy(chart, 'cart-callers', {
      service: cart,
      allowFrom: [Source.workload(shop), Source.serviceAccount('batch', 'reporter'), Source.namespace('ops'), Source.workload(shop)],
    });
    const policy = only(synth(chart), 'AuthorizationPolicy');
    expect(policy.metadata).toEqual({ name: 'cart-callers', namespace: 'shop' });
    expect(policy.spec).toEqual({
      selector: { matchLabels: { app: 'cart' } },
      action: 'ALLOW',
      rules: [{
        from: [
          { source: { principals: ['cluster.local/ns/shop/sa/shop-runner', 'cluster.local/ns/batch/sa/reporter'] } },
          { source: { namespaces: ['ops'] } },
        ],
      }],
    });
  });

  test('a service exposed through a gateway must admit the gateway, or the synth fails', () => {
    const chart = newChart('shop');
    const gw = new MeshGateway(chart, 'gw', { hosts: ['shop.example.com'] });
    const shop = new CanaryService(chart, 'shop', { port: 8080, versions });
    shop.exposeVia(gw);
    new MeshAuthorizationPolicy(chart, 'shop-callers', { service: shop, allowFrom: [Source.namespace('shop')] });
    expect(() => Testing.synth(chart)).toThrow(
      'authorization policy "shop-callers": shop is exposed through a gateway, but the gateway is not among the admitted callers (got namespace shop); add Source.ingressGateway()');
    const fixed = newChart('shop');
    const gw2 = new MeshGateway(fixed, 'gw', { hosts: ['shop.example.com'] });
    const shop2 = new CanaryService(fixed, 'shop', { port: 8080, versions });
    gw2.addRoute({ match: [Match.uriPrefix('/shop')], to: shop2 });
    new MeshAuthorizationPolicy(fixed, 'shop-callers', { service: shop2, allowFrom: [Source.ingressGateway({ namespace: 'ingress', serviceAccount: 'edge' })] });
    expect(only(synth(fixed), 'AuthorizationPolicy').spec.rules[0].from).toEqual([{ source: { principals: ['cluster.local/ns/ingress/sa/edge'] } }]);
  });

  test.each([
    ['no callers', { allowFrom: [] }, 'authorization policy "p": admits no caller, which would deny every request (got []); list the callers in allowFrom'],
    ['a source not from the factories', { allowFrom: ['cluster.local/ns/a/sa/b'] }, 'authorization policy "p": allowFrom takes sources from the Source factories (got "cluster.local/ns/a/sa/b")'],
    ['a bad namespace', { allowFrom: [Source.namespace('Shop')] }, 'authorization policy "p": source namespace must be a DNS-1123 label (got "Shop")'],
  ])('rejects %s', (_what, props, message) => {
    expect(() => new MeshAuthorizationPolicy(newChart('shop'), 'p', props as any)).toThrow(message);
  });
});

describe('header values', () => {
  // Istio's own table (TestValidateHTTPHeaderValue, pkg/config/validation/validation_test.go at 1.30.3), and control characters.
  const ADMITTED = ['foo', '%HOSTNAME%', '100%%', 'prefix %HOSTNAME% suffix', '%DOWNSTREAM_PEER_CERT_V_END(%b %d %H:%M:%S %Y %Z)%',
    '%DYNAMIC_METADATA(com.test.my_filter)%', '%REQ(["x-id", "x-b3"])%', 'a\tb'];
  const REFUSED: Array<[string, string]> = [
    ['%START_TIME%%', 'has a "%" Envoy cannot read'], ['abc%123', 'has a "%" Envoy cannot read'], ['50%', 'has a "%" Envoy cannot read'],
    ['a\nb', 'holds a control character'], ['a\u007fb', 'holds a control character'],
  ];
  const withHeaders = (values: string[]) => {
    const chart = newChart('shop');
    new CanaryService(chart, 'shop', {
      port: 80, versions, headers: { response: { set: Object.fromEntries(values.map((v, i) => [`x-h${i}`, v])) } },
    });
    return chart;
  };

  test.each(REFUSED)('%j is refused at synth, as istiod refuses it', (value, problem) => {
    expect(() => withHeaders([value])).toThrow(`canary "shop": default route headers response set: the value of header "x-h0" ${problem} (got ${JSON.stringify(value)})`);
  });

  describeWithCrds('admitted', () => {
    test('the values istiod admits are written as given, and verify validate (istiod\'s webhook) admits them', () => {
      const objects = synth(withHeaders(ADMITTED));
      const set = only(objects, 'VirtualService').spec.http.at(-1).headers.response.set;
      expect(Object.values(set)).toEqual(ADMITTED);
      const dir = writeManifests({ 'headers.yaml': objects });
      const result = JSON.parse(runVerify(['validate', dir, '--crds', CRD_DIR, '--json']).stdout);
      fs.rmSync(dir, { recursive: true, force: true });
      expect(result.problems).toEqual([]);
    }, 300_000);
  });
});
