/**
 * The seed scenarios our users follow, one chart each, written the way a user would write them.
 * `examples/main.ts` synthesizes them into manifests/; the tests snapshot and check every chart.
 */
import { Chart, Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { bookinfoReviews } from './bookinfo';
import { CanaryService, GatewayTls, Match, MeshGateway, MeshNamespace, Protocol, RoutingApi, RoutingApiContext } from '../src';

/** Where a seed chart goes and which API it routes with (the Gateway API twins of the charts pass both). */
export interface ScenarioOptions {
  /** The chart's namespace; every chart has its own, so all of manifests/ applies to one cluster. */
  readonly namespace?: string;
  /** The chart-wide routing API (`RoutingApiContext`). */
  readonly routingApi?: RoutingApi;
}

/** A chart in `options.namespace` (else `namespace`), routing with `options.routingApi` when given. */
function scenarioChart(chart: Chart, options: ScenarioOptions): void {
  if (options.routingApi) RoutingApiContext.applyTo(chart, options.routingApi);
}

/** nginx v1 and v2 behind one Service, 90/10 (the gray-release tutorial, mesh half). */
export class NginxCanaryChart extends Chart {
  public readonly nginx: CanaryService;

  constructor(scope: Construct, id: string, options: ScenarioOptions = {}) {
    super(scope, id, { namespace: options.namespace ?? 'canary' });
    scenarioChart(this, options);
    // The stock nginx image runs as root and writes to its root filesystem.
    const nginxNeeds = { runAsNonRoot: false, readOnlyRootFilesystem: false };
    this.nginx = new CanaryService(this, 'nginx', {
      port: 80,
      versions: [
        { name: 'v1', image: 'nginx:1.27', securityContext: nginxNeeds },
        { name: 'v2', image: 'nginx:1.28', replicas: 1, securityContext: nginxNeeds },
      ],
      weights: { v1: 90, v2: 10 },
    });
  }
}

const greeterVersions = [
  { name: 'v1', image: 'registry.example.com/greeter:1.0.0' },
  { name: 'v2', image: 'registry.example.com/greeter:2.0.0', replicas: 1 },
];

/** gRPC greeter: header `version: 100` to v1, `version: 200` to v2, everything else to v1. */
export class GrpcHeaderChart extends Chart {
  public readonly greeter: CanaryService;

  constructor(scope: Construct, id: string, options: ScenarioOptions = {}) {
    super(scope, id, { namespace: options.namespace ?? 'grpc' });
    scenarioChart(this, options);
    this.greeter = new CanaryService(this, 'greeter', {
      port: 50051,
      protocol: Protocol.GRPC,
      versions: greeterVersions,
    });
    this.greeter.routeHeader('version', '100', 'v1');
    this.greeter.routeHeader('version', '200', 'v2');
  }
}

/** gRPC greeter: `SayHello` split 10/90 with a 5s timeout; other methods stay on v1. */
export class GrpcWeightedChart extends Chart {
  public readonly greeter: CanaryService;

  constructor(scope: Construct, id: string, options: ScenarioOptions & { protocol?: Protocol } = {}) {
    super(scope, id, { namespace: options.namespace ?? 'grpc-weighted' });
    scenarioChart(this, options);
    this.greeter = new CanaryService(this, 'greeter', {
      port: 50051,
      protocol: options.protocol ?? Protocol.GRPC,
      versions: greeterVersions,
    });
    this.greeter.addRoute({
      name: 'say-hello',
      match: [Match.grpcMethod('helloworld.Greeter', 'SayHello')],
      to: { v1: 10, v2: 90 },
      timeout: Duration.seconds(5),
    });
  }
}

/** Bookinfo reviews v1/v2/v3: `end-user: jason` to v2, everyone else 50/10/40. */
export class BookinfoReviewsChart extends Chart {
  public readonly reviews: CanaryService;

  constructor(scope: Construct, id: string, options: ScenarioOptions = {}) {
    super(scope, id, { namespace: options.namespace ?? 'bookinfo' });
    scenarioChart(this, options);
    this.reviews = bookinfoReviews(this);
  }
}

/**
 * Ingress gray release: cat (prod, gray) behind `*.istio.gray.com`, header `env: prod` -> prod, `env: gray` -> gray,
 * anything else (`env: daily`) -> prod; mouse, called by cat inside the mesh, follows the same header rules.
 */
export class CatMouseGatewayChart extends Chart {
  public readonly cat: CanaryService;
  public readonly mouse: CanaryService;
  public readonly gateway: MeshGateway;

  constructor(scope: Construct, id: string, options: ScenarioOptions = {}) {
    const namespace = options.namespace ?? 'gray';
    super(scope, id, { namespace });
    scenarioChart(this, options);
    new MeshNamespace(this, namespace);
    this.gateway = new MeshGateway(this, 'gray-gateway', { hosts: ['*.istio.gray.com'] });
    const grayRelease = (name: string) => {
      const service = new CanaryService(this, name, {
        port: 8080,
        versions: [
          { name: 'prod', image: `registry.example.com/${name}:1.0.0` },
          { name: 'gray', image: `registry.example.com/${name}:1.1.0`, replicas: 1 },
        ],
      });
      service.routeHeader('env', 'prod', 'prod');
      service.routeHeader('env', 'gray', 'gray');
      return service;
    };
    this.cat = grayRelease('cat');
    this.mouse = grayRelease('mouse');
    this.cat.exposeVia(this.gateway, { hosts: ['cat.istio.gray.com'] });
  }
}

/**
 * The Kubernetes canary tutorial: nginx v1/v2 behind `canary-gateway` on port 80, 90/10, ingress only. The tutorial's
 * gateway serves host `*`; here it serves `nginx.example.com`, because a `*` server on the shared ingress gateway
 * would conflict with every other chart's Gateway on port 80 (Istio's IST0145, which the synth-time analysis reports).
 */
export class NginxGatewayCanaryChart extends Chart {
  public readonly nginx: CanaryService;

  constructor(scope: Construct, id: string, options: ScenarioOptions = {}) {
    super(scope, id, { namespace: options.namespace ?? 'canary-gateway' });
    scenarioChart(this, options);
    const gateway = new MeshGateway(this, 'canary-gateway', { hosts: ['nginx.example.com'] });
    const nginxNeeds = { runAsNonRoot: false, readOnlyRootFilesystem: false };
    this.nginx = new CanaryService(this, 'nginx', {
      port: 80,
      versions: [
        { name: 'v1', image: 'nginx:1.27', securityContext: nginxNeeds },
        { name: 'v2', image: 'nginx:1.28', securityContext: nginxNeeds },
      ],
      weights: { v1: 90, v2: 10 },
      mesh: false, // the tutorial routes ingress traffic only
    });
    this.nginx.exposeVia(gateway); // inherits the gateway's one host
  }
}

/**
 * Bookinfo's gateway: the productpage paths to productpage on 9080, reviews canary in the mesh; optionally HTTPS.
 * Bookinfo serves host `*`; here each chart names its host, so the charts can share one ingress gateway (IST0145).
 */
export class BookinfoGatewayChart extends Chart {
  public readonly gateway: MeshGateway;
  public readonly productpage: CanaryService;

  constructor(scope: Construct, id: string, options: ScenarioOptions & { host?: string; tls?: GatewayTls; ambient?: boolean } = {}) {
    // Each example chart has its own namespace, so that all of manifests/ can be applied to one cluster.
    super(scope, id, { namespace: options.namespace ?? 'bookinfo-gateway' });
    scenarioChart(this, options);
    if (options.ambient) new MeshNamespace(this, this.namespace!, { ambient: true });
    const tls = options.tls;
    this.gateway = new MeshGateway(this, 'bookinfo-gateway', { hosts: [options.host ?? 'bookinfo.example.com'], tls });
    this.productpage = new CanaryService(this, 'productpage', {
      port: 9080,
      versions: [{
        name: 'v1',
        image: 'registry.istio.io/release/examples-bookinfo-productpage-v1:1.20.3',
        scratchVolumes: [{ name: 'tmp', path: '/tmp' }],
      }],
    });
    this.gateway.addRoute({
      name: 'productpage',
      match: [
        Match.uriExact('/productpage'),
        Match.uriPrefix('/static'),
        Match.uriExact('/login'),
        Match.uriExact('/logout'),
        Match.uriPrefix('/api/v1/products'),
      ],
      to: this.productpage,
    });
    bookinfoReviews(this);
  }
}

/** Bookinfo's gateway over HTTPS (certificate in Secret `bookinfo-cert`), with HTTP redirected to HTTPS. */
export class BookinfoHttpsGatewayChart extends BookinfoGatewayChart {
  constructor(scope: Construct, id: string) {
    super(scope, id, { namespace: 'bookinfo-https', host: 'secure.bookinfo.example.com', tls: { credentialName: 'bookinfo-cert', httpsRedirect: true } });
  }
}

/** The charts of this file, by output file name. */
export const SEED_CHARTS = {
  'nginx-canary': NginxCanaryChart,
  'grpc-header': GrpcHeaderChart,
  'grpc-weighted': GrpcWeightedChart,
  'bookinfo-reviews': BookinfoReviewsChart,
  'cat-mouse-gateway': CatMouseGatewayChart,
  'nginx-gateway-canary': NginxGatewayCanaryChart,
  'bookinfo-gateway': BookinfoGatewayChart,
  'bookinfo-gateway-https': BookinfoHttpsGatewayChart,
} as const;
