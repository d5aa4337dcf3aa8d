import { Duration, Testing } from 'cdk8s';
import { CanaryService, LoadBalancer, Match, MeshGateway, Protocol, Split, TrafficSplit } from '../src';
import { newChart, only, synth } from './util';

const versions = [{ name: 'v1', image: 'shop:1' }, { name: 'v2', image: 'shop:2', replicas: 1 }];

describe('CanaryService with Split.HOST', () => {
  test('a Service per version, routes to their hosts at the gateway and in the mesh, mirrors to a version host', () => {
    const chart = newChart('shop');
    const gw = new MeshGateway(chart, 'gw', { hosts: ['shop.example.com'] });
    const shop = new CanaryService(chart, 'shop', {
      ports: [{ number: 8080 }, { number: 9090, protocol: Protocol.GRPC }],
      versions,
      split: Split.HOST,
      weights: { v1: 90, v2: 10 },
      mirror: { version: 'v2', percent: 5 },
    });
    shop.routeHeader('x-canary', 'yes', 'v2');
    shop.exposeVia(gw, { port: 8080 });
    const out = synth(chart);
    expect(out.filter((o) => o.kind === 'DestinationRule')).toEqual([]);
    expect(shop.destinationRule).toBeUndefined();
    expect(Object.keys(shop.versionServices)).toEqual(['v1', 'v2']);
    const v2 = only(out, 'Service', 'shop-v2');
    expect(v2.spec.selector).toEqual({ app: 'shop', version: 'v2' });
    expect(v2.spec.ports.map((p: any) => p.name)).toEqual(['http', 'grpc']);
    const mesh = only(out, 'VirtualService', 'shop').spec.http;
    expect(mesh[0].route).toEqual([{ destination: { host: 'shop-v2.shop.svc.cluster.local', port: { number: 8080 } } }]);
    expect(mesh[1].mirror).toEqual({ host: 'shop-v2.shop.svc.cluster.local', port: { number: 8080 } });
    expect(mesh[3].mirror).toEqual({ host: 'shop-v2.shop.svc.cluster.local', port: { number: 9090 } });
    const edge = only(out, 'VirtualService', 'shop-gw').spec.http;
    expect(edge.map((r: any) => r.route.map((d: any) => `${d.destination.host}:${d.destination.port.number}=${d.weight ?? 100}`))).toEqual([
      ['shop-v2.shop.svc.cluster.local:8080=100'],
      ['shop-v1.shop.svc.cluster.local:8080=90', 'shop-v2.shop.svc.cluster.local:8080=10'],
    ]);
  });

  test('a DestinationRule per version Service only where a traffic policy applies, version fields over service-wide ones', () => {
    const chart = newChart('shop');
    new CanaryService(chart, 'shop', {
      port: 8080,
      split: Split.HOST,
      versions: [{ name: 'v1', image: 'a' }, { name: 'v2', image: 'b', trafficPolicy: { loadBalancer: LoadBalancer.random() } }],
    });
    expect(synth(chart).filter((o) => o.kind === 'DestinationRule').map((o) => [o.metadata.name, o.spec])).toEqual([
      ['shop-v2', { host: 'shop-v2.shop.svc.cluster.local', trafficPolicy: { loadBalancer: { simple: 'RANDOM' } } }],
    ]);
    const both = newChart('shop');
    new CanaryService(both, 'shop', {
      port: 8080,
      split: Split.HOST,
      trafficPolicy: { loadBalancer: LoadBalancer.roundRobin(), connectionPool: { maxConnections: 10 } },
      versions: [{ name: 'v1', image: 'a' }, { name: 'v2', image: 'b', trafficPolicy: { loadBalancer: LoadBalancer.random() } }],
    });
    expect(synth(both).filter((o) => o.kind === 'DestinationRule').map((o) => o.spec.trafficPolicy)).toEqual([
      { loadBalancer: { simple: 'ROUND_ROBIN' }, connectionPool: { tcp: { maxConnections: 10 } } },
      { loadBalancer: { simple: 'RANDOM' }, connectionPool: { tcp: { maxConnections: 10 } } },
    ]);
  });

  test('rejects an unknown split', () => {
    expect(() => new CanaryService(newChart('shop'), 'shop', { port: 8080, versions, split: 'pods' as Split })).toThrow(
      'canary "shop": unknown split (got "pods"); use one of subset, host');
  });
});

describe('TrafficSplit', () => {
  test('routes a host to existing Services by weight and header; backend ports and namespaces are honoured', () => {
    const chart = newChart('web');
    const web = new TrafficSplit(chart, 'web', {
      host: 'web-svc',
      port: 8080,
      backends: [{ service: 'tomcat-svc', weight: 80 }, { service: 'httpd-svc', namespace: 'legacy', port: 80, weight: 20 }],
      timeout: Duration.seconds(3),
    });
    web.routeHeader('end-user', 'zyx', 'tomcat-svc');
    web.addRoute({ name: 'beta', match: [Match.uriPrefix('/beta')], to: { 'tomcat-svc': 50, 'httpd-svc': 50 } });
    const vs = only(synth(chart), 'VirtualService');
    expect(vs.metadata).toEqual({ name: 'web', namespace: 'web' });
    expect(vs.spec.hosts).toEqual(['web-svc.web.svc.cluster.local']);
    expect(vs.spec.http.map((r: any) => [r.name, r.route.map((d: any) => [d.destination.host, d.destination.port?.number, d.weight])])).toEqual([
      ['end-user-zyx', [['tomcat-svc.web.svc.cluster.local', undefined, undefined]]],
      ['beta', [['tomcat-svc.web.svc.cluster.local', undefined, 50], ['httpd-svc.legacy.svc.cluster.local', 80, 50]]],
      ['default', [['tomcat-svc.web.svc.cluster.local', undefined, 80], ['httpd-svc.legacy.svc.cluster.local', 80, 20]]],
    ]);
    expect(vs.spec.http[2].timeout).toBe('3s');
    web.shiftWeights({ 'httpd-svc': 100 });
    expect(only(synth(chart), 'VirtualService').spec.http[2].route).toEqual([{ destination: { host: 'httpd-svc.legacy.svc.cluster.local', port: { number: 80 } } }]);
  });

  test('the first backend takes everything when no weight is given; TCP splits get tcp routes', () => {
    const chart = newChart('db');
    new TrafficSplit(chart, 'db', { host: 'db', port: 3306, protocol: Protocol.MYSQL, backends: [{ service: 'db-a' }, { service: 'db-b' }] });
    expect(only(synth(chart), 'VirtualService').spec).toEqual({
      hosts: ['db.db.svc.cluster.local'],
      tcp: [{ route: [{ destination: { host: 'db-a.db.svc.cluster.local' } }] }],
    });
  });

  test.each([
    ['no backends', { backends: [] }, 'traffic split "web": needs at least one backend (got [])'],
    ['a duplicate backend', { backends: [{ service: 'a', weight: 50 }, { service: 'a', weight: 50 }] }, 'traffic split "web": backend services must be unique (got "a")'],
    ['a backend that is the host', { backends: [{ service: 'web-svc' }] }, 'traffic split "web": a backend is the host itself, so its traffic would loop through this split (got "web-svc")'],
    ['a bad backend name', { backends: [{ service: 'Tomcat' }] }, 'traffic split "web": name must be a DNS-1035 label'],
    ['weights off 100', { backends: [{ service: 'a', weight: 80 }, { service: 'b', weight: 30 }] }, 'traffic split "web": weights must add up to 100 (got a=80 b=30)'],
    ['no host', { host: '' }, 'traffic split "web": needs the host clients call (got ""); set host'],
    ['a bad port', { port: 0 }, 'traffic split "web": port must be a whole number from 1 to 65535 (got 0)'],
    ['a bad backend port', { backends: [{ service: 'a', port: 70000 }] }, 'traffic split "web": backend "a" port must be a whole number from 1 to 65535 (got 70000)'],
  ])('rejects %s', (_what, props, message) => {
    expect(() => new TrafficSplit(newChart('web'), 'web', { host: 'web-svc', port: 8080, backends: [{ service: 'a' }], ...props } as any)).toThrow(message);
  });

  test('a rule to an unknown backend fails and leaves the split unchanged', () => {
    const web = new TrafficSplit(newChart('web'), 'web', { host: 'web-svc', port: 8080, backends: [{ service: 'a' }] });
    expect(() => web.routeHeader('end-user', 'zyx', 'b')).toThrow('traffic split "web": route "end-user-zyx" weights name a version that does not exist (got "b"); use one of a');
    expect(web.release.rules).toEqual([]);
  });

  test('a TrafficSplit and a CanaryService for one host fail the synth', () => {
    const chart = newChart('web');
    new CanaryService(chart, 'web-svc', { port: 8080, versions });
    new TrafficSplit(chart, 'web', { host: 'web-svc', port: 8080, backends: [{ service: 'a' }] });
    expect(() => Testing.synth(chart)).toThrow('traffic split "web": another CanaryService, TrafficSplit or ExternalService routes the same host (got web-svc.web.svc.cluster.local at test/web-svc)');
  });
});
