import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Chart, Duration, Testing } from 'cdk8s';
import {
  AnalysisTemplate, CanaryService, DefaultRoute, DeploymentStrategy,
  ExternalService, GatewaySpecServersTlsMode, Match, MeshAuthorizationPolicy, MeshGateway,
  MeshNamespace, MeshPeerAuthentication, MeshSidecar, Metric, PodCount, Probe,
  ProgressiveService, Protocol, ReleaseLane, RolloutService, RolloutStep, RoutingApi,
  Source, Split, TrafficSplit, VersionProps, Webhook,
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
const rollout = (c: Chart, props: Record<string, unknown>) => new RolloutService(c, 'ad', { port: 3003, image: 'ad:1', steps: [RolloutStep.weight(100)], ...props } as any);
const analysisStep = (templates: AnalysisTemplate[], names: string[]) => ({
  analysisTemplates: templates, steps: [RolloutStep.weight(20), RolloutStep.analysis(names), RolloutStep.weight(100)],
});
const progressive = (c: Chart, props: Record<string, unknown>) => new ProgressiveService(c, 'ad', {
  port: 3003, image: 'ad:1', ...props, analysis: { stepWeight: 20, maxWeight: 60, ...props.analysis as object },
} as any);
const p99 = (name: string) => AnalysisTemplate.prometheus(name, [{ name: 'p99', query: 'q', successCondition: 'result[0] < 1', interval: Duration.seconds(30), count: 3 }]);
const gatewayApiService = (c: Chart, props: Record<string, unknown> = {}) => service(c, { routingApi: RoutingApi.GATEWAY_API, ...props });
const gatewayApiGateway = (c: Chart, hosts: string[]) => new MeshGateway(c, 'gw', { hosts, routingApi: RoutingApi.GATEWAY_API });

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
  // What the Gateway API CRDs refuse (gateway.networking.k8s.io_httproutes.yaml, _gateways.yaml)
  ['17 rules in an HTTPRoute', (c) => {
    const web = gatewayApiService(c);
    for (let i = 0; i < 16; i++) web.routeHeader('x-user', `u${i}`, 'v2');
  }, 'route "shop/web": an HTTPRoute holds at most 16 rules, as the Gateway API CRD allows (got 17); merge routes that send to the same versions'],
  ['17 hostnames in one exposure', (c) => gatewayApiService(c).exposeVia(gatewayApiGateway(c, ['*.example.com']), { hosts: Array.from({ length: 17 }, (_, i) => `h${i}.example.com`) }),
    'route "shop/web-gw": an HTTPRoute holds at most 16 hostnames, as the Gateway API CRD allows (got 17); expose at most 16 hosts'],
  ['17 backends of a traffic split', (c) => new TrafficSplit(c, 'split', {
    host: 'web', port: 80, routingApi: RoutingApi.GATEWAY_API, backends: Array.from({ length: 17 }, (_, i) => ({ service: `b${i}`, weight: i === 0 ? 84 : 1 })),
  }), 'an HTTPRoute holds at most 16 backendRefs in one rule, as the Gateway API CRD allows (got 17)'],
  ['65 listeners in a Gateway', (c) => gatewayApiGateway(c, Array.from({ length: 65 }, (_, i) => `h${i}.example.com`)),
    'gateway "shop/gw": a Gateway holds at most 64 listeners, as the Gateway API CRD allows (got 65); cover the hosts with a wildcard host'],
  ['a path with "//" under Gateway API', (c) => gatewayApiService(c).addRoute({ match: [Match.uriPrefix('/a//b')], to: 'v2' }),
    'route "rule-1": Gateway API refuses a path with "//" (got "/a//b"); write the path with single slashes'],
  ['an exposure path with a ".." segment under Gateway API', (c) => gatewayApiService(c).exposeVia(gatewayApiGateway(c, ['*.example.com']), { hosts: ['a.example.com'], pathPrefix: '/a/..' }),
    'Gateway API refuses a path with a ".." segment (got "/a/..")'],
  ['a per-try timeout longer than the timeout under Gateway API', (c) => gatewayApiService(c, {
    timeout: Duration.seconds(2), retries: { attempts: 2, perTryTimeout: Duration.seconds(5) }, gatewayApiExperimental: true,
  }), 'default route: Gateway API refuses a per-try timeout longer than the request timeout (got perTryTimeout 5s, timeout 2s)'],
  ['a Gateway API gateway name too long for the Service Istio deploys', (c) => new MeshGateway(c, 'gw', { name: 'g'.repeat(60), hosts: ['a.example.com'], routingApi: RoutingApi.GATEWAY_API }),
    'Istio deploys the gateway as the Service "<name>-istio", which must be a DNS-1035 label of at most 63 characters'],
  // Gateways Istio would merge or drop
  ['HTTP and HTTPS servers on one port', (c) => new MeshGateway(c, 'gw', {
    servers: [
      { port: { number: 443, name: 'http', protocol: 'HTTP' }, hosts: ['a.example.com'] },
      { port: { number: 443, name: 'https', protocol: 'HTTPS' }, hosts: ['b.example.com'], tls: { mode: GatewaySpecServersTlsMode.SIMPLE, credentialName: 'b-tls' } },
    ],
  }), 'server "https": servers on port 443 mix plain text and TLS, and Istio keeps one of them (got plain-text HTTP and TLS)'],
  ['an empty credentialName', (c) => new MeshGateway(c, 'gw', { hosts: ['a.example.com'], tls: { credentialName: '' } }),
    'credentialName must name a Kubernetes TLS Secret (a DNS-1123 subdomain) (got "")'],
  ['a credentialName Kubernetes refuses', (c) => new MeshGateway(c, 'gw', { hosts: ['a.example.com'], tls: { credentialName: 'My_Cert' } }), '(got "My_Cert")'],
  ['a passed-through TLS mode behind the HTTP redirect', (c) => new MeshGateway(c, 'gw', { hosts: ['a.example.com'], tls: { credentialName: 'c', mode: GatewaySpecServersTlsMode.PASSTHROUGH } }),
    'a passed-through mode routes no HTTP (got "PASSTHROUGH")'],
  ['an Ingress class that is no DNS subdomain', (c) => new MeshGateway(c, 'gw', { hosts: ['a.example.com'], edgeIngress: { className: 'My_Class' } }),
    'edgeIngress className must be an IngressClass name (a DNS-1123 subdomain) (got "My_Class")'],
  ['two services on one gateway host without paths', (c) => {
    const gw = new MeshGateway(c, 'gw', { hosts: ['a.example.com'] });
    service(c).exposeVia(gw);
    new CanaryService(c, 'api', { port: 80, versions }).exposeVia(gw);
  }, 'canary "api": at gateway shop/gw, host a.example.com is also routed by canary "web" (test/web), and no path tells the two apart'],
  // Names: two objects of one kind, namespace and name
  ['two gateways of one name', (c) => {
    new MeshGateway(c, 'gw', { hosts: ['a.example.com'] });
    new MeshGateway(c, 'gw2', { name: 'gw', hosts: ['b.example.com'] });
  }, 'duplicate object: 2 objects of the app are Gateway.networking.istio.io "shop/gw", and the API server keeps only the one applied last (got test/gw/Gateway, test/gw2/Gateway)'],
  ['two MeshNamespaces of one name', (c) => {
    new MeshNamespace(c, 'a', { name: 'shop' });
    new MeshNamespace(c, 'b', { name: 'shop' });
  }, 'duplicate object: 2 objects of the app are Namespace "shop"'],
  ['a waypoint beside a gateway named waypoint', (c) => {
    new MeshNamespace(c, 'ns', { name: 'shop', ambient: true });
    new MeshGateway(c, 'gw', { name: 'waypoint', hosts: ['a.example.com'], routingApi: RoutingApi.GATEWAY_API });
  }, 'Gateway.gateway.networking.k8s.io "shop/waypoint"'],
  ['a host-split Service beside a CanaryService of its name', (c) => {
    new CanaryService(c, 'reviews', { port: 80, versions, split: Split.HOST });
    new CanaryService(c, 'reviews-v2', { port: 80, versions });
  }, 'Service "shop/reviews-v2", and the API server keeps only the one applied last (got test/reviews/Service-v2, test/reviews-v2/Service)'],
  // Values that route nowhere or differently from what was written
  ['a traffic split for a wildcard host', (c) => new TrafficSplit(c, 'split', { host: '*', port: 80, backends: [{ service: 'a' }] }),
    'traffic split "split": host must name one service: a wildcard host would split the traffic of every service it covers (got "*")'],
  ['an ambient namespace with a sidecar revision', (c) => new MeshNamespace(c, 'shop', { ambient: true, revision: '1-30' }),
    'revision labels the namespace for sidecar injection, and sidecars take its pods out of the ambient data plane (got "1-30")'],
  ['two namespace-wide peer authentications', (c) => {
    new MeshPeerAuthentication(c, 'a');
    new MeshPeerAuthentication(c, 'b');
  }, 'peer authentication "b": another peer authentication applies to namespace "shop", and Istio takes the older of the two (got test/a)'],
  ['a sticky canary with the default route to all pods', (c) => service(c, { stickyCanary: {}, defaultRoute: DefaultRoute.ALL_PODS }),
    'a sticky canary needs the default route to split by weights, and DefaultRoute.ALL_PODS sends to no version'],
  ['a sticky canary on a TCP service', (c) => service(c, { port: undefined, ports: [{ number: 5432, protocol: Protocol.TCP }], stickyCanary: {}, weights: { v1: 90, v2: 10 } }),
    'a sticky canary routes by a cookie, an HTTP header, and a service without HTTP ports is routed as TCP (got protocol tcp)'],
  // Messages show values as written
  ['a NaN weight', (c) => service(c, { weights: { v1: NaN, v2: 100 } }), '(got v1=NaN)'],
  ['a fault with a Duration under Gateway API', (c) => gatewayApiService(c).addRoute({ match: [Match.headerExact('x', 'y')], to: 'v2', fault: { delay: { fixed: Duration.seconds(7), percent: 100 } } }),
    'Gateway API has no fault injection (got {"delay":{"fixed":7s,"percent":100}})'],
  ['a version given as a plain string', (c) => service(c, { versions: ['v1'] }),
    'canary "web": versions entry 1 must be an object with a name and an image (got "v1"); write { name: "v1", image: "..." }'],
  ['a host in another script', (c) => new MeshGateway(c, 'gw', { hosts: ['bücher.example.com'] }), 'write its ASCII (IDNA) form, "xn--bcher-kva.example.com"'],
  // Found by the public-API property test: policies, egress and splits
  ['several external hosts on a TCP port', (c) => new ExternalService(c, 'db', { hosts: ['db.example.org', 'edition.cnn.com'], ports: [{ number: 3000, protocol: untyped('TCP') }] }),
    'external service "db": several hosts cannot share a TCP port, as nothing in the traffic tells them apart (got ["db.example.org","edition.cnn.com"] with port 3000/TCP); '
    + 'use one ExternalService per host'],
  ['an empty connection pool', (c) => service(c, { trafficPolicy: { connectionPool: {} } }),
    'canary "web": trafficPolicy connectionPool sets no field, and Istio refuses an empty connection pool (got {})'],
  ['client TLS with credentialName and a CA file', (c) => new ExternalService(c, 'api', {
    hosts: ['api.example.com'], trafficPolicy: { tls: { mode: untyped('MUTUAL'), sni: 'api.example.com', credentialName: 'client-cred', caCertificates: '/etc/certs/ca.pem' } },
  }), 'external service "api": trafficPolicy tls: credentialName brings the certificates from a Secret, and Istio refuses certificate files beside it '
    + '(got credentialName with caCertificates)'],
  ['a CORS max age with a sub-second part', (c) => service(c, { corsPolicy: { allowOrigins: ['https://shop.example.com'], maxAge: Duration.millis(1500) } }),
    'canary "web": default route corsPolicy maxAge must be whole seconds, as Istio requires (got 1s500ms); use Duration.seconds(2)'],
  ['a traffic split backend namespace Kubernetes refuses', (c) => new TrafficSplit(c, 'web', { host: 'web-svc', port: 9080, backends: [{ service: 'web', namespace: 'Team_A' }] }),
    'traffic split "web": backend "web" namespace must be a DNS-1123 label (got "Team_A")'],
  ['a header removed twice under Gateway API', (c) => gatewayApiService(c, { versions: [{ name: 'v1', image: 'app:1', headers: { response: { remove: ['server', 'Server'] } } }] }),
    'version "v1" headers response remove names "server" twice (got ["server","server"]); list each once'],
  ['a timeout beyond what Istio can read', (c) => service(c, { timeout: Duration.hours(175200000) }),
    'canary "web": default route timeout must be at most 2562047h (about 292 years), the longest duration Istio and Kubernetes can read (got 175200000h)'],
  ['a timeout beyond a Gateway API duration', (c) => gatewayApiService(c, { timeout: Duration.hours(100000) }), 'default route timeout: a Gateway API duration is at most 99999h (got 100000h)'],
  ['"*" beside other CORS origins under Gateway API', (c) => gatewayApiService(c, { corsPolicy: { allowOrigins: ['*', 'https://shop.example.com'] } }),
    'canary "web": default route corsPolicy: Gateway API refuses "*" beside other origins in allowOrigins (got ["*","https://shop.example.com"])'],
  ['a MeshSidecar in istio-system', (c) => new MeshSidecar(c, 'sidecar', { namespace: 'istio-system' }),
    'sidecar "istio-system": in istio-system, Istio\'s root namespace by default, a Sidecar without a workload selector would be the default Sidecar of every namespace'],
  ['an external TCP port with resolution NONE', (c) => new ExternalService(c, 'db', { hosts: ['db.example.org'], ports: [{ number: 5432, protocol: untyped('TCP') }], resolution: untyped('NONE') }),
    'external service "db": a TCP port with resolution NONE needs the service\'s addresses, which an ExternalService does not set (Istio warns) (got port 5432/TCP, resolution NONE)'],
  ['headers.remove as a string', (c) => service(c, { headers: { request: { remove: 'x-internal' } } }), 'canary "web": default route headers request remove must be a list (got "x-internal")'],
  ['retryOn as a string', (c) => service(c, { retries: { attempts: 2, retryOn: '5xx' } }), 'default route retries retryOn must be a list (got "5xx")'],
  ['headers.remove that is a number', (c) => service(c, { headers: { request: { remove: 42 } } }), 'default route headers request remove must be a list (got 42)'],
  ['a header set as a string', (c) => service(c, { headers: { request: { set: 'x-a' } } }), 'default route headers request set must be an object (got "x-a")'],
  ['CORS origins that are numbers', (c) => service(c, { corsPolicy: { allowOrigins: [1, 2] } }), 'default route corsPolicy allowOrigins entries must be text (got 1)'],
  ['a cookie ttl of half a millisecond', (c) => service(c, {
    trafficPolicy: { loadBalancer: jest.requireActual('../src').LoadBalancer.consistentHashByCookie('session', { ttl: Duration.millis(0.5) }) },
  }), 'canary "web": trafficPolicy loadBalancer cookie ttl must be a whole number of milliseconds, at least 1ms (got 0.5ms)'],
  ['a cookie ttl of 0.0001 seconds', (c) => service(c, {
    trafficPolicy: { loadBalancer: jest.requireActual('../src').LoadBalancer.consistentHashByCookie('session', { ttl: Duration.seconds(0.0001) }) },
  }), 'cookie ttl must be a whole number of milliseconds, at least 1ms (got 0.1ms)'],
  ['a cookie ttl in plain seconds', (c) => service(c, {
    trafficPolicy: { loadBalancer: jest.requireActual('../src').LoadBalancer.consistentHashByCookie('session', { ttl: untyped(60) }) },
  }), 'canary "web": trafficPolicy loadBalancer cookie ttl must be a cdk8s Duration (got 60); use e.g. Duration.seconds(60)'],
  ['a traffic split host that is a number', (c) => new TrafficSplit(c, 'split', { host: untyped(8080), port: 80, backends: [{ service: 'a' }] }),
    'traffic split "split": needs the host clients call (got 8080)'],
  ['a MeshSidecar external service given as a host', (c) => new MeshSidecar(c, 'sidecar', { externalServices: [untyped('api.example.com')] }),
    'sidecar "shop": externalServices entry 1 must be an ExternalService (got "api.example.com")'],
  ['a MeshSidecar external service that is another construct', (c) => new MeshSidecar(c, 'sidecar', { externalServices: [untyped(service(c))] }),
    'externalServices entry 1 must be an ExternalService (got construct "test/web")'],
  ['a traffic split name that is a number', (c) => new TrafficSplit(c, 'split', { name: untyped(42), host: 'web-svc', port: 80, backends: [{ service: 'a' }] }),
    'traffic split "split": name must be text (got 42)'],
  ['an external service name that is a list', (c) => new ExternalService(c, 'db', { name: untyped(['db']), hosts: ['db.example.org'] }), 'external service "db": name must be text (got ["db"])'],
  ['a MeshSidecar namespace that is a number', (c) => new MeshSidecar(c, 'sidecar', { namespace: untyped(5) }), 'sidecar "sidecar": namespace must be text (got 5)'],
  // What Argo Rollouts 1.9.1 refuses or mishandles (github.com/argoproj/argo-rollouts, read at v1.9.1)
  ['a header route step with an empty match', (c) => rollout(c, { steps: [RolloutStep.weight(10), RolloutStep.headerRoute('beta', []), RolloutStep.weight(100)] }),
    'rollout "ad": step 1 (setHeaderRoute beta): match is empty, so Argo Rollouts would add a route for every request, ahead of the service\'s own routes (got []); '
    + 'give at least one match, e.g. Match.headerExact("x-canary", "yes"), or use RolloutStep.removeHeaderRoute("beta")'],
  ['a mirror route step with an empty match', (c) => rollout(c, { steps: [RolloutStep.weight(10), RolloutStep.mirrorRoute('shadow', []), RolloutStep.weight(100)] }),
    'or use RolloutStep.removeMirrorRoute("shadow")'],
  ['a step analysis that never ends', (c) => rollout(c, analysisStep([AnalysisTemplate.errorRate(5)], ['error-rate'])),
    'step 1 (analysis error-rate): metric "error-rate" of template "error-rate" measures every 1m without a count, so it never ends, and Argo Rollouts refuses it in a step (got interval 1m, count none)'],
  ['two metrics of one name in one analysis', (c) => rollout(c, analysisStep([p99('lat'), p99('lat2')], ['lat', 'lat2'])),
    'step 1 (analysis lat, lat2): Argo Rollouts runs these templates as one analysis, so their metric names must be unique (got "p99" in "lat" and "lat2")'],
  ['a template named twice in one analysis', (c) => rollout(c, analysisStep([p99('lat')], ['lat', 'lat'])), 'step 1 (analysis lat, lat) names a template twice (got "lat")'],
  ['a count without an interval', (c) => rollout(c, analysisStep([AnalysisTemplate.prometheus('lat', [{ name: 'p99', query: 'q', successCondition: 'true', count: 3 }])], ['lat'])),
    'AnalysisTemplate "lat" metric "p99": count 3 needs an interval between the measurements (got count 3, no interval)'],
  ['a count not above failureLimit', (c) => rollout(c, analysisStep([AnalysisTemplate.errorRate(5, { count: 2, failureLimit: 3 })], ['error-rate'])),
    'metric "error-rate": count must be above failureLimit, or the metric could never fail (got count 2, failureLimit 3)'],
  ['maxSurge and maxUnavailable both 0', (c) => rollout(c, { maxSurge: PodCount.absolute(0), maxUnavailable: PodCount.percent(0) }),
    'rollout "ad": maxSurge and maxUnavailable cannot both be 0, or no pod could ever be replaced (got maxSurge 0, maxUnavailable "0%")'],
  ['an error rate threshold of NaN', () => AnalysisTemplate.errorRate(NaN), 'AnalysisTemplate.errorRate: max must be a percentage from 0 to 100 (got NaN); use e.g. 5'],
  ['a success rate threshold of 150%', () => AnalysisTemplate.successRate(150), 'AnalysisTemplate.successRate: min must be a percentage from 0 to 100 (got 150)'],
  ['a ramp beyond 100', () => RolloutStep.ramp({ stepWeight: 20, maxWeight: 1000, pause: Duration.minutes(1) }),
    'RolloutStep.ramp: maxWeight must be a whole percentage from stepWeight (20) to 100 (got 1000)'],
  ['a ramp to Infinity', () => RolloutStep.ramp({ stepWeight: 1, maxWeight: Infinity, pause: Duration.minutes(1) }), '(got Infinity)'],
  ['a pause given in plain seconds', () => RolloutStep.pause(untyped(30)), 'RolloutStep.pause: duration must be a cdk8s Duration (got 30); use Duration.seconds(30)'],
  ['a template interval given in plain seconds', () => AnalysisTemplate.errorRate(5, { interval: untyped(30) }), 'AnalysisTemplate.errorRate: interval must be a cdk8s Duration (got 30)'],
  ['a pause longer than int32 seconds', (c) => rollout(c, { steps: [RolloutStep.weight(10), RolloutStep.pause(Duration.days(30_000)), RolloutStep.weight(100)] }),
    'step 1 (pause 720000h): duration must be at most 2147483647 seconds (got 720000h)'],
  ['a managed header route beside an exposure path prefix', (c) => rollout(c, {
    steps: [RolloutStep.weight(10), RolloutStep.headerRoute('beta', [Match.headerExact('x-beta', '1')]), RolloutStep.weight(100)],
  }).exposeVia(new MeshGateway(c, 'gw', { hosts: ['shop.example.com'] }), { pathPrefix: '/ad' }),
  'rollout "ad": Argo Rollouts writes the managed routes (beta) with the step\'s match alone, so the exposure\'s pathPrefix would not apply to them: '
    + 'requests on any path of the host would reach the canary (got pathPrefix "/ad")'],
  // What Flagger 1.44 refuses or mishandles (github.com/fluxcd/flagger, read at v1.44.0)
  ['a Flagger host with a scheme', (c) => progressive(c, { hosts: ['http://ad.example.com'] }),
    'progressive service "ad": host must be a bare DNS name, without a scheme, port or path (got "http://ad.example.com"); write "ad.example.com"'],
  ['a Flagger session cookie name given as a list (same class as seed 25)', (c) => progressive(c, { analysis: { sessionAffinity: { cookieName: ['c'] } } }),
    'sessionAffinity cookieName must be a cookie name (got ["c"])'],
  ['a Flagger host "*" on the mesh', (c) => progressive(c, { hosts: ['*'] }), 'a VirtualService bound to the mesh cannot have host "*"'],
  ['a Gateway API gateway for Flagger\'s istio provider', (c) => progressive(c, { hosts: ['ad.example.com'], gateways: [gatewayApiGateway(c, ['*.example.com'])] }),
    'gateway "gw" is a Gateway API Gateway, and Flagger\'s istio provider binds its VirtualService to Istio Gateways only (got routingApi "gateway-api")'],
  ['an A/B match on a header being present', (c) => progressive(c, { analysis: { stepWeight: undefined, maxWeight: undefined, iterations: 5, match: [Match.headerPresent('x-canary')] } }),
    'Flagger\'s A/B match cannot test only that a header is present (got "x-canary")'],
  ['an A/B query parameter with a service match', (c) => progressive(c, {
    match: [Match.uriPrefix('/api')], analysis: { stepWeight: undefined, maxWeight: undefined, iterations: 5, match: [Match.queryParam('canary', 'yes')] },
  }), 'with a service match, Flagger merges the A/B match into it and loses its query parameters'],
  ['maxWeight beside stepWeights', (c) => progressive(c, { analysis: { stepWeight: undefined, stepWeights: [10, 20, 30], maxWeight: 50 } }),
    'Flagger ignores maxWeight with stepWeights and promotes after the last step (got maxWeight 50, stepWeights [10,20,30])'],
  ['an analysis interval under 10 seconds', (c) => progressive(c, { analysis: { interval: Duration.seconds(5) } }),
    'analysis interval must be at least 10 seconds, Flagger\'s minimum (got 5s)'],
  ['a maxWeight the steps overshoot', (c) => progressive(c, { analysis: { stepWeight: 20, maxWeight: 50 } }),
    'maxWeight must be a multiple of stepWeight, or the last step overshoots it to 60% (got stepWeight 20, maxWeight 50); use maxWeight 40 or 60'],
  ['a request duration in fractions of a millisecond', (c) => progressive(c, { analysis: { metrics: [Metric.requestDuration({ max: 500.5 })] } }),
    'metric "request-duration" is in whole milliseconds, 0 or more (got {"max":500.5})'],
  ['a progress deadline in milliseconds', (c) => progressive(c, { progressDeadline: Duration.millis(1500) }), 'progressDeadline must be whole seconds (got 1500ms)'],
  // Found by the public-API property test: workloads, services, lanes, rollouts and Flagger
  ['props that are null', () => new CanaryService(chart(), 'web', untyped(null)), 'canary "web": props must be an object (got null); pass the props as { ... }'],
  ['a name that is not text', () => new RolloutService(chart(), 'ad', untyped({ name: 5, port: 80, image: 'a:1', steps: [] })), 'rollout "ad": name must be text (got 5)'],
  ['an image that is not text', version({ image: 42 }), 'canary "web": version "v1" needs an image (got 42); set image to text'],
  ['a probe that is not a Probe', version({ liveness: '/healthz' }), 'version "v1": liveness must be a Probe (got "/healthz"); use e.g. Probe.httpGet("/healthz")'],
  ['weights given as a list beside another default route (seed 9)', (c) => service(c, { defaultRoute: DefaultRoute.EVEN, weights: untyped([{ v1: 100 }]) }),
    'weights apply to the default route only with DefaultRoute.WEIGHTS, and defaultRoute is even (got [{"v1":100}])'],
  ['a mirror host given as a list (seed 12)', (c) => service(c, { mirror: { host: untyped(['a.shop.svc.cluster.local']) } }),
    'default route mirror host must be a text (got ["a.shop.svc.cluster.local"])'],
  ['Source.workload() without a service (seed 19)', () => untyped(Source.workload)(), 'Source.workload: takes a service (a CanaryService) (got nothing)'],
  ['an analysis step naming a template by an object (seed 20)', () => RolloutStep.analysis([untyped({ 0: 'a' })]),
    'RolloutStep.analysis: templates are named by their AnalysisTemplate names (got {"0":"a"})'],
  ['a negative CPU request', version({ resources: { cpu: { request: '-1m' } } }), 'resources cpu request must not be negative (got "-1m")'],
  ['a sub-second minReady', version({ deploymentOptions: { minReady: Duration.millis(100) } }),
    'canary "web": version "v1": deploymentOptions minReady must be whole seconds, Kubernetes holds it in seconds (got 100ms)'],
  ['a progress deadline beyond int32 seconds', version({ deploymentOptions: { progressDeadline: Duration.hours(175_200_000) } }),
    'version "v1": deploymentOptions progressDeadline must be from 1 to 2147483647 seconds (got 175200000h)'],
  ['minReady above the progress deadline', version({ deploymentOptions: { minReady: Duration.days(1) } }),
    'version "v1": deploymentOptions progressDeadline must be longer than minReady (got progressDeadline 600s, minReady 86400s)'],
  // Issue 28: the workload's own types, checked as the API server and the kubelet would
  ['a quantity that is no Kubernetes quantity', version({ resources: { memory: { limit: '1 GB' } } }),
    'version "v1": resources memory limit must be a Kubernetes quantity (got "1 GB"); write it as text with a unit, e.g. "128Mi"'],
  ['a quantity given as a number', version({ resources: { cpu: { request: untyped(0.5) } } }), 'resources cpu request must be a Kubernetes quantity (got 0.5)'],
  ['a request above its limit', version({ resources: { memory: { request: '1Gi', limit: '512Mi' } } }),
    'resources memory request must be at most its limit (got request "1Gi", limit "512Mi")'],
  ['an unknown resource', version({ resources: untyped({ gpu: { limit: '1' } }) }), 'version "v1" resources has no prop "gpu", so it would be ignored'],
  ['a probe port out of range', () => Probe.httpGet('/healthz', { port: 70000 }), 'Probe.httpGet: port must be a whole number from 1 to 65535 (got 70000)'],
  ['a probe path without a slash', () => Probe.httpGet('healthz'), 'Probe.httpGet: path must be a request path starting with "/", without spaces (got "healthz")'],
  ['a sub-second probe period', () => Probe.tcpSocket({ period: Duration.millis(500) }), 'Probe.tcpSocket: period must be whole seconds, Kubernetes holds it in seconds (got 500ms)'],
  ['an unknown probe option', () => Probe.tcpSocket(untyped({ prot: 80 })), 'Probe.tcpSocket: ProbeOptions has no prop "prot", so it would be ignored (got "prot"); did you mean "port"?'],
  ['an exec probe with a port', () => Probe.exec(['true'], { port: 8080 }), 'Probe.exec: an exec probe connects to no port (got 8080)'],
  ['a liveness probe that needs two successes', version({ liveness: Probe.httpGet('/healthz', { successThreshold: 2 }) }),
    'version "v1": a liveness probe\'s successThreshold must be 1 (got 2)'],
  ['root under runAsNonRoot', version({ securityContext: { runAsUser: 0 } }), 'securityContext runAsUser 0 is root, which runAsNonRoot refuses (got runAsUser 0)'],
  ['privileged without privilege escalation', version({ securityContext: { privileged: true } }),
    'a privileged container always escalates privileges (got privileged true, allowPrivilegeEscalation false)'],
  ['an unknown security context field (cdk8s-plus\'s name)', version({ securityContext: untyped({ ensureNonRoot: false }) }),
    'version "v1" securityContext has no prop "ensureNonRoot", so it would be ignored'],
  ['a scratch volume at a relative path', version({ scratchVolumes: [{ name: 'tmp', path: 'tmp' }] }),
    'scratch volume "tmp" path must be an absolute path without ".." (got "tmp")'],
  ['two scratch volumes of one name', version({ scratchVolumes: [{ name: 'tmp', path: '/tmp' }, { name: 'tmp', path: '/var/tmp' }] }),
    'two scratch volumes are named "tmp"'],
  ['an unknown scratch volume field', version({ scratchVolumes: [untyped({ name: 'tmp', path: '/tmp', medium: 'Memory' })] }),
    'version "v1" scratch volume has no prop "medium", so it would be ignored'],
  ['a strategy made by hand', version({ deploymentOptions: { strategy: untyped({ type: 'Recreate' }) } }),
    'deploymentOptions strategy must be made with DeploymentStrategy (got {"type":"Recreate"}); use e.g. DeploymentStrategy.recreate()'],
  ['a rolling update that can replace no pod', () => DeploymentStrategy.rollingUpdate({ maxSurge: PodCount.absolute(0), maxUnavailable: PodCount.percent(0) }),
    'DeploymentStrategy.rollingUpdate: maxSurge and maxUnavailable cannot both be 0, or no pod could ever be replaced (got maxSurge 0, maxUnavailable "0%")'],
  ['an unknown Deployment option', version({ deploymentOptions: untyped({ revisionHistoryLimit: 3 }) }),
    'version "v1" deploymentOptions has no prop "revisionHistoryLimit", so it would be ignored'],
  ['cdk8s-plus\'s containerOptions', version({ containerOptions: { workingDir: '/app' } }), 'version "v1" has no prop "containerOptions", so it would be ignored'],
  ['a relative working directory', version({ workingDir: 'app' }), 'version "v1": workingDir must be an absolute path (got "app")'],
  ['two ports on one container port', (c) => service(c, { port: undefined, ports: [{ number: 8080, containerPort: 5000 }, { number: 9090, containerPort: 5000 }] }),
    'cdk8s-plus refuses the workload\'s options: Port with number 5000'],
  ['a weight that is an object', (c) => service(c, { weights: { v1: { value: 100 }, v2: 0 } }), 'must be a number (got {"value":100}); write a whole number from 0 to 100'],
  ['a waypoint flag that is an object', (c) => new MeshNamespace(c, 'shop', { waypoint: untyped({}) }), 'waypoints belong to the ambient data plane (got waypoint: {})'],
  ['a count beyond int32', (c) => rollout(c, analysisStep([AnalysisTemplate.errorRate(5, { count: 1e21 })], ['error-rate'])),
    'count must be a whole number from 0 to 2147483647 (got 1e+21)'],
  ['a weight step without a percent', (c) => rollout(c, { steps: [untyped(RolloutStep.weight)()] }), 'step 0 (setWeight nothing): setWeight must be a whole percentage'],
  ['a negative interval in plain seconds', () => AnalysisTemplate.errorRate(5, { interval: untyped(-5) }),
    'AnalysisTemplate.errorRate: interval must be a cdk8s Duration (got -5); use e.g. Duration.seconds(30)'],
  ['Flagger webhooks that are not a list', (c) => progressive(c, { analysis: { webhooks: 0 } }), 'progressive service "ad": webhooks must be a list (got 0)'],
  ['a load test command that is not text', (c) => progressive(c, { analysis: { webhooks: [Webhook.loadTest({ cmd: untyped(42) })] } }), 'load test cmd must be a command line (got 42)'],
  ['a Flagger A/B match made by hand', (c) => progressive(c, {
    analysis: { stepWeight: undefined, maxWeight: undefined, iterations: 5, match: [untyped({ headers: { 'x-canary': { exact: 'insider' } } })] },
  }), 'analysis match: every match must be made with the Match factories'],
  ['addLane with something that is not a lane', (c) => service(c).addLane(untyped('gray')), 'canary "web": addLane takes a ReleaseLane (got "gray")'],
  ['a lane including something that is not a service', (c) => new ReleaseLane(c, 'gray', { header: { name: 'env', value: 'gray' } }).include(untyped('web')),
    'lane "gray": include takes services that can join a lane (a CanaryService) (got "web")'],
  ['addRoute without options', (c) => untyped(service(c)).addRoute(), 'canary "web": addRoute takes the route\'s options (got nothing)'],
  ['a rule repeating a match of an earlier rule', (c) => {
    const web = service(c);
    web.addRoute({ match: [Match.headerExact('x-lane', 'gray')], to: 'v2' });
    web.addRoute({ match: [Match.queryParam('user', '1'), Match.headerExact('x-lane', 'gray')], to: 'v1' });
  }, 'route "rule-2": this match is never used, route "rule-1" before it has the same match'],
  ['a path prefix with a trailing slash after the same prefix without (one meaning: whole path elements)', (c) => {
    const web = service(c);
    web.addRoute({ name: 'static', match: [Match.uriPrefix('/static')], to: 'v2' });
    web.addRoute({ name: 'static-slash', match: [Match.uriPrefix('/static/')], to: 'v1' });
  }, 'route "static-slash" can never match: route "static" before it already matches the same requests'],
  ['a namespace revision given as a list (seed 25)', (c) => new MeshNamespace(c, 'web', { revision: untyped(['canary']) }),
    'namespace "web": revision must be a DNS-1123 label (got ["canary"])'],
  ['an exact path after the prefix of the same path (the prefix covers it; seed 27)', (c) => {
    const web = service(c);
    web.addRoute({ name: 'static', match: [Match.uriPrefix('/static')], to: 'v2' });
    web.addRoute({ name: 'static-exact', match: [Match.uriExact('/static')], to: 'v1' });
  }, 'route "static-exact" can never match: route "static" before it already matches the same requests'],
  ['a weight given as the text "NaN" (seed 28: no advice to unquote it)', (c) => new TrafficSplit(c, 'web', { host: 'web-svc', port: 80, backends: [{ service: 'web', weight: untyped('NaN') }] }),
    'weights: the weight of "web" must be a number (got "NaN"); write a whole number from 0 to 100'],
  ['sidecar props given as a list holding a construct (seed 31: the message shows the construct by its path)', (c) => {
    const cnn = new ExternalService(c, 'cnn', { hosts: ['api.example.com'] });
    return new MeshSidecar(c, 'web', untyped([{ externalServices: [cnn] }]));
  }, 'sidecar "web": props must be an object (got [{"externalServices":[ExternalService test/cnn]}])'],
  ['a policy for something that is not a service', (c) => new MeshAuthorizationPolicy(c, 'web', { service: untyped({ name: 'web', namespace: 'shop' }), allowFrom: [] }),
    'authorization policy "web": service must be one of our services (it gives the labels that select its pods)'],
  ['an apiVersion that is not one of IstioApiVersion', (c) => service(c, { apiVersion: 'networking.istio.io/v1alpha3' }),
    'destination rule "web": apiVersion must be one of IstioApiVersion (got "networking.istio.io/v1alpha3")'],
  // Props a construct does not read (untyped callers)
  ['stickyCanary given to a RolloutService, which does not read it', (c) => rollout(c, { stickyCanary: {} }),
    'rollout "ad": RolloutService has no prop "stickyCanary", so it would be ignored (got "stickyCanary"); remove it; RolloutService takes'],
  ['a misspelt prop', (c) => service(c, { weight: { v1: 100, v2: 0 } }), 'canary "web": CanaryService has no prop "weight", so it would be ignored (got "weight"); did you mean "weights"?'],
  ['a misspelt version prop', version({ replica: 2 }), 'canary "web": version "v1" has no prop "replica", so it would be ignored (got "replica"); did you mean "replicas"?'],
  ['a gateway prop on a MeshNamespace', (c) => new MeshNamespace(c, 'shop', untyped({ hosts: ['a.example.com'] })), 'namespace "shop": MeshNamespace has no prop "hosts"'],
  ['an A/B match given as one Match, not a list (seed 46)', (c) => progressive(c, { analysis: { match: untyped(Match.headerExact('x-canary', 'insider')), iterations: 10 } }),
    'progressive service "ad": analysis match must be a list (got header x-canary=insider); wrap it in [ ], e.g. [Match.headerExact("x-canary", "insider")]'],
  ['a route name the Gateway API CRDs refuse as a rule name (seed 67)', (c) => gatewayApiService(c).addRoute({ match: [Match.headerExact('x', 'y')], to: 'v2', name: 'A B' }),
    'canary "web": route "A B": a Gateway API rule name is lower-case letters, digits, "-" and ".", beginning and ending with a letter or digit (got "A B"); name it e.g. "a-b"'],
  ['a Gateway API gateway route named as no rule may be', (c) => gatewayApiGateway(c, ['shop.example.com']).addRoute({ match: [Match.uriPrefix('/api')], to: { host: 'api', port: 80 }, name: 'API' }),
    'gateway "gw": route "API": a Gateway API rule name is lower-case letters, digits, "-" and ".", beginning and ending with a letter or digit (got "API"); name it e.g. "api"'],
  ['a load test without options (seed 76)', () => Webhook.loadTest(untyped(undefined)),
    'Webhook.loadTest: options must be an object (got nothing); e.g. { cmd: "hey -z 1m -q 10 -c 2 http://web.shop:80/" }'],
  ['session affinity given as null (seed 80)', (c) => progressive(c, { analysis: { sessionAffinity: null } }),
    'progressive service "ad": sessionAffinity must be an object (got null); e.g. { cookieName: "flagger-cookie" }'],
  ['retries over the int32 the CRD allows (seed 83)', (c) => service(c, { retries: { attempts: 2 ** 31 } }),
    'canary "web": default route retries: attempts must be a whole number from 0 to 2147483647 (got 2147483648); use e.g. { attempts: 3 }'],
  ['a service account source whose namespace is an object (seed 81)', () => Source.serviceAccount(untyped({ 0: 'a0' }), 'web'),
    'Source.serviceAccount: the namespace must be text (got {"0":"a0"}); e.g. Source.serviceAccount("shop", "frontend")'],
  ['a container argument that is a number (seed 87)', version({ args: [untyped(1e21)] }),
    'canary "web": version "v1": args entries must be text (got 1e+21); quote it, e.g. "1e+21"'],
  ['a command given as one string', version({ command: untyped('nginx -g daemon off;') }),
    'canary "web": version "v1" command must be a list (got "nginx -g daemon off;"); wrap it in [ ], e.g. ["--port", "8080"]'],
  ['factory options given as null', () => AnalysisTemplate.successRate(95, untyped(null)),
    'AnalysisTemplate.successRate: options must be an object (got null); e.g. { name: "success-rate", interval: Duration.minutes(1) }'],
  ['factory options given as a list', () => Webhook.confirmRollout('http://gate.shop/', untyped([])),
    'Webhook.confirmRollout: options must be an object (got []); e.g. { name: "approval", timeout: Duration.seconds(30) }'],
  ['cookie hash options given as text', () => jest.requireActual('../src').LoadBalancer.consistentHashByCookie('user', untyped('1h')),
    'LoadBalancer.consistentHashByCookie: options must be an object (got "1h"); e.g. { ttl: Duration.hours(1), path: "/" }'],
  ['routeHeader options given as null', (c) => service(c).routeHeader('end-user', 'jason', 'v1', untyped(null)),
    'canary "web": the options of routeHeader must be an object (got null); e.g. { name: "testers", timeout: Duration.seconds(2) }'],
  ['a gateway route an earlier route\'s path prefix takes', (c) => {
    const gw = new MeshGateway(c, 'gw', { hosts: ['shop.example.com'] });
    gw.addRoute({ name: 'api', match: [Match.uriPrefix('/api')], to: { host: 'api', port: 80 } });
    gw.addRoute({ name: 'api-v1', match: [Match.uriPrefix('/api/v1')], to: { host: 'api-v1', port: 80 } });
  }, 'gateway "gw": route "api-v1": this route can never match, route "api" before it takes its requests (its path prefix /api/ takes /api/v1) '
    + '(got uri prefix /api/v1); add route "api-v1" before route "api", or give it a match that route does not take'],
  ['an egress gateway selector given as a list (seed 147)', (c) => new ExternalService(c, 'web', { hosts: ['api.example.com'], egressGateway: { selector: untyped([{ istio: 'egressgateway' }]) } }),
    'external service "web": egressGateway selector must be labels of the gateway pods (got [{"istio":"egressgateway"}]); e.g. { istio: "egressgateway" }'],
  ['an empty egress gateway selector', (c) => new ExternalService(c, 'web', { hosts: ['api.example.com'], egressGateway: { selector: {} } }),
    'external service "web": egressGateway selector must be labels of the gateway pods (got {}); e.g. { istio: "egressgateway" }'],
  ['a rule an earlier header rule takes, whatever else it matches (seed 151)', (c) => {
    const svc = service(c);
    svc.routeHeader('cookie', 'gray', 'v1');
    svc.addRoute({ name: 'grpc-gray', match: [Match.all(Match.grpcMethod('helloworld.Greeter', 'SayHello'), Match.headerExact('cookie', 'gray'))], to: 'v1' });
  }, 'canary "web": route "grpc-gray": this route can never match, route "cookie-gray" before it takes its requests (its match header cookie=gray '
    + 'takes every request of it) (got header cookie=gray and uri /helloworld.Greeter/SayHello); add route "grpc-gray" before route '
    + '"cookie-gray", or give it a match that route does not take'],
  ['an external service name too long once "-egress" is added (seed 159)', (c) => new ExternalService(c, 'web', { name: 'l'.repeat(57), hosts: ['edition.cnn.com'], egressGateway: true }),
    `external service "${'l'.repeat(57)}": the egress Gateway's name "<name>-egress" must be at most 63 characters (got "${'l'.repeat(57)}-egress", 64 characters); shorten the name to at most 56 characters`],
  ['an unknown resolution beside a wildcard host (seed 184)', (c) => new ExternalService(c, 'aa', { hosts: ['*.example.com'], resolution: untyped({ 0: 'DNS' }) }),
    'external service "aa": unknown resolution (got {"0":"DNS"}); use one of DNS, DNS_ROUND_ROBIN, NONE'],
  ['a service account name Kubernetes refuses (seeds 205, 213)', (c) => rollout(c, { serviceAccountName: '-a' }),
    'rollout "ad": serviceAccountName must be a DNS-1123 subdomain, as Kubernetes requires of service account names (got "-a"); use lower-case letters, digits, "-" and ".", starting and ending with a letter or digit, e.g. "shop-frontend"'],
  ['a service account name YAML would read as a number', (c) => service(c, { serviceAccountName: '-.inf' }),
    'canary "web": serviceAccountName must be a DNS-1123 subdomain, as Kubernetes requires of service account names (got "-.inf")'],
  ['an empty service account name', (c) => progressive(c, { serviceAccountName: '' }),
    'progressive service "ad": serviceAccountName must be a DNS-1123 subdomain, as Kubernetes requires of service account names (got "")'],
  ['an exposure whose rewrite changes nothing (seed 225)', (c) => service(c).exposeVia(new MeshGateway(c, 'gw', { hosts: ['web.example.com'] }), { rewrite: {} }),
    'canary "web": exposeVia rewrite changes nothing (got {}); give uri or authority'],
  ['a gateway server tls.mode that is no mode (seed 231)', (c) => new MeshGateway(c, 'gw', {
    servers: [{ port: { number: 443, name: 'https', protocol: 'HTTPS' }, hosts: ['shop.example.com'], tls: { mode: untyped(true) } }],
  }), 'gateway "gw": server "https": unknown tls.mode (got true); use one of PASSTHROUGH, SIMPLE, MUTUAL, AUTO_PASSTHROUGH, ISTIO_MUTUAL, OPTIONAL_MUTUAL'],
  ['weights given as a Match beside another default route (seed 244)', (c) => service(c, { defaultRoute: DefaultRoute.ALL_PODS, weights: untyped(Match.headerPresent('x-user')) }),
    'canary "web": weights apply to the default route only with DefaultRoute.WEIGHTS, and defaultRoute is all-pods (got header x-user present); drop the weights, or the defaultRoute'],
  ['a retry condition that is no text, with 0 attempts (seed 248)', (c) => service(c, { retries: { attempts: 0, retryOn: [untyped(Duration.seconds(5))] } }),
    'canary "web": default route retries: unknown retryOn condition (got 5s); use HTTP status codes or Envoy\'s conditions:'],
  ['a header name longer than the Gateway API CRD takes (seed 251)', (c) => gatewayApiService(c).addRoute({ match: [Match.headerExact(`x-${'a'.repeat(300)}`, 'jason')], to: 'v2' }),
    'route "shop/web": a header name in a HTTPRoute match holds at most 256 characters, as the Gateway API CRD allows (got "x-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...", 302 characters); shorten it, or route with RoutingApi.ISTIO'],
  ['a security context given as text', version({ securityContext: untyped('restricted') }),
    'canary "web": version "v1": securityContext must be an object (got "restricted"); e.g. { runAsUser: 65532 }'],
  ['resources given as a list', version({ resources: untyped([{ cpu: '1' }]) }),
    'canary "web": version "v1": resources must be an object (got [{"cpu":"1"}]); e.g. { cpu: { request: "250m" }, memory: { limit: "256Mi" } }'],
  ['deployment options given as null', version({ deploymentOptions: untyped(null) }),
    'canary "web": version "v1": deploymentOptions must be an object (got null); e.g. { strategy: DeploymentStrategy.recreate() }'],
  ['a gateway server tls given as text', (c) => new MeshGateway(c, 'gw', {
    servers: [{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['shop.example.com'], tls: untyped('redirect') }],
  }), 'gateway "gw": server "http": tls must be an object (got "redirect"); e.g. { httpsRedirect: true }'],
  // Found by the public-API property test: gateways
  ['a gateway route whose rewrite changes nothing (seed 33)', (c) => new MeshGateway(c, 'gw', { hosts: ['api.example.com'] })
    .addRoute({ match: [Match.uriPrefix('/api')], to: { host: 'static' }, rewrite: {} }),
  'gateway "gw": route "route-1" rewrite changes nothing (got {}); give uri or authority'],
  ['a gateway route whose rewrite is no object', (c) => new MeshGateway(c, 'gw', { hosts: ['api.example.com'] })
    .addRoute({ match: [Match.uriPrefix('/api')], to: { host: 'static' }, rewrite: untyped(null) }),
  'gateway "gw": route "route-1" rewrite must be an object (got null); e.g. { uri: "/" }'],
  ['a fault share under the smallest Istio injects (seed 34)', (c) => service(c, { fault: { abort: { grpcStatus: 'UNAVAILABLE', percent: 1e-9 } } }),
    'canary "web": default route fault abort percent must be 0 or from 0.0001 to 100, the smallest share Istio injects (got 1e-9); use 0.0001 or more, or 0 for none'],
  ['exposeVia hosts that overlap', (c) => service(c).exposeVia(new MeshGateway(c, 'gw', { hosts: ['*.example.com'] }), { hosts: ['*.example.com', 'a.example.com'] }),
    'canary "web": the hosts of one VirtualService cannot overlap, and Istio refuses one where a host equals or covers another (got *.example.com and a.example.com); keep "*.example.com"'],
  ['a short gateway host', (c) => new MeshGateway(c, 'gw', { hosts: ['web'] }),
    'gateway "gw": server "http" host must be a fully qualified name: an Istio Gateway takes no short names (got "web"); write the full name clients use, e.g. "web.example.com"'],
  ['a short gateway host after a namespace', (c) => new MeshGateway(c, 'gw', { hosts: ['shop/web'] }), 'an Istio Gateway takes no short names (got "shop/web")'],
  ['an ISTIO_MUTUAL server with a credentialName', (c) => new MeshGateway(c, 'gw', {
    servers: [{ port: { number: 443, name: 'https', protocol: 'HTTPS' }, hosts: ['a.example.com'], tls: { mode: GatewaySpecServersTlsMode.ISTIO_UNDERSCORE_MUTUAL, credentialName: 'c' } }],
  }), 'gateway "gw": server "https": tls mode ISTIO_MUTUAL uses the mesh\'s own certificates (got {"mode":"ISTIO_MUTUAL","credentialName":"c"}); drop credentialName'],
  ['a plain HTTP server with TLS settings', (c) => new MeshGateway(c, 'gw', {
    servers: [{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['*'], tls: { mode: GatewaySpecServersTlsMode.SIMPLE, credentialName: 'c' } }],
  }), 'gateway "gw": server "http": a plain-text HTTP server takes no TLS settings but httpsRedirect (got {"mode":"SIMPLE","credentialName":"c"})'],
  ['a plain HTTP server with a credential and no mode', (c) => new MeshGateway(c, 'gw', {
    servers: [{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['*'], tls: { credentialName: 'c' } }],
  }), 'a plain-text HTTP server takes no TLS settings but httpsRedirect (got {"credentialName":"c"}); put credentialName on a server of protocol HTTPS'],
  ['TLS settings on a TCP server', (c) => new MeshGateway(c, 'gw', { servers: [{ port: { number: 5432, name: 'db', protocol: 'TCP' }, hosts: ['db.example.com'], tls: {} }] }),
    'gateway "gw": server "db": a TCP server takes no TLS settings (got {}); drop tls, or use protocol TLS'],
  ['httpsRedirect on an HTTPS server', (c) => new MeshGateway(c, 'gw', {
    servers: [{ port: { number: 443, name: 'https', protocol: 'HTTPS' }, hosts: ['a.example.com'], tls: { mode: GatewaySpecServersTlsMode.SIMPLE, credentialName: 'c', httpsRedirect: true } }],
  }), 'server "https": httpsRedirect belongs on a plain-text HTTP server, and this one is HTTPS'],
  ['MUTUAL with certificate files and no client CA', (c) => new MeshGateway(c, 'gw', {
    servers: [{ port: { number: 443, name: 'https', protocol: 'HTTPS' }, hosts: ['a.example.com'], tls: { mode: GatewaySpecServersTlsMode.MUTUAL, serverCertificate: '/c.pem', privateKey: '/k.pem' } }],
  }), 'server "https": tls mode MUTUAL with certificate files needs the client CA bundle'],
  ['a server port without a name', (c) => new MeshGateway(c, 'gw', { servers: [{ port: untyped({ number: 80, protocol: 'HTTP' }), hosts: ['a.example.com'] }] }),
    'gateway "gw": servers entry 1: the port needs a name (got {"number":80,"protocol":"HTTP"})'],
  ['a server port without a protocol', (c) => new MeshGateway(c, 'gw', { servers: [{ port: untyped({ number: 80, name: 'http' }), hosts: ['a.example.com'] }] }),
    'gateway "gw": server "http": the port protocol must be one Istio knows (got nothing)'],
  ['a server port protocol that is no text', (c) => new MeshGateway(c, 'gw', { servers: [{ port: { number: 80, name: 'http', protocol: untyped(false) }, hosts: ['a.example.com'] }] }),
    'server "http": the port protocol must be one Istio knows (got false)'],
  ['a gateway without props', (c) => new (MeshGateway as any)(c, 'gw'), 'gateway "gw": props must be an object (got nothing)'],
  ['a gateway name that is no text', (c) => new MeshGateway(c, 'gw', { name: untyped(42), hosts: ['a.example.com'] }), 'gateway "gw": name must be text (got 42)'],
  ['a gateway name that is a list', (c) => new MeshGateway(c, 'gw', { name: untyped(['gw']), hosts: ['a.example.com'] }), 'gateway "gw": name must be text (got ["gw"])'],
  ['MeshGateway.fromName without options', (c) => (MeshGateway as any).fromName(c, 'gw', 'istio-system/ingress'),
    'gateway "istio-system/ingress": MeshGateway.fromName needs the hosts its servers admit, as options (got nothing)'],
  ['MeshGateway.fromName with a reference that is no text', (c) => MeshGateway.fromName(c, 'gw', untyped(5), { hosts: ['*'] }), 'gateway "gw": MeshGateway.fromName needs the Gateway as'],
  ['a gateway route without a target', (c) => new MeshGateway(c, 'gw', { hosts: ['a.example.com'] }).addRoute(untyped({ match: [Match.uriPrefix('/api')] })),
    'gateway "gw": route "route-1" needs a target: a CanaryService, or a Service as { host, port } (got nothing)'],
  ['a gateway route that is no object', (c) => new MeshGateway(c, 'gw', { hosts: ['a.example.com'] }).addRoute(untyped('x')),
    'gateway "gw": addRoute needs the route as an object (got "x")'],
  ['exposeVia with no gateway', (c) => service(c).exposeVia(untyped({})), 'canary "web": exposeVia needs a gateway (got {}); pass a MeshGateway'],
  ['exposeVia with a service in place of the gateway', (c) => {
    const web = service(c);
    web.exposeVia(untyped(web));
  }, 'exposeVia needs a gateway (got CanaryService test/web)'],
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
  test.each(CASES)('%s', (name, build, message) => {
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
    expect(error!.message).not.toMatch(/undefined|\[object Object\]/);
    if (!name.includes('NaN')) expect(error!.message).not.toMatch(/NaN/); // NaN only where the user wrote it
  });

  test('a header value that is undefined never becomes a presence match', () => {
    const c = chart();
    const web = service(c);
    expect(() => web.routeHeader('env', untyped(undefined), 'v2')).toThrow();
    const vs = Testing.synth(c).find((o) => o.kind === 'VirtualService');
    expect(vs.spec.http.map((r: any) => r.name)).toEqual(['default']);
  });

  test('charts that depend on each other are refused in our words, and nothing is written', () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cycle-'));
    const app = new App({ outdir });
    const edge = new Chart(app, 'edge');
    const shop = new Chart(app, 'shop');
    const gw = new MeshGateway(edge, 'gw', { hosts: ['web.example.com'] });
    const api = new ExternalService(shop, 'api', { hosts: ['api.example.com'] });
    new CanaryService(shop, 'web', { port: 9090, versions: [versions[0]] }).exposeVia(gw);
    new MeshSidecar(edge, 'sidecar', { externalServices: [api] });
    expect(() => app.synth()).toThrow(/^app: the charts depend on each other, so cdk8s cannot order them \(got (edge|shop) => (edge|shop) => (edge|shop)\); put the gateway/);
    expect(fs.readdirSync(outdir)).toEqual([]);
    fs.rmSync(outdir, { recursive: true, force: true });
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
