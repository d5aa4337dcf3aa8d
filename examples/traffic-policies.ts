/**
 * Istio's traffic-management tasks (fault injection, circuit breaking, mirroring, TCP shifting) and one service
 * that carries every other route and traffic policy option, written the way a user would write them.
 */
import { Chart, Duration } from 'cdk8s';
import { Construct } from 'constructs';
import {
  CanaryService, ClientTlsMode, LoadBalancer, Match, MeshAuthorizationPolicy, MeshGateway, MeshNamespace,
  MeshPeerAuthentication, MtlsMode, Protocol, Source,
} from '../src';

const ratingsVersions = [{ name: 'v1', image: 'registry.istio.io/release/examples-bookinfo-ratings-v1:1.20.3' }];

/**
 * Bookinfo fault injection, delay: requests of `end-user: jason` to ratings wait 7s (reviews' 10s budget then
 * shows the bug of the task); everyone else is not delayed.
 */
export class BookinfoRatingsDelayChart extends Chart {
  public readonly ratings: CanaryService;

  constructor(scope: Construct, id: string) {
    super(scope, id, { namespace: 'bookinfo-delay' });
    this.ratings = new CanaryService(this, 'ratings', { port: 9080, versions: ratingsVersions });
    this.ratings.routeHeader('end-user', 'jason', 'v1', { fault: { delay: { fixed: Duration.seconds(7), percent: 100 } } });
  }
}

/** Bookinfo fault injection, abort: ratings answers `end-user: jason` with HTTP 500; everyone else is served. */
export class BookinfoRatingsAbortChart extends Chart {
  public readonly ratings: CanaryService;

  constructor(scope: Construct, id: string) {
    super(scope, id, { namespace: 'bookinfo-abort' });
    this.ratings = new CanaryService(this, 'ratings', { port: 9080, versions: ratingsVersions });
    this.ratings.routeHeader('end-user', 'jason', 'v1', { fault: { abort: { httpStatus: 500, percent: 100 } } });
  }
}

const httpbinImage = 'docker.io/mccutchen/go-httpbin:v2.15.0';
/** Images that leave the user unset (root) but need no privilege: run them as an unprivileged user. */
const unprivileged = { runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532 };

/**
 * The circuit-breaking task: httpbin with 1 connection, 1 pending request, 1 request per connection, and any
 * pod that answers one 5xx ejected for 3 minutes.
 */
export class HttpbinCircuitBreakerChart extends Chart {
  public readonly httpbin: CanaryService;

  constructor(scope: Construct, id: string) {
    super(scope, id, { namespace: 'circuit-breaker' });
    this.httpbin = new CanaryService(this, 'httpbin', {
      port: 8000,
      containerPort: 8080,
      versions: [{ name: 'v1', image: httpbinImage, replicas: 1, securityContext: unprivileged }],
      trafficPolicy: {
        connectionPool: { maxConnections: 1, http1MaxPendingRequests: 1, maxRequestsPerConnection: 1 },
        outlierDetection: {
          consecutive5xxErrors: 1,
          interval: Duration.seconds(1),
          baseEjectionTime: Duration.minutes(3),
          maxEjectionPercent: 100,
        },
      },
    });
  }
}

/** The mirroring task: every request served by httpbin v1, half of them copied to v2, whose answers are dropped. */
export class HttpbinMirrorChart extends Chart {
  public readonly httpbin: CanaryService;

  constructor(scope: Construct, id: string) {
    super(scope, id, { namespace: 'mirror' });
    this.httpbin = new CanaryService(this, 'httpbin', {
      port: 8000,
      containerPort: 8080,
      versions: [
        { name: 'v1', image: httpbinImage, replicas: 1, securityContext: unprivileged },
        { name: 'v2', image: httpbinImage, replicas: 1, securityContext: unprivileged },
      ],
      mirror: { version: 'v2', percent: 50 },
    });
  }
}

/** The TCP traffic-shifting task: tcp-echo on two TCP ports, 80% to v1 and 20% to v2. */
export class TcpEchoChart extends Chart {
  public readonly tcpEcho: CanaryService;

  constructor(scope: Construct, id: string) {
    super(scope, id, { namespace: 'tcp-echo' });
    const version = (name: string, prefix: string) => ({
      name,
      image: 'docker.io/istio/tcp-echo-server:1.3',
      args: ['9000,9001,9002', prefix],
      replicas: 1,
      securityContext: unprivileged,
    });
    this.tcpEcho = new CanaryService(this, 'tcp-echo', {
      ports: [{ number: 9000, protocol: Protocol.TCP }, { number: 9001, protocol: Protocol.TCP }],
      versions: [version('v1', 'one'), version('v2', 'two')],
      weights: { v1: 80, v2: 20 },
    });
  }
}

/**
 * A shop catalog with HTTP, gRPC and TCP ports and every other option: retries, a timeout and CORS on the default
 * route, a redirect, a rewrite with request headers, a response header naming the version, sticky sessions,
 * Istio mTLS, circuit breaking for the gray version, STRICT mTLS for the namespace and an authorization policy
 * admitting the ingress gateway and the shop's own workloads.
 */
export class ShopPoliciesChart extends Chart {
  public readonly catalog: CanaryService;

  constructor(scope: Construct, id: string) {
    super(scope, id, { namespace: 'shop' });
    new MeshNamespace(this, 'shop');
    new MeshPeerAuthentication(this, 'default', { mode: MtlsMode.STRICT });
    const gateway = new MeshGateway(this, 'shop-gateway', { hosts: ['shop.example.com'] });
    const image = (tag: string) => `registry.example.com/catalog:${tag}`;
    this.catalog = new CanaryService(this, 'catalog', {
      ports: [
        { number: 8080, protocol: Protocol.HTTP },
        { number: 9090, protocol: Protocol.GRPC },
        { number: 7000, protocol: Protocol.TCP, name: 'tcp-metrics' },
      ],
      versions: [
        { name: 'stable', image: image('3.4.0'), headers: { response: { set: { 'x-catalog-version': 'stable' } } } },
        {
          name: 'gray',
          image: image('3.5.0'),
          replicas: 1,
          headers: { response: { set: { 'x-catalog-version': 'gray' } } },
          // Inherits the service-wide load balancer and TLS; adds circuit breaking for the new version.
          trafficPolicy: { outlierDetection: { consecutive5xxErrors: 3, interval: Duration.seconds(10), baseEjectionTime: Duration.seconds(30) } },
        },
      ],
      weights: { stable: 90, gray: 10 },
      timeout: Duration.seconds(10),
      retries: { attempts: 3, perTryTimeout: Duration.seconds(2), retryOn: ['5xx', 'connect-failure', 'refused-stream'] },
      corsPolicy: {
        allowOrigins: ['https://shop.example.com'],
        allowMethods: ['GET', 'POST'],
        allowHeaders: ['authorization', 'content-type'],
        maxAge: Duration.hours(24),
      },
      trafficPolicy: {
        loadBalancer: LoadBalancer.consistentHashByCookie('shop-session', { ttl: Duration.hours(1) }),
        tls: { mode: ClientTlsMode.ISTIO_MUTUAL },
      },
    });
    this.catalog.addRoute({
      name: 'old-catalog',
      match: [Match.uriPrefix('/old-catalog').and(Match.port(8080))], // the web port only, not gRPC
      redirect: { uri: '/catalog', code: 301 },
    });
    this.catalog.addRoute({
      name: 'beta-api',
      match: [Match.uriPrefix('/beta/api').and(Match.port(8080))],
      to: 'gray',
      rewrite: { uri: '/api' },
      headers: { request: { set: { 'x-beta': 'true' }, remove: ['x-debug'] } },
    });
    this.catalog.exposeVia(gateway, { port: 8080 });
    new MeshAuthorizationPolicy(this, 'catalog-callers', {
      service: this.catalog,
      allowFrom: [Source.ingressGateway(), Source.namespace('shop')],
    });
  }
}

/** The charts of this file, by output file name. */
export const TRAFFIC_POLICY_CHARTS = {
  'bookinfo-ratings-delay': BookinfoRatingsDelayChart,
  'bookinfo-ratings-abort': BookinfoRatingsAbortChart,
  'httpbin-circuit-breaker': HttpbinCircuitBreakerChart,
  'httpbin-mirror': HttpbinMirrorChart,
  'tcp-echo': TcpEchoChart,
  'shop-policies': ShopPoliciesChart,
} as const;
