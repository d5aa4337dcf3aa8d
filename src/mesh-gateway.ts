import { ApiObject, Chart, Lazy } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { renderHttpsRedirectRules, renderListeners } from './gatewayapi/gateway';
import { renderGatewayRules, renderHttpMatch as renderGatewayApiMatch, rewriteFilter, serviceRefOf } from './gatewayapi/routes';
import { IstioApiVersion } from './istio/api-version';
import { prefixRewrite, renderHttpMatchList, renderHttpRoutes, withoutIneffectiveMatches } from './istio/routes';
import { MeshAnalysis } from './mesh-analysis';
import { PropNames, checkKnownProps, checkList, checkObject, constructName, refuse, show } from './model/errors';
import { RoutingApi, checkGatewayApiRuleName, checkPrecedenceKeepsOrder } from './model/gateway-api';
import { checkDnsHost, checkVirtualServiceHosts, gatewayHosts, parseServerHost, widestHosts } from './model/hosts';
import { checkAnnotations, checkGatewaySelector } from './model/kubernetes';
import { Match, checkMatch, checkPort } from './model/match';
import { MAX_LABEL_LENGTH, checkDnsLabel, isDnsSubdomain, isServiceName, serviceHost } from './model/names';
import { TLS_SERVER_PROTOCOLS } from './model/protocol';
import { checkReachable } from './model/release';
import { Rewrite, checkRewrite } from './model/route-policy';
import { edgeIngressRules } from './private/edge-ingress';
import { createGatewayApiObject } from './private/gateway-api-object';
import { grantServiceReferences, routingApiOf } from './private/gateway-api-scope';
import { createNetworkingObject } from './private/networking-object';
import { renderNowAndAtSynth } from './private/synth';
import { gatewayParentRefs, routeHostnames } from './routed-release';
import { GatewayListener, IGatewayRouteTarget, IMeshGateway, isGatewayRouteTarget } from './targets';
import { GatewaySpecServers, GatewaySpecServersTlsMode } from '../imports/networking.istio.io';

/** HTTPS on port 443 for the shorthand form. */
export interface GatewayTls {
  /** Name of the Kubernetes TLS Secret holding the certificate and key (in the gateway workload's namespace). */
  readonly credentialName: string;
  /**
   * Also redirect plain HTTP on port 80 to HTTPS (301).
   * @default true
   */
  readonly httpsRedirect?: boolean;
  /**
   * TLS mode: `SIMPLE` (server certificate) or `MUTUAL` (clients present certificates too).
   * @default GatewaySpecServersTlsMode.SIMPLE
   */
  readonly mode?: GatewaySpecServersTlsMode;
}

/**
 * A Kubernetes Ingress in front of the ingress gateway, for clusters whose edge is an Ingress controller (Rancher's
 * nginx, say) that must forward the gateway's hosts to `istio-ingressgateway`.
 */
export interface EdgeIngress {
  /** The edge controller's IngressClass, e.g. "nginx". */
  readonly className: string;
  /**
   * Namespace of the ingress gateway's Service; the Ingress is created there (an Ingress backend is a Service of its
   * own namespace).
   * @default "istio-system"; with Gateway API, the Gateway's namespace (Istio deploys its proxy there)
   */
  readonly namespace?: string;
  /**
   * The ingress gateway's Service, which the Ingress forwards to on port 80 (443 for hosts the gateway serves over TLS).
   * @default "istio-ingressgateway"; with Gateway API, `<gateway name>-<gatewayClassName>` (the Service Istio deploys)
   */
  readonly serviceName?: string;
  /**
   * Annotations of the Ingress, for the controller: needed when a host goes to 443, to say the backend speaks TLS
   * (`nginx.ingress.kubernetes.io/backend-protocol: HTTPS`) or to pass TLS through.
   * @default none
   */
  readonly annotations?: Record<string, string>;
}

/** Props of a MeshGateway. */
export interface MeshGatewayProps {
  /**
   * Gateway name; VirtualServices reference it as `<namespace>/<name>`, so it cannot contain dots.
   * @default the construct id
   */
  readonly name?: string;
  /**
   * Namespace of the Gateway.
   * @default the chart's namespace, else "default"
   */
  readonly namespace?: string;
  /**
   * Hosts admitted by the shorthand servers: an HTTP server on port 80, and with `tls` an HTTPS server on 443.
   * Written as Istio writes them: `shop.example.com`, `*.example.com`, `*`, `ns/host`; an Istio Gateway takes no short
   * names (`web`). With `addRoute`, hosts another one covers are left out of the route's VirtualService.
   * @default none: then give `servers`
   */
  readonly hosts?: string[];
  /**
   * Port of the shorthand HTTP server, e.g. 8080 as in Istio's current Bookinfo gateway (whose ingress gateway
   * Service maps 80 to the pods' 8080).
   * @default 80
   */
  readonly port?: number;
  /**
   * HTTPS for the shorthand servers.
   * @default HTTP only
   */
  readonly tls?: GatewayTls;
  /**
   * Istio's servers in full, for what the shorthand does not cover (several ports, MUTUAL TLS, a credential per
   * host). Replaces `hosts` and `tls`. Every TLS server must carry an explicit `tls.mode`.
   * @default derived from `hosts` and `tls`
   */
  readonly servers?: GatewaySpecServers[];
  /**
   * Labels of the gateway workload's pods that serve this Gateway.
   * @default { istio: 'ingressgateway' } (the default ingress gateway)
   */
  readonly selector?: Record<string, string>;
  /**
   * API version of the Gateway and its VirtualService.
   * @default IstioApiVersion.V1
   */
  readonly apiVersion?: IstioApiVersion;
  /**
   * Also emit a `networking.k8s.io/v1` Ingress `<name>-edge` that forwards the gateway's hosts from an edge Ingress
   * controller to the ingress gateway's Service.
   * @default none: clients reach the ingress gateway directly
   */
  readonly edgeIngress?: EdgeIngress;
  /**
   * The API of the gateway: an Istio Gateway (servers, selector; routes are VirtualServices) or a Kubernetes Gateway
   * API Gateway (listeners from `hosts`, `port` and `tls`; routes are HTTPRoutes; Istio deploys its proxy).
   * @default the app's or chart's `ROUTING_API_CONTEXT` context value, else RoutingApi.ISTIO
   */
  readonly routingApi?: RoutingApi;
  /**
   * With Gateway API: the GatewayClass.
   * @default "istio"
   */
  readonly gatewayClassName?: string;
}

/** The props a MeshGateway reads, for untyped callers (see checkKnownProps). */
const MESH_GATEWAY_PROPS: PropNames<MeshGatewayProps> = {
  name: true,
  namespace: true,
  hosts: true,
  port: true,
  tls: true,
  servers: true,
  selector: true,
  apiVersion: true,
  edgeIngress: true,
  routingApi: true,
  gatewayClassName: true,
};

/** A plain Kubernetes Service as a route target. */
export interface ServiceTarget {
  /** Service host; a short name (no dot) is resolved in the gateway's namespace, as Istio does. */
  readonly host: string;
  /**
   * Service port; needed when the Service has more than one, and always with Gateway API (its backendRefs name it).
   * @default none (the Service's only port)
   */
  readonly port?: number;
}

/** A route on a gateway, by path or header, to a CanaryService or a plain Service. */
export interface GatewayRouteOptions {
  /**
   * Route name, unique on the gateway.
   * @default `route-<n>`, counting the gateway's routes from 1
   */
  readonly name?: string;
  /** Requests matching any of these (OR) take this route. */
  readonly match: Match[];
  /**
   * Where they go. A CanaryService keeps its own rules and split: each of its rules also requires one of
   * these matches, and its default split applies to the rest.
   */
  readonly to: IGatewayRouteTarget | ServiceTarget;
  /**
   * Rewrite before forwarding, e.g. `{ uri: '/' }` to strip a matched prefix.
   * @default none
   */
  readonly rewrite?: Rewrite;
  /**
   * Service port of a CanaryService target that has several HTTP-family ports.
   * @default the CanaryService's only HTTP-family port
   */
  readonly port?: number;
}

/** What the synth needs to know of a Gateway it does not write, for {@link MeshGateway.fromName}. */
export interface ImportedGatewayOptions {
  /** The hosts its servers (or listeners) admit, as written in the Gateway: routes are checked against them. */
  readonly hosts: string[];
  /**
   * The API the Gateway is written in; a Gateway API Gateway takes HTTPRoutes.
   * @default RoutingApi.ISTIO
   */
  readonly routingApi?: RoutingApi;
}

/** An Istio Gateway at the edge of the mesh, with optional routes of its own (`addRoute`). */
export class MeshGateway extends Construct implements IMeshGateway {
  /**
   * References a Gateway this app does not synthesize, as `<namespace>/<name>` (or `<name>` in the chart's
   * namespace), with the hosts its servers admit so that routes can be checked against them, and its API
   * (`routingApi`, Istio's by default; a Gateway API Gateway takes HTTPRoutes).
   */
  public static fromName(scope: Construct, id: string, reference: string, options: ImportedGatewayOptions): IMeshGateway {
    if (typeof reference !== 'string' || reference === '') {
      refuse(`gateway ${show(id)}`, 'MeshGateway.fromName needs the Gateway as "<namespace>/<name>" or "<name>"', show(reference),
        'e.g. "istio-system/public-gateway"');
    }
    const subject = `gateway ${show(reference)}`;
    if (typeof options !== 'object' || options === null || Array.isArray(options)) {
      refuse(subject, 'MeshGateway.fromName needs the hosts its servers admit, as options', show(options),
        'pass { hosts: [...] } as they are written in the Gateway');
    }
    const routingApi = options.routingApi ?? RoutingApi.ISTIO;
    if (!Object.values(RoutingApi).includes(routingApi)) {
      refuse(subject, 'routingApi must be RoutingApi.ISTIO or RoutingApi.GATEWAY_API', show(routingApi), 'use the RoutingApi enum');
    }
    const hosts = checkList(subject, 'hosts', options.hosts, '["shop.example.com"]');
    for (const serverHost of hosts) {
      if (typeof serverHost !== 'string') checkDnsHost(subject, 'host', serverHost);
      const { namespace, host } = parseServerHost(serverHost);
      if (namespace !== '*' && namespace !== '.') checkDnsLabel(subject, 'host namespace', namespace);
      checkDnsHost(subject, 'host', host);
    }
    return new ImportedMeshGateway(scope, id, reference, [...hosts], routingApi);
  }

  public readonly gatewayName: string;
  public readonly gatewayNamespace: string;
  /** The servers, after the shorthand is expanded. */
  public readonly servers: GatewaySpecServers[];
  /** The Gateway object. */
  public readonly gateway: ApiObject;
  /** The edge Ingress, with `edgeIngress`. */
  public readonly edgeIngress?: ApiObject;
  /** The API the gateway is written in. */
  public readonly routingApi: RoutingApi;
  /** With Gateway API and HTTPS redirect: the HTTPS listeners, which service routes attach to. */
  public readonly routeListeners?: GatewayListener[];
  /** With Gateway API, `tls` and `httpsRedirect`: the HTTPRoute that redirects plain HTTP to HTTPS. */
  public readonly httpsRedirectRoute?: ApiObject;

  private readonly subject: string;
  private readonly apiVersion: IstioApiVersion;
  private readonly routes: Array<{ name: string; match: Match[]; render: () => Array<Record<string, any>> }> = [];
  private routesObject?: ApiObject;

  public constructor(scope: Construct, id: string, props: MeshGatewayProps) {
    super(scope, id);
    MeshAnalysis.of(this);
    this.gatewayName = constructName('gateway', id, props);
    this.subject = `gateway ${show(this.gatewayName)}`;
    checkKnownProps(this.subject, 'MeshGateway', props, MESH_GATEWAY_PROPS);
    this.gatewayNamespace = props.namespace ?? Chart.of(this).namespace ?? 'default';
    checkDnsLabel(this.subject, 'namespace', this.gatewayNamespace);
    this.apiVersion = props.apiVersion ?? IstioApiVersion.V1;
    checkGatewayName(this.subject, this.gatewayName);
    this.routingApi = routingApiOf(this, this.subject, props.routingApi);
    if (props.servers && (props.hosts || props.tls || props.port !== undefined)) {
      refuse(this.subject, 'give either servers or the hosts/port/tls shorthand, not both', 'both', 'move the hosts into the servers');
    }
    if (props.port !== undefined) checkPort(this.subject, 'port', props.port);
    if (this.routingApi === RoutingApi.GATEWAY_API) {
      const istioOnly = (['servers', 'selector', 'apiVersion'] as const).filter((k) => props[k] !== undefined);
      if (istioOnly.length > 0) {
        refuse(this.subject, `${istioOnly.join(', ')} ${istioOnly.length > 1 ? 'are Istio Gateway options' : 'is an Istio Gateway option'}, and the gateway uses Gateway API`,
          istioOnly.join(', '), 'describe it with hosts, port and tls, or use RoutingApi.ISTIO');
      }
      if (props.tls?.mode !== undefined && props.tls.mode !== GatewaySpecServersTlsMode.SIMPLE) {
        refuse(this.subject, 'a Gateway API listener terminates TLS with a server certificate (SIMPLE)', show(props.tls.mode),
          'leave tls.mode out, or use RoutingApi.ISTIO for MUTUAL or passthrough');
      }
    } else if (props.gatewayClassName !== undefined) {
      refuse(this.subject, 'gatewayClassName is a Gateway API option, and the gateway is an Istio Gateway', show(props.gatewayClassName),
        'set routingApi: RoutingApi.GATEWAY_API, or drop gatewayClassName (use selector)');
    }
    this.servers = props.servers ?? shorthandServers(this.subject, props.hosts, props.tls, props.port ?? 80);
    checkList(this.subject, 'servers', this.servers, '[{ port: { number: 80, name: "http", protocol: "HTTP" }, hosts: ["*"] }]');
    checkServers(this.subject, this.servers, this.routingApi);

    const gatewayClassName = props.gatewayClassName ?? 'istio';
    if (this.routingApi === RoutingApi.GATEWAY_API) {
      checkDnsHost(this.subject, 'gatewayClassName', gatewayClassName);
      // Istio deploys a Gateway of its classes as a Deployment and Service `<name>-<class>`
      // (pilot/pkg/config/kube/gatewaycommon/gateway_utils.go, GetDefaultName), which must be a Service name.
      const deployed = `${this.gatewayName}-${gatewayClassName}`;
      if (gatewayClassName.startsWith('istio') && !isServiceName(deployed)) {
        refuse(this.subject, `Istio deploys the gateway as the Service "<name>-${gatewayClassName}", which must be a DNS-1035 label of at most 63 characters`,
          `${show(deployed)}, ${deployed.length} characters`, `shorten the name to at most ${MAX_LABEL_LENGTH - gatewayClassName.length - 1} characters`);
      }
      const tls = props.tls && { secretName: props.tls.credentialName, httpsRedirect: props.tls.httpsRedirect ?? true };
      const rendered = renderListeners(this.subject, props.hosts!, props.port ?? 80, tls);
      this.routeListeners = rendered.routeListeners;
      this.gateway = createGatewayApiObject('Gateway', this, 'Gateway', {
        metadata: { name: this.gatewayName, namespace: this.gatewayNamespace },
        spec: { gatewayClassName, listeners: rendered.listeners },
      });
      if (rendered.redirectSections.length > 0) {
        const redirect = createGatewayApiObject('HTTPRoute', this, 'HttpsRedirect', {
          metadata: { name: `${this.gatewayName}-https-redirect`, namespace: this.gatewayNamespace },
          spec: {
            parentRefs: rendered.redirectSections.map((sectionName) => ({ name: this.gatewayName, namespace: this.gatewayNamespace, sectionName })),
            rules: renderHttpsRedirectRules(),
          },
        });
        redirect.node.addDependency(this.gateway);
        this.httpsRedirectRoute = redirect;
      }
    } else {
      this.gateway = createNetworkingObject('Gateway', this, 'Gateway', this.apiVersion, {
        metadata: { name: this.gatewayName, namespace: this.gatewayNamespace },
        spec: { selector: checkGatewaySelector(this.subject, 'selector', props.selector, '{ istio: "ingressgateway" }') ?? { istio: 'ingressgateway' }, servers: [...this.servers] },
      });
    }
    if (props.edgeIngress) this.edgeIngress = this.createEdgeIngress(props.edgeIngress, gatewayClassName);
  }

  public get serverHosts(): string[] {
    return this.servers.flatMap((s) => s.hosts);
  }

  public referenceFrom(namespace: string): string {
    return gatewayReference(this, namespace);
  }

  /**
   * Routes requests arriving at this gateway by path or header, in order (first match wins), through one
   * VirtualService named after the gateway whose hosts are the gateway's hosts.
   */
  public addRoute(options: GatewayRouteOptions): void {
    if (typeof options !== 'object' || options === null || Array.isArray(options)) {
      refuse(this.subject, 'addRoute needs the route as an object', show(options), 'e.g. { match: [Match.uriPrefix("/api")], to: service }');
    }
    if (options.name !== undefined && (typeof options.name !== 'string' || options.name === '')) {
      refuse(this.subject, 'a route name must be text', show(options.name), 'e.g. "api", or leave it out');
    }
    const name = options.name ?? `route-${this.routes.length + 1}`;
    const where = `route ${show(name)}`;
    if (this.routes.some((r) => r.name === name)) {
      refuse(this.subject, 'route names must be unique on a gateway', show(name), 'give the route another name');
    }
    if (options.match !== undefined) checkList(this.subject, `${where} match`, options.match, '[Match.uriPrefix("/api")]');
    if (!options.match || options.match.length === 0 || options.match.some((m) => m.isCatchAll)) {
      // A gateway route without a match is legitimate only last; requiring a match keeps later routes reachable.
      refuse(this.subject, `${where} needs a match`, options.match?.map(String).join(' or ') || 'no match',
        'match a path or header, e.g. Match.uriPrefix("/api")');
    }
    options.match.forEach((m) => checkMatch(this.subject, where, m));
    const seen = options.match.map((m) => m.toString());
    const twice = seen.findIndex((k, i) => seen.indexOf(k) !== i);
    if (twice >= 0) refuse(this.subject, `${where} lists one match twice (istiod warns the second is never used)`, show(seen[twice]), 'list it once');
    // Istio takes a gateway's routes in order: one whose matches earlier routes take is never used (Gateway API orders
    // routes by precedence instead, checked below).
    if (this.routingApi !== RoutingApi.GATEWAY_API) checkReachable(this.subject, where, { name, match: options.match }, this.routes);
    if (this.routingApi === RoutingApi.GATEWAY_API) checkGatewayApiRuleName(this.subject, where, name);
    if (options.rewrite !== undefined) checkRewrite(this.subject, `${where} rewrite`, options.rewrite);
    const to = options.to;
    if (typeof to !== 'object' || to === null || Array.isArray(to) || (Construct.isConstruct(to) && !isGatewayRouteTarget(to))) {
      refuse(this.subject, `${where} needs a target: a CanaryService, or a Service as { host, port }`,
        Construct.isConstruct(to) ? `${to.constructor.name} ${to.node.path}` : show(to), 'set to, e.g. to: { host: "web", port: 8080 }');
    }
    let render: () => Array<Record<string, any>>;
    if (this.routingApi === RoutingApi.GATEWAY_API) {
      render = this.gatewayApiRoute(name, where, options);
    } else if (isGatewayRouteTarget(to)) {
      const edge = { match: options.match, rewrite: options.rewrite, namePrefix: name, gateway: true, port: options.port };
      render = () => renderHttpRoutes(to.release, edge);
      to.notifyGatewayRoute();
      renderNowAndAtSynth(this, render, () => to.revision); // the gateway match may clash with the service's rules, now or later
    } else {
      if (typeof to.host !== 'string' || to.host.trim() === '') refuse(this.subject, `${where} needs a target host`, show(to.host), 'name the Service');
      if (to.port !== undefined) checkPort(this.subject, `${where} port`, to.port);
      const host = to.host.includes('.') ? to.host : serviceHost(to.host, this.gatewayNamespace);
      const route = [{ destination: { host, ...(to.port ? { port: { number: to.port } } : {}) } }];
      const rewrite = prefixRewrite(options.rewrite, options.match);
      render = () => [{ name, match: renderHttpMatchList(options.match), ...(rewrite ? { rewrite } : {}), route }];
    }
    this.routes.push({ name, match: options.match, render });
    if (this.routingApi === RoutingApi.GATEWAY_API) {
      try {
        checkPrecedenceKeepsOrder(this.subject, this.routes.map((r) => ({ name: r.name, matches: r.match, to: `route ${r.name}` })));
      } catch (e) {
        this.routes.pop();
        throw e; // node-do-not-add-exception-line: the refusal, thrown on
      }
    }
    this.routesObject ??= this.routingApi === RoutingApi.GATEWAY_API ? this.createHttpRoute() : this.createRoutesObject();
  }

  /**
   * A gateway route's rules in Gateway API: a CanaryService's rules and split under the route's matches (its versions'
   * Services as backends), or one rule to a plain Service; a ReferenceGrant in each other namespace sent to.
   */
  private gatewayApiRoute(name: string, where: string, options: GatewayRouteOptions): () => Array<Record<string, any>> {
    const to = options.to;
    if (isGatewayRouteTarget(to)) {
      if (!to.release.hosts) {
        refuse(this.subject, `${where}: Gateway API routes to a Service per version, and ${show(to.release.name)} has subsets only`,
          show(to.release.name), 'route the service with RoutingApi.GATEWAY_API (or Split.HOST)');
      }
      const edge = { match: options.match, rewrite: options.rewrite, namePrefix: name, port: options.port };
      const render = () => renderGatewayRules(to.release, edge);
      to.notifyGatewayRoute();
      renderNowAndAtSynth(this, render, () => to.revision);
      for (const { host } of Object.values(to.release.hosts)) grantServiceReferences(this, this.gatewayNamespace, serviceRefOf(host)!.namespace);
      return render;
    }
    if (typeof to.host !== 'string' || to.host.trim() === '') refuse(this.subject, `${where} needs a target host`, show(to.host), 'name the Service');
    if (to.port === undefined) {
      refuse(this.subject, `${where}: a Gateway API backendRef names the Service port`, show(to.host), 'set the port of the target');
    }
    checkPort(this.subject, `${where} port`, to.port);
    const host = to.host.includes('.') ? to.host : serviceHost(to.host, this.gatewayNamespace);
    const ref = serviceRefOf(host);
    if (!ref) {
      refuse(this.subject, `${where}: a Gateway API backendRef is a Service of the cluster`, show(to.host),
        'name it as name or name.namespace.svc.cluster.local, or use RoutingApi.ISTIO');
    }
    grantServiceReferences(this, this.gatewayNamespace, ref.namespace);
    const rule = {
      name,
      matches: options.match.map(renderGatewayApiMatch),
      ...(options.rewrite ? { filters: [rewriteFilter(this.subject, where, options.rewrite, options.match)] } : {}),
      backendRefs: [{ ...ref, port: to.port }],
    };
    return () => [rule];
  }

  private createHttpRoute(): ApiObject {
    const hosts = gatewayHosts(this);
    const route = createGatewayApiObject('HTTPRoute', this, 'Routes', {
      metadata: { name: this.gatewayName, namespace: this.gatewayNamespace },
      spec: Lazy.any({
        produce: () => ({
          parentRefs: gatewayParentRefs(this, hosts),
          hostnames: routeHostnames(hosts),
          rules: this.routes.flatMap((r) => r.render()),
        }),
      }),
    });
    route.node.addDependency(this.gateway);
    return route;
  }

  private createEdgeIngress(edge: EdgeIngress, gatewayClassName: string): ApiObject {
    if (typeof edge.className !== 'string' || edge.className.trim() === '') {
      refuse(this.subject, 'edgeIngress needs the edge controller\'s IngressClass', show(edge.className), 'set className, e.g. "nginx"');
    }
    if (!isDnsSubdomain(edge.className)) {
      // The API server's ValidateIngressSpec checks ingressClassName as an object name (a DNS-1123 subdomain).
      refuse(this.subject, 'edgeIngress className must be an IngressClass name (a DNS-1123 subdomain)', show(edge.className),
        'use the IngressClass\'s name as `kubectl get ingressclass` lists it, e.g. "nginx"');
    }
    // Istio deploys a Gateway API Gateway's proxy beside it, behind a Service `<name>-<class>`.
    const gatewayApi = this.routingApi === RoutingApi.GATEWAY_API;
    const namespace = edge.namespace ?? (gatewayApi ? this.gatewayNamespace : 'istio-system');
    const serviceName = edge.serviceName ?? (gatewayApi ? `${this.gatewayName}-${gatewayClassName}` : 'istio-ingressgateway');
    checkDnsLabel(this.subject, 'edgeIngress namespace', namespace);
    checkDnsLabel(this.subject, 'edgeIngress serviceName', serviceName);
    checkAnnotations(this.subject, 'edgeIngress annotations', edge.annotations);
    const rules = edgeIngressRules(this.subject, this.servers, serviceName, Object.keys(edge.annotations ?? {}).length > 0);
    return new kplus.k8s.KubeIngress(this, 'EdgeIngress', {
      metadata: { name: `${this.gatewayName}-edge`, namespace, annotations: edge.annotations && { ...edge.annotations } },
      spec: { ingressClassName: edge.className, rules },
    });
  }

  private createRoutesObject(): ApiObject {
    // One VirtualService for all the gateway's hosts, without those another covers: Istio refuses a VirtualService
    // whose hosts overlap (pkg/config/validation/validation.go, ValidateVirtualService: "duplicate hosts in virtual
    // service"), and `*.example.com` already routes `shop.example.com` at every server that admits it.
    const hosts = widestHosts(gatewayHosts(this));
    const gateways = [this.gatewayName];
    checkVirtualServiceHosts(this.subject, hosts, gateways);
    const vs = createNetworkingObject('VirtualService', this, 'Routes', this.apiVersion, {
      metadata: { name: this.gatewayName, namespace: this.gatewayNamespace },
      spec: Lazy.any({ produce: () => ({ hosts, gateways, http: withoutIneffectiveMatches(this.routes.flatMap((r) => r.render())) }) }),
    });
    vs.node.addDependency(this.gateway);
    return vs;
  }
}

class ImportedMeshGateway extends Construct implements IMeshGateway {
  public readonly gatewayName: string;
  public readonly gatewayNamespace: string;

  constructor(scope: Construct, id: string, reference: string, public readonly serverHosts: string[],
    public readonly routingApi: RoutingApi = RoutingApi.ISTIO) {
    super(scope, id);
    const [namespace, name] = reference.includes('/') ? reference.split('/', 2) : [Chart.of(this).namespace ?? 'default', reference];
    const subject = `gateway ${show(reference)}`;
    checkGatewayName(subject, name);
    checkDnsLabel(subject, 'namespace', namespace);
    if (serverHosts.length === 0) {
      refuse(subject, 'needs the hosts its servers admit', '[]', 'pass { hosts: [...] } as they are written in the Gateway');
    }
    this.gatewayName = name;
    this.gatewayNamespace = namespace;
  }

  public referenceFrom(namespace: string): string {
    return gatewayReference(this, namespace);
  }
}

function gatewayReference(gateway: IMeshGateway, fromNamespace: string): string {
  return fromNamespace === gateway.gatewayNamespace ? gateway.gatewayName : `${gateway.gatewayNamespace}/${gateway.gatewayName}`;
}

/** Gateway names cannot contain dots: Istio would read `a.b` as name `a` in namespace `b`. */
function checkGatewayName(subject: string, name: string): void {
  if (name.includes('.')) {
    refuse(subject, 'a Gateway name cannot contain dots (Istio reads "name.namespace")', show(name), `use ${show(name.replace(/\./g, '-'))}`);
  }
  checkDnsLabel(subject, 'Gateway name', name);
}

function shorthandServers(subject: string, hosts: string[] | undefined, tls: GatewayTls | undefined, port: number): GatewaySpecServers[] {
  if (!hosts || hosts.length === 0) {
    refuse(subject, 'needs hosts (or servers)', show(hosts ?? []), 'e.g. hosts: ["shop.example.com"] or ["*"]');
  }
  checkList(subject, 'hosts', hosts, '["shop.example.com"]');
  const mode = tls?.mode ?? GatewaySpecServersTlsMode.SIMPLE;
  const terminating = [GatewaySpecServersTlsMode.SIMPLE, GatewaySpecServersTlsMode.MUTUAL, GatewaySpecServersTlsMode.OPTIONAL_UNDERSCORE_MUTUAL];
  if (tls && !terminating.includes(mode)) {
    // Passed-through TLS is never decrypted, so the HTTP routes of exposeVia never apply and the redirect from port 80
    // leads to a port that routes nothing.
    refuse(subject, 'tls terminates HTTPS at the gateway, so that HTTP routes apply; a passed-through mode routes no HTTP', show(mode),
      'use SIMPLE or MUTUAL, or give servers with a TLS server and route it with TLS routes yourself');
  }
  if (!tls) return [{ port: { number: port, name: 'http', protocol: 'HTTP' }, hosts: [...hosts] }];
  return [
    {
      port: { number: port, name: 'http', protocol: 'HTTP' },
      hosts: [...hosts],
      ...(tls.httpsRedirect ?? true ? { tls: { httpsRedirect: true } } : {}),
    },
    {
      port: { number: 443, name: 'https', protocol: 'HTTPS' },
      hosts: [...hosts],
      tls: { mode: tls.mode ?? GatewaySpecServersTlsMode.SIMPLE, credentialName: tls.credentialName },
    },
  ];
}

/** Servers of one port must agree on this: plain-text HTTP, TLS (terminated or passed through), or plain TCP. */
function protocolFamily(protocol: string): string {
  if (TLS_SERVER_PROTOCOLS.includes(protocol)) return 'TLS';
  if (HTTP_SERVER_PROTOCOLS.includes(protocol)) return 'plain-text HTTP';
  return protocol;
}

/** Server protocols Istio routes as HTTP (pkg/config/protocol/instance.go, IsHTTP). */
const HTTP_SERVER_PROTOCOLS: readonly string[] = ['HTTP', 'HTTP2', 'HTTP_PROXY', 'GRPC', 'GRPC-WEB'];
/** Every server protocol Istio knows (pkg/config/protocol/instance.go, Parse; upper case, as Parse ignores case). */
const SERVER_PROTOCOLS: readonly string[] = [...HTTP_SERVER_PROTOCOLS, ...TLS_SERVER_PROTOCOLS, 'TCP', 'UDP', 'MONGO', 'REDIS', 'MYSQL'];
/** The certificate fields of a server's tls. */
const CERTIFICATE_FIELDS = ['credentialName', 'credentialNames', 'serverCertificate', 'privateKey', 'caCertificates', 'tlsCertificates', 'caCrl'] as const;

/**
 * Checks Gateway servers: a port with a number, a name and a protocol Istio knows, hosts present (with a dot, for an
 * Istio Gateway), unique port names, TLS settings only on TLS servers (an HTTP server takes httpsRedirect alone), an
 * explicit TLS mode on TLS servers (without one Istio passes TLS through), a certificate for SIMPLE and MUTUAL,
 * none for ISTIO_MUTUAL and passthrough, and one certificate source only.
 */
export function checkServers(subject: string, servers: readonly GatewaySpecServers[], routingApi: RoutingApi = RoutingApi.ISTIO): void {
  if (servers.length === 0) refuse(subject, 'needs at least one server', '[]', 'add a server or use hosts');
  const portNames = new Set<string>();
  const protocolsByPort = new Map<string, Set<string>>();
  servers.forEach((server, index) => {
    if (typeof server !== 'object' || Array.isArray(server)) {
      refuse(subject, `servers entry ${index + 1} must be an object with a port and hosts`, show(server),
        'e.g. { port: { number: 80, name: "http", protocol: "HTTP" }, hosts: ["shop.example.com"] }');
    }
    const port = server.port as Partial<GatewaySpecServers['port']> | undefined;
    if (typeof port !== 'object' || port === null || Array.isArray(port)) {
      refuse(subject, `servers entry ${index + 1} needs a port`, show(port), 'e.g. port: { number: 80, name: "http", protocol: "HTTP" }');
    }
    // The Gateway CRD requires number, name and protocol; istiod: "port name must be set" (validation.go, validateServerPort).
    if (typeof port.name !== 'string' || port.name.trim() === '') {
      refuse(subject, `servers entry ${index + 1}: the port needs a name`, show(port), 'e.g. name: "http"');
    }
    const where = `server ${show(port.name)}`;
    checkPort(subject, `${where} port`, port.number as number);
    // istiod refuses a protocol pkg/config/protocol's Parse does not know (validation.go, validateServerPort).
    const protocol = typeof port.protocol === 'string' ? port.protocol.toUpperCase() : undefined;
    if (protocol === undefined || !SERVER_PROTOCOLS.includes(protocol)) {
      refuse(subject, `${where}: the port protocol must be one Istio knows`, show(port.protocol),
        'use HTTP, HTTPS, HTTP2, GRPC, GRPC-WEB, HTTP_PROXY, TLS, TCP, UDP, MONGO, REDIS or MYSQL');
    }
    if (portNames.has(port.name)) {
      refuse(subject, 'server port names must be unique', show(port.name), 'name each server port differently');
    }
    portNames.add(port.name);
    if (!Array.isArray(server.hosts) || server.hosts.length === 0 || server.hosts.some((h) => typeof h !== 'string' || parseServerHost(h).host === '')) {
      refuse(subject, `${where} needs hosts`, show(server.hosts), 'e.g. ["shop.example.com"] or ["*"]');
    }
    for (const serverHost of server.hosts) {
      if (serverHost.includes('://')) checkDnsHost(subject, `${where} host`, serverHost); // a URL, not `namespace/host`
      const { namespace, host } = parseServerHost(serverHost);
      if (namespace !== '*' && namespace !== '.') checkDnsLabel(subject, `${where} host namespace`, namespace);
      checkDnsHost(subject, `${where} host`, host);
      // An Istio Gateway takes no short names (pkg/config/validation/agent/validation.go,
      // validateSidecarOrGatewayHostnamePart: "short names (non FQDN) are not allowed").
      if (routingApi === RoutingApi.ISTIO && host !== '*' && !host.includes('.')) {
        refuse(subject, `${where} host must be a fully qualified name: an Istio Gateway takes no short names`, show(serverHost),
          `write the full name clients use, e.g. ${show(`${serverHost}.example.com`)}`);
      }
    }
    const family = protocolFamily(protocol);
    const bindPort = `${server.bind ?? ''}:${port.number}`;
    const families = protocolsByPort.get(bindPort) ?? new Set();
    if (families.size > 0 && !families.has(family)) {
      // One listener per port and bind address: Istio merges plain-text HTTP servers, and TLS servers, and skips a
      // server whose protocol cannot merge with the port's first one (pilot/pkg/model/gateway.go, mergeGateways).
      refuse(subject, `${where}: servers on port ${port.number} mix plain text and TLS, and Istio keeps one of them`,
        `${[...families].join(', ')} and ${family}`, 'give the HTTPS server its own port (443), and redirect HTTP with tls.httpsRedirect');
    }
    protocolsByPort.set(bindPort, families.add(family));
    checkServerTls(subject, where, protocol, server.tls);
  });
}

/** Checks the tls of one server, of `protocol` (upper case, one Istio knows). */
function checkServerTls(subject: string, where: string, protocol: string, tls: GatewaySpecServers['tls']): void {
  if (TLS_SERVER_PROTOCOLS.includes(protocol) && !tls?.mode) {
    refuse(subject, `${where}: a ${protocol} server needs an explicit tls.mode, or Istio silently passes TLS through`,
      show(tls ?? null), 'set tls.mode, e.g. SIMPLE with a credentialName');
  }
  if (tls === undefined || tls === null) return;
  checkObject(subject, `${where}: tls`, tls, '{ httpsRedirect: true }');
  const modes = Object.values(GatewaySpecServersTlsMode) as string[];
  if (tls.mode !== undefined && !modes.includes(tls.mode)) {
    refuse(subject, `${where}: unknown tls.mode`, show(tls.mode), `use one of ${modes.join(', ')}`);
  }
  const set = (Object.keys(tls) as Array<keyof typeof tls>).filter((k) => tls[k] !== undefined);
  if (!TLS_SERVER_PROTOCOLS.includes(protocol)) {
    // istiod: "server cannot have TLS settings for plain text HTTP ports" (a mode other than passthrough, or a
    // certificate file), "... for non HTTPS/TLS ports", and for an HTTP server's certificate without a mode (read as
    // PASSTHROUGH) the warning "PASSTHROUGH mode does not use certificates" (validation.go, validateServer and
    // validateTLSOptions). Only httpsRedirect does something there.
    const http = HTTP_SERVER_PROTOCOLS.includes(protocol);
    const extra = set.filter((k) => !(http && k === 'httpsRedirect'));
    if (extra.length > 0 || !http) {
      refuse(subject, http
        ? `${where}: a plain-text ${protocol} server takes no TLS settings but httpsRedirect`
        : `${where}: a ${protocol} server takes no TLS settings`, show(tls),
      extra.length > 0 ? `put ${extra.join(', ')} on a server of protocol HTTPS (or TLS), e.g. on port 443${http ? ', and keep tls: { httpsRedirect: true } here' : ''}`
        : 'drop tls, or use protocol TLS');
    }
    return;
  }
  for (const name of [tls.credentialName, ...tls.credentialNames ?? []].filter((n) => n !== undefined)) {
    // A Kubernetes Secret's name (a DNS-1123 subdomain), or an SDS resource name such as `kubernetes://name`.
    if (typeof name !== 'string' || !(name.includes('://') || isDnsSubdomain(name))) {
      refuse(subject, `${where}: credentialName must name a Kubernetes TLS Secret (a DNS-1123 subdomain)`, show(name),
        'use the Secret\'s name, e.g. "shop-example-com-tls"');
    }
  }
  if (tls.httpsRedirect === true) {
    // istiod warns "tls.httpsRedirect should only be used with http servers" (validation.go, ValidateGateway).
    refuse(subject, `${where}: httpsRedirect belongs on a plain-text HTTP server, and this one is ${protocol}`, show(tls),
      'drop httpsRedirect here, and set it on the HTTP server of the same hosts');
  }
  const certificates = CERTIFICATE_FIELDS.filter((k) => set.includes(k));
  const passthrough = tls.mode === GatewaySpecServersTlsMode.PASSTHROUGH || tls.mode === GatewaySpecServersTlsMode.AUTO_UNDERSCORE_PASSTHROUGH;
  if ((tls.mode === GatewaySpecServersTlsMode.ISTIO_UNDERSCORE_MUTUAL || passthrough) && certificates.length > 0) {
    // istiod: "ISTIO_MUTUAL TLS cannot have associated credentialName" (and the other fields), and for passthrough the
    // warning "PASSTHROUGH mode does not use certificates, they will be ignored" (validation.go, validateTLSOptions).
    refuse(subject, `${where}: tls mode ${tls.mode} ${passthrough ? 'never decrypts, so it uses no certificate' : 'uses the mesh\'s own certificates'}`,
      show(tls), `drop ${certificates.join(', ')}, or use mode SIMPLE or MUTUAL with a credentialName`);
  }
  const files = tls.serverCertificate !== undefined || tls.privateKey !== undefined;
  const credential = tls.credentialName !== undefined || (tls.credentialNames?.length ?? 0) > 0;
  // istiod: "only one of credential_name, credential_names, server_certificate/private_key, tls_certificates should be
  // specified" (validation.go, validateTLSOptions).
  const sources = [tls.credentialName !== undefined, (tls.credentialNames?.length ?? 0) > 0, files, (tls.tlsCertificates?.length ?? 0) > 0];
  if (credential && files) {
    refuse(subject, `${where}: credentialName and certificate files exclude each other`, show(tls),
      'keep credentialName (a Kubernetes Secret) and drop serverCertificate/privateKey');
  }
  if (sources.filter(Boolean).length > 1) {
    refuse(subject, `${where}: give one certificate source: credentialName, credentialNames, serverCertificate/privateKey or tlsCertificates`,
      show(tls), 'keep one of them');
  }
  const needsCertificate = tls.mode === GatewaySpecServersTlsMode.SIMPLE || tls.mode === GatewaySpecServersTlsMode.MUTUAL
    || tls.mode === GatewaySpecServersTlsMode.OPTIONAL_UNDERSCORE_MUTUAL;
  if (needsCertificate && !credential && !files && !(tls.tlsCertificates?.length)) {
    refuse(subject, `${where}: tls mode ${tls.mode} needs a certificate`, show(tls), 'set credentialName to the TLS Secret\'s name');
  }
  if (needsCertificate && !credential) {
    // Files in the gateway's pod: istiod wants a certificate and its key, and for MUTUAL the client CA bundle
    // ("requires a server certificate", "requires a private key", "requires a client CA bundle"; validateTLSOptions).
    const pairs = tls.tlsCertificates?.length ? tls.tlsCertificates : [tls];
    if (pairs.some((c) => !c.serverCertificate || !c.privateKey)) {
      refuse(subject, `${where}: certificate files need both serverCertificate and privateKey`, show(tls),
        'give both paths, or use credentialName (a Kubernetes TLS Secret) instead');
    }
    if (tls.mode !== GatewaySpecServersTlsMode.SIMPLE && !tls.caCertificates) {
      refuse(subject, `${where}: tls mode ${tls.mode} with certificate files needs the client CA bundle`, show(tls),
        'set caCertificates to the CA file clients\' certificates are checked against, or use credentialName');
    }
  }
}

