/**
 * Kubernetes Gateway API routes read with Gateway API semantics, for explain and the analysis: which HTTPRoutes and
 * GRPCRoutes bind to a Service (GAMMA, in the mesh) or to a Gateway's listeners, and their matches in the order
 * Gateway API takes them (precedence: exact path, longest prefix, method, most headers, most query parameters; then
 * the route's name, then rule and match order), each as an Istio-shaped http route so one matcher serves both APIs.
 */
import { K8sObject, Manifests, namespaceOf } from './manifest';
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

/** The listeners of a Gateway API Gateway that take a request for `host` on `port`. */
export function listenersFor(gateway: K8sObject, host: string, port: number): any[] {
  return (gateway.spec?.listeners ?? []).filter((l: any) => l.port === port && (l.hostname === undefined || hostsIntersect(l.hostname, host)));
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
      && listenersAdmitting(gateway, route, ref).some((l) => listeners.includes(l)));
  });
  return matchesInOrder(routes);
}

/**
 * The listeners of `gateway` that admit `route` through its parentRef `ref`: the section and port it names, a namespace
 * the listener's `allowedRoutes` admit, and (when both have them) hostnames that intersect.
 */
export function listenersAdmitting(gateway: K8sObject, route: K8sObject, ref: any): any[] {
  const hostnames: string[] = route.spec?.hostnames ?? [];
  return (gateway.spec?.listeners ?? []).filter((l: any) => (ref.sectionName === undefined || ref.sectionName === l.name)
    && (ref.port === undefined || ref.port === l.port)
    && admits(l, namespaceOf(gateway), namespaceOf(route))
    && (hostnames.length === 0 || l.hostname === undefined || hostnames.some((h) => hostsIntersect(h, l.hostname))));
}

/** A listener's `allowedRoutes.namespaces`: Same (the default), All, or a selector (read by the namespace name label). */
function admits(listener: any, gatewayNamespace: string, routeNamespace: string): boolean {
  const namespaces = listener.allowedRoutes?.namespaces ?? {};
  switch (namespaces.from ?? 'Same') {
    case 'All': return true;
    case 'Same': return routeNamespace === gatewayNamespace;
    case 'Selector': {
      const labels: Record<string, string> = namespaces.selector?.matchLabels ?? {};
      return Object.entries(labels).every(([k, v]) => k === 'kubernetes.io/metadata.name' && v === routeNamespace);
    }
    default: return false;
  }
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
  if (!list || list.length === 0) return undefined;
  return Object.fromEntries(list.map((h) => [key(h.name), (h.type ?? 'Exact') === 'RegularExpression' ? { regex: h.value } : { exact: h.value }]));
}
