/** Rendering a release to Istio objects as plain data: DestinationRule subsets and VirtualService routes. */
import { renderHeaderPolicy, renderRedirect, renderRoutePolicy } from './route-policy';
import { renderTrafficPolicy } from './traffic-policy';
import { canonicalJson, dropUndefined } from '../model/data';
import { refuse, show } from '../model/errors';
import { coveredFirst } from '../model/istio-overlap';
import { Match, elementPrefixUris } from '../model/match';
import { isHttpProtocol } from '../model/protocol';
import {
  DEFAULT_ROUTE_NAME, Edge, Release, defaultRouteWeights, ReleasePort, Weights,
  gatewayTargetPort, httpPorts, isHttpOnlyRule, matchesOnPort, subjectOf, tcpPorts, withEdgeMatches,
} from '../model/release';
import { HeaderPolicy, inheritRoutePolicy, mergeHeaderPolicies, mergeRewrites } from '../model/route-policy';

/** One DestinationRule subset per version, selecting pods by their `version` label, with its traffic policy. */
export function renderSubsets(release: Release): Array<Record<string, any>> {
  return release.versions.map((version) => dropUndefined({
    name: version,
    labels: release.subsetLabels?.[version] ?? { version },
    trafficPolicy: renderTrafficPolicy(release.versionPolicies?.[version]?.trafficPolicy),
  }));
}

/** The DestinationRule spec: the FQDN host, the service-wide traffic policy and the subsets. */
export function renderDestinationRule(release: Release): Record<string, any> {
  return dropUndefined({ host: release.host, trafficPolicy: renderTrafficPolicy(release.trafficPolicy), subsets: renderSubsets(release) });
}

/** A DestinationRule spec for one version's own host. */
export interface VersionDestinationRule {
  /** The version. */
  readonly version: string;
  /** The DestinationRule spec. */
  readonly spec: { host: string; trafficPolicy: Record<string, any> };
}

/**
 * For a host-level split: one DestinationRule spec per version whose traffic policy (the service-wide one, with the
 * version's own fields over it, as Istio merges a subset's) sets anything, for the version's own host.
 */
export function renderVersionDestinationRules(release: Release): VersionDestinationRule[] {
  return release.versions.flatMap((version) => {
    const own = release.versionPolicies?.[version]?.trafficPolicy ?? {};
    const merged = { ...release.trafficPolicy, ...dropUndefined({ ...own }) };
    const trafficPolicy = renderTrafficPolicy(merged);
    const host = release.hosts?.[version]?.host;
    return trafficPolicy && host ? [{ version, spec: { host, trafficPolicy } }] : [];
  });
}

/**
 * The destinations of a split, in version order. Zero weights are dropped (kept with `keepZeroWeights`, for a
 * controller that patches them); a single destination carries no weight (Istio sends it everything). Destinations carry the port when the service has several (Istio's IST0112),
 * and, on HTTP ports, the version's header operations.
 */
export function renderDestinations(release: Release, weights: Weights, port: ReleasePort = release.ports[0],
  keepZeroWeights = false, extraHeaders?: Readonly<Record<string, HeaderPolicy>>): Array<Record<string, any>> {
  const live = keepZeroWeights ? release.versions : release.versions.filter((v) => (weights[v] ?? 0) > 0);
  const http = isHttpProtocol(port.protocol);
  return live.map((version) => dropUndefined({
    destination: renderDestination(release, version, port),
    weight: live.length > 1 ? weights[version] ?? 0 : undefined,
    headers: http ? versionHeaders(release, version, extraHeaders?.[version]) : undefined,
  }));
}

/**
 * The default route's destinations: the split by weights, every version with relative weight 1 (`DefaultRoute.EVEN`),
 * or the Service's host without a subset, so the Service's pods share the requests (`DefaultRoute.ALL_PODS`).
 */
function renderDefaultDestinations(release: Release, port: ReleasePort): Array<Record<string, any>> {
  const weights = defaultRouteWeights(release);
  if (weights) return renderDestinations(release, weights, port, release.keepZeroWeights, release.splitHeaders);
  const number = destinationPort(release, port);
  return [{ destination: dropUndefined({ host: release.host, port: number !== undefined ? { number } : undefined }) }];
}

/**
 * Istio's `Destination` of one version on one port: a subset of the service's host, or in a host-level split the
 * version's own host. The port is named when the service has several, or when the version's Service uses another.
 */
export function renderDestination(release: Release, version: string, port: ReleasePort = release.ports[0]): Record<string, any> {
  const own = release.hosts?.[version];
  const number = own?.port ?? destinationPort(release, port);
  return dropUndefined({
    host: own ? own.host : release.host,
    subset: own ? undefined : version,
    port: number !== undefined ? { number } : undefined,
  });
}

/** Destinations name the port only when the service has several (Istio's IST0112); with one, Istio picks it. */
function destinationPort(release: Release, port: ReleasePort): number | undefined {
  return release.ports.length > 1 ? port.number : undefined;
}

function versionHeaders(release: Release, version: string, extra?: HeaderPolicy): Record<string, any> | undefined {
  const headers = mergeHeaderPolicies(release.versionPolicies?.[version]?.headers, extra);
  return headers && renderHeaderPolicy(headers);
}

/**
 * The Istio `HTTPMatchRequest`s of one match: one, or two for a path prefix, which matches whole path elements as
 * Gateway API's `PathPrefix` does (the exact path, or the string prefix ending in `/`; see `elementPrefixUris`).
 */
function renderHttpMatches(match: Match): Array<Record<string, any>> {
  const c = match.conditions;
  return (c.uri ? elementPrefixUris(c.uri) : [undefined]).map((uri) => dropUndefined({
    headers: c.headers,
    uri,
    method: c.method,
    queryParams: c.queryParams,
    sourceLabels: c.sourceLabels,
    port: c.port,
  }));
}

/** The `match` list of a route: each match rendered (see {@link withoutIneffectiveMatches} for what is left out). */
export function renderHttpMatchList(matches: readonly Match[]): Array<Record<string, any>> {
  return matches.flatMap(renderHttpMatches);
}

/**
 * `http` routes in order, with no match istiod would warn is never used (VirtualServiceIneffectiveMatch):
 * - each route without the rendered matches that it or an earlier route already lists. A path prefix is an exact path
 *   and a prefix ending in `/`, so `uriExact('/api')` beside or before `uriPrefix('/api')` would list the exact twice;
 *   the requests it names go where the first listing sends them either way;
 * - each route's matches ordered so that none follows a path prefix istiod takes as covering it (see
 *   {@link coveredFirst}): `/v1/` before `/` within one route, which sends both to the same destinations.
 * A route all of whose matches were listed before is refused by the model's checks; should one get here, it keeps its
 * matches (and istiod's warning says so).
 */
export function withoutIneffectiveMatches(http: Array<Record<string, any>>): Array<Record<string, any>> {
  const listed = new Set<string>();
  return http.map((route) => {
    if (!Array.isArray(route.match)) return route;
    const matches: Array<Record<string, any>> = route.match;
    const keys = matches.map((m) => canonicalJson(m));
    const kept = matches.filter((_m, i) => !listed.has(keys[i]) && keys.indexOf(keys[i]) === i);
    const result = coveredFirst(kept.length > 0 ? kept : matches);
    result.forEach((m) => listed.add(canonicalJson(m)));
    return result.length === matches.length && result.every((m, i) => m === matches[i]) ? route : { ...route, match: result };
  });
}

/**
 * A route's rewrite as Istio's API must say it so a path prefix's rewrite means what Gateway API's
 * `ReplacePrefixMatch` does: with every match a path prefix (rendered as the prefix ending in `/`), `uri` ends in
 * `/`, so `/checkout/a` rewritten with `/` or `/v2` becomes `/a` or `/v2/a` (the bare `/checkout` becomes `/`, or
 * `/v2/` where Gateway API gives `/v2`).
 */
export function prefixRewrite<T extends { uri?: string }>(rewrite: T | undefined, matches: readonly Match[]): T | undefined {
  if (rewrite?.uri === undefined || matches.length === 0 || !matches.every((m) => m.conditions.uri?.prefix !== undefined)) return rewrite;
  return { ...rewrite, uri: `${rewrite.uri.replace(/\/+$/, '')}/` };
}

/**
 * The `http` routes of a release for one entry point: per HTTP port, the rules in order, then the default route,
 * each also requiring one of the edge's matches (the cross product, as Istio ORs matches and ANDs conditions).
 * In the mesh, a service with several HTTP ports gets its routes per port, each matching its port.
 * @throws when an edge match or rewrite cannot be combined with a rule's
 */
export function renderHttpRoutes(release: Release, edge: Edge = {}): Array<Record<string, any>> {
  const ports = edge.gateway ? [gatewayTargetPort(release, edge.port)] : httpPorts(release);
  const perPort = ports.length > 1;
  return ports.flatMap((port) => renderHttpRoutesOnPort(release, edge, port, perPort));
}

function renderHttpRoutesOnPort(release: Release, edge: Edge, port: ReleasePort, perPort: boolean): Array<Record<string, any>> {
  const subject = subjectOf(release);
  const edgeMatches = edge.match ?? [];
  const combine = (matches: readonly Match[]): Match[] => {
    // At a gateway, port conditions chose this port and must not be rendered; in the mesh, each port's routes match it.
    const own = matches.map((m) => {
      if (edge.gateway) return m.withoutPort();
      return perPort && m.conditions.port === undefined ? m.and(Match.port(port.number)) : m;
    });
    return withEdgeMatches(subject, edgeMatches, own);
  };
  const suffix = perPort ? `-${port.name}` : '';
  const name = (rule: string) => (edge.namePrefix ? `${edge.namePrefix}-${rule}` : rule) + suffix;
  const own = {
    destination: (version: string) => renderDestination(release, version, port),
    port: destinationPort(release, port),
  };
  const http: Array<Record<string, any>> = [];
  for (const given of release.rules) {
    // One route policy per service: each rule takes the service's route options it does not set itself.
    const rule = inheritRoutePolicy(release.policy, given);
    // Source labels name in-mesh callers: a gateway's routes never see them, so such matches are left out there.
    const matches = matchesOnPort(rule, port).filter((m) => !(edge.gateway && m.conditions.sourceLabels));
    if (matches.length === 0) continue;
    const where = `route ${show(rule.name)}`;
    const combined = combine(matches);
    const rewrite = prefixRewrite(mergeRewrites(subject, where, edge.rewrite, rule.rewrite), combined);
    if (rule.redirect && rewrite) {
      refuse(subject, `${where}: a redirect cannot come with the entry point's rewrite`, show(rewrite), 'drop the rewrite, or the redirect');
    }
    http.push(dropUndefined({
      name: name(rule.name),
      match: renderHttpMatchList(combined),
      redirect: rule.redirect && renderRedirect(rule.redirect),
      rewrite,
      route: rule.redirect ? undefined : renderDestinations(release, rule.to, port),
      ...renderRoutePolicy(rule, own),
    }));
  }
  const defaultMatches = edgeMatches.length > 0 ? edgeMatches : perPort && !edge.gateway ? [Match.port(port.number)] : [];
  http.push(dropUndefined({
    name: edge.namePrefix ? `${edge.namePrefix}${suffix}` : DEFAULT_ROUTE_NAME + suffix,
    match: defaultMatches.length > 0 ? renderHttpMatchList(defaultMatches) : undefined,
    rewrite: prefixRewrite(mergeRewrites(subject, 'default route', edge.rewrite, release.policy?.rewrite), defaultMatches),
    route: renderDefaultDestinations(release, port),
    ...renderRoutePolicy(release.policy ?? {}, own),
  }));
  return withoutIneffectiveMatches(http);
}

/**
 * The mesh VirtualService routes of a release: `http` routes for HTTP-family ports, weighted `tcp` routes for
 * TCP-family ports (each matching its port when there are several).
 */
export function renderRoutes(release: Release): { http?: Array<Record<string, any>>; tcp?: Array<Record<string, any>> } {
  const http = httpPorts(release).length > 0 ? renderHttpRoutes(release) : undefined;
  const tcpOnly = tcpPorts(release);
  const perPort = tcpOnly.length > 1;
  const tcp = tcpOnly.flatMap((port) => {
    const routes: Array<Record<string, any>> = release.rules.filter((rule) => !isHttpOnlyRule(rule)).flatMap((rule) => {
      const matches = matchesOnPort(rule, port);
      if (matches.length === 0) return [];
      return [{
        match: matches.map((m) => dropUndefined({
          port: m.conditions.port ?? (perPort ? port.number : undefined),
          sourceLabels: m.conditions.sourceLabels,
        })),
        route: renderDestinations(release, rule.to, port),
      }];
    });
    routes.push(dropUndefined({
      match: perPort ? [{ port: port.number }] : undefined,
      route: renderDefaultDestinations(release, port),
    }));
    return routes;
  });
  return dropUndefined({ http, tcp: tcp.length > 0 ? tcp : undefined });
}
