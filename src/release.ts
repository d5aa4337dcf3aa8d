/**
 * The model of one release: versions, the default split and ordered match rules, as plain data.
 * Checking and rendering are plain functions over it, tested without constructs; CanaryService renders them.
 */
import { Duration } from 'cdk8s';
import { invalid, show } from './errors';
import { Match, checkMatch } from './match';
import { MAX_LABEL_LENGTH, checkDnsLabel, checkServiceName } from './names';
import { Protocol, isHttpProtocol } from './protocol';

/** Percent of traffic per version name. Versions left out get 0. */
export type Weights = Readonly<Record<string, number>>;

/** An ordered routing rule: requests matching any of `match` go to `to`. */
export interface RouteRule {
  /** Unique within the release; becomes the Istio route name. */
  readonly name: string;
  /** OR of matches; each match is an AND of conditions. */
  readonly match: readonly Match[];
  /** Percent per version, adding up to 100. */
  readonly to: Weights;
  /** Request timeout of this route. */
  readonly timeout?: Duration;
}

/** Everything needed to check and render the routing of one service. */
export interface Release {
  /** Service name, also the `app` label. */
  readonly name: string;
  /** Fully qualified host of the Service, used by the DestinationRule and every destination. */
  readonly host: string;
  readonly protocol: Protocol;
  /** Version names, in declaration order (the render order of subsets and destinations). */
  readonly versions: readonly string[];
  /** The version that gets traffic nothing else claims. */
  readonly stable: string;
  /** The default route's split. */
  readonly weights: Weights;
  /** Rules before the default route, first match wins. */
  readonly rules: readonly RouteRule[];
  /** Request timeout of the default route. */
  readonly timeout?: Duration;
}

/** Name of the weighted catch-all route that always comes last. */
export const DEFAULT_ROUTE_NAME = 'default';

/** How errors name a release. */
export function releaseSubject(name: string): string {
  return `canary ${show(name)}`;
}

/** Checks the whole release; throws the first problem found, in the package's error format. */
export function checkRelease(release: Release): void {
  const subject = releaseSubject(release.name);
  checkServiceName(subject, release.name);
  checkVersions(subject, release.name, release.versions);
  if (!release.versions.includes(release.stable)) {
    throw invalid(subject, 'stable version is not one of the versions', show(release.stable), `use one of ${release.versions.join(', ')}`);
  }
  checkWeights(subject, 'weights', release.weights, release.versions);
  if (release.timeout) checkDuration(subject, 'default route timeout', release.timeout);
  const names = new Set<string>([DEFAULT_ROUTE_NAME]);
  release.rules.forEach((rule, index) => {
    if (names.has(rule.name)) {
      throw invalid(subject, 'route names must be unique, and "default" is the default route\'s', show(rule.name), 'give the route another name');
    }
    names.add(rule.name);
    checkRule(subject, release, rule, release.rules.slice(0, index));
  });
}

/** Checks version names: present, unique, DNS labels, and short enough to name a Deployment `<name>-<version>`. */
export function checkVersions(subject: string, name: string, versions: readonly string[]): void {
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
    if (deployment.length > MAX_LABEL_LENGTH) {
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

/** Durations Istio accepts are at least 1ms (its CRDs check `duration(self) >= duration('1ms')`). */
export function checkDuration(subject: string, what: string, duration: Duration): void {
  const ms = duration.toMilliseconds();
  if (!Number.isInteger(ms) || ms < 1) {
    throw invalid(subject, `${what} must be a whole number of milliseconds, at least 1ms`, `${ms}ms`, 'use e.g. Duration.seconds(5)');
  }
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
    if (!isHttpProtocol(release.protocol)) checkTcpMatch(subject, where, release.protocol, match);
  }
  if (rule.timeout) {
    if (!isHttpProtocol(release.protocol)) {
      throw invalid(subject, `${where}: timeouts apply to HTTP routes only`, `protocol ${release.protocol}`, 'drop the timeout or use an HTTP protocol');
    }
    checkDuration(subject, `${where} timeout`, rule.timeout);
  }
  checkWeights(subject, `${where} weights`, rule.to, release.versions);
  const unreachable = findShadowingRule(rule, earlier);
  if (unreachable) {
    throw invalid(subject, `${where} can never match: route ${show(unreachable.name)} before it already matches the same requests`,
      rule.match.map(String).join(' or '), `remove ${where} or give it a different match`);
  }
}

function checkTcpMatch(subject: string, where: string, protocol: Protocol, match: Match): void {
  const { headers, uri, method, queryParams } = match.conditions;
  if (headers || uri || method || queryParams) {
    throw invalid(subject, `${where}: a ${protocol} service is routed as TCP, which cannot see headers, paths, methods or query parameters`,
      show(match.toString()), 'match only on port or source labels, or use an HTTP protocol');
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

/** Istio's duration string: whole seconds as `5s`, anything finer as milliseconds. */
export function renderDuration(duration: Duration): string {
  const ms = duration.toMilliseconds();
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/** One DestinationRule subset per version, selecting pods by their `version` label. */
export function renderSubsets(release: Release): Array<{ name: string; labels: Record<string, string> }> {
  return release.versions.map((version) => ({ name: version, labels: { version } }));
}

/**
 * The destinations of a split, in version order. Zero weights are dropped; a single destination carries no
 * weight (Istio sends it everything).
 */
export function renderDestinations(release: Release, weights: Weights): Array<Record<string, any>> {
  const live = release.versions.filter((v) => (weights[v] ?? 0) > 0);
  return live.map((version) => ({
    destination: { host: release.host, subset: version },
    ...(live.length > 1 ? { weight: weights[version] } : {}),
  }));
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

/** Rewrites applied to a request before it is forwarded (Istio's `HTTPRewrite`). */
export interface Rewrite {
  /** Replaces the path, or the matched prefix when the route matched a uri prefix. */
  readonly uri?: string;
  /** Replaces the Host/Authority header. */
  readonly authority?: string;
}

/** Conditions and options that hold for every route rendered for one entry point, such as a gateway. */
export interface Edge {
  /** Every route also requires one of these (AND with the route's own matches); none means no extra condition. */
  readonly match?: readonly Match[];
  /** Applied to every route. */
  readonly rewrite?: Rewrite;
  /** Prefixes route names, `<prefix>-<rule>`; the default route is then named `<prefix>`. */
  readonly namePrefix?: string;
}

/**
 * The `http` routes of a release for one entry point: the rules in order, then the weighted default route,
 * each also requiring one of the edge's matches (the cross product, as Istio ORs matches and ANDs conditions).
 * @throws when an edge match cannot be combined with a rule's match (both constrain the uri, say)
 */
export function renderHttpRoutes(release: Release, edge: Edge = {}): Array<Record<string, any>> {
  const subject = releaseSubject(release.name);
  const edgeMatches = edge.match ?? [];
  const combine = (matches: readonly Match[]): Match[] => {
    if (edgeMatches.length === 0) return [...matches];
    return edgeMatches.flatMap((e) => matches.map((m) => {
      try {
        return e.and(m);
      } catch (err) {
        throw invalid(subject, `the entry point's match ${show(e.toString())} cannot be combined with a rule's match`,
          show(m.toString()), 'drop the path condition from the rule or from the entry point');
      }
    }));
  };
  const name = (rule: string) => (edge.namePrefix ? `${edge.namePrefix}-${rule}` : rule);
  const http: Array<Record<string, any>> = release.rules.map((rule) => dropUndefined({
    name: name(rule.name),
    match: combine(rule.match).map(renderHttpMatch),
    rewrite: edge.rewrite,
    route: renderDestinations(release, rule.to),
    timeout: rule.timeout && renderDuration(rule.timeout),
  }));
  http.push(dropUndefined({
    name: edge.namePrefix ?? DEFAULT_ROUTE_NAME,
    match: edgeMatches.length > 0 ? edgeMatches.map(renderHttpMatch) : undefined,
    rewrite: edge.rewrite,
    route: renderDestinations(release, release.weights),
    timeout: release.timeout && renderDuration(release.timeout),
  }));
  return http;
}

/**
 * The mesh VirtualService routes of a release: `http` routes for HTTP-family protocols, weighted `tcp` routes
 * for TCP-family protocols.
 */
export function renderRoutes(release: Release): { http?: Array<Record<string, any>>; tcp?: Array<Record<string, any>> } {
  if (isHttpProtocol(release.protocol)) return { http: renderHttpRoutes(release) };
  const tcp: Array<Record<string, any>> = release.rules.map((rule) => ({
    match: rule.match.map((m) => dropUndefined({ port: m.conditions.port, sourceLabels: m.conditions.sourceLabels })),
    route: renderDestinations(release, rule.to),
  }));
  tcp.push({ route: renderDestinations(release, release.weights) });
  return { tcp };
}

function dropUndefined<T extends Record<string, any>>(obj: T): T {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as T;
}
