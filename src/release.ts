/**
 * The model of one release: versions, the default split and ordered match rules, as plain data.
 * Checking and rendering are plain functions over it, tested without constructs; CanaryService renders them.
 */
import { invalid, show } from './errors';
import { Match, checkMatch, checkPort } from './match';
import { MAX_LABEL_LENGTH, checkDnsLabel, checkServiceName } from './names';
import { Protocol, isHttpProtocol } from './protocol';
import {
  HeaderPolicy, Redirect, Rewrite, RoutePolicy, checkRedirect, checkRoutePolicy, dropUndefined, hasRoutePolicy,
  renderHeaderPolicy, renderRedirect, renderRoutePolicy, routePolicyKeys,
} from './route-policy';
import { TrafficPolicy, checkTrafficPolicy, renderTrafficPolicy } from './traffic-policy';

/** Percent of traffic per version name. Versions left out get 0. */
export type Weights = Readonly<Record<string, number>>;

/** An ordered routing rule: requests matching any of `match` go to `to`, with the rule's route options. */
export interface RouteRule extends RoutePolicy {
  /** Unique within the release; becomes the Istio route name. */
  readonly name: string;
  /** OR of matches; each match is an AND of conditions. A match's `port` condition limits it to that port. */
  readonly match: readonly Match[];
  /** Percent per version, adding up to 100; empty for a redirect. */
  readonly to: Weights;
  /** Answer with a redirect instead of forwarding (HTTP only; no `to` then). */
  readonly redirect?: Redirect;
}

/** One port of the service. */
export interface ReleasePort {
  /** Port name, `<protocol>[-<suffix>]` as Istio expects. */
  readonly name: string;
  /** Service port number. */
  readonly number: number;
  /** Application protocol; HTTP-family ports get `http` routes, the others `tcp` routes. */
  readonly protocol: Protocol;
}

/** What applies to one version only. */
export interface VersionPolicy {
  /** DestinationRule traffic policy of the version's subset. */
  readonly trafficPolicy?: TrafficPolicy;
  /** Header operations on every HTTP destination of the version, e.g. a response header naming it. */
  readonly headers?: HeaderPolicy;
}

/** Where one version's traffic goes in a host-level split: a Service of its own. */
export interface VersionHost {
  /** Fully qualified host of the version's Service. */
  readonly host: string;
  /** Port of that Service, when it differs from the route's port. */
  readonly port?: number;
}

/** Everything needed to check and render the routing of one service. */
export interface Release {
  /** Service name, also the `app` label. */
  readonly name: string;
  /** Fully qualified host of the Service, used by the DestinationRule and every destination. */
  readonly host: string;
  /** The Service's ports, at least one. */
  readonly ports: readonly ReleasePort[];
  /** Version names, in declaration order (the render order of subsets and destinations). */
  readonly versions: readonly string[];
  /** The version that gets traffic nothing else claims. */
  readonly stable: string;
  /** The default route's split. */
  readonly weights: Weights;
  /** Rules before the default route, first match wins. */
  readonly rules: readonly RouteRule[];
  /** Options of the default route (HTTP ports). */
  readonly policy?: RoutePolicy;
  /** Service-wide DestinationRule traffic policy. */
  readonly trafficPolicy?: TrafficPolicy;
  /** Per-version policies, by version name. */
  readonly versionPolicies?: Readonly<Record<string, VersionPolicy>>;
  /**
   * Host-level split: each version is a Service of its own, and destinations name its host instead of a subset of
   * `host`. Without it, versions are subsets of `host`.
   */
  readonly hosts?: Readonly<Record<string, VersionHost>>;
  /**
   * The versions are existing Services (a TrafficSplit's backends), not workloads named `<name>-<version>`.
   */
  readonly external?: boolean;
  /**
   * How errors name the release.
   * @default `canary "<name>"`
   */
  readonly subject?: string;
}

/** Name of the weighted catch-all route that always comes last. */
export const DEFAULT_ROUTE_NAME = 'default';

/** A route name from free text: lower-case letters, digits and "-". */
export function routeNameFrom(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '') || 'rule';
}

/** How errors name a release. */
export function releaseSubject(name: string): string {
  return `canary ${show(name)}`;
}

function subjectOf(release: Release): string {
  return release.subject ?? releaseSubject(release.name);
}


/** Checks the whole release; throws the first problem found, in the package's error format. */
export function checkRelease(release: Release): void {
  const subject = subjectOf(release);
  checkServiceName(subject, release.name);
  checkPorts(subject, release.ports);
  checkVersions(subject, release.name, release.versions, !release.external);
  if (release.hosts) {
    for (const version of release.versions) {
      if (!release.hosts[version]?.host) {
        throw invalid(subject, `host-level split has no host for version ${show(version)}`, show(release.hosts), 'give every version a host');
      }
      if (release.hosts[version].port !== undefined) checkPort(subject, `version ${show(version)} port`, release.hosts[version].port!);
    }
  }
  if (!release.versions.includes(release.stable)) {
    throw invalid(subject, 'stable version is not one of the versions', show(release.stable), `use one of ${release.versions.join(', ')}`);
  }
  checkWeights(subject, 'weights', release.weights, release.versions);
  if (release.policy) {
    checkRoutePolicy(subject, 'default route', release.policy, release.versions);
    if (hasRoutePolicy(release.policy)) requireHttpPort(subject, 'default route', release, routePolicyKeys(release.policy));
  }
  if (release.trafficPolicy) checkTrafficPolicy(subject, 'trafficPolicy', release.trafficPolicy);
  for (const [version, policy] of Object.entries(release.versionPolicies ?? {})) {
    const where = `version ${show(version)}`;
    if (!release.versions.includes(version)) {
      throw invalid(subject, `${where} has a policy but is not one of the versions`, show(version), `use one of ${release.versions.join(', ')}`);
    }
    if (policy.trafficPolicy) checkTrafficPolicy(subject, `${where} trafficPolicy`, policy.trafficPolicy);
    if (policy.headers) {
      checkRoutePolicy(subject, where, { headers: policy.headers }, release.versions);
      requireHttpPort(subject, where, release, ['headers']);
    }
  }
  const names = new Set<string>([DEFAULT_ROUTE_NAME]);
  release.rules.forEach((rule, index) => {
    if (names.has(rule.name)) {
      throw invalid(subject, 'route names must be unique, and "default" is the default route\'s', show(rule.name), 'give the route another name');
    }
    names.add(rule.name);
    checkRule(subject, release, rule, release.rules.slice(0, index));
  });
}

/** Checks ports: at least one, unique numbers and names, names that tell Istio the protocol (its IST0118). */
export function checkPorts(subject: string, ports: readonly ReleasePort[]): void {
  if (ports.length === 0) throw invalid(subject, 'needs at least one port', '[]', 'set port, or ports: [{ number: 8080 }]');
  const numbers = new Set<number>();
  const names = new Set<string>();
  for (const port of ports) {
    checkPort(subject, 'port', port.number);
    if (!Object.values(Protocol).includes(port.protocol)) {
      throw invalid(subject, 'unknown protocol', show(port.protocol), `use one of ${Object.values(Protocol).join(', ')}`);
    }
    if (numbers.has(port.number)) throw invalid(subject, 'port numbers must be unique', show(port.number), 'remove the duplicate port');
    numbers.add(port.number);
    checkDnsLabel(subject, 'port name', port.name);
    if (port.name.length > 15) {
      // Kubernetes limits container port names (IANA service names) to 15 characters.
      throw invalid(subject, 'port name must be at most 15 characters', show(port.name), `shorten it, e.g. ${show(port.protocol)}`);
    }
    if (port.name !== port.protocol && !port.name.startsWith(`${port.protocol}-`)) {
      throw invalid(subject, `port ${port.number} name must be "<protocol>" or "<protocol>-<suffix>", so Istio can tell its protocol`,
        show(port.name), `name it ${show(port.protocol)} or ${show(`${port.protocol}-${port.name}`)}`);
    }
    if (names.has(port.name)) throw invalid(subject, 'port names must be unique', show(port.name), 'give each port its own name');
    names.add(port.name);
  }
}

/**
 * Checks version names: present, unique, DNS labels, and (for workloads named after them) short enough to name a
 * Deployment and Service `<name>-<version>`.
 */
export function checkVersions(subject: string, name: string, versions: readonly string[], workloads = true): void {
  if (versions.length === 0) {
    throw invalid(subject, 'needs at least one version', '[]', 'add a version, e.g. { name: "v1", image: "..." }');
  }
  const seen = new Set<string>();
  for (const version of versions) {
    checkDnsLabel(subject, 'version name', version);
    if (seen.has(version)) {
      throw invalid(subject, 'version names must be unique', show(version), 'rename or remove the duplicate');
    }
    seen.add(version);
    const deployment = `${name}-${version}`;
    if (workloads && deployment.length > MAX_LABEL_LENGTH) {
      throw invalid(subject, `deployment name "<name>-<version>" must be at most ${MAX_LABEL_LENGTH} characters`,
        `${show(deployment)}, ${deployment.length} characters`, 'shorten the service or version name');
    }
  }
}

/** Checks one split: known versions, whole percentages from 0 to 100 that add up to 100. */
export function checkWeights(subject: string, what: string, weights: Weights, versions: readonly string[]): void {
  const entries = Object.entries(weights);
  for (const [version, weight] of entries) {
    if (!versions.includes(version)) {
      throw invalid(subject, `${what} name a version that does not exist`, show(version), `use one of ${versions.join(', ')}`);
    }
    if (!Number.isInteger(weight) || weight < 0 || weight > 100) {
      throw invalid(subject, `${what} must be whole percentages from 0 to 100`, `${version}=${weight}`, 'use a whole number from 0 to 100');
    }
  }
  const sum = entries.reduce((total, [, weight]) => total + weight, 0);
  if (sum !== 100) {
    throw invalid(subject, `${what} must add up to 100`, formatWeights(weights), `adjust them so they sum to 100 (they sum to ${sum})`);
  }
}

function httpPorts(release: Release): ReleasePort[] {
  return release.ports.filter((p) => isHttpProtocol(p.protocol));
}

function tcpPorts(release: Release): ReleasePort[] {
  return release.ports.filter((p) => !isHttpProtocol(p.protocol));
}

/** HTTP-only options need an HTTP-family port to land on. */
function requireHttpPort(subject: string, where: string, release: Release, options: string[]): void {
  if (httpPorts(release).length > 0) return;
  const protocol = release.ports[0].protocol;
  throw invalid(subject, `${where}: ${options.join(', ')} ${options.length > 1 ? 'are HTTP route options' : 'is an HTTP route option'}, and a ${protocol} service is routed as TCP`,
    `protocol ${protocol}`, 'drop them, or use an HTTP protocol');
}

/** True when a rule can only be an `http` route: it looks at HTTP request fields or sets HTTP route options. */
function isHttpOnlyRule(rule: RouteRule): boolean {
  return rule.redirect !== undefined || hasRoutePolicy(rule) || rule.match.some(isHttpOnlyMatch);
}

function isHttpOnlyMatch(match: Match): boolean {
  const { headers, uri, method, queryParams } = match.conditions;
  return Boolean(headers || uri || method || queryParams);
}

/** The rule's matches that apply to `port`: those without a port condition, and those naming that port. */
function matchesOnPort(rule: RouteRule, port: ReleasePort): Match[] {
  return rule.match.filter((m) => m.conditions.port === undefined || m.conditions.port === port.number);
}

function checkRule(subject: string, release: Release, rule: RouteRule, earlier: readonly RouteRule[]): void {
  const where = `route ${show(rule.name)}`;
  if (rule.name.trim() === '') {
    throw invalid(subject, 'route name is empty', show(rule.name), 'name the route');
  }
  if (rule.match.length === 0 || rule.match.some((m) => m.isCatchAll)) {
    const got = rule.match.length === 0 ? 'no match' : rule.match.map(String).join(' or ');
    throw invalid(subject, `${where} matches every request, so the default route after it could never be used`, got,
      'give the route a narrower match, or change the default split with setWeights()');
  }
  for (const match of rule.match) {
    checkMatch(subject, where, match);
    const port = match.conditions.port;
    if (port !== undefined && !release.ports.some((p) => p.number === port)) {
      throw invalid(subject, `${where} matches port ${port}, which the service does not have`, show(match.toString()),
        `use one of its ports: ${release.ports.map((p) => p.number).join(', ')}`);
    }
    if (port !== undefined && release.ports.length === 1 && match.withoutPort().isCatchAll) {
      throw invalid(subject, `${where} matches every request: port ${port} is the service's only port`, show(match.toString()),
        'match something narrower, such as source labels');
    }
  }
  checkRoutePolicy(subject, where, rule, release.versions);
  if (rule.redirect !== undefined) {
    checkRedirect(subject, where, rule.redirect);
    const extra = [...(Object.keys(rule.to).length > 0 ? ['a destination (to)'] : []), ...routePolicyKeys(rule).filter((k) => k !== 'redirect')];
    if (extra.length > 0) {
      throw invalid(subject, `${where}: a redirect answers without forwarding, so it cannot come with ${extra.join(', ')}`,
        `redirect with ${extra.join(', ')}`, 'drop them, or drop the redirect');
    }
  } else {
    checkWeights(subject, `${where} weights`, rule.to, release.versions);
  }
  if (isHttpOnlyRule(rule) && httpPorts(release).length === 0) {
    const protocol = release.ports[0].protocol;
    const httpMatch = rule.match.find(isHttpOnlyMatch);
    if (httpMatch) {
      throw invalid(subject, `${where}: a ${protocol} service is routed as TCP, which cannot see headers, paths, methods or query parameters`,
        show(httpMatch.toString()), 'match only on port or source labels, or use an HTTP protocol');
    }
    requireHttpPort(subject, where, release, routePolicyKeys(rule));
  }
  const ports = isHttpOnlyRule(rule) ? httpPorts(release) : release.ports;
  if (!ports.some((port) => matchesOnPort(rule, port).length > 0)) {
    throw invalid(subject, `${where} applies to no port: its port matches name only ports that cannot take it`,
      rule.match.map(String).join(' or '), `match an HTTP port (${httpPorts(release).map((p) => p.number).join(', ')}) or drop the port condition`);
  }
  const unreachable = findShadowingRule(rule, earlier);
  if (unreachable) {
    throw invalid(subject, `${where} can never match: route ${show(unreachable.name)} before it already matches the same requests`,
      rule.match.map(String).join(' or '), `remove ${where} or give it a different match`);
  }
}

/** The first earlier rule whose matches cover every match of `rule` exactly (Istio's IST0130 case). */
function findShadowingRule(rule: RouteRule, earlier: readonly RouteRule[]): RouteRule | undefined {
  const keys = (r: RouteRule) => new Set(r.match.map((m) => canonicalJson(m.conditions)));
  const mine = keys(rule);
  return earlier.find((e) => {
    const theirs = keys(e);
    return [...mine].every((k) => theirs.has(k));
  });
}

/** JSON with object keys sorted, so equal data gives equal strings. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v);
}

/** `v1=90 v2=10`, in the order given. */
export function formatWeights(weights: Weights): string {
  const entries = Object.entries(weights);
  return entries.length === 0 ? 'no weights' : entries.map(([v, w]) => `${v}=${w}`).join(' ');
}

/** One DestinationRule subset per version, selecting pods by their `version` label, with its traffic policy. */
export function renderSubsets(release: Release): Array<Record<string, any>> {
  return release.versions.map((version) => dropUndefined({
    name: version,
    labels: { version },
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
 * The destinations of a split, in version order. Zero weights are dropped; a single destination carries no
 * weight (Istio sends it everything). Destinations carry the port when the service has several (Istio's IST0112),
 * and, on HTTP ports, the version's header operations.
 */
export function renderDestinations(release: Release, weights: Weights, port: ReleasePort = release.ports[0]): Array<Record<string, any>> {
  const live = release.versions.filter((v) => (weights[v] ?? 0) > 0);
  const http = isHttpProtocol(port.protocol);
  return live.map((version) => dropUndefined({
    destination: renderDestination(release, version, port),
    weight: live.length > 1 ? weights[version] : undefined,
    headers: http ? versionHeaders(release, version) : undefined,
  }));
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

function versionHeaders(release: Release, version: string): Record<string, any> | undefined {
  const headers: HeaderPolicy | undefined = release.versionPolicies?.[version]?.headers;
  return headers && renderHeaderPolicy(headers);
}

/** One Istio `HTTPMatchRequest`. */
export function renderHttpMatch(match: Match): Record<string, any> {
  const c = match.conditions;
  return dropUndefined({
    headers: c.headers,
    uri: c.uri,
    method: c.method,
    queryParams: c.queryParams,
    sourceLabels: c.sourceLabels,
    port: c.port,
  });
}

/** Conditions and options that hold for every route rendered for one entry point, such as a gateway. */
export interface Edge {
  /** Every route also requires one of these (AND with the route's own matches); none means no extra condition. */
  readonly match?: readonly Match[];
  /** Applied to every route. */
  readonly rewrite?: Rewrite;
  /** Prefixes route names, `<prefix>-<rule>`; the default route is then named `<prefix>`. */
  readonly namePrefix?: string;
  /**
   * Routes for a gateway: they target one service port (`port`, else the only HTTP port), and the rules' port
   * conditions select that port rather than being rendered (a gateway route's port match is the gateway's port).
   */
  readonly gateway?: boolean;
  /** The service port a gateway targets. */
  readonly port?: number;
}

/** The service port a gateway's routes target: the one given, else the only HTTP-family port. */
export function gatewayTargetPort(release: Release, port: number | undefined): ReleasePort {
  const subject = subjectOf(release);
  const candidates = httpPorts(release);
  if (port !== undefined) {
    const found = candidates.find((p) => p.number === port);
    if (!found) {
      throw invalid(subject, 'a gateway can route only to an HTTP-family port of the service', show(port),
        `use one of ${candidates.map((p) => `${p.number} (${p.name})`).join(', ') || 'no port: the service has no HTTP-family port'}`);
    }
    return found;
  }
  if (candidates.length !== 1) {
    throw invalid(subject, candidates.length === 0 ? 'only HTTP-family services can be routed from a gateway' : 'has several HTTP-family ports, so the gateway route must name one',
      candidates.length === 0 ? `protocol ${release.ports.map((p) => p.protocol).join(', ')}` : candidates.map((p) => `${p.number} (${p.name})`).join(', '),
      candidates.length === 0 ? 'use an HTTP, HTTP2, GRPC or GRPC_WEB protocol' : 'pass port');
  }
  return candidates[0];
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
    if (edgeMatches.length === 0) return own;
    return edgeMatches.flatMap((e) => own.map((m) => {
      try {
        return e.and(m);
      } catch (err) {
        throw invalid(subject, `the entry point's match ${show(e.toString())} cannot be combined with a rule's match`,
          show(m.toString()), 'drop the path condition from the rule or from the entry point');
      }
    }));
  };
  const suffix = perPort ? `-${port.name}` : '';
  const name = (rule: string) => (edge.namePrefix ? `${edge.namePrefix}-${rule}` : rule) + suffix;
  const own = {
    destination: (version: string) => renderDestination(release, version, port),
    port: destinationPort(release, port),
  };
  const http: Array<Record<string, any>> = [];
  for (const rule of release.rules) {
    // Source labels name in-mesh callers: a gateway's routes never see them, so such matches are left out there.
    const matches = matchesOnPort(rule, port).filter((m) => !(edge.gateway && m.conditions.sourceLabels));
    if (matches.length === 0) continue;
    const where = `route ${show(rule.name)}`;
    const rewrite = mergeRewrites(subject, where, edge.rewrite, rule.rewrite);
    if (rule.redirect && rewrite) {
      throw invalid(subject, `${where}: a redirect cannot come with the entry point's rewrite`, show(rewrite), 'drop the rewrite, or the redirect');
    }
    http.push(dropUndefined({
      name: name(rule.name),
      match: combine(matches).map(renderHttpMatch),
      redirect: rule.redirect && renderRedirect(rule.redirect),
      rewrite,
      route: rule.redirect ? undefined : renderDestinations(release, rule.to, port),
      ...renderRoutePolicy(rule, own),
    }));
  }
  const defaultMatches = edgeMatches.length > 0 ? edgeMatches : perPort && !edge.gateway ? [Match.port(port.number)] : [];
  http.push(dropUndefined({
    name: edge.namePrefix ? `${edge.namePrefix}${suffix}` : DEFAULT_ROUTE_NAME + suffix,
    match: defaultMatches.length > 0 ? defaultMatches.map(renderHttpMatch) : undefined,
    rewrite: mergeRewrites(subject, 'default route', edge.rewrite, release.policy?.rewrite),
    route: renderDestinations(release, release.weights, port),
    ...renderRoutePolicy(release.policy ?? {}, own),
  }));
  return http;
}

/** An entry point's rewrite and a route's, field by field; both rewriting one field is an error. */
function mergeRewrites(subject: string, where: string, outer: Rewrite | undefined, inner: Rewrite | undefined): Rewrite | undefined {
  if (!outer || !inner) return outer ?? inner;
  for (const field of ['uri', 'authority'] as const) {
    if (outer[field] !== undefined && inner[field] !== undefined) {
      throw invalid(subject, `${where} rewrites the ${field} that the entry point already rewrites`,
        `${show(outer[field])} and ${show(inner[field])}`, `rewrite the ${field} in one place`);
    }
  }
  return { ...outer, ...inner };
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
      route: renderDestinations(release, release.weights, port),
    }));
    return routes;
  });
  return dropUndefined({ http, tcp: tcp.length > 0 ? tcp : undefined });
}
