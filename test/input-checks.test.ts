import { Chart, Testing } from 'cdk8s';
import {
  CanaryService, ExternalService, Match, MeshGateway, MeshNamespace, MeshSidecar, ProgressiveService, TrafficSplit, VersionProps,
} from '../src';

/**
 * Input the API server, Envoy or Istio would refuse, or that would route differently from what was written, and
 * input from untyped callers (JavaScript, YAML-driven config): each class is refused at synth time in our format,
 * `<subject>: <problem> (got <value>); <fix>`, never with a TypeError and never by a broader match than written.
 */
const chart = () => new Chart(Testing.app(), 'test', { namespace: 'shop' });
const versions: VersionProps[] = [{ name: 'v1', image: 'app:1' }, { name: 'v2', image: 'app:2' }];
const service = (c: Chart, props: Record<string, unknown> = {}) => new CanaryService(c, 'web', { port: 8080, versions, ...props } as any);
const version = (props: Record<string, unknown>) => (c: Chart) => service(c, { versions: [{ name: 'v1', image: 'app:1', ...props }] });
const untyped = (value: unknown) => value as any;

const CASES: Array<[string, (c: Chart) => unknown, string]> = [
  // What the API server checks
  ['namespace not a DNS label', (c) => service(c, { namespace: 'Shop_1' }), 'canary "web": namespace must be a DNS-1123 label (got "Shop_1")'],
  ['label key with spaces', version({ labels: { 'team name': 'x' } }), 'canary "web": version "v1" labels: label key is not one Kubernetes accepts (got "team name")'],
  ['label key with two slashes', version({ labels: { 'a/b/c': 'x' } }), 'label key is not one Kubernetes accepts (got "a/b/c")'],
  ['label value over 63 characters', version({ labels: { team: 'x'.repeat(64) } }), 'label "team" has a value Kubernetes refuses'],
  ['label value with a space', version({ labels: { team: 'a b' } }), 'label "team" has a value Kubernetes refuses (got "a b")'],
  ['annotation key with a bad prefix', version({ annotations: { 'Example.com/x': 'y' } }), 'annotations: annotation key is not one Kubernetes accepts (got "Example.com/x")'],
  ['environment variable starting with a digit', version({ env: { '1A': 'x' } }), 'env: environment variable name "1A" is not valid (got "1A")'],
  ['a container port the sidecar listens on', (c) => service(c, { port: 8080, containerPort: 15001 }),
    'canary "web": the container port is one the Istio sidecar listens on in every pod (15000, 15001, 15004, 15006, 15008, 15009, 15020, 15021, 15053, 15090) (got 15001); set containerPort to another port; the Service port can stay'],
  ['a Service port used as the container port the sidecar owns', (c) => service(c, { port: 15090 }),
    'canary "web": the container port (the port, as containerPort is not set) is one the Istio sidecar listens on in every pod'],
  ['a lower-case HTTP method', (c) => service(c).addRoute({ match: [Match.method('get')], to: 'v1' }),
    'HTTP methods are upper case, so this method never matches (got "get"); write "GET"'],
  ['an exact path carrying a query string', (c) => service(c).addRoute({ match: [Match.uriExact('/a?b=1')], to: 'v1' }),
    'a uri exact match is compared without the query string, so one carrying "?" never matches (got "/a?b=1"); match "/a" and the query with Match.queryParam(name, value)'],
  ['port name with "--"', (c) => service(c, { port: undefined, ports: [{ number: 80, name: 'http--a' }] }), 'port name cannot contain "--" (got "http--a"); use "http-a"'],
  ['gateway namespace not a DNS label', (c) => new MeshGateway(c, 'gw', { namespace: 'Edge', hosts: ['*'] }), 'gateway "gw": namespace must be a DNS-1123 label (got "Edge")'],
  ['progressive service namespace not a DNS label', (c) => new ProgressiveService(c, 'ad', { namespace: 'w_x', port: 3003, image: 'ad:1', analysis: { stepWeight: 20, maxWeight: 100 } }),
    'progressive service "ad": namespace must be a DNS-1123 label (got "w_x")'],
  ['namespace labels Kubernetes refuses', (c) => new MeshNamespace(c, 'shop', { labels: { 'team name': 'x' } }), 'namespace "shop": labels: label key is not one Kubernetes accepts (got "team name")'],
  ['port name over 15 characters', (c) => service(c, { port: undefined, ports: [{ number: 80, name: 'http-way-too-long-name' }] }), 'port name must be at most 15 characters'],
  ['source label key Kubernetes refuses', () => Match.sourceLabels({ 'app name': 'x' }), 'Match.sourceLabels: labels: label key is not one Kubernetes accepts (got "app name")'],
  // What Envoy and Istio enforce, or what silently never matches
  ['header name with a colon', (c) => service(c).routeHeader('x:user', 'a', 'v2'), 'a header name may contain only letters, digits and'],
  ['header name with a space', (c) => service(c).routeHeader('end user', 'a', 'v2'), '(got "end user")'],
  ['upper-case header name', (c) => service(c).routeHeader('End-User', 'a', 'v2'), 'Istio only accepts lower-case header names (got "End-User"); write "end-user"'],
  ['uri prefix without a leading slash', (c) => service(c).addRoute({ match: [Match.uriPrefix('api')], to: 'v2' }), 'a uri prefix match must start with "/", or it never matches (got "api"); write "/api"'],
  ['uri exact without a leading slash', (c) => service(c).addRoute({ match: [Match.uriExact('login')], to: 'v2' }), 'a uri exact match must start with "/"'],
  ['gateway host with a scheme', (c) => new MeshGateway(c, 'gw', { hosts: ['https://shop.example.com'] }), 'must be a bare DNS name, without a scheme, port or path (got "https://shop.example.com"); write "shop.example.com"'],
  ['gateway host with a port', (c) => new MeshGateway(c, 'gw', { hosts: ['shop.example.com:8080'] }), 'write "shop.example.com"'],
  ['gateway host that is an IP address', (c) => new MeshGateway(c, 'gw', { hosts: ['10.0.0.1'] }), 'is an IP address where Istio needs a DNS name (got "10.0.0.1")'],
  ['gateway wildcard not leftmost', (c) => new MeshGateway(c, 'gw', { hosts: ['shop.*.com'] }), 'a wildcard may only be the whole leftmost label (got "shop.*.com")'],
  ['gateway wildcard inside a label', (c) => new MeshGateway(c, 'gw', { hosts: ['*shop.example.com'] }), 'a wildcard may only be the whole leftmost label'],
  ['gateway host namespace not a DNS label', (c) => new MeshGateway(c, 'gw', { hosts: ['Team_A/shop.example.com'] }), 'host namespace must be a DNS-1123 label (got "Team_A")'],
  ['exposeVia host with a namespace prefix', (c) => service(c).exposeVia(new MeshGateway(c, 'gw', { hosts: ['*.example.com'] }), { hosts: ['shop/web.example.com'] }),
    'host must be a bare DNS name, without a scheme, port or path (got "shop/web.example.com")'],
  ['external host that is an IP address', (c) => new ExternalService(c, 'db', { hosts: ['203.0.113.7'] }), 'host is an IP address where Istio needs a DNS name'],
  // Untyped callers
  ['versions not a list', (c) => service(c, { versions: 'v1' }), 'canary "web": versions must be a list (got "v1"); wrap it in [ ]'],
  ['an empty entry in versions', (c) => service(c, { versions: [versions[0], null] }), 'versions has an empty entry at position 2'],
  ['ports not a list', (c) => service(c, { port: undefined, ports: { number: 80 } }), 'ports must be a list (got {"number":80})'],
  ['a header value that is undefined', (c) => service(c).routeHeader('env', untyped(undefined), 'v2'), 'Match.headerExact: value must be a string (got nothing)'],
  ['a header value that is a number', () => Match.headerExact('version', untyped(200)), 'Match.headerExact: value must be a string (got 200)'],
  ['a match that is not a list', (c) => service(c).addRoute({ match: untyped(Match.headerExact('env', 'gray')), to: 'v2' }), 'route "rule-1" match must be a list'],
  ['a match entry that is undefined', (c) => service(c).addRoute({ match: [untyped(undefined)], to: 'v2' }), 'route "rule-1" match has an empty entry at position 1'],
  ['a match entry made by hand', (c) => service(c).addRoute({ match: [untyped({ headers: { env: { exact: 'gray' } } })], to: 'v2' }),
    'route "rule-1": every match must be made with the Match factories'],
  ['a weight given as text', (c) => service(c, { weights: { v1: '90', v2: '10' } }), 'weights: the weight of "v1" must be a number (got "90"); write 90 without quotes'],
  ['a port given as text', (c) => service(c, { port: '8080' }), 'port must be a whole number from 1 to 65535 (got "8080")'],
  ['replicas given as text', version({ replicas: '2' }), 'replicas must be a whole number from 0 to 2147483647 (got "2")'],
  ['replicas above int32', version({ replicas: 2 ** 31 }), 'replicas must be a whole number from 0 to 2147483647 (got 2147483648)'],
  ['labels that are null', version({ labels: null }), 'version "v1" labels must be an object of names to text (got null)'],
  ['env as a string', version({ env: 'A=1' }), 'version "v1" env must be an object of names to text (got "A=1")'],
  ['an env value that is a number', version({ env: { PORT: 8080 } }), 'the value of "PORT" must be text (got 8080); write it in quotes, e.g. "8080"'],
  ['gateway hosts as a string', (c) => new MeshGateway(c, 'gw', { hosts: untyped('shop.example.com') }), 'gateway "gw": hosts must be a list (got "shop.example.com")'],
  ['exposeVia hosts as a string', (c) => service(c).exposeVia(new MeshGateway(c, 'gw', { hosts: ['*.example.com'] }), { hosts: untyped('web.example.com') }),
    'canary "web": hosts must be a list (got "web.example.com")'],
  ['external hosts as a string', (c) => new ExternalService(c, 'db', { hosts: untyped('db.example.com') }), 'external service "db": hosts must be a list'],
  ['traffic split backends as an object', (c) => new TrafficSplit(c, 'split', { host: 'web', port: 80, backends: untyped({ service: 'a' }) }), 'backends must be a list'],
  ['sidecar namespaces as a string', (c) => new MeshSidecar(c, 'sidecar', { namespaces: untyped('payments') }), 'namespaces must be a list (got "payments")'],
];

describe('bad input is refused in our format', () => {
  test.each(CASES)('%s', (_name, build, message) => {
    let error: Error | undefined;
    try {
      const c = chart();
      build(c);
      Testing.synth(c);
    } catch (e) {
      error = e as Error;
    }
    expect(error).toBeDefined();
    expect(error).not.toBeInstanceOf(TypeError);
    expect(error!.message).toContain(message);
    expect(error!.message).toMatch(/^\S.*: .+ \(got .*\); .+$/s);
    expect(error!.message).not.toMatch(/undefined|NaN|\[object Object\]/);
  });

  test('a header value that is undefined never becomes a presence match', () => {
    const c = chart();
    const web = service(c);
    expect(() => web.routeHeader('env', untyped(undefined), 'v2')).toThrow();
    const vs = Testing.synth(c).find((o) => o.kind === 'VirtualService');
    expect(vs.spec.http.map((r: any) => r.name)).toEqual(['default']);
  });

  test('the same classes written correctly synthesize', () => {
    const c = chart();
    const web = service(c, { versions: [{ name: 'v1', image: 'app:1', labels: { 'example.com/team': 'shop' }, env: { LOG_LEVEL: 'info' } }, versions[1]] });
    web.routeHeader('end-user', 'jason', 'v2');
    web.addRoute({ match: [Match.uriPrefix('/api'), Match.sourceLabels({ 'app.kubernetes.io/name': 'cart' })], to: 'v2' });
    web.exposeVia(new MeshGateway(c, 'gw', { hosts: ['*.example.com', 'shop/web.example.org'] }), { hosts: ['web.example.com'] });
    new ExternalService(c, 'db', { hosts: ['db.example.com'] });
    expect(() => Testing.synth(c)).not.toThrow();
  });
});
