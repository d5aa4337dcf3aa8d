import { ApiObject, Chart, Duration, Lazy } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { AnalysisTemplate as AnalysisTemplateKind } from '../imports/analysistemplate-argoproj.io';
import { Rollout } from '../imports/rollout-argoproj.io';
import { renderAnalysisTemplate, renderCanaryStrategy } from './argo/rollout';
import { IstioApiVersion } from './istio/api-version';
import { renderDestinationRule, renderRoutes } from './istio/routes';
import { MeshAnalysis } from './mesh-analysis';
import { dropUndefined } from './model/data';
import { PodCount, rollingUpdateCounts } from './model/deployment-options';
import { PropNames, checkKnownProps, constructName, refuse, show } from './model/errors';
import { checkContainerPort } from './model/match';
import { checkDnsLabel, serviceHost } from './model/names';
import { Protocol, isHttpProtocol } from './model/protocol';
import { DEFAULT_ROUTE_NAME, Release, Split, Weights } from './model/release';
import {
  AnalysisTemplate, BackgroundAnalysis, CANARY, CanaryStrategy, RolloutStep, SERVICE_NAME_ARG, STABLE,
  checkCanaryStrategy, managedRoutes,
} from './model/rollout';
import { ROUTE_POLICY_PROPS, RoutePolicy, checkWholeSeconds, routePolicyOf } from './model/route-policy';
import { TrafficPolicy } from './model/traffic-policy';
import { registerAnalysisView } from './private/analysis-view';
import { claimMeshHost } from './private/host-claims';
import { createNetworkingObject } from './private/networking-object';
import { createService as createServiceObject } from './private/service';
import { podServiceAccount } from './private/service-account';
import { ExposeOptions, RoutedRelease } from './routed-release';
import { IMeshGateway } from './targets';
import { WORKLOAD_PROPS, WorkloadOptions, WorkloadProps, checkWorkloadProps, renderPodTemplate } from './workload';

/** Props of a {@link RolloutService}: the pods (as a CanaryService version's, without Deployment options) and the canary. */
export interface RolloutServiceProps extends WorkloadOptions, RoutePolicy {
  /**
   * Name of the Rollout, the Service, the VirtualService and DestinationRule, and the pods' `app` label.
   * @default the construct id
   */
  readonly name?: string;
  /**
   * Namespace of every object.
   * @default the chart's namespace, else "default"
   */
  readonly namespace?: string;
  /** Service port. */
  readonly port: number;
  /**
   * Port the containers listen on; not one of the Istio sidecar's own ports (15000-15090: 15001, 15006, 15008, 15020, 15021, ...).
   * @default `port`
   */
  readonly containerPort?: number;
  /**
   * Application protocol of the port; an HTTP-family one, since Argo Rollouts shifts traffic with HTTP routes here.
   * @default Protocol.HTTP
   */
  readonly protocol?: Protocol;
  /**
   * Host-level split (Services `<name>-stable` and `<name>-canary`, which Argo Rollouts points at each ReplicaSet)
   * or subset-level (one Service, DestinationRule subsets `stable` and `canary` whose pod-template-hash labels Argo
   * Rollouts sets). Host-level is the default because the canary then has a host of its own, so the analysis
   * measures its requests alone (`service-name` is the canary Service); subset-level metrics see both versions.
   * @default Split.HOST
   */
  readonly split?: Split;
  /**
   * The canary's steps; after the last one the canary becomes stable. `RolloutStep.ramp()` writes the usual
   * weight-and-pause ladder.
   */
  readonly steps: RolloutStep[];
  /**
   * The last weight may stay below 100: after the last step Argo Rollouts sends the canary everything at once.
   * @default false: the steps must reach setWeight(100) or end with a pause without duration
   */
  readonly allowJumpToFull?: boolean;
  /**
   * AnalysisTemplates the steps and the background analysis run, created in the namespace.
   * @default none
   */
  readonly analysisTemplates?: AnalysisTemplate[];
  /**
   * Analysis running in the background from a step on; a failed one aborts the rollout (all traffic back to stable).
   * @default none
   */
  readonly analysis?: BackgroundAnalysis;
  /**
   * How many pods may run above the replicas during the update.
   * @default Argo Rollouts' (PodCount.percent(25))
   */
  readonly maxSurge?: PodCount;
  /**
   * How many of the replicas may be unavailable during the update.
   * @default Argo Rollouts' (PodCount.percent(25))
   */
  readonly maxUnavailable?: PodCount;
  /**
   * How long the canary's pods stay after an abort (so a retry is quick), in whole seconds.
   * @default Argo Rollouts' (30 seconds)
   */
  readonly abortScaleDownDelay?: Duration;
  /**
   * DestinationRule traffic policy (subset-level: for both subsets).
   * @default none
   */
  readonly trafficPolicy?: TrafficPolicy;
  /**
   * API version of the DestinationRule and VirtualService.
   * @default IstioApiVersion.V1
   */
  readonly apiVersion?: IstioApiVersion;
  /**
   * Name of an existing service account for the pods.
   * @default a ServiceAccount named after the service is created
   */
  readonly serviceAccountName?: string;
  /**
   * Bind the routes to the mesh. Set it to false for a service reached only through gateways (`exposeVia`).
   * @default true
   */
  readonly mesh?: boolean;
}

/** The props a RolloutService reads, for untyped callers (see checkKnownProps); deploymentOptions has a refusal of its own. */
const ROLLOUT_SERVICE_PROPS: PropNames<RolloutServiceProps> = {
  ...ROUTE_POLICY_PROPS,
  ...WORKLOAD_PROPS,
  name: true,
  namespace: true,
  port: true,
  containerPort: true,
  protocol: true,
  split: true,
  steps: true,
  allowJumpToFull: true,
  analysisTemplates: true,
  analysis: true,
  maxSurge: true,
  maxUnavailable: true,
  abortScaleDownDelay: true,
  trafficPolicy: true,
  apiVersion: true,
  serviceAccountName: true,
  mesh: true,
};

/**
 * A service whose releases Argo Rollouts moves: an `argoproj.io/v1alpha1` Rollout with the pod template and the
 * canary steps, the Services, a VirtualService whose `default` route carries the stable/canary split, a
 * DestinationRule (subset-level), and the AnalysisTemplates. To release, change the image: Argo Rollouts steps the
 * weights in the VirtualService, adds and removes the managed header and mirror routes, and aborts when an analysis
 * fails. Argo Rollouts then owns the weights and the subsets' or Services' pod-template-hash labels:
 * `argoCdIgnoreDifferences` lists those fields for Argo CD.
 *
 * @example
 * new RolloutService(chart, 'ad', {
 *   port: 3003,
 *   image: 'istioweather/advertisement:v1',
 *   steps: RolloutStep.ramp({ stepWeight: 20, pause: Duration.seconds(40) }),
 *   analysisTemplates: [AnalysisTemplate.errorRate(5, { interval: Duration.seconds(40), failureLimit: 2 })],
 *   analysis: { templates: ['error-rate'] },
 * });
 */
export class RolloutService extends RoutedRelease {
  /** Name of the Rollout, the Service, VirtualService and DestinationRule. */
  public readonly name: string;
  /** Namespace of every object. */
  public readonly namespace: string;
  /** Fully qualified host of the Service. */
  public readonly host: string;
  /** Service port. */
  public readonly port: number;
  /** Labels selecting the pods of both versions: `app: <name>`. */
  public readonly podSelector: Readonly<Record<string, string>>;
  /** The Rollout. */
  public readonly rollout: ApiObject;
  /** The Service selecting every pod. */
  public readonly service: ApiObject;
  /** Host-level: the stable and canary Services, by role. */
  public readonly roleServices: Readonly<Record<string, ApiObject>>;
  /** Subset-level: the DestinationRule with the `stable` and `canary` subsets. */
  public readonly destinationRule?: ApiObject;
  /** The mesh VirtualService; undefined with `mesh: false`. */
  public readonly virtualService?: ApiObject;
  /** The gateway VirtualServices made by `exposeVia`, by gateway reference. */
  public readonly gatewayVirtualServices: Record<string, ApiObject> = {};
  /** The AnalysisTemplates, by name. */
  public readonly analysisTemplates: Readonly<Record<string, ApiObject>>;

  private readonly subject: string;
  private readonly apiVersion: IstioApiVersion;
  private readonly split: Split;
  private readonly routeTargets: IConstruct[];
  private readonly strategy: Omit<CanaryStrategy, 'staticRoutes'>;

  public constructor(scope: Construct, id: string, props: RolloutServiceProps) {
    super(scope, id);
    MeshAnalysis.of(this);
    this.name = constructName('rollout', id, props);
    this.subject = `rollout ${show(this.name)}`;
    if ((props as WorkloadProps).deploymentOptions !== undefined) {
      refuse(this.subject, 'a Rollout has no Deployment, so deploymentOptions do not apply', 'deploymentOptions',
        'move container settings to the workload props (securityContext, resources, probes); set the rollout strategy with maxSurge and maxUnavailable');
    }
    checkKnownProps(this.subject, 'RolloutService', props, ROLLOUT_SERVICE_PROPS);
    this.namespace = props.namespace ?? Chart.of(this).namespace ?? 'default';
    checkDnsLabel(this.subject, 'namespace', this.namespace);
    this.host = serviceHost(this.name, this.namespace);
    this.port = props.port;
    const protocol = props.protocol ?? Protocol.HTTP;
    if (!isHttpProtocol(protocol)) {
      refuse(this.subject, 'Argo Rollouts shifts this service\'s traffic with HTTP routes, so it must speak an HTTP-family protocol', show(protocol),
        'use Protocol.HTTP, HTTP2, GRPC or GRPC_WEB');
    }
    const containerPort = props.containerPort ?? props.port;
    checkContainerPort(this.subject, containerPort, props.containerPort !== undefined);
    this.split = props.split ?? Split.HOST;
    if (!Object.values(Split).includes(this.split)) {
      refuse(this.subject, 'unknown split', show(this.split), `use one of ${Object.values(Split).join(', ')}`);
    }
    const roleHost = (role: string) => serviceHost(`${this.name}-${role}`, this.namespace);
    const hostLevel = this.split === Split.HOST;
    this.strategy = {
      steps: props.steps,
      templates: props.analysisTemplates ?? [],
      analysis: props.analysis,
      allowJumpToFull: props.allowJumpToFull,
      // The usual templates measure the requests to this host: the canary's own Service, else the whole service.
      defaultArgs: { [SERVICE_NAME_ARG]: hostLevel ? roleHost(CANARY) : this.host },
    };
    if (props.abortScaleDownDelay !== undefined) checkWholeSeconds(this.subject, 'abortScaleDownDelay', props.abortScaleDownDelay);
    const podCounts = rollingUpdateCounts(this.subject, { maxSurge: props.maxSurge, maxUnavailable: props.maxUnavailable });
    this.commit({
      name: this.name,
      host: this.host,
      subject: this.subject,
      ports: [{ name: protocol, number: props.port, protocol }],
      versions: [STABLE, CANARY],
      stable: STABLE,
      // Argo Rollouts patches the weights of both destinations in place, so both are always written.
      weights: { [STABLE]: 100, [CANARY]: 0 },
      keepZeroWeights: true,
      rules: [],
      policy: routePolicyOf(props),
      trafficPolicy: props.trafficPolicy,
      hosts: hostLevel ? { [STABLE]: { host: roleHost(STABLE) }, [CANARY]: { host: roleHost(CANARY) } } : undefined,
      // Argo Rollouts adds each ReplicaSet's rollouts-pod-template-hash to these labels.
      subsetLabels: hostLevel ? undefined : { [STABLE]: { app: this.name }, [CANARY]: { app: this.name } },
    });
    checkWorkloadProps(this.subject, 'the service', props, { app: this.name });

    const metadata = (name: string, labels: Record<string, string> = { app: this.name }) => ({ name, namespace: this.namespace, labels });
    this.podSelector = { app: this.name };
    const serviceAccount = podServiceAccount(this, this.subject, props.serviceAccountName, metadata(this.name));

    const ports = [{ name: protocol, number: props.port, protocol, containerPort }];
    const createService = (constructId: string, name: string) =>
      createServiceObject(this, constructId, name, this.namespace, this.podSelector, ports);
    this.service = createService('Service', this.name);
    const roleServices: Record<string, ApiObject> = {};
    if (hostLevel) {
      for (const role of [STABLE, CANARY]) roleServices[role] = createService(`Service-${role}`, `${this.name}-${role}`);
    }
    this.roleServices = roleServices;

    this.apiVersion = props.apiVersion ?? IstioApiVersion.V1;
    if (!hostLevel) {
      this.destinationRule = createNetworkingObject('DestinationRule', this, 'DestinationRule', this.apiVersion, {
        metadata: metadata(this.name),
        spec: Lazy.any({ produce: () => this._rendered('DestinationRule', () => renderDestinationRule(this.release)) }),
      });
      this.destinationRule.node.addDependency(this.service);
    }
    this.routeTargets = [this.service, ...Object.values(roleServices), ...(this.destinationRule ? [this.destinationRule] : [])];
    if (props.mesh ?? true) {
      this.virtualService = createNetworkingObject('VirtualService', this, 'VirtualService', this.apiVersion, {
        metadata: metadata(this.name),
        spec: Lazy.any({ produce: () => this._rendered('VirtualService', () => ({ hosts: [this.host], ...renderRoutes(this.release) })) }),
      });
      this.virtualService.node.addDependency(...this.routeTargets);
    }

    const templates: Record<string, ApiObject> = {};
    for (const template of this.strategy.templates) {
      templates[template.name] = new ApiObject(this, `AnalysisTemplate-${template.name}`, {
        ...AnalysisTemplateKind.GVK,
        metadata: metadata(template.name),
        spec: renderAnalysisTemplate(template),
      });
    }
    this.analysisTemplates = templates;

    const template = renderPodTemplate({
      name: this.name,
      namespace: this.namespace,
      selector: this.podSelector,
      containerName: this.name,
      ports: [{ number: containerPort, name: protocol }],
      serviceAccount,
    }, props, this.subject);
    // Keyed by the gateways too: exposeVia adds a VirtualService to the traffic routing without changing the release.
    const renderStrategy = () => this._rendered(`Rollout-${Object.keys(this.gatewayVirtualServices).length}`, () => renderCanaryStrategy({
      ...this.strategy,
      trafficRouting: {
        virtualServices: this.routedVirtualServices.map((vs) => ({ name: vs.name, routes: [DEFAULT_ROUTE_NAME] })),
        destinationRule: this.destinationRule?.name,
      },
      services: hostLevel ? { stable: `${this.name}-${STABLE}`, canary: `${this.name}-${CANARY}` } : undefined,
      ...podCounts,
      abortScaleDownDelay: props.abortScaleDownDelay,
    }));
    this.rollout = new ApiObject(this, 'Rollout', {
      ...Rollout.GVK,
      metadata: metadata(this.name),
      spec: Lazy.any({
        produce: () => dropUndefined({
          replicas: props.replicas ?? 2,
          selector: { matchLabels: { ...this.podSelector } },
          template,
          strategy: { canary: renderStrategy() },
        }),
      }),
    });
    registerAnalysisView(this.rollout, () => ({
      apiVersion: this.rollout.apiVersion,
      kind: this.rollout.kind,
      metadata: { name: this.name, namespace: this.namespace },
      spec: { replicas: props.replicas ?? 2, template: { metadata: { labels: template.metadata.labels } }, strategy: { canary: renderStrategy() } },
    }));
    // Make before break: the Services, subsets and routes the Rollout names exist before it starts moving traffic.
    this.rollout.node.addDependency(...this.routeTargets, ...Object.values(templates));
    if (this.virtualService) this.rollout.node.addDependency(this.virtualService);

    claimMeshHost(this, this.subject, this.host);
    this.node.addValidation({ validate: () => this.validateBound() });
  }

  /**
   * Argo Rollouts moves the weights: a RolloutService has no shiftWeights.
   * @throws always
   */
  public shiftWeights(weights: Weights): void {
    refuse(this.subject, 'Argo Rollouts sets the weights of a Rollout, so they cannot be set here', show(weights),
      'step the weights with RolloutStep.weight() in steps');
  }

  /**
   * Sends requests arriving at `gateway` through this service's rules and split, with a VirtualService
   * `<name>-<gateway>` that the Rollout lists too, so Argo Rollouts moves its weights and managed routes with the
   * mesh ones.
   */
  public exposeVia(gateway: IMeshGateway, options: ExposeOptions = {}): ApiObject {
    const managed = managedRoutes(this.strategy.steps);
    const edgeOnly = (['pathPrefix', 'rewrite'] as const).filter((k) => options?.[k] !== undefined);
    if (managed.length > 0 && edgeOnly.length > 0) {
      // Argo Rollouts writes a managed route with the step's match alone and puts it first
      // (rollout/trafficrouting/istio/istio.go, createHeaderRoute, createMirrorRoute, orderRoutes).
      refuse(this.subject, `Argo Rollouts writes the managed routes (${managed.join(', ')}) with the step's match alone, so the `
        + `exposure's ${edgeOnly.join(' and ')} would not apply to them: requests on any path of the host would reach the canary`,
      edgeOnly.map((k) => `${k} ${show(options[k])}`).join(', '), 'give the service a host of its own at the gateway, without pathPrefix and rewrite, '
        + 'or drop the header and mirror route steps');
    }
    const vs = this._createGatewayVirtualService(gateway, options, {
      subject: this.subject,
      namespace: this.namespace,
      apiVersion: this.apiVersion,
      routeTargets: this.routeTargets,
      exposed: this.gatewayVirtualServices,
    });
    this.rollout.node.addDependency(vs);
    return vs;
  }

  /**
   * The Argo CD `ignoreDifferences` entries for the fields Argo Rollouts changes in the cluster: the split's
   * weights and the managed routes in each VirtualService, and the pod-template-hash it adds to the subsets
   * (subset-level) or the stable and canary Services' selectors (host-level), with its managed-by annotation. Put
   * them in the Argo CD Application's `spec.ignoreDifferences`, with the sync option `RespectIgnoreDifferences=true`
   * so a sync does not put the weights back either.
   */
  public get argoCdIgnoreDifferences(): Array<Record<string, any>> {
    const managed = managedRoutes(this.strategy.steps);
    const routes = [
      `.spec.http[] | select(.name == "${DEFAULT_ROUTE_NAME}") | .route[].weight`,
      ...managed.map((name) => `.spec.http[] | select(.name == "${name}")`),
    ];
    const managedBy = '.metadata.annotations["argo-rollouts.argoproj.io/managed-by-rollouts"]';
    const hash = '"rollouts-pod-template-hash"';
    return [
      ...this.routedVirtualServices.map((vs) => ({
        group: 'networking.istio.io', kind: 'VirtualService', name: vs.name, namespace: this.namespace, jqPathExpressions: routes,
      })),
      ...(this.destinationRule ? [{
        group: 'networking.istio.io',
        kind: 'DestinationRule',
        name: this.destinationRule.name,
        namespace: this.namespace,
        jqPathExpressions: [`.spec.subsets[].labels[${hash}]`, managedBy],
      }] : []),
      ...Object.values(this.roleServices).map((service) => ({
        group: '',
        kind: 'Service',
        name: service.name,
        namespace: this.namespace,
        jqPathExpressions: [`.spec.selector[${hash}]`, managedBy],
      })),
    ];
  }

  /** Also checks the canary against the candidate routing: a managed route must not take one of its route names. */
  protected commit(release: Release): void {
    checkCanaryStrategy(this.subject, { ...this.strategy, staticRoutes: [...release.rules.map((r) => r.name), DEFAULT_ROUTE_NAME] });
    super.commit(release);
  }

  /** The VirtualServices Argo Rollouts moves the weights in: the mesh one and those of `exposeVia`. */
  private get routedVirtualServices(): ApiObject[] {
    return [...(this.virtualService ? [this.virtualService] : []), ...Object.values(this.gatewayVirtualServices)];
  }

  private validateBound(): string[] {
    if (this.routedVirtualServices.length > 0) return [];
    return [`${this.subject}: its routes are bound to no gateway and not to the mesh (got mesh: false and no exposeVia()); `
      + 'call exposeVia(gateway), or leave mesh at its default (true)'];
  }
}
