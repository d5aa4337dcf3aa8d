/**
 * Rendering a release to Kubernetes Gateway API routes as plain data: HTTPRoute and GRPCRoute rules with named rules,
 * matches, weighted backendRefs (one Service per version: Gateway API has no subsets), timeouts, mirrors, header
 * modifiers, rewrites, redirects and CORS. What Gateway API cannot say is refused first (model/gateway-api.ts).
 */
import { Duration } from 'cdk8s';
import { dropUndefined } from '../model/data';
import { refuse, show } from '../model/errors';
import { checkGatewayApiRelease, checkPrecedenceKeepsOrder, forwardingKey, grpcMethodOf, isGrpcRoutePort } from '../model/gateway-api';
import { Match, StringMatch } from '../model/match';
import {
  DEFAULT_ROUTE_NAME, Edge, Release, ReleasePort, Weights, defaultRouteWeights, gatewayTargetPort, httpPorts, matchesOnPort,
  subjectOf, withEdgeMatches,
} from '../model/release';
import {
  CorsPolicy, HeaderOperations, HeaderPolicy, Mirror, Redirect, Rewrite, RoutePolicy, inheritRoutePolicy, mergeHeaderPolicies, mergeRewrites,
} from '../model/route-policy';

/** A Service by name and namespace, as a backendRef or parentRef names it. */
export interface ServiceRef {
  /** The Service's name. */
  readonly name: string;
  /** The Service's namespace. */
  readonly namespace: string;
}

/** `name.namespace.svc.cluster.local` as a Service reference; undefined for any other host. */
export function serviceRefOf(host: string): ServiceRef | undefined {
  const m = /^([a-z0-9-]+)\.([a-z0-9-]+)\.svc\.cluster\.local$/.exec(host);
  return m ? { name: m[1], namespace: m[2] } : undefined;
}

/** The kind of route a port gets, and its rules. */
export interface RenderedRoute {
  /** `HTTPRoute` or `GRPCRoute`. */
  readonly kind: 'HTTPRoute' | 'GRPCRoute';
  /** The service port the route is for. */
  readonly port: ReleasePort;
  /** The route's `spec.rules`. */
  readonly rules: Array<Record<string, any>>;
}

/**
 * The routes of a release in the mesh: one per HTTP-family port (GRPCRoute for gRPC ports, HTTPRoute for the others),
 * each with the rules that apply on that port and the default route last.
 * @throws what Gateway API cannot say (model/gateway-api.ts), and an order of rules its precedence would not keep
 */
export function renderMeshRoutes(release: Release, options: { experimental?: boolean } = {}): RenderedRoute[] {
  checkGatewayApiRelease(release, options);
  return httpPorts(release).map((port) => ({
    kind: isGrpcRoutePort(port) ? 'GRPCRoute' : 'HTTPRoute',
    port,
    rules: renderRules(release, port, {}, options),
  }));
}

/**
 * The HTTPRoute rules of a release at a gateway: its target port only (`edge.port`, else the only HTTP port), each
 * rule also requiring one of the edge's matches, the edge's rewrite on every rule.
 */
export function renderGatewayRules(release: Release, edge: Edge, options: { experimental?: boolean } = {}): Array<Record<string, any>> {
  // Also when a Gateway API gateway routes to an Istio-routed release: nothing it cannot say is dropped.
  checkGatewayApiRelease(release, options);
  return renderRules(release, gatewayTargetPort(release, edge.port), { ...edge, gateway: true }, options);
}

function renderRules(release: Release, port: ReleasePort, edge: Edge, options: { experimental?: boolean }): Array<Record<string, any>> {
  const subject = subjectOf(release);
  // At a gateway every port is reached through an HTTPRoute; in the mesh a gRPC port gets a GRPCRoute.
  const grpc = isGrpcRoutePort(port) && !edge.gateway;
  const edgeMatches = edge.match ?? [];
  const name = (rule: string) => (edge.namePrefix ? (rule === DEFAULT_ROUTE_NAME ? edge.namePrefix : `${edge.namePrefix}-${rule}`) : rule);
  const ordered: Array<{ name: string; matches: Match[]; to: string }> = [];
  const rules: Array<Record<string, any>> = [];
  for (const given of release.rules) {
    // One route policy per service: each rule takes the service's route options it does not set itself.
    const rule = inheritRoutePolicy(release.policy, given);
    const own = matchesOnPort(rule, port).map((m) => m.withoutPort());
    if (own.length === 0) continue;
    const matches = withEdgeMatches(subject, edgeMatches, own);
    const where = `route ${show(rule.name)}`;
    const rewrite = mergeRewrites(subject, where, edge.rewrite, rule.rewrite);
    if (rule.redirect && rewrite) {
      refuse(subject, `${where}: a redirect cannot come with the entry point's rewrite`, show(rewrite), 'drop the rewrite, or the redirect');
    }
    // Rules that forward alike may swap places. Options every rule inherits from the service leave them alike, except a
    // path rewrite, which replaces a matched prefix or the whole path depending on the rule's own matches.
    const alike = release.policy?.rewrite?.uri !== undefined ? rule : given;
    ordered.push({ name: rule.name, matches, to: rule.redirect ? `route ${rule.name}` : forwardingKey(rule.name, alike, rule.to) });
    rules.push(renderRule(release, port, grpc, {
      name: name(rule.name),
      where,
      matches,
      policy: { ...rule, rewrite },
      redirect: rule.redirect,
      weights: rule.redirect ? undefined : rule.to,
      experimental: options.experimental,
    }));
  }
  const defaultTarget = forwardingKey(DEFAULT_ROUTE_NAME, release.policy, defaultRouteWeights(release));
  ordered.push({ name: DEFAULT_ROUTE_NAME, matches: edgeMatches.slice(), to: defaultTarget });
  checkPrecedenceKeepsOrder(subject, ordered);
  const rewrite = mergeRewrites(subject, 'default route', edge.rewrite, release.policy?.rewrite);
  rules.push(renderRule(release, port, grpc, {
    name: name(DEFAULT_ROUTE_NAME),
    where: 'default route',
    matches: edgeMatches.slice(),
    policy: { ...release.policy, rewrite },
    weights: defaultRouteWeights(release),
    allPods: defaultRouteWeights(release) === undefined,
    splitHeaders: release.splitHeaders,
    experimental: options.experimental,
  }));
  return rules;
}

interface RuleInput {
  readonly name: string;
  readonly where: string;
  readonly matches: readonly Match[];
  readonly policy: RoutePolicy;
  readonly redirect?: Redirect;
  readonly weights?: Weights;
  readonly allPods?: boolean;
  /** Header operations on the destination of each version, on top of the version's own (a sticky canary's cookie). */
  readonly splitHeaders?: Readonly<Record<string, HeaderPolicy>>;
  readonly experimental?: boolean;
}

function renderRule(release: Release, port: ReleasePort, grpc: boolean, input: RuleInput): Record<string, any> {
  const subject = subjectOf(release);
  const { policy } = input;
  const filters: Array<Record<string, any>> = [
    ...headerFilters(policy.headers),
    ...(policy.mirror ? [mirrorFilter(release, port, input.where, policy.mirror)] : []),
    ...(policy.rewrite ? [rewriteFilter(subject, input.where, policy.rewrite, input.matches)] : []),
    ...(input.redirect ? [redirectFilter(subject, input.where, input.redirect)] : []),
    ...(policy.corsPolicy ? [corsFilter(subject, input.where, policy.corsPolicy)] : []),
  ];
  const matches = input.matches.map((m) => (grpc ? renderGrpcMatch(m) : renderHttpMatch(m)));
  const perTry = policy.retries?.perTryTimeout;
  if (policy.timeout && perTry && perTry.toMilliseconds() > policy.timeout.toMilliseconds()) {
    // HTTPRoute's CEL rule on `timeouts`; here for a rule whose own timeout meets the service's retries.
    refuse(subject, `${input.where}: Gateway API refuses a per-try timeout longer than the request timeout`,
      `perTryTimeout ${show(perTry)}, timeout ${show(policy.timeout)}`, 'make perTryTimeout at most the timeout, or give the rule its own retries');
  }
  for (const [what, duration] of [['timeout', policy.timeout], ['retries perTryTimeout', perTry]] as const) {
    // Gateway API 1.5.1 CRDs, Duration: `^([0-9]{1,5}(h|m|s|ms)){1,4}$`, so at most 99999h.
    if (duration !== undefined && duration.toMilliseconds({ integral: false }) >= 100_000 * 3_600_000) {
      refuse(subject, `${input.where} ${what}: a Gateway API duration is at most 99999h`, show(duration), 'use a shorter duration, e.g. Duration.days(365)');
    }
  }
  return dropUndefined({
    name: input.name,
    matches: matches.length > 0 ? matches : undefined,
    filters: filters.length > 0 ? filters : undefined,
    backendRefs: input.redirect ? undefined : renderBackendRefs(release, port, input.weights, input.allPods === true, input.splitHeaders),
    timeouts: policy.timeout || perTry ? dropUndefined({
      request: policy.timeout && gatewayDuration(policy.timeout),
      backendRequest: perTry && gatewayDuration(perTry),
    }) : undefined,
    retry: policy.retries && input.experimental ? dropUndefined({
      attempts: policy.retries.attempts,
      codes: policy.retries.retryOn?.map(Number),
    }) : undefined,
  });
}

/** backendRefs of a split: each version's own Service, zero weights dropped, a lone backend without a weight. */
function renderBackendRefs(release: Release, port: ReleasePort, weights: Weights | undefined, allPods: boolean,
  extraHeaders?: Readonly<Record<string, HeaderPolicy>>): Array<Record<string, any>> {
  if (allPods || !weights) return [{ ...serviceBackend(release.host), port: port.number }];
  const live = release.keepZeroWeights ? release.versions : release.versions.filter((v) => (weights[v] ?? 0) > 0);
  return live.map((version) => {
    // One filter of each type per backendRef: the version's own header operations and the split's, merged.
    const headers = headerFilters(mergeHeaderPolicies(release.versionPolicies?.[version]?.headers, extraHeaders?.[version]));
    return dropUndefined({
      ...versionBackend(release, version, port),
      weight: live.length > 1 ? weights[version] ?? 0 : undefined,
      filters: headers.length > 0 ? headers : undefined,
    });
  });
}

/** A version's Service as a backendRef on `port` (the version Service's own port, when it differs). */
function versionBackend(release: Release, version: string, port: ReleasePort): Record<string, any> {
  const own = release.hosts?.[version];
  if (!own) {
    refuse(subjectOf(release), 'Gateway API routes to a Service per version (it has no subsets), and version has none', show(version),
      'use Split.HOST');
  }
  return { ...serviceBackend(own.host), port: own.port ?? port.number };
}

function serviceBackend(host: string): { name: string; namespace?: string } {
  const ref = serviceRefOf(host);
  if (!ref) throw new Error(`not a cluster Service host: ${host}`);
  return { name: ref.name, namespace: ref.namespace };
}

/** One HTTPRouteMatch: path, headers, query parameters and method. */
export function renderHttpMatch(match: Match): Record<string, any> {
  const c = match.conditions;
  const path = c.uri?.exact !== undefined ? { type: 'Exact', value: c.uri.exact }
    : c.uri?.prefix !== undefined ? { type: 'PathPrefix', value: c.uri.prefix }
      : c.uri?.regex !== undefined ? { type: 'RegularExpression', value: c.uri.regex } : undefined;
  return dropUndefined({
    path,
    headers: keyedMatches(c.headers),
    queryParams: keyedMatches(c.queryParams),
    method: c.method?.exact,
  });
}

/** One GRPCRouteMatch: the method (from a `/<service>/<method>` path) and headers. */
function renderGrpcMatch(match: Match): Record<string, any> {
  const method = grpcMethodOf(match.conditions.uri);
  return dropUndefined({
    method: method && (method.service || method.method) ? dropUndefined({ type: 'Exact', ...method }) : undefined,
    headers: keyedMatches(match.conditions.headers),
  });
}

/** Header or query conditions as Gateway API lists them; a prefix or presence becomes a (full-match) regex. */
function keyedMatches(conditions: Record<string, StringMatch> | undefined): Array<Record<string, string>> | undefined {
  const entries = Object.entries(conditions ?? {});
  if (entries.length === 0) return undefined;
  return entries.map(([name, m]) => {
    if (m.exact !== undefined) return { type: 'Exact', name, value: m.exact };
    if (m.regex !== undefined) return { type: 'RegularExpression', name, value: m.regex };
    if (m.prefix !== undefined) return { type: 'RegularExpression', name, value: `${escapeRegex(m.prefix)}.*` };
    return { type: 'RegularExpression', name, value: '.*' };
  });
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function headerFilters(policy: HeaderPolicy | undefined): Array<Record<string, any>> {
  const filters: Array<Record<string, any>> = [];
  if (policy?.request) filters.push({ type: 'RequestHeaderModifier', requestHeaderModifier: headerModifier(policy.request) });
  if (policy?.response) filters.push({ type: 'ResponseHeaderModifier', responseHeaderModifier: headerModifier(policy.response) });
  return filters;
}

function headerModifier(ops: HeaderOperations): Record<string, any> {
  const pairs = (record: Record<string, string> | undefined) => {
    const entries = Object.entries(record ?? {});
    return entries.length > 0 ? entries.map(([name, value]) => ({ name, value })) : undefined;
  };
  return dropUndefined({ set: pairs(ops.set), add: pairs(ops.add), remove: ops.remove?.length ? [...ops.remove] : undefined });
}

function mirrorFilter(release: Release, port: ReleasePort, where: string, mirror: Mirror): Record<string, any> {
  const backendRef = mirror.version !== undefined ? versionBackend(release, mirror.version, port) : (() => {
    const ref = serviceRefOf(mirror.host!);
    if (!ref) {
      refuse(subjectOf(release), `${where}: a Gateway API mirror goes to a Service of the cluster`, show(mirror.host),
        'mirror to a version or to name.namespace.svc.cluster.local, or route with RoutingApi.ISTIO');
    }
    return { ...ref, port: mirror.port ?? port.number };
  })();
  const percent = mirror.percent;
  let share: Record<string, any> = {};
  if (percent !== undefined && Number.isInteger(percent)) {share = { percent };} else if (percent !== undefined) {
    // Gateway API takes whole percents or a fraction: 0.5% is 5/1000.
    const digits = Math.min((String(percent).split('.')[1] ?? '').length, 6);
    const denominator = 100 * 10 ** digits;
    share = { fraction: { numerator: Math.round(percent * 10 ** digits), denominator } };
  }
  return { type: 'RequestMirror', requestMirror: { backendRef, ...share } };
}

/**
 * URLRewrite: a path rewrite replaces the matched prefix when every match is a path prefix (as Istio's rewrite does
 * after a prefix match), the whole path otherwise.
 */
export function rewriteFilter(subject: string, where: string, rewrite: Rewrite, matches: readonly Match[]): Record<string, any> {
  let path: Record<string, any> | undefined;
  if (rewrite.uri !== undefined) {
    const prefixes = matches.filter((m) => m.conditions.uri?.prefix !== undefined).length;
    if (prefixes > 0 && prefixes < matches.length) {
      refuse(subject, `${where}: a Gateway API rewrite replaces a prefix only when every match is a path prefix`,
        matches.map(String).join(' or '), 'split the route into one with prefix matches and one without');
    }
    path = prefixes > 0 ? { type: 'ReplacePrefixMatch', replacePrefixMatch: rewrite.uri } : { type: 'ReplaceFullPath', replaceFullPath: rewrite.uri };
  }
  return { type: 'URLRewrite', urlRewrite: dropUndefined({ hostname: rewrite.authority, path }) };
}

function redirectFilter(subject: string, where: string, redirect: Redirect): Record<string, any> {
  const code = redirect.code ?? 301;
  if (code !== 301 && code !== 302) {
    refuse(subject, `${where}: Gateway API redirects with 301 or 302 only`, show(code), 'use 301 or 302, or route with RoutingApi.ISTIO');
  }
  return {
    type: 'RequestRedirect',
    requestRedirect: dropUndefined({
      scheme: redirect.scheme,
      hostname: redirect.authority,
      path: redirect.uri !== undefined ? { type: 'ReplaceFullPath', replaceFullPath: redirect.uri } : undefined,
      port: redirect.port,
      statusCode: code,
    }),
  };
}

function corsFilter(subject: string, where: string, cors: CorsPolicy): Record<string, any> {
  // Gateway API 1.5.1 HTTPRoute CRD, HTTPCORSFilter.allowOrigins: `!('*' in self && self.size() > 1)`,
  // "AllowOrigins cannot contain '*' alongside other origins" (Istio's VirtualService takes both).
  if (cors.allowOrigins.includes('*') && cors.allowOrigins.length > 1) {
    refuse(subject, `${where} corsPolicy: Gateway API refuses "*" beside other origins in allowOrigins`, show(cors.allowOrigins),
      'keep "*" alone, which allows every origin, or list the origins without it');
  }
  return {
    type: 'CORS',
    cors: dropUndefined({
      allowOrigins: [...cors.allowOrigins],
      allowMethods: cors.allowMethods && [...cors.allowMethods],
      allowHeaders: cors.allowHeaders && [...cors.allowHeaders],
      exposeHeaders: cors.exposeHeaders && [...cors.exposeHeaders],
      maxAge: cors.maxAge && Math.max(1, Math.round(cors.maxAge.toSeconds({ integral: false }))),
      allowCredentials: cors.allowCredentials,
    }),
  };
}

/** A Gateway API Duration (`1h30m`, `5s`, `250ms`: at most four parts of up to five digits). */
export function gatewayDuration(duration: Duration): string {
  let ms = duration.toMilliseconds({ integral: false });
  const parts: string[] = [];
  for (const [unit, size] of [['h', 3_600_000], ['m', 60_000], ['s', 1000], ['ms', 1]] as const) {
    const n = Math.floor(ms / size);
    if (n > 0) parts.push(`${n}${unit}`);
    ms -= n * size;
  }
  return parts.join('') || '0s';
}
