import { ApiObject, Chart, Lazy } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct, IConstruct } from 'constructs';
import { IstioApiVersion } from './istio/api-version';
import { renderDestinationRule, renderRoutes, renderVersionDestinationRules } from './istio/routes';
import { MeshAnalysis } from './mesh-analysis';
import { PropNames, checkKnownProps, checkList, constructName, refuse, show } from './model/errors';
import { RoutingApi } from './model/gateway-api';
import { withLanes } from './model/lane';
import { checkContainerPort } from './model/match';
import { checkDnsLabel, serviceHost } from './model/names';
import { Protocol } from './model/protocol';
import { DefaultRoute, Release, ReleasePort, Split, VersionPolicy, Weights, releaseSubject } from './model/release';
import { HeaderPolicy, ROUTE_POLICY_PROPS, RoutePolicy, routePolicyOf } from './model/route-policy';
import { StickyCanary, checkStickyCanary, withStickyCanary } from './model/sticky';
import { TrafficPolicy } from './model/traffic-policy';
import { routingApiOf } from './private/gateway-api-scope';
import { claimMeshHost } from './private/host-claims';
import { createNetworkingObject } from './private/networking-object';
import { createService as createServiceObject } from './private/service';
import { podServiceAccount } from './private/service-account';
import { ExposeOptions, RoutedRelease } from './routed-release';
import { IAuthorizationTarget, IGatewayRouteTarget, ILaneMember, IMeshGateway, IReleaseLane, ISourceWorkload } from './targets';
import { WORKLOAD_PROPS, WorkloadProps, checkWorkloadProps, createWorkloadDeployment } from './workload';

/** One version of the application: its Deployment `<name>-<version>` and its subset. */
export interface VersionProps extends WorkloadProps {
  /** Version name: the pods' `version` label, the subset name and the Deployment's suffix. A DNS-1123 label. */
  readonly name: string;
  /**
   * DestinationRule traffic policy of this version's subset, e.g. tighter circuit breaking for a gray version.
   * Each field it sets (loadBalancer, connectionPool, outlierDetection, tls) replaces the service-wide one for
   * this version; the fields it leaves out are inherited.
   * @default the service-wide trafficPolicy
   */
  readonly trafficPolicy?: TrafficPolicy;
  /**
   * Header operations on every request to and response from this version, on HTTP ports, e.g.
   * `{ response: { set: { 'x-version': 'v2' } } }` to show callers which version answered.
   * @default none
   */
  readonly headers?: HeaderPolicy;
  /**
   * The version is on its way out: its Deployment and subset stay, and it takes no traffic. Its weight must be 0 and
   * no rule, lane or sticky cookie may send to it (else the synth refuses), so the next change can remove it without
   * a failed request: first drain (route away, keep the pods and the subset), then remove. A draining version is
   * never the default stable version.
   * @default false
   */
  readonly draining?: boolean;
}

/** The props a version reads, for untyped callers (see checkKnownProps). */
const VERSION_PROPS: PropNames<VersionProps> = { ...WORKLOAD_PROPS, name: true, trafficPolicy: true, headers: true, draining: true };

/** One port of the Service, for services with several. */
export interface PortProps {
  /** Service port. */
  readonly number: number;
  /**
   * Application protocol of the port.
   * @default Protocol.HTTP
   */
  readonly protocol?: Protocol;
  /**
   * Port the containers listen on; not one of the Istio sidecar's own ports (15000-15090: 15001, 15006, 15008, 15020, 15021, ...).
   * @default `number`
   */
  readonly containerPort?: number;
  /**
   * Port name; it must be `<protocol>` or `<protocol>-<suffix>` (Istio's naming convention), at most 15 characters.
   * @default the protocol, or `<protocol>-<number>` when several ports share a protocol
   */
  readonly name?: string;
}

/** A port as the Service and the containers need it. */
type ServicePort = ReleasePort & { readonly containerPort: number };

/**
 * Props of a CanaryService. The route options (`timeout`, `retries`, `fault`, `mirror`, `rewrite`, `headers`,
 * `corsPolicy`) apply to the default route on HTTP ports.
 */
export interface CanaryServiceProps extends RoutePolicy {
  /**
   * Name of the Service, DestinationRule and VirtualService, and the pods' `app` label. A DNS-1035 label.
   * @default the construct id
   */
  readonly name?: string;
  /**
   * Namespace of every object; also part of the host `<name>.<namespace>.svc.cluster.local`.
   * @default the chart's namespace, else "default"
   */
  readonly namespace?: string;
  /**
   * Service port, for a service with one port. Give `port` or `ports`.
   * @default none: then give ports
   */
  readonly port?: number;
  /**
   * Port the containers listen on, with `port`.
   * @default `port`
   */
  readonly containerPort?: number;
  /**
   * Application protocol of `port`: names the Service port `<protocol>` and sets its `appProtocol`, so Istio can
   * route by header and path; TCP-family protocols get weighted `tcp` routes only.
   * @default Protocol.HTTP
   */
  readonly protocol?: Protocol;
  /**
   * Several ports, each with its own protocol (HTTP + gRPC + TCP, say). Rules and the split apply on every port
   * that can take them: rules on headers, paths or with route options on HTTP-family ports, the rest on all ports;
   * a rule's `Match.port()` limits it to one port. Every destination then names its port.
   * @default one port from `port`, `containerPort` and `protocol`
   */
  readonly ports?: PortProps[];
  /** The versions to run, each a Deployment and a subset; at least one. */
  readonly versions: VersionProps[];
  /**
   * The stable version: the default route's target when `weights` is not given.
   * @default the first version that is not draining
   */
  readonly stable?: string;
  /**
   * The default route's split in percent per version; they must add up to 100. Versions left out get none.
   * @default 100 to the stable version
   */
  readonly weights?: Weights;
  /**
   * What the default route does: split by `weights` (percent), give every version the same share
   * (`DefaultRoute.EVEN`, relative weights, so three versions get a third each), or spread requests over all pods as
   * the Service alone would (`DefaultRoute.ALL_PODS`, subsets still defined for rules). `weights` go with `WEIGHTS`
   * only.
   * @default DefaultRoute.WEIGHTS
   */
  readonly defaultRoute?: DefaultRoute;
  /**
   * Keep clients on the canary once they reached it: responses from the canary set a cookie (`Set-Cookie`), and a
   * rule after the service's own rules, ahead of the default split, sends requests with the cookie to the canary.
   * New clients are split by the weights. While the canary's weight is 0 the rule and the cookie are left out.
   * @default none: every request is split anew
   */
  readonly stickyCanary?: StickyCanary;
  /**
   * DestinationRule traffic policy for every version: load balancing (sticky sessions), connection limits,
   * circuit breaking, TLS. A version's own `trafficPolicy` overrides it field by field for that version.
   * @default none (Istio's defaults: least-request balancing, no limits, automatic mTLS)
   */
  readonly trafficPolicy?: TrafficPolicy;
  /**
   * Subset-level split (one Service, a DestinationRule subset per version) or host-level split (a Service per
   * version, routes to hosts; a DestinationRule per version only when a traffic policy is set).
   * @default Split.SUBSET
   */
  readonly split?: Split;
  /**
   * API version of the DestinationRule and VirtualService.
   * @default IstioApiVersion.V1 (Istio 1.22 and later)
   */
  readonly apiVersion?: IstioApiVersion;
  /**
   * The API the routes are written in: Istio's (a DestinationRule and a VirtualService) or the Kubernetes Gateway API
   * (an HTTPRoute per HTTP port and a GRPCRoute per gRPC port, bound to the Service; a Service per version, since
   * Gateway API has no subsets). What Gateway API cannot say (fault injection, source-label matches, ...) is refused.
   * @default the app's or chart's `ROUTING_API_CONTEXT` context value, else RoutingApi.ISTIO
   */
  readonly routingApi?: RoutingApi;
  /**
   * With Gateway API: allow fields of its experimental channel (`retry` on HTTPRoute, for `retries`); the cluster then
   * needs the experimental-channel CRDs, and the synth warns about it.
   * @default false: retries are refused under Gateway API
   */
  readonly gatewayApiExperimental?: boolean;
  /**
   * Name of an existing service account for the pods. Istio derives the workload's mTLS identity
   * (`spiffe://cluster.local/ns/<namespace>/sa/<name>`) from it, which authorization policies match on.
   * @default a ServiceAccount named after the service is created (one identity per service, as Istio recommends)
   */
  readonly serviceAccountName?: string;
  /**
   * Bind the routes to the mesh, so that calls from other pods follow them. Set it to false for a service
   * reached only through gateways (`exposeVia`), as in ingress-only tutorials.
   * @default true
   */
  readonly mesh?: boolean;
  /**
   * Full-link gray lanes the service is a member of (same as `addLane` for each): requests carrying a lane's
   * header go to the lane's version ahead of the service's own rules.
   * @default no lanes
   */
  readonly lanes?: IReleaseLane[];
}

/** The props a CanaryService reads, for untyped callers (see checkKnownProps). */
const CANARY_SERVICE_PROPS: PropNames<CanaryServiceProps> = {
  ...ROUTE_POLICY_PROPS,
  name: true,
  namespace: true,
  port: true,
  containerPort: true,
  protocol: true,
  ports: true,
  versions: true,
  stable: true,
  weights: true,
  defaultRoute: true,
  stickyCanary: true,
  trafficPolicy: true,
  split: true,
  apiVersion: true,
  routingApi: true,
  gatewayApiExperimental: true,
  serviceAccountName: true,
  mesh: true,
  lanes: true,
};

/**
 * A service released in several versions behind one Service, with Istio routing between them:
 * one Deployment per version, one Service, a DestinationRule with a subset per version, and a VirtualService
 * with ordered match rules ahead of a weighted default route.
 *
 * @example
 * const reviews = new CanaryService(chart, 'reviews', {
 *   port: 9080,
 *   versions: [{ name: 'v1', image: 'reviews:v1' }, { name: 'v2', image: 'reviews:v2' }],
 *   weights: { v1: 90, v2: 10 },
 * });
 * reviews.routeHeader('end-user', 'jason', 'v2');
 */
export class CanaryService extends RoutedRelease implements IAuthorizationTarget, ISourceWorkload, ILaneMember, IGatewayRouteTarget {
  /** Name of the Service, DestinationRule and VirtualService. */
  public readonly name: string;
  /** Namespace of every object. */
  public readonly namespace: string;
  /** Fully qualified host of the Service: `<name>.<namespace>.svc.cluster.local`. */
  public readonly host: string;
  /** Service port (the first, when there are several). */
  public readonly port: number;
  /** Application protocol of `port`. */
  public readonly protocol: Protocol;
  /** Every port, with its name and protocol. */
  public readonly ports: ReleasePort[];
  /** Labels selecting the pods of every version: `app: <name>`. */
  public readonly podSelector: Readonly<Record<string, string>>;
  /** The service account the pods run as (their mTLS identity). */
  public readonly serviceAccountName: string;
  /** The Deployments, by version name. */
  public readonly deployments: Readonly<Record<string, ApiObject>>;
  /** The Service selecting every version. */
  public readonly service: ApiObject;
  /** The DestinationRule with one subset per version; undefined with `Split.HOST`. */
  public readonly destinationRule?: ApiObject;
  /** With `Split.HOST`: the Service of each version, by version name. */
  public readonly versionServices: Readonly<Record<string, ApiObject>>;
  /** With `Split.HOST`: the DestinationRule of each version that has a traffic policy, by version name. */
  public readonly versionDestinationRules: Readonly<Record<string, ApiObject>>;
  /** The mesh VirtualService with the rules and the default route; undefined with `mesh: false` or Gateway API. */
  public readonly virtualService?: ApiObject;
  /** The gateway VirtualServices made by `exposeVia`, by gateway reference. */
  public readonly gatewayVirtualServices: Record<string, ApiObject> = {};
  /** With Gateway API: the mesh HTTPRoutes and GRPCRoutes, one per HTTP-family port; none with `mesh: false`. */
  public readonly meshRoutes: ApiObject[];
  /** With Gateway API: the HTTPRoutes made by `exposeVia`, by gateway `<namespace>/<name>`. */
  public readonly gatewayHttpRoutes: Record<string, ApiObject> = {};

  /** What routes depend on: the objects that must exist before traffic is sent (make before break). */
  private readonly routeTargets: IConstruct[];
  private gatewayRoutes = 0;
  private readonly laneMemberships: IReleaseLane[] = [];
  private readonly sticky?: StickyCanary;
  private readonly subject: string;
  private readonly apiVersion: IstioApiVersion;

  public constructor(scope: Construct, id: string, props: CanaryServiceProps) {
    super(scope, id);
    MeshAnalysis.of(this);
    this.name = constructName('canary', id, props);
    this.subject = releaseSubject(this.name);
    checkKnownProps(this.subject, 'CanaryService', props, CANARY_SERVICE_PROPS);
    this.namespace = props.namespace ?? Chart.of(this).namespace ?? 'default';
    checkDnsLabel(this.subject, 'namespace', this.namespace);
    this.host = serviceHost(this.name, this.namespace);
    const ports = this.portsFromProps(props);
    this.ports = ports.map(({ name, number, protocol }) => ({ name, number, protocol }));
    this.port = this.ports[0].number;
    this.protocol = this.ports[0].protocol;

    const versions = checkList(this.subject, 'versions', props.versions ?? [], '[{ name: "v1", image: "app:1" }]');
    const notObject = versions.findIndex((v) => typeof v !== 'object' || Array.isArray(v));
    if (notObject >= 0) {
      refuse(this.subject, `versions entry ${notObject + 1} must be an object with a name and an image`, show(versions[notObject]),
        typeof versions[notObject] === 'string' ? `write { name: ${show(versions[notObject])}, image: "..." }` : 'write { name: "v1", image: "..." }');
    }
    for (const v of versions) {
      if (v.draining !== undefined && typeof v.draining !== 'boolean') {
        refuse(this.subject, `version ${show(v.name)} draining must be true or false`, show(v.draining), 'write draining: true, or leave it out');
      }
    }
    const draining = versions.filter((v) => v.draining).map((v) => v.name);
    const stable = props.stable ?? (versions.find((v) => !v.draining) ?? versions[0])?.name;
    this.routingApi = routingApiOf(this, this.subject, props.routingApi);
    this.gatewayApiExperimental = props.gatewayApiExperimental ?? false;
    const gatewayApi = this.routingApi === RoutingApi.GATEWAY_API;
    const split = props.split ?? (gatewayApi ? Split.HOST : Split.SUBSET);
    if (!Object.values(Split).includes(split)) {
      refuse(this.subject, 'unknown split', show(split), `use one of ${Object.values(Split).join(', ')}`);
    }
    if (gatewayApi && split !== Split.HOST) {
      refuse(this.subject, 'Gateway API routes have no subsets: versions are told apart by a Service each', `split ${split}`,
        'leave split out (Split.HOST), or route with RoutingApi.ISTIO');
    }
    const hosts = split === Split.HOST
      ? Object.fromEntries(versions.map((v) => [v.name, { host: serviceHost(`${this.name}-${v.name}`, this.namespace) }]))
      : undefined;
    if (props.stickyCanary !== undefined) checkStickyCanary(this.subject, props.stickyCanary);
    this.sticky = props.stickyCanary;
    const versionPolicies: Record<string, VersionPolicy> = {};
    for (const v of versions) {
      if (v.trafficPolicy || v.headers) versionPolicies[v.name] = { trafficPolicy: v.trafficPolicy, headers: v.headers };
    }
    this.commit({
      name: this.name,
      host: this.host,
      ports: this.ports,
      versions: versions.map((v) => v.name),
      stable,
      weights: props.weights ?? defaultWeights(props.defaultRoute, stable),
      defaultRoute: props.defaultRoute,
      rules: [],
      policy: routePolicyOf(props),
      trafficPolicy: props.trafficPolicy,
      versionPolicies,
      hosts,
      ...(draining.length > 0 ? { draining } : {}),
    });
    for (const version of versions) {
      checkKnownProps(this.subject, `version ${show(version.name)}`, version, VERSION_PROPS);
      checkWorkloadProps(this.subject, `version ${show(version.name)}`, version, { app: this.name, version: version.name });
    }

    const metadata = (name: string) => ({ name, namespace: this.namespace, labels: { app: this.name } });
    this.podSelector = { app: this.name };
    this.serviceAccountName = props.serviceAccountName ?? this.name;
    const serviceAccount = podServiceAccount(this, this.subject, props.serviceAccountName, metadata(this.name));

    const deployments: Record<string, kplus.Deployment> = {};
    for (const version of versions) {
      deployments[version.name] = createWorkloadDeployment(this, `Deployment-${version.name}`, {
        name: `${this.name}-${version.name}`,
        namespace: this.namespace,
        selector: { app: this.name, version: version.name },
        containerName: this.name,
        ports: ports.map((p) => ({ number: p.containerPort, name: p.name })),
        serviceAccount,
      }, version, `${this.subject}: version ${show(version.name)}`);
    }
    this.deployments = Object.fromEntries(Object.entries(deployments).map(([version, d]) => [version, ApiObject.of(d)]));

    const createService = (constructId: string, name: string, selector: Record<string, string>) =>
      createServiceObject(this, constructId, name, this.namespace, selector, ports);
    this.service = createService('Service', this.name, { app: this.name });

    this.apiVersion = props.apiVersion ?? IstioApiVersion.V1;
    // Make before break: pods and Services, then subsets, then the routes that send traffic to them.
    const versionServices: Record<string, ApiObject> = {};
    const versionDestinationRules: Record<string, ApiObject> = {};
    if (split === Split.SUBSET) {
      this.destinationRule = createNetworkingObject('DestinationRule', this, 'DestinationRule', this.apiVersion, {
        metadata: metadata(this.name),
        spec: Lazy.any({ produce: () => this._rendered('DestinationRule', () => renderDestinationRule(this.release)) }),
      });
      this.destinationRule.node.addDependency(this.service, ...Object.values(deployments));
      this.routeTargets = [this.destinationRule];
    } else {
      for (const version of versions) {
        const service = createService(`Service-${version.name}`, `${this.name}-${version.name}`, { app: this.name, version: version.name });
        service.node.addDependency(deployments[version.name]);
        versionServices[version.name] = service;
      }
      for (const { version, spec } of renderVersionDestinationRules(this.release)) {
        const rule = createNetworkingObject('DestinationRule', this, `DestinationRule-${version}`, this.apiVersion, {
          metadata: { ...metadata(`${this.name}-${version}`), labels: { app: this.name, version } },
          spec,
        });
        rule.node.addDependency(versionServices[version]);
        versionDestinationRules[version] = rule;
      }
      this.routeTargets = [...Object.values(versionServices), ...Object.values(versionDestinationRules)];
    }
    this.versionServices = versionServices;
    this.versionDestinationRules = versionDestinationRules;
    if ((props.mesh ?? true) && !gatewayApi) {
      this.virtualService = createNetworkingObject('VirtualService', this, 'VirtualService', this.apiVersion, {
        metadata: metadata(this.name),
        spec: Lazy.any({ produce: () => this._rendered('VirtualService', () => ({ hosts: [this.host], ...renderRoutes(this.release) })) }),
      });
      this.virtualService.node.addDependency(...this.routeTargets);
    }
    this.meshRoutes = (props.mesh ?? true) && gatewayApi ? this._createMeshRoutes(this.name, metadata(this.name), this.routeTargets) : [];

    claimMeshHost(this, this.subject, this.host);
    this.node.addValidation({ validate: () => this.validateBound() });
    for (const lane of checkList(this.subject, 'lanes', props.lanes ?? [], '[grayLane]')) this.addLane(lane);
  }

  /** The lanes the service is a member of, in the order they were added (the order of their routes). */
  public get lanes(): IReleaseLane[] {
    return [...this.laneMemberships];
  }

  /**
   * Makes the service a member of `lane`: requests carrying the lane's header go to the lane's version (or, when
   * the service has none, to its stable version), ahead of the service's own rules, in the mesh and at gateways.
   */
  public addLane(lane: IReleaseLane): void {
    if (!(lane instanceof Construct) || typeof (lane as IReleaseLane).lane?.name !== 'string') {
      refuse(this.subject, 'addLane takes a ReleaseLane', show(lane), 'pass e.g. new ReleaseLane(chart, "gray", { header: { name: "x-lane", value: "gray" } })');
    }
    if (this.laneMemberships.includes(lane)) {
      refuse(this.subject, 'is already a member of this lane', show(lane.lane.name), 'add each service to a lane once');
    }
    if (lane.node.root !== this.node.root) {
      refuse(this.subject, 'can only join a lane of its own app', show(lane.node.path), 'create the lane in the same cdk8s App');
    }
    this.laneMemberships.push(lane);
    try {
      this.recheck();
    } catch (e) {
      this.laneMemberships.pop();
      throw e; // node-do-not-add-exception-line: the refusal, thrown on
    }
  }

  /**
   * Sends requests arriving at `gateway` through this service's rules and split, exactly as in the mesh, with a
   * VirtualService `<name>-<gateway>` bound to that gateway only. A separate VirtualService (rather than adding
   * the gateway to the mesh one) keeps external hostnames out of the sidecars' routes and lets edge-only options
   * (`pathPrefix`, `rewrite`) apply to gateway traffic alone.
   */
  public exposeVia(gateway: IMeshGateway, options: ExposeOptions = {}): ApiObject {
    if (this.routingApi === RoutingApi.GATEWAY_API) {
      return this._createGatewayHttpRoute(gateway, options, {
        subject: this.subject,
        namespace: this.namespace,
        routeTargets: this.routeTargets,
        exposed: this.gatewayHttpRoutes,
      });
    }
    return this._createGatewayVirtualService(gateway, options, {
      subject: this.subject,
      namespace: this.namespace,
      apiVersion: this.apiVersion,
      routeTargets: this.routeTargets,
      exposed: this.gatewayVirtualServices,
    });
  }

  /** Puts the lanes' rules ahead of the service's own. */
  protected decorate(release: Release): Release {
    return withStickyCanary(withLanes(release, this.laneMemberships.map((l) => l.lane)), this.sticky);
  }

  /** True once `exposeVia` or a gateway route sends gateway traffic to this service. */
  public get exposedViaGateway(): boolean {
    return Object.keys(this.gatewayVirtualServices).length + Object.keys(this.gatewayHttpRoutes).length > 0 || this.gatewayRoutes > 0;
  }

  /** Counts gateway routes (MeshGateway.addRoute) to this service, for authorization checks. */
  public notifyGatewayRoute(): void {
    this.gatewayRoutes += 1;
  }

  /** The ports from `port` or `ports`, with default names and container ports. */
  private portsFromProps(props: CanaryServiceProps): ServicePort[] {
    if ((props.port === undefined) === (props.ports === undefined)) {
      refuse(this.subject, 'give either port or ports', props.port === undefined ? 'neither' : 'both',
        'use port for one port, ports: [{ number, protocol }, ...] for several');
    }
    if (props.ports !== undefined && (props.containerPort !== undefined || props.protocol !== undefined)) {
      refuse(this.subject, 'containerPort and protocol go into each entry of ports', 'both at the top level', 'move them into ports');
    }
    const given: readonly PortProps[] = props.ports !== undefined
      ? checkList(this.subject, 'ports', props.ports, '[{ number: 8080 }]')
      : [{ number: props.port!, protocol: props.protocol, containerPort: props.containerPort }];
    if (given.length === 0) refuse(this.subject, 'ports is empty', '[]', 'give at least one port, e.g. [{ number: 8080 }]');
    const notObject = given.find((p) => p === null || typeof p !== 'object');
    if (notObject !== undefined) refuse(this.subject, 'each entry of ports must be an object', show(notObject), 'e.g. { number: 8080 }');
    const protocols = given.map((p) => p.protocol ?? Protocol.HTTP);
    return given.map((p, i) => {
      const protocol = protocols[i];
      const containerPort = p.containerPort ?? p.number;
      // The port itself is checked with the release.
      checkContainerPort(this.subject, containerPort, p.containerPort !== undefined);
      const shared = protocols.filter((x) => x === protocol).length > 1;
      return { name: p.name ?? (shared ? `${protocol}-${p.number}` : protocol), number: p.number, protocol, containerPort };
    });
  }

  /** With `mesh: false`, routes exist only through gateways; without one, nothing would route to the versions. */
  private validateBound(): string[] {
    // Gateway routes to the service (MeshGateway.addRoute) bind its rules and split to that gateway too.
    if (this.virtualService || this.meshRoutes.length > 0 || this.exposedViaGateway) return [];
    return [`${this.subject}: its routes are bound to no gateway and not to the mesh (got mesh: false, no exposeVia() and no gateway route); `
      + 'call exposeVia(gateway) or gateway.addRoute({ to: service }), or leave mesh at its default (true)'];
  }
}

/** Without weights: 100 to the stable version, unless the default route is even or follows the pods. */
function defaultWeights(defaultRoute: DefaultRoute | undefined, stable: string | undefined): Weights {
  const percent = defaultRoute === undefined || defaultRoute === DefaultRoute.WEIGHTS;
  return percent && stable !== undefined ? { [stable]: 100 } : {};
}
