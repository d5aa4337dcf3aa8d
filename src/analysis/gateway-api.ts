/**
 * Kubernetes Gateway API routes read with Gateway API semantics, for explain and the analysis: which HTTPRoutes and
 * GRPCRoutes bind to a Service (GAMMA, in the mesh) or to a Gateway's listeners, and their matches in the order
 * Gateway API takes them (precedence: exact path, longest prefix, method, most headers, most query parameters; then
 * the route's name, then rule and match order), each as an Istio-shaped http route so one matcher serves both APIs.
 * Also what Gateway API decides before and after matching: the most specific listener for a host, the routes its
 * allowedRoutes admit (namespace selectors over the Namespace objects' labels, kinds), backendRefs resolved with
 * ReferenceGrants (an invalid one is answered 500), and the filters' header operations and path modifiers.
 */
import { K8sObject, Manifests, isIstioSystemHost, namespaceOf } from './manifest';
import { PrecedenceFields, comparePrecedence } from '../model/gateway-api';
import { hostsIntersect } from '../model/hosts';

/** One match of one rule of a Gateway API route, as an Istio-shaped http route. */
export interface GatewayApiMatch {
  /** `HTTPRoute <namespace>/<name>` or `GRPCRoute <namespace>/<name>`. */
  readonly source: string;
  /** The route's namespace, against which its backendRefs resolve. */
  readonly namespace: string;
  /** The rule's position in its route, counting from 1. */
  readonly ruleIndex: number;
  /** The route in Istio's shape: `name`, `match` (one entry, or two for a path prefix), `route` with weights, `redirect`. */
  readonly http: Record<string, any>;
  /** The precedence fields of the match. */
  readonly precedence: PrecedenceFields;
  /** The route itself. */
  readonly route: K8sObject;
  /** The rule as written (filters, backendRefs). */
  readonly rule: any;
  /** The path prefix of the match (`PathPrefix` matches), which ReplacePrefixMatch replaces. */
  readonly pathPrefix?: string;
}

/** `Kind namespace/name` of a route. */
export function routeSource(route: K8sObject): string {
  return `${route.kind} ${namespaceOf(route)}/${route.metadata?.name}`;
}

/** The host of the Service a parentRef names (GAMMA: group "" and kind Service), or undefined for another parent. */
export function serviceParentHost(route: K8sObject, ref: any): string | undefined {
  return ref?.kind === 'Service' && (ref.group ?? '') === '' ? `${ref.name}.${ref.namespace ?? namespaceOf(route)}.svc.cluster.local` : undefined;
}

/** A parentRef that names a Gateway (the default kind). */
function isGatewayParent(ref: any): boolean {
  return (ref?.kind ?? 'Gateway') === 'Gateway' && (ref.group ?? 'gateway.networking.k8s.io') === 'gateway.networking.k8s.io';
}

/**
 * The mesh routes for a Service host: routes whose parentRef names the Service (and the port, when both are known).
 * A route in the Service's namespace applies to every caller; one in another namespace only to callers there.
 */
export function meshRouteMatches(m: Manifests, host: string, port: number | undefined, callerNamespace: string): GatewayApiMatch[] {
  const serviceNamespace = host.split('.')[1];
  const routes = m.gatewayApiRoutes.filter((route) => (route.spec?.parentRefs ?? []).some((ref: any) => {
    if (serviceParentHost(route, ref) !== host) return false;
    if (port !== undefined && ref.port !== undefined && ref.port !== port) return false;
    return namespaceOf(route) === serviceNamespace || namespaceOf(route) === callerNamespace;
  }));
  return matchesInOrder(routes);
}

/** True when some route binds to the Service host in the mesh (for any caller). */
export function hasMeshRoutes(m: Manifests, host: string): boolean {
  return m.gatewayApiRoutes.some((route) => (route.spec?.parentRefs ?? []).some((ref: any) => serviceParentHost(route, ref) === host));
}

/**
 * The listeners of a Gateway API Gateway that take a request for `host` on `port`: of those whose hostname fits, only
 * the most specific (an exact hostname, then the longest wildcard, then none), as Gateway API isolates listeners.
 */
export function listenersFor(gateway: K8sObject, host: string, port: number): any[] {
  const fitting = (gateway.spec?.listeners ?? [])
    .filter((l: any) => l.port === port && (l.hostname === undefined || hostsIntersect(l.hostname, host)));
  const rank = (l: any): number => (l.hostname === undefined ? 0 : l.hostname.startsWith('*') ? 1 + l.hostname.length : 1_000_000);
  const best = Math.max(...fitting.map(rank));
  return fitting.filter((l: any) => rank(l) === best);
}

/** The scheme of a listener: `https` for HTTPS (and TLS), else `http`. */
export function listenerScheme(listener: any): string {
  return listener?.protocol === 'HTTPS' || listener?.protocol === 'TLS' ? 'https' : 'http';
}

/**
 * The routes attached to the given listeners of `gateway` for `host`: a parentRef naming the Gateway (and one of the
 * listeners, when it names a section), a namespace the listener's `allowedRoutes` admit, and hostnames that fit.
 */
export function gatewayRouteMatches(m: Manifests, gateway: K8sObject, listeners: readonly any[], host: string): GatewayApiMatch[] {
  const routes = m.gatewayApiRoutes.filter((route) => {
    const hostnames: string[] | undefined = route.spec?.hostnames;
    if (hostnames && hostnames.length > 0 && !hostnames.some((h) => hostsIntersect(h, host))) return false;
    return (route.spec?.parentRefs ?? []).some((ref: any) => isGatewayParent(ref) && ref.name === gateway.metadata?.name
      && (ref.namespace ?? namespaceOf(route)) === namespaceOf(gateway)
      && listenersAdmitting(gateway, route, ref, m).some((l) => listeners.includes(l)));
  });
  return matchesInOrder(routes);
}

/**
 * The listeners of `gateway` that admit `route` through its parentRef `ref`: the section and port it names, a namespace
 * the listener's `allowedRoutes` admit, and (when both have them) hostnames that intersect.
 */
export function listenersAdmitting(gateway: K8sObject, route: K8sObject, ref: any, m?: Manifests): any[] {
  const hostnames: string[] = route.spec?.hostnames ?? [];
  return (gateway.spec?.listeners ?? []).filter((l: any) => (ref.sectionName === undefined || ref.sectionName === l.name)
    && (ref.port === undefined || ref.port === l.port)
    && admits(l, namespaceOf(gateway), namespaceOf(route), m)
    && kindAllowed(l, route)
    && (hostnames.length === 0 || l.hostname === undefined || hostnames.some((h) => hostsIntersect(h, l.hostname))));
}

/** The route kinds a listener takes by default, by protocol. */
const DEFAULT_KINDS: Record<string, string[]> = {
  HTTP: ['HTTPRoute', 'GRPCRoute'], HTTPS: ['HTTPRoute', 'GRPCRoute'], TLS: ['TLSRoute'], TCP: ['TCPRoute'], UDP: ['UDPRoute'],
};

/** A listener's `allowedRoutes.kinds` (or its protocol's default kinds) takes the route's kind. */
function kindAllowed(listener: any, route: K8sObject): boolean {
  const kinds: any[] | undefined = listener.allowedRoutes?.kinds;
  if (kinds && kinds.length > 0) {
    return kinds.some((k) => k.kind === route.kind && (k.group ?? 'gateway.networking.k8s.io') === 'gateway.networking.k8s.io');
  }
  // A protocol Gateway API does not define (an implementation's own) is left to the implementation: taken as admitting.
  return DEFAULT_KINDS[listener.protocol ?? 'HTTP']?.includes(route.kind ?? '') ?? true;
}

/**
 * A listener's `allowedRoutes.namespaces`: Same (the default), All, or a label selector over the Namespace objects'
 * labels (with `kubernetes.io/metadata.name`, which Kubernetes sets on every namespace). Without the manifests, or
 * without the Namespace object, only that name label is known.
 */
function admits(listener: any, gatewayNamespace: string, routeNamespace: string, m?: Manifests): boolean {
  const namespaces = listener.allowedRoutes?.namespaces ?? {};
  switch (namespaces.from ?? 'Same') {
    case 'All': return true;
    case 'Same': return routeNamespace === gatewayNamespace;
    case 'Selector': {
      const labels = { ...m?.namespaces.get(routeNamespace)?.metadata?.labels, 'kubernetes.io/metadata.name': routeNamespace };
      return selectorMatches(namespaces.selector ?? {}, labels);
    }
    default: return false;
  }
}

/** A Kubernetes label selector (matchLabels and matchExpressions) against labels. */
export function selectorMatches(selector: any, labels: Readonly<Record<string, string>>): boolean {
  const byLabel = Object.entries<string>(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
  const byExpression = (selector.matchExpressions ?? []).every((e: any) => {
    const value = labels[e.key];
    switch (e.operator) {
      case 'In': return value !== undefined && (e.values ?? []).includes(value);
      case 'NotIn': return value === undefined || !(e.values ?? []).includes(value);
      case 'Exists': return value !== undefined;
      case 'DoesNotExist': return value === undefined;
      default: return false;
    }
  });
  return byLabel && byExpression;
}

/** Every match of the routes, in Gateway API's order. */
export function matchesInOrder(routes: readonly K8sObject[]): GatewayApiMatch[] {
  const byName = [...routes].sort((a, b) => routeKey(a).localeCompare(routeKey(b)));
  const all = byName.flatMap((route) => (route.spec?.rules ?? []).flatMap((rule: any, index: number) => {
    const matches: any[] = rule.matches?.length ? rule.matches : [{}];
    return matches.map((match) => convert(route, rule, index + 1, match));
  }));
  // Array.prototype.sort is stable: ties keep route name, rule and match order.
  return all.sort((a, b) => comparePrecedence(a.precedence, b.precedence));
}

function routeKey(route: K8sObject): string {
  return `${namespaceOf(route)}/${route.metadata?.name ?? ''}`;
}

function convert(route: K8sObject, rule: any, ruleIndex: number, match: any): GatewayApiMatch {
  const grpc = route.kind === 'GRPCRoute';
  const { uris, precedence } = grpc ? grpcPath(match) : httpPath(match);
  const conditions: Record<string, any> = {};
  const headers = keyed(match.headers, (name) => name.toLowerCase());
  if (headers) conditions.headers = headers;
  const queryParams = keyed(match.queryParams, (name) => name);
  if (queryParams) conditions.queryParams = queryParams;
  if (match.method && !grpc) conditions.method = { exact: match.method };
  const matchList = uris.length > 0 ? uris.map((uri) => ({ ...conditions, uri })) : [conditions];
  const namespace = namespaceOf(route);
  const redirect = (rule.filters ?? []).find((f: any) => f.type === 'RequestRedirect')?.requestRedirect;
  const http: Record<string, any> = {
    name: rule.name,
    match: matchList,
    route: redirect ? undefined : (rule.backendRefs ?? []).map((b: any) => ({
      destination: { host: `${b.name}.${b.namespace ?? namespace}.svc.cluster.local`, port: b.port !== undefined ? { number: b.port } : undefined },
      weight: b.weight ?? 1,
    })),
    redirect: redirect && {
      uri: redirect.path?.replaceFullPath ?? redirect.path?.replacePrefixMatch,
      authority: redirect.hostname,
      redirectCode: redirect.statusCode ?? 302,
      scheme: redirect.scheme,
    },
  };
  return {
    source: routeSource(route),
    namespace,
    ruleIndex,
    http,
    route,
    rule,
    pathPrefix: !grpc && (match.path?.type ?? 'PathPrefix') === 'PathPrefix' ? match.path?.value ?? '/' : undefined,
    precedence: {
      ...precedence,
      method: !grpc && match.method !== undefined,
      headers: (match.headers ?? []).length,
      queryParams: (match.queryParams ?? []).length,
    },
  };
}

/**
 * An HTTPRoute path as Istio matches it: `Exact` exactly, a `PathPrefix` by whole path elements (`/api` takes `/api`
 * and `/api/x`, not `/apis`), a `RegularExpression` as a full match; no path is `PathPrefix /`.
 */
function httpPath(match: any): { uris: any[]; precedence: Pick<PrecedenceFields, 'pathType' | 'pathValue'> } {
  const type = match.path?.type ?? 'PathPrefix';
  const value = match.path?.value ?? '/';
  if (type === 'Exact') return { uris: [{ exact: value }], precedence: { pathType: type, pathValue: value } };
  if (type === 'RegularExpression') return { uris: [{ regex: value }], precedence: { pathType: type, pathValue: value } };
  const trimmed = value.replace(/\/+$/, '');
  return { uris: trimmed === '' ? [] : [{ exact: trimmed }, { prefix: `${trimmed}/` }], precedence: { pathType: 'PathPrefix', pathValue: value } };
}

/** A GRPCRoute method as the path `/<service>/<method>` (or the prefix `/<service>/`). */
function grpcPath(match: any): { uris: any[]; precedence: Pick<PrecedenceFields, 'pathType' | 'pathValue'> } {
  const { service, method } = match.method ?? {};
  if (service && method) return { uris: [{ exact: `/${service}/${method}` }], precedence: { pathType: 'Exact', pathValue: `/${service}/${method}` } };
  if (service) return { uris: [{ prefix: `/${service}/` }], precedence: { pathType: 'PathPrefix', pathValue: `/${service}/` } };
  if (method) return { uris: [{ regex: `/[^/]+/${method}` }], precedence: { pathType: 'RegularExpression', pathValue: method } };
  return { uris: [], precedence: { pathType: 'PathPrefix', pathValue: '/' } };
}

/** Header or query conditions as Istio's map of string matches. */
function keyed(list: any[] | undefined, key: (name: string) => string): Record<string, any> | undefined {
  // An entry without a name is refused by the API server's validation: it matches nothing here.
  const named = (list ?? []).filter((h) => typeof h?.name === 'string');
  if (named.length === 0) return undefined;
  return Object.fromEntries(named.map((h) => [key(h.name), (h.type ?? 'Exact') === 'RegularExpression' ? { regex: h.value } : { exact: h.value }]));
}

/** The backendRef kinds Istio resolves: core Services, and Istio's ServiceEntry and Hostname. */
const ISTIO_GROUP = 'networking.istio.io';

/** A backendRef resolved: its host, or why it is invalid (the requests it would take are answered 500). */
export interface ResolvedBackend {
  /** The host the backend names (a Service's FQDN, a ServiceEntry's first host, or a hostname). */
  readonly host: string;
  /** The port, when named. */
  readonly port?: number;
  /** Why the reference is invalid (Gateway API's ResolvedRefs condition false); undefined when it is valid. */
  readonly invalid?: string;
}

/**
 * A backendRef of `route` as Gateway API resolves it: a kind the implementation knows (core Service; Istio's
 * ServiceEntry and Hostname), in the route's namespace or one whose ReferenceGrant lets the route refer to it, and
 * present in the manifests. An invalid reference is answered 500.
 */
export function resolveBackendRef(m: Manifests, route: K8sObject, ref: any): ResolvedBackend {
  const group = ref.group ?? '';
  const kind = ref.kind ?? 'Service';
  const namespace = ref.namespace ?? namespaceOf(route);
  const port: number | undefined = ref.port;
  const label = `${kind} ${namespace}/${ref.name}`;
  if (group === ISTIO_GROUP && kind === 'Hostname') return { host: ref.name, port };
  const host = `${ref.name}.${namespace}.svc.cluster.local`;
  const known = (group === '' && kind === 'Service') || (group === ISTIO_GROUP && kind === 'ServiceEntry');
  if (!known) return { host, port, invalid: `backendRef of unsupported kind ${group ? `${group}/` : ''}${kind} (${ref.name})` };
  // A consumer route (GAMMA) may send to the Service it is attached to without a ReferenceGrant.
  const ownParent = (route.spec?.parentRefs ?? []).some((p: any) => serviceParentHost(route, p) === `${ref.name}.${namespace}.svc.cluster.local`);
  if (namespace !== namespaceOf(route) && !ownParent && !referenceGranted(m, route, namespace, group, kind, ref.name)) {
    return { host, port, invalid: `backendRef ${label} is in another namespace and no ReferenceGrant there lets ${route.kind}s from ${namespaceOf(route)} refer to it` };
  }
  if (kind === 'ServiceEntry') {
    const entry = m.objects.find((o) => o.kind === 'ServiceEntry' && o.metadata?.name === ref.name && namespaceOf(o) === namespace);
    if (!entry) return { host, port, invalid: `backendRef ${label} is not in these manifests` };
    return { host: entry.spec?.hosts?.[0] ?? host, port };
  }
  if (!m.services.has(host) && !m.hostKnown(host) && !isIstioSystemHost(host)) return { host, port, invalid: `backendRef ${label} is not in these manifests` };
  return { host, port };
}

/** True when a ReferenceGrant in `namespace` lets `route` refer to the object of `group`/`kind` named `name` there. */
export function referenceGranted(m: Manifests, route: K8sObject, namespace: string, group: string, kind: string, name: string): boolean {
  return m.objects.some((g) => g.kind === 'ReferenceGrant' && namespaceOf(g) === namespace
    && (g.spec?.from ?? []).some((f: any) => f.kind === route.kind && (f.group ?? '') === 'gateway.networking.k8s.io' && f.namespace === namespaceOf(route))
    && (g.spec?.to ?? []).some((t: any) => (t.group ?? '') === group && t.kind === kind && (t.name === undefined || t.name === '' || t.name === name)));
}

/** Header operations of a RequestHeaderModifier or ResponseHeaderModifier filter, names in lower case. */
export function headerOperations(modifier: any): { set: Record<string, string>; add: Record<string, string>; remove: string[] } {
  const pairs = (list: any[] | undefined) => Object.fromEntries((list ?? []).map((h: any) => [String(h.name).toLowerCase(), String(h.value)]));
  return { set: pairs(modifier?.set), add: pairs(modifier?.add), remove: (modifier?.remove ?? []).map((n: string) => n.toLowerCase()) };
}

/** Headers after the operations: set overwrites, add appends (values joined with `,`), remove drops. */
export function applyHeaderOperations(headers: Readonly<Record<string, string>>, ops: ReturnType<typeof headerOperations>): Record<string, string> {
  const out: Record<string, string> = { ...headers };
  for (const [k, v] of Object.entries(ops.set)) out[k] = v;
  for (const [k, v] of Object.entries(ops.add)) out[k] = out[k] === undefined ? v : `${out[k]},${v}`;
  for (const k of ops.remove) delete out[k];
  return out;
}

/**
 * A path after an HTTPPathModifier: `ReplaceFullPath`, or `ReplacePrefixMatch`, which replaces the matched prefix
 * by whole path elements (`/prefix/one` with prefix `/prefix` and `/` gives `/one`; `/prefix` gives `/`).
 */
export function modifyPath(modifier: any, path: string, prefix: string | undefined): string | undefined {
  if (!modifier) return undefined;
  if (modifier.type === 'ReplaceFullPath' || (modifier.type === undefined && modifier.replaceFullPath !== undefined)) return modifier.replaceFullPath;
  if (modifier.type !== 'ReplacePrefixMatch' && modifier.replacePrefixMatch === undefined) return undefined;
  const matched = (prefix ?? '/').replace(/\/+$/, '');
  const rest = path.slice(matched.length);
  const replacement = String(modifier.replacePrefixMatch ?? '/').replace(/\/+$/, '');
  if (rest === '' || rest === '/') return rest === '/' ? `${replacement}/` : replacement || '/';
  return `${replacement}${rest}`;
}
