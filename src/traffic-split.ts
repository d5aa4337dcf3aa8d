import { ApiObject, Chart, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { serviceRefOf } from './gatewayapi/routes';
import { IstioApiVersion } from './istio/api-version';
import { renderRoutes } from './istio/routes';
import { MeshAnalysis } from './mesh-analysis';
import { PropNames, checkKnownProps, checkList, constructName, refuse, show } from './model/errors';
import { RoutingApi } from './model/gateway-api';
import { checkDnsHost } from './model/hosts';
import { checkPort } from './model/match';
import { checkDnsLabel, checkServiceName, serviceHost } from './model/names';
import { Protocol } from './model/protocol';
import { VersionHost } from './model/release';
import { ROUTE_POLICY_PROPS, RoutePolicy, routePolicyOf } from './model/route-policy';
import { grantServiceReferences, routingApiOf } from './private/gateway-api-scope';
import { claimMeshHost } from './private/host-claims';
import { createNetworkingObject } from './private/networking-object';
import { RoutedRelease } from './routed-release';

/** An existing Service that takes part of the traffic. */
export interface Backend {
  /** Name of the Service; rules and weights name the backend by it. */
  readonly service: string;
  /**
   * Namespace of the Service.
   * @default the split's namespace
   */
  readonly namespace?: string;
  /**
   * Port of the backend Service, when it differs from the split's `port`.
   * @default the split's port
   */
  readonly port?: number;
  /**
   * Percent of the default route's traffic; the backends' weights add up to 100.
   * @default 0, or 100 for the first backend when no backend has a weight
   */
  readonly weight?: number;
}

/** Props of a TrafficSplit. The route options apply to the default route. */
export interface TrafficSplitProps extends RoutePolicy {
  /**
   * Name of the VirtualService.
   * @default the construct id
   */
  readonly name?: string;
  /**
   * Namespace of the VirtualService; short host and backend names resolve in it.
   * @default the chart's namespace, else "default"
   */
  readonly namespace?: string;
  /**
   * The host clients call, e.g. `web-svc`: a Service (or ServiceEntry) that exists, because clients resolve it by
   * DNS before the sidecar routes the request. A short name resolves in `namespace`.
   */
  readonly host: string;
  /** The port clients call on `host`. */
  readonly port: number;
  /**
   * Application protocol of the port; HTTP-family protocols get `http` routes, the others weighted `tcp` routes.
   * @default Protocol.HTTP
   */
  readonly protocol?: Protocol;
  /** The Services that share the traffic, at least one. */
  readonly backends: Backend[];
  /**
   * API version of the VirtualService.
   * @default IstioApiVersion.V1
   */
  readonly apiVersion?: IstioApiVersion;
  /**
   * The API the split is written in: a VirtualService, or an HTTPRoute (GRPCRoute for gRPC) bound to the host's
   * Service, whose backendRefs are the backends (the host must then be a Service of the cluster).
   * @default the app's or chart's `ROUTING_API_CONTEXT` context value, else RoutingApi.ISTIO
   */
  readonly routingApi?: RoutingApi;
}

/** The props a TrafficSplit reads, for untyped callers (see checkKnownProps). */
const TRAFFIC_SPLIT_PROPS: PropNames<TrafficSplitProps> = {
  ...ROUTE_POLICY_PROPS, name: true, namespace: true, host: true, port: true, protocol: true, backends: true, apiVersion: true, routingApi: true,
};

/**
 * A VirtualService that splits the traffic for one host between Services that already exist (host-level
 * splitting): weights and header rules name backend Services, not subsets. Use it when each version is already a
 * Service of its own, deployed by other means; use `CanaryService` (with `split: Split.HOST` for per-version
 * Services) when this app should deploy the versions too.
 *
 * @example
 * const web = new TrafficSplit(chart, 'web', {
 *   host: 'web-svc', port: 8080,
 *   backends: [{ service: 'tomcat-svc', weight: 80 }, { service: 'httpd-svc', weight: 20 }],
 * });
 * web.routeHeader('end-user', 'zyx', 'tomcat-svc');
 */
export class TrafficSplit extends RoutedRelease {
  /** Name of the VirtualService. */
  public readonly name: string;
  /** Namespace of the VirtualService. */
  public readonly namespace: string;
  /** Fully qualified host clients call. */
  public readonly host: string;
  /** The VirtualService; undefined with Gateway API. */
  public readonly virtualService?: ApiObject;
  /** With Gateway API: the HTTPRoute (or GRPCRoute) bound to the host's Service. */
  public readonly meshRoutes: ApiObject[];

  private readonly subject: string;

  public constructor(scope: Construct, id: string, props: TrafficSplitProps) {
    super(scope, id);
    MeshAnalysis.of(this);
    this.name = constructName('traffic split', id, props);
    this.subject = `traffic split ${show(this.name)}`;
    checkKnownProps(this.subject, 'TrafficSplit', props, TRAFFIC_SPLIT_PROPS);
    this.namespace = props.namespace ?? Chart.of(this).namespace ?? 'default';
    checkDnsLabel(this.subject, 'namespace', this.namespace);
    if (typeof props.host !== 'string' || props.host.trim() === '') {
      refuse(this.subject, 'needs the host clients call', show(props.host), 'set host, e.g. "web-svc"');
    }
    if (props.host.includes('*')) {
      refuse(this.subject, 'host must name one service: a wildcard host would split the traffic of every service it covers', show(props.host),
        'name the service clients call, e.g. "web-svc"');
    }
    checkDnsHost(this.subject, 'host', props.host);
    this.host = props.host.includes('.') ? props.host : serviceHost(props.host, this.namespace);
    const protocol = props.protocol ?? Protocol.HTTP;
    this.routingApi = routingApiOf(this, this.subject, props.routingApi);
    const service = serviceRefOf(this.host);
    if (this.routingApi === RoutingApi.GATEWAY_API && !service) {
      refuse(this.subject, 'a Gateway API route binds to a Service of the cluster, and the host is not one', show(this.host),
        'use the Service\'s name, or RoutingApi.ISTIO');
    }

    const backends = checkList(this.subject, 'backends', props.backends ?? [], '[{ service: "tomcat-svc", weight: 80 }]');
    if (backends.length === 0) {
      refuse(this.subject, 'needs at least one backend', '[]', 'list the Services, e.g. backends: [{ service: "tomcat-svc", weight: 100 }]');
    }
    const hosts: Record<string, VersionHost> = {};
    backends.forEach((backend, i) => {
      if (typeof backend !== 'object' || Array.isArray(backend)) {
        refuse(this.subject, `backends entry ${i + 1} must be an object with a service`, show(backend), typeof backend === 'string' ? `write { service: ${show(backend)} }` : 'write { service: "web" }');
      }
    });
    for (const backend of backends) {
      checkServiceName(this.subject, backend.service);
      if (backend.service in hosts) {
        refuse(this.subject, 'backend services must be unique', show(backend.service), 'list each Service once');
      }
      if (backend.port !== undefined) checkPort(this.subject, `backend ${show(backend.service)} port`, backend.port);
      // The namespace is a label of the destination host, which istio pkg/config/validation/agent/validation.go
      // (ValidateFQDN) checks: "domain name ... invalid (label ... invalid)".
      if (backend.namespace !== undefined) checkDnsLabel(this.subject, `backend ${show(backend.service)} namespace`, backend.namespace);
      const host = serviceHost(backend.service, backend.namespace ?? this.namespace);
      if (host === this.host) {
        refuse(this.subject, 'a backend is the host itself, so its traffic would loop through this split', show(backend.service),
          'route to the versions\' own Services');
      }
      hosts[backend.service] = { host, port: backend.port };
    }
    const anyWeight = backends.some((b) => b.weight !== undefined);
    const weights = Object.fromEntries(backends.map((b, i) => [b.service, anyWeight ? b.weight ?? 0 : i === 0 ? 100 : 0]));

    this.commit({
      name: this.name,
      subject: this.subject,
      host: this.host,
      ports: [{ name: protocol, number: props.port, protocol }],
      versions: backends.map((b) => b.service),
      stable: backends[0].service,
      weights,
      rules: [],
      policy: routePolicyOf(props),
      hosts,
      external: true,
    });

    if (this.routingApi === RoutingApi.GATEWAY_API) {
      this.meshRoutes = this._createMeshRoutes(service!.name, { name: this.name, namespace: this.namespace }, []);
      for (const { host } of Object.values(hosts)) grantServiceReferences(this, this.namespace, serviceRefOf(host)!.namespace);
    } else {
      this.meshRoutes = [];
      this.virtualService = createNetworkingObject('VirtualService', this, 'VirtualService', props.apiVersion ?? IstioApiVersion.V1, {
        metadata: { name: this.name, namespace: this.namespace },
        spec: Lazy.any({ produce: () => this._rendered('VirtualService', () => ({ hosts: [this.host], ...renderRoutes(this.release) })) }),
      });
    }
    claimMeshHost(this, this.subject, this.host);
  }

}
