/**
 * The seed scenarios our users follow, one chart each, written the way a user would write them.
 * `examples/main.ts` synthesizes them into manifests/; the tests snapshot and check every chart.
 */
import { App, Chart, Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { CanaryService, Match, Protocol } from '../src';

/** nginx v1 and v2 behind one Service, 90/10 (the gray-release tutorial, mesh half). */
export class NginxCanaryChart extends Chart {
  public readonly nginx: CanaryService;

  constructor(scope: Construct, id: string) {
    super(scope, id, { namespace: 'canary' });
    // The stock nginx image runs as root and writes to its root filesystem.
    const nginxNeeds = { securityContext: { ensureNonRoot: false, readOnlyRootFilesystem: false } };
    this.nginx = new CanaryService(this, 'nginx', {
      port: 80,
      versions: [
        { name: 'v1', image: 'nginx:1.27', containerOptions: nginxNeeds },
        { name: 'v2', image: 'nginx:1.28', replicas: 1, containerOptions: nginxNeeds },
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

  constructor(scope: Construct, id: string) {
    super(scope, id, { namespace: 'grpc' });
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

  constructor(scope: Construct, id: string) {
    super(scope, id, { namespace: 'grpc-weighted' });
    this.greeter = new CanaryService(this, 'greeter', {
      port: 50051,
      protocol: Protocol.GRPC,
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

  constructor(scope: Construct, id: string) {
    super(scope, id, { namespace: 'bookinfo' });
    const image = (v: string) => `registry.istio.io/release/examples-bookinfo-reviews-${v}:1.20.3`;
    // WebSphere Liberty writes to /tmp and its output folder; the root filesystem stays read-only.
    const writable = (version: string) => {
      const tmp = kplus.Volume.fromEmptyDir(this, `tmp-${version}`, 'tmp');
      const output = kplus.Volume.fromEmptyDir(this, `wlp-output-${version}`, 'wlp-output');
      return {
        containerOptions: { volumeMounts: [{ path: '/tmp', volume: tmp }, { path: '/opt/ibm/wlp/output', volume: output }] },
        env: { LOG_DIR: '/tmp/logs' },
      };
    };
    this.reviews = new CanaryService(this, 'reviews', {
      port: 9080,
      versions: [
        { name: 'v1', image: image('v1'), ...writable('v1') },
        { name: 'v2', image: image('v2'), replicas: 1, ...writable('v2') },
        { name: 'v3', image: image('v3'), ...writable('v3') },
      ],
      weights: { v1: 50, v2: 10, v3: 40 },
    });
    this.reviews.routeHeader('end-user', 'jason', 'v2');
  }
}

/** Every example chart, by its output file name. */
export const EXAMPLE_CHARTS = {
  'nginx-canary': NginxCanaryChart,
  'grpc-header': GrpcHeaderChart,
  'grpc-weighted': GrpcWeightedChart,
  'bookinfo-reviews': BookinfoReviewsChart,
} as const;

/** Adds every example chart to `app`. */
export function addExampleCharts(app: App): Chart[] {
  return Object.entries(EXAMPLE_CHARTS).map(([id, ChartClass]) => new ChartClass(app, id));
}
