import { ApiObject, Lazy } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { renderGatewayRules, renderMeshRoutes } from './gatewayapi/routes';
import { IstioApiVersion } from './istio/api-version';
import { renderHttpRoutes } from './istio/routes';
import { refuse, show } from './model/errors';
import { RoutingApi } from './model/gateway-api';
import { checkHostsFitGateway, checkVirtualServiceHosts, gatewayHosts, hostsIntersect } from './model/hosts';
import { Match } from './model/match';
import { Release, Weights, checkRelease, subjectOf } from './model/release';
import { HeaderRouteOptions, RouteOptions, headerRoute, ruleFromOptions } from './model/route-options';
import { Rewrite, checkRewrite } from './model/route-policy';
import { createGatewayApiObject } from './private/gateway-api-object';
import { claimGatewayHosts } from './private/host-claims';
import { createNetworkingObject } from './private/networking-object';
import { renderNowAndAtSynth } from './private/synth';
import { IMeshGateway } from './targets';

/** How a service is exposed through a gateway (`exposeVia`). */
export interface ExposeOptions {
  /**
   * Hosts clients use at the gateway; each must fit one of the gateway's hosts.
   * @default the gateway's host, when it has exactly one
   */
  readonly hosts?: string[];
  /**
   * Only requests under this path prefix reach the service (gateway traffic only), by whole path elements as
   * `Match.uriPrefix` says: `/checkout` takes `/checkout` and `/checkout/a`, not `/checkouts`; a trailing `/` is ignored.
   * @default every path
   */
  readonly pathPrefix?: string;
  /**
   * Rewrite before forwarding, e.g. `{ uri: '/' }` to strip `pathPrefix` (gateway traffic only): `/checkout/a`
   * reaches the service as `/a` under both routing APIs.
   * @default none
   */
  readonly rewrite?: Rewrite;
  /**
   * Service port the gateway sends requests to.
   * @default the service's only HTTP-family port
   */
  readonly port?: number;
}

/** What a gateway VirtualService of a release is made with. */
interface GatewayExposure {
  /** How errors name the construct. */
  readonly subject: string;
  /** The release's namespace. */
  readonly namespace: string;
  /** API version of the VirtualService. */
  readonly apiVersion: IstioApiVersion;
  /** What the routes send traffic to (created first: make before break). */
  readonly routeTargets: readonly IConstruct[];
  /** The gateway VirtualServices so far, by gateway reference; the new one is added. */
  readonly exposed: Record<string, ApiObject>;
}

/**
 * A construct that routes one host by a release model: the rule and weight mutators CanaryService, TrafficSplit
 * and RolloutService share, and their gateway VirtualServices. Every change is checked as a whole before it is
 * kept, so a rejected call leaves the routing as it was.
 */
export abstract class RoutedRelease extends Construct {
  /** The API the routes are written in; a subclass sets it before its first commit. */
  protected routingApi = RoutingApi.ISTIO;
  /** With Gateway API: fields of the experimental channel (`retry`) are allowed. */
  protected gatewayApiExperimental = false;
  private own?: Release;
  private revisionCount = 0;
  private readonly renders = new Map<string, { revision: number; value: unknown }>();

  /** The routing model as it stands and is rendered: versions (or backends), the default split and the rules. */
  public get release(): Release {
    return this.decorate(this.own!);
  }

  /** Counts the changes to the routing; a render made at one revision holds until the next. */
  public get revision(): number {
    return this.revisionCount;
  }

  /**
   * Sends requests whose header `header` equals `value` to one version (a backend Service, for a TrafficSplit), e.g.
   * `routeHeader('end-user', 'jason', 'v2')`. Rules keep the order they are added in; the first match wins.
   */
  public routeHeader(header: string, value: string, version: string, options: HeaderRouteOptions = {}): void {
    this.addRoute(headerRoute(subjectOf(this.own!), header, value, version, options));
  }

  /** Adds a rule after the existing ones and before the default route. */
  public addRoute(options: RouteOptions): void {
    this.commit({ ...this.own!, rules: [...this.own!.rules, ruleFromOptions(subjectOf(this.own!), options, this.own!.rules)] });
  }

  /**
   * Replaces the default route's split (percent per version, adding up to 100); a service whose default route was
   * even or followed the pods (`defaultRoute`) is split by these weights from now on.
   */
  public shiftWeights(weights: Weights): void {
    this.commit({ ...this.own!, weights: { ...weights }, defaultRoute: undefined });
  }

  /** Checks a candidate release and keeps it; a failed check leaves the routing as it was. */
  protected commit(release: Release): void {
    const decorated = this.decorate(release);
    checkRelease(decorated);
    if (this.routingApi === RoutingApi.GATEWAY_API) {
      // Refuses what Gateway API cannot say, and an order of rules its precedence would not keep.
      renderMeshRoutes(decorated, { experimental: this.gatewayApiExperimental });
    }
    this.own = release;
    this.revisionCount += 1;
  }

  /**
   * `render()` once per revision, under `key`: a synth renders each spec for the manifest and again for the mesh
   * analysis, and the routing cannot change in between.
   * @internal
   */
  protected _rendered<T>(key: string, render: () => T): T {
    const cached = this.renders.get(key);
    if (cached && cached.revision === this.revisionCount) return cached.value as T;
    const value = render();
    this.renders.set(key, { revision: this.revisionCount, value });
    return value;
  }

  /**
   * A VirtualService `<name>-<gateway>` bound to `gateway` only, with the release's rules and split: external
   * hostnames stay out of the sidecars' routes, and edge-only options (`pathPrefix`, `rewrite`) apply to gateway
   * traffic alone.
   * @internal
   */
  protected _createGatewayVirtualService(gateway: IMeshGateway, options: ExposeOptions, exposure: GatewayExposure): ApiObject {
    const { namespace } = exposure;
    checkExposeArguments(exposure.subject, gateway, options);
    const ref = gateway.referenceFrom(namespace);
    const hosts = this.checkExposure(gateway, options, exposure, ref);
    const edge = {
      match: options.pathPrefix !== undefined ? [Match.uriPrefix(options.pathPrefix)] : undefined,
      rewrite: options.rewrite,
      gateway: true,
      port: options.port,
    };
    const render = () => this._rendered(`VirtualService-${ref}`, () => renderHttpRoutes(this.release, edge));
    renderNowAndAtSynth(this, render, () => this.revision); // a path prefix may clash with a rule's path, now or later
    const name = this.release.name;
    const vs = createNetworkingObject('VirtualService', this, `VirtualService-${ref.replace('/', '-')}`, exposure.apiVersion, {
      metadata: { name: `${name}-${gateway.gatewayName}`, namespace, labels: { app: name } },
      spec: Lazy.any({ produce: () => ({ hosts: [...hosts], gateways: [ref], http: render() }) }),
    });
    vs.node.addDependency(...exposure.routeTargets);
    if (gateway instanceof Construct) vs.node.addDependency(gateway);
    claimGatewayHosts(this, `${gateway.gatewayNamespace}/${gateway.gatewayName}`, { subject: exposure.subject, hosts, pathPrefix: options.pathPrefix }, false);
    exposure.exposed[ref] = vs;
    return vs;
  }

  /**
   * An HTTPRoute `<name>-<gateway>` attached to a Gateway API `gateway` (to its service listeners), with the release's
   * rules and split, for the hosts given; the Gateway API twin of `createGatewayVirtualService`.
   * @internal
   */
  protected _createGatewayHttpRoute(gateway: IMeshGateway, options: ExposeOptions, exposure: Omit<GatewayExposure, 'apiVersion'>): ApiObject {
    const { namespace } = exposure;
    checkExposeArguments(exposure.subject, gateway, options);
    const ref = `${gateway.gatewayNamespace}/${gateway.gatewayName}`;
    const hosts = this.checkExposure(gateway, options, exposure, ref);
    const edge = {
      match: options.pathPrefix !== undefined ? [Match.uriPrefix(options.pathPrefix)] : undefined,
      rewrite: options.rewrite,
      port: options.port,
    };
    const experimental = { experimental: this.gatewayApiExperimental };
    const render = () => this._rendered(`HTTPRoute-${ref}`, () => renderGatewayRules(this.release, edge, experimental));
    renderNowAndAtSynth(this, render, () => this.revision);
    const name = this.release.name;
    const route = createGatewayApiObject('HTTPRoute', this, `HTTPRoute-${ref.replace('/', '-')}`, {
      metadata: { name: `${name}-${gateway.gatewayName}`, namespace, labels: { app: name } },
      spec: Lazy.any({ produce: () => ({ parentRefs: gatewayParentRefs(gateway, hosts), hostnames: routeHostnames(hosts), rules: render() }) }),
    });
    route.node.addDependency(...exposure.routeTargets);
    if (gateway instanceof Construct) route.node.addDependency(gateway);
    claimGatewayHosts(this, ref, { subject: exposure.subject, hosts, pathPrefix: options.pathPrefix }, true);
    exposure.exposed[ref] = route;
    return route;
  }

  /** Checks an exposure: once per gateway, a gateway of this routing API, hosts that fit it. Returns the hosts. */
  private checkExposure(gateway: IMeshGateway, options: ExposeOptions,
    exposure: { subject: string; namespace: string; exposed: Record<string, ApiObject> }, ref: string): string[] {
    const { subject, namespace } = exposure;
    const gatewayApi = (gateway.routingApi ?? RoutingApi.ISTIO) === RoutingApi.GATEWAY_API;
    if (gatewayApi !== (this.routingApi === RoutingApi.GATEWAY_API)) {
      refuse(subject, `is routed with ${this.routingApi === RoutingApi.GATEWAY_API ? 'Gateway API' : 'Istio\'s API'}, and gateway `
        + `${show(gateway.gatewayName)} with ${gatewayApi ? 'Gateway API' : 'Istio\'s API'}`, `routingApi ${this.routingApi}`,
      'give the service and the gateway the same routingApi');
    }
    if (exposure.exposed[ref]) {
      refuse(subject, 'is already exposed via this gateway', show(ref), 'call exposeVia once per gateway, with all its hosts');
    }
    const hosts = options.hosts ?? inheritHosts(subject, gateway);
    checkVirtualServiceHosts(subject, hosts, [ref], !gatewayApi);
    checkHostsFitGateway(subject, gateway, hosts, namespace);
    return hosts;
  }

  /**
   * Gateway API in the mesh: per HTTP-family port an HTTPRoute (GRPCRoute for gRPC) bound to the Service `service` and
   * the port (GAMMA), named like `metadata.name`, suffixed with the port name when there are several.
   * @internal
   */
  protected _createMeshRoutes(service: string, metadata: { name: string; namespace: string; labels?: Record<string, string> },
    routeTargets: IConstruct[]): ApiObject[] {
    const rendered = () => this._rendered('mesh-routes', () => renderMeshRoutes(this.release, { experimental: this.gatewayApiExperimental }));
    const several = rendered().length > 1;
    return rendered().map(({ kind, port }, index) => {
      const route = createGatewayApiObject(kind, this, `${kind}-${port.name}`, {
        metadata: { ...metadata, name: several ? `${metadata.name}-${port.name}` : metadata.name },
        spec: Lazy.any({
          produce: () => ({
            parentRefs: [{ group: '', kind: 'Service', name: service, port: port.number }],
            rules: rendered()[index].rules,
          }),
        }),
      });
      if (routeTargets.length > 0) route.node.addDependency(...routeTargets);
      return route;
    });
  }

  /** Checks the routing again after something `decorate` reads has changed. */
  protected recheck(): void {
    this.commit(this.own!);
  }

  /** What the construct adds to the rules and split given to it (a CanaryService's lane rules); nothing by default. */
  protected decorate(release: Release): Release {
    return release;
  }
}

/** Refuses what an untyped caller may pass to exposeVia in place of a gateway or of the options. */
function checkExposeArguments(subject: string, gateway: unknown, options: unknown): void {
  const g = gateway as Partial<IMeshGateway> | undefined;
  if (typeof g !== 'object' || g === null || typeof g.referenceFrom !== 'function' || typeof g.gatewayName !== 'string'
    || typeof g.gatewayNamespace !== 'string' || !Array.isArray(g.serverHosts)) {
    refuse(subject, 'exposeVia needs a gateway', show(gateway),
      'pass a MeshGateway, or MeshGateway.fromName(scope, id, "namespace/name", { hosts }) for a Gateway this app does not create');
  }
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    refuse(subject, 'the options of exposeVia must be an object', show(options), 'e.g. { hosts: ["shop.example.com"] }, or leave them out');
  }
  const rewrite = (options as ExposeOptions).rewrite;
  if (rewrite !== undefined) checkRewrite(subject, 'exposeVia rewrite', rewrite);
}

/** The gateway's one host, for exposeVia without hosts. */
function inheritHosts(subject: string, gateway: IMeshGateway): string[] {
  const hosts = gatewayHosts(gateway);
  if (hosts.length !== 1) {
    refuse(subject, `exposeVia needs hosts: gateway ${show(gateway.gatewayName)} has no single host to inherit`,
      show(hosts), 'pass { hosts: [...] } with the hosts clients use for this service');
  }
  return hosts;
}

/**
 * An HTTPRoute's parentRefs to a Gateway API gateway for `hosts`: its service listeners whose hostname fits one of
 * them, by name, or the whole Gateway.
 */
export function gatewayParentRefs(gateway: IMeshGateway, hosts: readonly string[]): Array<Record<string, string>> {
  const parent = { name: gateway.gatewayName, namespace: gateway.gatewayNamespace };
  if (!gateway.routeListeners) return [parent];
  return gateway.routeListeners.filter((l) => l.hostname === undefined || hosts.some((h) => hostsIntersect(h, l.hostname!)))
    .map((l) => ({ ...parent, sectionName: l.name }));
}

/** An HTTPRoute's hostnames: none for `*` (Gateway API writes "any host" by leaving them out). */
export function routeHostnames(hosts: readonly string[]): string[] | undefined {
  return hosts.includes('*') ? undefined : [...hosts];
}
