/**
 * The Kubernetes Gateway API as the release model sees it: the choice of routing API, what a release may use under
 * it, and how Gateway API orders matches (by precedence, not by position). Plain data and functions; the renderer
 * in gatewayapi/ and the analysis in analysis/ read them.
 */
import { refuse, show } from './errors';
import { Match, StringMatch } from './match';
import { isHttpProtocol, Protocol } from './protocol';
import { Release, ReleasePort, RouteRule, Weights, httpPorts, matchesOnPort, routeNameFrom, subjectOf } from './release';
import { RoutePolicy, hasRoutePolicy, routePolicyKeys } from './route-policy';

/** Which API the routes of a construct are written in. */
export enum RoutingApi {
  /** Istio's own API: VirtualService, DestinationRule and Gateway (`networking.istio.io`). */
  ISTIO = 'istio',
  /**
   * The Kubernetes Gateway API: HTTPRoute and GRPCRoute (bound to a Service in the mesh, to a Gateway at the edge)
   * and Gateway (`gateway.networking.k8s.io`). The only supported L7 routing in ambient mode.
   */
  GATEWAY_API = 'gateway-api',
}

/**
 * Context key of the app- or chart-wide routing API: `app.node.setContext(ROUTING_API_CONTEXT, RoutingApi.GATEWAY_API)`
 * (or on a chart) before adding constructs to it. A construct's own `routingApi` prop wins.
 */
export const ROUTING_API_CONTEXT = 'cdk8s-istio-canary/routingApi';

/** Checks a routing API value (from a prop or the context) and returns it. */
export function checkRoutingApi(subject: string, value: unknown): RoutingApi {
  if (!Object.values(RoutingApi).includes(value as RoutingApi)) {
    refuse(subject, 'unknown routingApi', show(value), `use one of ${Object.keys(RoutingApi).map((k) => `RoutingApi.${k}`).join(', ')}`);
  }
  return value as RoutingApi;
}

/** The way out named by every refusal. */
const WAY_OUT = 'route this service with RoutingApi.ISTIO';

/** A port routed with a GRPCRoute (gRPC proper); the other HTTP-family ports get HTTPRoutes. */
export function isGrpcRoutePort(port: ReleasePort): boolean {
  return port.protocol === Protocol.GRPC;
}

/** A gRPC method match (`/<service>/<method>` or `/<service>/`) as GRPCRoute's method match, if it is one. */
export function grpcMethodOf(uri: StringMatch | undefined): { service?: string; method?: string } | undefined {
  if (!uri) return {};
  const exact = uri.exact !== undefined ? /^\/([^/]+)\/([^/]+)$/.exec(uri.exact) : undefined;
  if (exact) return { service: exact[1], method: exact[2] };
  const prefix = uri.prefix !== undefined ? /^\/([^/]+)\/$/.exec(uri.prefix) : undefined;
  return prefix ? { service: prefix[1] } : undefined;
}

/** What GRPCRoute lacks that HTTPRoute has (Gateway API 1.5.1, standard and experimental channels). */
const NOT_ON_GRPC_ROUTE = ['timeout', 'retries', 'rewrite', 'redirect', 'corsPolicy'];

/** The HTTPRoute and GRPCRoute CRDs' pattern for `rules[].name` (gateway-api-standard-1.5.1.yaml): a DNS subdomain. */
const RULE_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** A route's name as a Gateway API rule name: what the CRDs accept for `rules[].name`. */
export function checkGatewayApiRuleName(subject: string, where: string, name: string): void {
  if (!RULE_NAME.test(name) || name.length > 253) {
    refuse(subject, `${where}: a Gateway API rule name is lower-case letters, digits, "-" and ".", beginning and ending with a letter or digit`,
      show(name), `name it e.g. ${show(routeNameFrom(name))}`);
  }
}

/**
 * Refuses, with the feature named and the way out, what Gateway API cannot say about a release: fault injection,
 * source-label matches, method or path conditions it has no form for, Istio's free-form retry conditions (and
 * retries at all unless `experimental` allows the experimental channel's `retry`), and on gRPC ports whatever
 * GRPCRoute lacks. TCP-family ports have no standard route kind.
 */
export function checkGatewayApiRelease(release: Release, options: { experimental?: boolean } = {}): void {
  const subject = subjectOf(release);
  const tcp = release.ports.filter((p) => !isHttpProtocol(p.protocol));
  if (tcp.length > 0) {
    refuse(subject, 'Gateway API has no standard route for TCP ports (TCPRoute is in the experimental channel only)',
      tcp.map((p) => `${p.number} (${p.name})`).join(', '), `${WAY_OUT}, or drop the TCP port`);
  }
  for (const rule of release.rules) checkGatewayApiRuleName(subject, `route ${show(rule.name)}`, rule.name);
  const routes: Array<{ where: string; policy: RouteRule | Release['policy']; rule?: RouteRule }> = [
    ...release.rules.map((rule) => ({ where: `route ${show(rule.name)}`, policy: rule, rule })),
    { where: 'default route', policy: release.policy },
  ];
  for (const { where, policy, rule } of routes) {
    if (!policy) continue;
    if (policy.fault) {
      refuse(subject, `${where}: Gateway API has no fault injection`, show(policy.fault), `${WAY_OUT}, or drop the fault`);
    }
    if (policy.retries) checkRetries(subject, where, policy.retries, options.experimental === true);
    const perTry = policy.retries?.perTryTimeout?.toMilliseconds();
    if (policy.timeout && perTry !== undefined && perTry > policy.timeout.toMilliseconds()) {
      // HTTPRoute's CEL rule on `timeouts`: backendRequest (the per-try timeout) may not exceed request.
      refuse(subject, `${where}: Gateway API refuses a per-try timeout longer than the request timeout`,
        `perTryTimeout ${show(policy.retries!.perTryTimeout)}, timeout ${show(policy.timeout)}`, 'make perTryTimeout at most the timeout');
    }
    for (const match of rule?.match ?? []) checkGatewayApiMatch(subject, where, match);
    for (const port of httpPorts(release).filter(isGrpcRoutePort)) {
      const applies = !rule || matchesOnPort(rule, port).length > 0;
      const lacking = routePolicyKeys(policy).filter((k) => NOT_ON_GRPC_ROUTE.includes(k));
      if (applies && lacking.length > 0) {
        refuse(subject, `${where}: GRPCRoute has no ${lacking.join(', ')} (Gateway API 1.5.1), and port ${port.number} is gRPC`,
          lacking.join(', '), `give the port Protocol.HTTP2 (an HTTPRoute; gRPC is HTTP/2), ${WAY_OUT}, or drop ${lacking.join(', ')}`);
      }
      const paths = (rule ? matchesOnPort(rule, port) : []).filter((m) => grpcMethodOf(m.conditions.uri) === undefined
        || m.conditions.method !== undefined || m.conditions.queryParams !== undefined);
      if (paths.length > 0) {
        refuse(subject, `${where}: a GRPCRoute matches gRPC service/method and headers only, and port ${port.number} is gRPC`,
          show(paths[0].toString()), 'match with Match.grpcMethod(service, method) and headers, or give the port Protocol.HTTP2');
      }
    }
  }
}

function checkRetries(subject: string, where: string, retries: NonNullable<RouteRule['retries']>, experimental: boolean): void {
  if (!experimental) {
    refuse(subject, `${where}: retries are in Gateway API's experimental channel only (HTTPRoute retry)`, show(retries),
      `set gatewayApiExperimental: true and install the experimental-channel CRDs, ${WAY_OUT}, or drop the retries`);
  }
  const conditions = (retries.retryOn ?? []).filter((c) => !/^[1-5][0-9][0-9]$/.test(c));
  if (conditions.length > 0) {
    refuse(subject, `${where}: Gateway API retries on HTTP status codes only, not on Envoy's conditions`, show(conditions.join(',')),
      `list status codes such as "503" in retryOn, or ${WAY_OUT}`);
  }
}

/**
 * The CEL rules of HTTPRoute's `matches[].path` for Exact and PathPrefix (Gateway API 1.5.1,
 * `gateway.networking.k8s.io_httproutes.yaml`): each with what it refuses and the way out.
 */
const PATH_RULES: ReadonlyArray<[(path: string) => boolean, string, string]> = [
  [(p) => p.includes('//'), 'with "//"', 'write the path with single slashes'],
  [(p) => p.includes('/./') || p.endsWith('/.'), 'with a "." segment', 'write the path without "." segments'],
  [(p) => p.includes('/../') || p.endsWith('/..'), 'with a ".." segment', 'write the path without ".." segments'],
  [(p) => /%2f/i.test(p), 'with an encoded slash (%2F)', 'write the path without %2F'],
  [(p) => p.includes('#'), 'with a fragment ("#")', 'drop the fragment: browsers never send it'],
  [(p) => !/^(?:[-A-Za-z0-9/._~!$&'()*+,;=:@]|%[0-9a-fA-F]{2})+$/.test(p), 'with characters outside RFC 3986 paths',
    'percent-encode them (e.g. " " as %20), or match with Match.uriRegex'],
];

/** Why Gateway API refuses an Exact or PathPrefix path, or undefined when it accepts it. */
export function refusedPath(path: string): { problem: string; fix: string } | undefined {
  const rule = PATH_RULES.find(([test]) => test(path));
  return rule && { problem: `Gateway API refuses a path ${rule[1]}`, fix: rule[2] };
}

/** Match conditions Gateway API cannot say: the caller's labels, a method by prefix or regex, paths its CRD refuses. */
function checkGatewayApiMatch(subject: string, where: string, match: Match): void {
  const c = match.conditions;
  if (c.sourceLabels) {
    refuse(subject, `${where}: Gateway API routes cannot match the caller's labels (and so no sticky lanes by source)`,
      show(match.toString()), `${WAY_OUT}, or match a header the caller sends`);
  }
  const path = c.uri?.exact ?? c.uri?.prefix;
  const refused = path === undefined ? undefined : refusedPath(path);
  if (refused) refuse(subject, `${where}: ${refused.problem}`, show(path), `${refused.fix}, or ${WAY_OUT}`);
  if (c.method && c.method.exact === undefined) {
    refuse(subject, `${where}: Gateway API matches a method exactly, not by ${c.method.prefix !== undefined ? 'prefix' : 'regex'}`,
      show(match.toString()), `use Match.method("GET"), one match per method, or ${WAY_OUT}`);
  }
}

/** What Gateway API's match precedence reads of one match, in its wire form. */
export interface PrecedenceFields {
  /** `Exact`, `PathPrefix` or `RegularExpression`; a match without a path is `PathPrefix "/"`. */
  readonly pathType: string;
  /** The path value. */
  readonly pathValue: string;
  /** True when the match names a method. */
  readonly method: boolean;
  /** Number of header conditions. */
  readonly headers: number;
  /** Number of query parameter conditions. */
  readonly queryParams: number;
}

const PATH_RANK: Record<string, number> = { Exact: 3, PathPrefix: 2, RegularExpression: 1 };

/**
 * Gateway API's order of matches across the rules of the routes of one host (as Istio sorts them): an exact path
 * first, then the longest prefix (regexes last, longest first), then a method, then the most headers, then the most
 * query parameters. Negative when `a` goes first; 0 keeps their order (the older route, then rule order).
 */
export function comparePrecedence(a: PrecedenceFields, b: PrecedenceFields): number {
  const rank = (PATH_RANK[b.pathType] ?? 0) - (PATH_RANK[a.pathType] ?? 0);
  if (rank !== 0) return rank;
  if (a.pathValue.length !== b.pathValue.length) return b.pathValue.length - a.pathValue.length;
  if (a.method !== b.method) return a.method ? -1 : 1;
  if (a.headers !== b.headers) return b.headers - a.headers;
  return b.queryParams - a.queryParams;
}

/** The precedence fields of one of our matches as the renderer writes it. */
export function precedenceOf(match: Match | undefined): PrecedenceFields {
  const c = match?.conditions ?? {};
  const uri = c.uri;
  const [pathType, pathValue] = uri?.exact !== undefined ? ['Exact', uri.exact]
    : uri?.prefix !== undefined ? ['PathPrefix', uri.prefix]
      : uri?.regex !== undefined ? ['RegularExpression', uri.regex] : ['PathPrefix', '/'];
  return {
    pathType,
    pathValue,
    method: c.method !== undefined,
    headers: Object.keys(c.headers ?? {}).length,
    queryParams: Object.keys(c.queryParams ?? {}).length,
  };
}

/**
 * Refuses an order of rules that Gateway API would not keep: Istio takes the first rule that matches, Gateway API the
 * match with the highest precedence. When a later rule's match outranks an earlier rule's and one request can satisfy
 * both, the two APIs would send it to different places; the user must reorder or narrow the rules.
 * @param rules the rules in order, each with the matches it has on one port (the default route comes last, unmatched)
 */
export function checkPrecedenceKeepsOrder(subject: string, rules: ReadonlyArray<{ name: string; matches: readonly Match[]; to: string }>): void {
  const flat = rules.flatMap((rule, index) => (rule.matches.length > 0 ? rule.matches : [undefined]).map((match) => ({ rule, index, match })));
  for (const later of flat) {
    for (const earlier of flat) {
      if (earlier.index >= later.index || earlier.rule.to === later.rule.to) continue;
      if (comparePrecedence(precedenceOf(later.match), precedenceOf(earlier.match)) >= 0) continue;
      if (!mayOverlap(earlier.match, later.match)) continue;
      const what = (m: Match | undefined) => (m ? m.toString() : 'any request');
      refuse(subject, `route ${show(later.rule.name)} would take requests from route ${show(earlier.rule.name)} before it: Gateway API orders `
        + 'matches by precedence (exact path, longest prefix, method, most headers, most query parameters), not by position',
      `${show(what(earlier.match))} then ${show(what(later.match))}`,
      `add route ${show(later.rule.name)} before route ${show(earlier.rule.name)} (the order Gateway API takes), make their matches disjoint, or ${WAY_OUT}`);
    }
  }
}

/** False only when no request can satisfy both matches (a conservative test: conditions that contradict). */
export function mayOverlap(a: Match | undefined, b: Match | undefined): boolean {
  if (!a || !b) return true;
  const x = a.conditions;
  const y = b.conditions;
  if (x.uri && y.uri && !valuesMayOverlap(x.uri, y.uri)) return false;
  if (x.method?.exact !== undefined && y.method?.exact !== undefined && x.method.exact !== y.method.exact) return false;
  for (const [mine, theirs] of [[x.headers, y.headers], [x.queryParams, y.queryParams]] as const) {
    for (const [name, m] of Object.entries(mine ?? {})) {
      const other = theirs?.[name];
      if (other && !valuesMayOverlap(m, other)) return false;
    }
  }
  return true;
}

function valuesMayOverlap(a: StringMatch, b: StringMatch): boolean {
  if (a.regex !== undefined || b.regex !== undefined) return true;
  const fixed = (m: StringMatch) => m.exact ?? m.prefix;
  if (fixed(a) === undefined || fixed(b) === undefined) return true; // presence
  if (a.exact !== undefined && b.exact !== undefined) return a.exact === b.exact;
  if (a.exact !== undefined) return a.exact.startsWith(b.prefix!);
  if (b.exact !== undefined) return b.exact.startsWith(a.prefix!);
  return a.prefix!.startsWith(b.prefix!) || b.prefix!.startsWith(a.prefix!);
}

/**
 * What a route does with the requests it takes, for the precedence check: two routes that forward alike (the same
 * split, no options) may trade requests; any other route is its own.
 */
export function forwardingKey(name: string, policy: RoutePolicy | undefined, weights: Weights | undefined): string {
  if ((policy && hasRoutePolicy(policy)) || !weights) return `route ${name}`;
  return JSON.stringify(Object.entries(weights).filter(([, w]) => w > 0).sort());
}
