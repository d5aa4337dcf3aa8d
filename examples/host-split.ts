/**
 * Host-level splitting: routes to a Service per version. The web-svc tutorial (existing tomcat-svc and httpd-svc)
 * with TrafficSplit, and bookinfo reviews with `split: Split.HOST`.
 */
import { Chart, Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { bookinfoReviews } from './bookinfo';
import { CanaryService, RoutingApi, RoutingApiContext, Split, TrafficSplit } from '../src';

/**
 * What the tutorial deploys before any routing: tomcat and httpd pods (both `app: web`), a Service for each
 * (`tomcat-svc`, `httpd-svc`, port 8080) and `web-svc` over both, which clients call.
 */
function webBackends(scope: Construct): void {
  // The stock tomcat and httpd images run as root.
  const rootImage = { securityContext: { ensureNonRoot: false, readOnlyRootFilesystem: false } };
  const service = (name: string, selector: Record<string, string>, targetPort: number) => new kplus.k8s.KubeService(scope, `Service-${name}`, {
    metadata: { name, labels: { app: 'web' } },
    spec: {
      selector,
      ports: [{ name: 'http', port: 8080, targetPort: kplus.k8s.IntOrString.fromNumber(targetPort), protocol: 'TCP', appProtocol: 'http' }],
    },
  });
  for (const [server, image, port] of [['tomcat', 'tomcat:10.1', 8080], ['httpd', 'httpd:2.4', 80]] as const) {
    const labels = { app: 'web', server };
    const deployment = new kplus.Deployment(scope, server, {
      metadata: { name: server, labels },
      replicas: 1,
      select: false,
      podMetadata: { labels },
      containers: [{ name: server, image, ports: [{ number: port, name: 'http' }], ...rootImage }],
    });
    deployment.select(kplus.LabelSelector.of({ labels }));
    service(`${server}-svc`, labels, port);
  }
  service('web-svc', { app: 'web' }, 8080);
}

/** The tutorial, first step: web-svc split 80/20 between tomcat-svc and httpd-svc. */
export class WebSplitWeightedChart extends Chart {
  public readonly web: TrafficSplit;

  constructor(scope: Construct, id: string, options: { namespace?: string; routingApi?: RoutingApi } = {}) {
    super(scope, id, { namespace: options.namespace ?? 'web-weighted' });
    if (options.routingApi) RoutingApiContext.applyTo(this, options.routingApi);
    webBackends(this);
    this.web = new TrafficSplit(this, 'web-svc', {
      host: 'web-svc',
      port: 8080,
      backends: [{ service: 'tomcat-svc', weight: 80 }, { service: 'httpd-svc', weight: 20 }],
    });
  }
}

/** The tutorial, second step: `end-user: zyx` to tomcat-svc, everyone else to httpd-svc. */
export class WebSplitHeaderChart extends Chart {
  public readonly web: TrafficSplit;

  constructor(scope: Construct, id: string, options: { namespace?: string; routingApi?: RoutingApi } = {}) {
    super(scope, id, { namespace: options.namespace ?? 'web-header' });
    if (options.routingApi) RoutingApiContext.applyTo(this, options.routingApi);
    webBackends(this);
    this.web = new TrafficSplit(this, 'web-svc', {
      host: 'web-svc',
      port: 8080,
      backends: [{ service: 'tomcat-svc' }, { service: 'httpd-svc', weight: 100 }],
    });
    this.web.routeHeader('end-user', 'zyx', 'tomcat-svc');
  }
}

/**
 * Bookinfo reviews with a Service per version (`reviews-v1`, `reviews-v2`, `reviews-v3`): jason to v2, everyone
 * else 50/10/40, as in the subset chart; circuit breaking lands on a DestinationRule per version Service.
 */
export class BookinfoReviewsHostSplitChart extends Chart {
  public readonly reviews: CanaryService;

  constructor(scope: Construct, id: string) {
    super(scope, id, { namespace: 'bookinfo-host' });
    this.reviews = bookinfoReviews(this, {
      split: Split.HOST,
      trafficPolicy: { outlierDetection: { consecutive5xxErrors: 5, interval: Duration.seconds(10), baseEjectionTime: Duration.seconds(30) } },
    });
  }
}

/** The charts of this file, by output file name. */
export const HOST_SPLIT_CHARTS = {
  'web-split-weighted': WebSplitWeightedChart,
  'web-split-header': WebSplitHeaderChart,
  'bookinfo-reviews-host': BookinfoReviewsHostSplitChart,
} as const;
