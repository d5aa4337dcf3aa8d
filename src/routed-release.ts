import { ApiObject, Lazy } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { IstioApiVersion } from './istio/api-version';
import { renderHttpRoutes } from './istio/routes';
import { invalid, show } from './model/errors';
import { checkHostsFitGateway, checkVirtualServiceHosts, gatewayHosts } from './model/hosts';
import { Match } from './model/match';
import { Release, Weights, checkRelease, subjectOf } from './model/release';
import { HeaderRouteOptions, RouteOptions, headerRoute, ruleFromOptions } from './model/route-options';
import { Rewrite } from './model/route-policy';
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
   * Only requests under this path prefix reach the service (gateway traffic only).
   * @default every path
   */
  readonly pathPrefix?: string;
  /**
   * Rewrite before forwarding, e.g. `{ uri: '/' }` to strip `pathPrefix` (gateway traffic only).
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
   * Sends requests whose header `name` equals `value` to one version (a backend Service, for a TrafficSplit), e.g.
   * `routeHeader('end-user', 'jason', 'v2')`. Rules keep the order they are added in; the first match wins.
   */
  public routeHeader(name: string, value: string, version: string, options: HeaderRouteOptions = {}): void {
    this.addRoute(headerRoute(name, value, version, options));
  }

  /** Adds a rule after the existing ones and before the default route. */
  public addRoute(options: RouteOptions): void {
    this.commit({ ...this.own!, rules: [...this.own!.rules, ruleFromOptions(subjectOf(this.own!), options, this.own!.rules)] });
  }

  /**
   * Replaces the default route's split (percent per version, adding up to 100); a service whose default route was
   * even or followed the pods (`defaultRoute`) is split by these weights from now on.
   */
  public setWeights(weights: Weights): void {
    this.commit({ ...this.own!, weights: { ...weights }, defaultRoute: undefined });
  }

  /** Checks a candidate release and keeps it; a failed check leaves the routing as it was. */
  protected commit(release: Release): void {
    checkRelease(this.decorate(release));
    this.own = release;
    this.revisionCount += 1;
  }

  /**
   * `render()` once per revision, under `key`: a synth renders each spec for the manifest and again for the mesh
   * analysis, and the routing cannot change in between.
   */
  protected rendered<T>(key: string, render: () => T): T {
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
   */
  protected createGatewayVirtualService(gateway: IMeshGateway, options: ExposeOptions, exposure: GatewayExposure): ApiObject {
    const { subject, namespace } = exposure;
    const ref = gateway.referenceFrom(namespace);
    if (exposure.exposed[ref]) {
      throw invalid(subject, 'is already exposed via this gateway', show(ref), 'call exposeVia once per gateway, with all its hosts');
    }
    const hosts = options.hosts ?? inheritHosts(subject, gateway);
    checkVirtualServiceHosts(subject, hosts, [ref]);
    checkHostsFitGateway(subject, gateway, hosts, namespace);
    const edge = {
      match: options.pathPrefix !== undefined ? [Match.uriPrefix(options.pathPrefix)] : undefined,
      rewrite: options.rewrite,
      gateway: true,
      port: options.port,
    };
    const render = () => this.rendered(`VirtualService-${ref}`, () => renderHttpRoutes(this.release, edge));
    renderNowAndAtSynth(this, render, () => this.revision); // a path prefix may clash with a rule's path, now or later
    const name = this.release.name;
    const vs = createNetworkingObject('VirtualService', this, `VirtualService-${ref.replace('/', '-')}`, exposure.apiVersion, {
      metadata: { name: `${name}-${gateway.gatewayName}`, namespace, labels: { app: name } },
      spec: Lazy.any({ produce: () => ({ hosts: [...hosts], gateways: [ref], http: render() }) }),
    });
    vs.node.addDependency(...exposure.routeTargets);
    if (gateway instanceof Construct) vs.node.addDependency(gateway);
    exposure.exposed[ref] = vs;
    return vs;
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

/** The gateway's one host, for exposeVia without hosts. */
function inheritHosts(subject: string, gateway: IMeshGateway): string[] {
  const hosts = gatewayHosts(gateway);
  if (hosts.length !== 1) {
    throw invalid(subject, `exposeVia needs hosts: gateway ${show(gateway.gatewayName)} has no single host to inherit`,
      show(hosts), 'pass { hosts: [...] } with the hosts clients use for this service');
  }
  return hosts;
}
