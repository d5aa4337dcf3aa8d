import { ApiObject, Chart, Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { renderAnalysis, renderMetricTemplates } from './flagger/canary';
import { renderRoutePolicy } from './istio/route-policy';
import { renderHttpMatchList, withoutIneffectiveMatches } from './istio/routes';
import { renderTrafficPolicy } from './istio/traffic-policy';
import { MeshAnalysis } from './mesh-analysis';
import { dropUndefined } from './model/data';
import { PropNames, checkKnownProps, checkList, constructName, refuse, show } from './model/errors';
import { Analysis, checkAnalysis } from './model/flagger';
import { RoutingApi } from './model/gateway-api';
import { MESH_GATEWAY, checkVirtualServiceHosts, serverAdmits } from './model/hosts';
import { Match, checkContainerPort, checkMatch, checkPort } from './model/match';
import { checkDnsLabel, checkServiceName } from './model/names';
import { Protocol, isHttpProtocol } from './model/protocol';
import { Retries, checkRoutePolicy, checkWholeSeconds } from './model/route-policy';
import { TrafficPolicy, checkTrafficPolicy } from './model/traffic-policy';
import { podServiceAccount } from './private/service-account';
import { IMeshGateway } from './targets';
import { WORKLOAD_PROPS, WorkloadProps, checkWorkloadProps, createWorkloadDeployment } from './workload';
import { Canary, MetricTemplate } from '../imports/flagger.app';

/** Props of a {@link ProgressiveService}. */
export interface ProgressiveServiceProps extends WorkloadProps {
  /**
   * Service name: the Deployment, the `app` label, the Canary and the Services Flagger creates
   * (`<name>`, `<name>-primary`, `<name>-canary`).
   * @default the construct id
   */
  readonly name?: string;
  /**
   * Namespace.
   * @default the chart's namespace, else 'default'
   */
  readonly namespace?: string;
  /** Service port. */
  readonly port: number;
  /**
   * Port the container listens on.
   * @default `port`
   */
  readonly containerPort?: number;
  /**
   * Application protocol; names the port (`http`, `grpc`, ...) so Istio can tell it.
   * @default Protocol.HTTP
   */
  readonly protocol?: Protocol;
  /**
   * Further hosts of Flagger's VirtualService, e.g. the public host at a gateway.
   * @default none: Flagger's VirtualService routes the service name only
   */
  readonly hosts?: string[];
  /**
   * Gateways the VirtualService is bound to; each host must fit one of the gateway's hosts.
   * @default none (mesh only)
   */
  readonly gateways?: IMeshGateway[];
  /**
   * Also bind to the mesh. With gateways and `mesh: false`, in-mesh callers reach the primary only: their
   * requests never reach the canary and never count in the analysis.
   * @default true
   */
  readonly mesh?: boolean;
  /**
   * Route timeout.
   * @default Istio's (none)
   */
  readonly timeout?: Duration;
  /**
   * Retry policy.
   * @default Istio's (2 attempts on connection failures)
   */
  readonly retries?: Retries;
  /**
   * Conditions every request of the VirtualService must meet (e.g. a path prefix at a shared gateway).
   * @default every request
   */
  readonly match?: Match[];
  /**
   * DestinationRule traffic policy Flagger applies to the primary and the canary.
   * @default none
   */
  readonly trafficPolicy?: TrafficPolicy;
  /** The analysis: schedule, strategy (weights, A/B match or iterations), metrics and webhooks. */
  readonly analysis: Analysis;
  /**
   * How long a rollout may make no progress before Flagger rolls it back.
   * @default Flagger's default (10 minutes)
   */
  readonly progressDeadline?: Duration;
  /**
   * A HorizontalPodAutoscaler for the Deployment, by name: Flagger makes one for the primary from it.
   * @default none
   */
  readonly autoscalerName?: string;
  /**
   * Name of an existing service account for the pods.
   * @default a ServiceAccount named after the service is created
   */
  readonly serviceAccountName?: string;
}

/** The props a ProgressiveService reads, for untyped callers (see checkKnownProps). */
const PROGRESSIVE_SERVICE_PROPS: PropNames<ProgressiveServiceProps> = {
  ...WORKLOAD_PROPS,
  name: true,
  namespace: true,
  port: true,
  containerPort: true,
  protocol: true,
  hosts: true,
  gateways: true,
  mesh: true,
  timeout: true,
  retries: true,
  match: true,
  trafficPolicy: true,
  analysis: true,
  progressDeadline: true,
  autoscalerName: true,
  serviceAccountName: true,
};

/**
 * A service whose releases Flagger moves: the target Deployment, a `flagger.app/v1beta1` Canary with its analysis
 * and a MetricTemplate per custom metric. Flagger creates and owns the primary Deployment, the Services and the
 * VirtualService and DestinationRules, so none are synthesized here. To release, change the image: Flagger
 * shifts traffic step by step while the metrics pass, rolls back after `threshold` failed checks, and promotes.
 */
export class ProgressiveService extends Construct {
  /** Service name. */
  public readonly name: string;
  /** Namespace. */
  public readonly namespace: string;
  /** The target Deployment (Flagger scales it to 0 after copying it to `<name>-primary`). */
  public readonly deployment: ApiObject;
  /** The Canary. */
  public readonly canary: ApiObject;
  /** The MetricTemplates of the custom metrics. */
  public readonly metricTemplates: ApiObject[];

  public constructor(scope: Construct, id: string, props: ProgressiveServiceProps) {
    super(scope, id);
    MeshAnalysis.of(this);
    this.name = constructName('progressive service', id, props);
    const subject = `progressive service ${show(this.name)}`;
    checkKnownProps(subject, 'ProgressiveService', props, PROGRESSIVE_SERVICE_PROPS);
    checkServiceName(subject, this.name);
    if (this.name.length > 55) {
      // Flagger names its Services and Deployment `<name>-primary` and `<name>-canary`, which must stay DNS labels.
      refuse(subject, 'name must be at most 55 characters, so that Flagger\'s `<name>-primary` stays a valid name',
        `${show(this.name)}, ${this.name.length} characters`, 'shorten the name');
    }
    this.namespace = props.namespace ?? Chart.of(this).namespace ?? 'default';
    checkDnsLabel(subject, 'namespace', this.namespace);
    checkWorkloadProps(subject, 'the service', props, { app: this.name });
    checkPort(subject, 'port', props.port);
    checkContainerPort(subject, props.containerPort ?? props.port, props.containerPort !== undefined);
    const protocol = props.protocol ?? Protocol.HTTP;
    if (!isHttpProtocol(protocol)) {
      refuse(subject, 'Flagger shifts traffic with HTTP routes, so the service must speak an HTTP-family protocol', show(protocol),
        'use Protocol.HTTP, HTTP2, GRPC or GRPC_WEB');
    }
    checkAnalysis(subject, props.analysis);
    if (props.progressDeadline !== undefined) checkWholeSeconds(subject, 'progressDeadline', props.progressDeadline);
    checkRoutePolicy(subject, 'service', { timeout: props.timeout, retries: props.retries }, []);
    if (props.trafficPolicy) {
      checkTrafficPolicy(subject, 'trafficPolicy', props.trafficPolicy);
      // Flagger's Canary carries a subset of Istio's traffic policy (its CRD rejects the rest).
      const { connectionPool, tls } = props.trafficPolicy;
      const unsupported = [
        ...(connectionPool?.maxConnections !== undefined ? ['connectionPool.maxConnections'] : []),
        ...(connectionPool?.connectTimeout !== undefined ? ['connectionPool.connectTimeout'] : []),
        ...(tls?.credentialName !== undefined ? ['tls.credentialName'] : []),
      ];
      if (unsupported.length > 0) {
        refuse(subject, 'Flagger\'s Canary has no field for these traffic policy settings (its connection pool takes HTTP settings only)',
          unsupported.join(', '), 'drop them: Flagger owns the DestinationRules it writes from this policy');
      }
    }
    const serviceMatch = checkList(subject, 'match', props.match ?? [], '[Match.headerExact("x-canary", "insider")]');
    serviceMatch.forEach((m) => checkMatch(subject, 'match', m));
    if (serviceMatch.length > 0) checkAbMatchMerge(subject, serviceMatch, props.analysis.match ?? []);
    const gateways = checkList(subject, 'gateways', props.gateways ?? [], '[gateway]');
    const mesh = props.mesh ?? true;
    if (!mesh && gateways.length === 0) {
      refuse(subject, 'its routes would be bound to nothing', 'mesh: false and no gateways', 'add gateways, or leave mesh at its default (true)');
    }
    const hosts = checkList(subject, 'hosts', props.hosts ?? [], '["ad.example.com"]');
    if (gateways.length > 0 && hosts.length === 0) {
      refuse(subject, 'a gateway routes by host, and no host is given', 'gateways without hosts', 'set hosts, e.g. ["ad.example.com"]');
    }
    // Flagger writes the hosts into its VirtualService as they are (pkg/router/istio.go, reconcileVirtualService), where
    // Istio's webhook refuses a scheme, a port, and "*" on the mesh: the Canary would then never initialize.
    if (hosts.length > 0) checkVirtualServiceHosts(subject, hosts, [...gateways.map((g) => g.gatewayName), ...(mesh ? [MESH_GATEWAY] : [])]);
    const gatewayApi = gateways.find((g) => (g.routingApi ?? RoutingApi.ISTIO) === RoutingApi.GATEWAY_API);
    if (gatewayApi) {
      // The istio provider binds the VirtualService to Istio Gateways by name; Gateway API gateways are the gatewayapi
      // provider's gatewayRefs (pkg/router/gateway_api.go), so gateway traffic would never reach the service.
      refuse(subject, `gateway ${show(gatewayApi.gatewayName)} is a Gateway API Gateway, and Flagger's istio provider binds its VirtualService to Istio Gateways only`,
        `routingApi ${show(gatewayApi.routingApi)}`, 'use an Istio Gateway (routingApi: RoutingApi.ISTIO)');
    }
    for (const host of gateways.length > 0 ? hosts : []) {
      if (!gateways.some((g) => g.serverHosts.some((server) => serverAdmits(server, g.gatewayNamespace, host, this.namespace)))) {
        refuse(subject, `host ${show(host)} fits none of its gateways' hosts`, `${host} against ${gateways.flatMap((g) => g.serverHosts).join(', ') || 'no gateway'}`,
          'use a host a gateway admits, or add the gateway');
      }
    }
    if (props.autoscalerName !== undefined) checkServiceName(subject, props.autoscalerName);

    const serviceAccount = podServiceAccount(this, subject, props.serviceAccountName,
      { name: this.name, namespace: this.namespace, labels: { app: this.name } });
    const containerPort = props.containerPort ?? props.port;
    const deployment = createWorkloadDeployment(this, 'Deployment', {
      name: this.name,
      namespace: this.namespace,
      selector: { app: this.name },
      containerName: this.name,
      ports: [{ number: containerPort, name: protocol }],
      serviceAccount,
    }, props, subject);
    this.deployment = ApiObject.of(deployment);

    this.metricTemplates = renderMetricTemplates(this.name, props.analysis).map(({ name, spec }) => new ApiObject(this, `MetricTemplate-${name}`, {
      ...MetricTemplate.GVK,
      metadata: { name, namespace: this.namespace, labels: { app: this.name } },
      spec,
    }));
    // The Canary is written in Flagger's wire format with the generated GVK: the generated toJson would rename
    // and drop fields such as trafficPolicy.outlierDetection.consecutive5xxErrors.
    this.canary = new ApiObject(this, 'Canary', {
      ...Canary.GVK,
      metadata: { name: this.name, namespace: this.namespace, labels: { app: this.name } },
      spec: dropUndefined({
        provider: 'istio',
        targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: this.name },
        autoscalerRef: props.autoscalerName && { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', name: props.autoscalerName },
        progressDeadlineSeconds: props.progressDeadline?.toSeconds(),
        service: dropUndefined({
          port: props.port,
          portName: protocol,
          targetPort: containerPort,
          hosts: hosts.length > 0 ? [...hosts] : undefined,
          gateways: gateways.length > 0 ? [...gateways.map((g) => g.referenceFrom(this.namespace)), ...(mesh ? [MESH_GATEWAY] : [])] : undefined,
          match: props.match && withoutIneffectiveMatches([{ match: renderHttpMatchList(props.match) }])[0].match,
          // No mirror here, so the route's own destination is never asked for.
          ...renderRoutePolicy({ timeout: props.timeout, retries: props.retries }, { destination: () => ({}) }),
          trafficPolicy: renderTrafficPolicy(props.trafficPolicy),
        }),
        analysis: renderAnalysis(this.name, this.namespace, props.analysis),
      }),
    });
    this.canary.node.addDependency(deployment, ...this.metricTemplates);
  }
}

/**
 * With a service match, Flagger builds the A/B route from copies of it, each taking the A/B match's headers and source
 * labels in place of its own, and nothing else of the A/B match (pkg/router/istio.go, mergeMatchConditions): an A/B
 * query parameter is dropped (every request of the service would go to the canary) and the service's header or
 * source-label conditions are replaced (the A/B route would take requests outside the service match).
 */
function checkAbMatchMerge(subject: string, serviceMatch: readonly Match[], abMatch: readonly Match[]): void {
  for (const ab of abMatch) {
    const lost = [
      ...(ab.conditions.queryParams ? ['its query parameters'] : []),
      ...(ab.conditions.headers && serviceMatch.some((m) => m.conditions.headers) ? ['the service match\'s headers'] : []),
      ...(ab.conditions.sourceLabels && serviceMatch.some((m) => m.conditions.sourceLabels) ? ['the service match\'s source labels'] : []),
    ];
    if (lost.length > 0) {
      refuse(subject, `with a service match, Flagger merges the A/B match into it and loses ${lost.join(' and ')}`,
        `${ab} with match ${serviceMatch.map(String).join(', ')}`,
        'match the A/B test on headers (or source labels), and keep those out of the service match');
    }
  }
}
