/**
 * Where a request goes, read from manifests with Istio's semantics: which VirtualService binds (gateway or mesh,
 * exact host before the longest wildcard), which rule matches first (conditions ANDed, matches ORed; exact, prefix
 * and RE2 full-match regex), how its weights split (relative, zeros dropped), and what a client would see when a
 * subset, host or pod is missing. With the Gateway API: the most specific listener's routes, allowedRoutes (namespaces
 * by the Namespace objects' labels, kinds), ReferenceGrants and 500 for an invalid backendRef. Beside the destinations
 * it says what the rule does to the request: a redirect's location (scheme, host, port, path), the rewritten path and
 * host, the request headers sent (per backend too), the response header operations and the mirrors (Gateway API
 * filters and Istio's rewrite, headers and mirror alike). Plain functions over plain objects; the `istio-canary
 * explain` command prints them.
 */
import {
  GatewayApiMatch, applyHeaderOperations, gatewayRouteMatches, headerOperations, listenerScheme, listenersFor, meshRouteMatches, modifyPath,
  resolveBackendRef,
} from './gateway-api';
import {
  K8sObject, Manifests, Workload, bindsToMesh, formatLabels, isIstioSystemHost, namespaceOf, resolveGateway, resolveHost, routeShares,
} from './manifest';
import { hostsIntersect, parseServerHost } from '../model/hosts';
import { stringMatchAccepts } from '../model/match';

/** A request to explain. */
export interface TrafficRequest {
  /** Host as the client names it (`reviews`, `reviews.shop`, `bookinfo.example.com`). */
  readonly host: string;
  /** Path, with an optional query string. @default / */
  readonly path?: string;
  /**
   * Request headers, by lower-case name.
   * @default none
   */
  readonly headers?: Readonly<Record<string, string>>;
  /** HTTP method. @default GET */
  readonly method?: string;
  /**
   * Port the request is sent to.
   * @default 80 at a gateway; in the mesh unset, so a rule matching a port is taken as matching (and a note says so)
   */
  readonly port?: number;
  /**
   * Arriving at this Gateway (`<namespace>/<name>`).
   * @default none: the request comes from a sidecar in the mesh
   */
  readonly gateway?: string;
  /** In the mesh: the caller's namespace and pod labels. @default namespace default, no labels */
  readonly from?: {
    /** The caller's namespace. */
    readonly namespace: string;
    /** The caller's pod labels. @default none */
    readonly labels?: Readonly<Record<string, string>>;
  };
}

/** One place the request may go. */
export interface TrafficDestination {
  /** Fully qualified host. */
  readonly host: string;
  /** Subset, if the route names one. */
  readonly subset?: string;
  /** Port, if the route names one. */
  readonly port?: number;
  /** Share of the matching requests, 0 to 1. */
  readonly probability: number;
  /** The workloads that serve it (pods selected by the Service and the subset's labels). */
  readonly workloads: readonly ServingWorkload[];
  /** What a client sees when it cannot be served (`503 NC: ...`); undefined when it can. */
  readonly failure?: string;
  /** The request headers as this destination receives them, when its own backendRef filters modify them. */
  readonly requestHeaders?: Record<string, string>;
  /**
   * What this destination alone does to the response headers (Istio's per-destination `headers.response`, a
   * backendRef's ResponseHeaderModifier), e.g. a sticky canary's `set-cookie` naming the version.
   */
  readonly responseHeaders?: HeaderChanges;
}

/** Retries of the matched route. */
export interface RouteRetries {
  /** Retries after the first try (Istio's `attempts`, Gateway API's `retry.attempts`). */
  readonly attempts?: number;
  /** Timeout of each try, e.g. `1s` (Istio's `perTryTimeout`, Gateway API's `timeouts.backendRequest`). */
  readonly perTryTimeout?: string;
  /** When to retry (Istio's `retryOn`, Gateway API's `retry.codes`), comma-separated. */
  readonly retryOn?: string;
}

/** Where a request carrying one cookie goes: one of the cases a sticky route's `Set-Cookie` creates. */
export interface CookieCase {
  /** The cookie as a client sends it back, `name=value`. */
  readonly cookie: string;
  /** The route that takes the request with the cookie. */
  readonly rule?: TrafficExplanation['rule'];
  /** `routed`, or the failure the client sees. */
  readonly outcome: string;
  /** The destinations with their probabilities. */
  readonly destinations: TrafficDestination[];
}

/** A redirect's location. */
export interface RedirectLocation {
  /** The status code (301, 302, ...). */
  readonly statusCode: number;
  /** `http` or `https`. */
  readonly scheme: string;
  /** The host. */
  readonly host: string;
  /** The port, when the location names one (none for the scheme's well-known port). */
  readonly port?: number;
  /** The path (the query string is kept apart). */
  readonly path: string;
}

/** Header modifications (Gateway API RequestHeaderModifier / ResponseHeaderModifier, Istio headers). */
export interface HeaderChanges {
  /** Headers set (overwriting), by lower-case name. */
  readonly set?: Record<string, string>;
  /** Headers added (appended to any value present), by lower-case name. */
  readonly add?: Record<string, string>;
  /** Headers removed, lower-case names. */
  readonly remove?: string[];
}

/** A mirror of the request. */
export interface MirroredTo {
  /** Fully qualified host. */
  readonly host: string;
  /** Port, if named. */
  readonly port?: number;
  /** Share of the requests mirrored, 0 to 100. @default 100 */
  readonly percent?: number;
}

/** A workload serving a destination. */
export interface ServingWorkload {
  /** The workload's name (a Deployment's, say). */
  readonly name: string;
  /** Its replicas. */
  readonly replicas: number;
  /** The images of its pod template. */
  readonly images: string[];
  /** The labels of its pods. */
  readonly labels: Record<string, string>;
}

/** Where a request goes, and why. */
export interface TrafficExplanation {
  /** The request as understood (host resolved). */
  readonly request: {
    /** The fully qualified host. */
    host: string;
    /** The path, with the query string. */
    path: string;
    /** The HTTP method. */
    method: string;
    /** The port, when known. */
    port?: number;
    /** The headers, by lower-case name. */
    headers: Record<string, string>;
    /** Where the request comes from: a gateway, or the mesh with the caller's namespace and labels. */
    from: string;
  };
  /** `<namespace>/<name>` of the VirtualService that binds, if any. */
  readonly virtualService?: string;
  /** With the Gateway API: `HTTPRoute <namespace>/<name>` (or GRPCRoute) of the rule that matched, if any. */
  readonly route?: string;
  /** The route that matched: index, name, and the conditions that held. */
  readonly rule?: {
    /** Position of the route in the VirtualService (of the rule in its HTTPRoute), counting from 1 (as `report` numbers them). */
    readonly index: number;
    /** The route's name, if it has one. */
    readonly name?: string;
    /** The conditions that held, in words. */
    readonly matched: string[];
  };
  /** `routed`, or the failure the client sees, e.g. `404 NR`. */
  readonly outcome: string;
  /** Why the outcome, in words. */
  readonly reason: string;
  /** The destinations with their probabilities. */
  readonly destinations: TrafficDestination[];
  /** A redirect or direct response instead of forwarding. */
  readonly response?: string;
  /** For a redirect: where to, as the Location header says it, and the status. */
  readonly redirect?: RedirectLocation;
  /** The path the backend sees when a rule rewrites it (Gateway API URLRewrite, Istio rewrite.uri). */
  readonly rewrittenPath?: string;
  /** The Host (authority) the backend sees when a rule rewrites it. */
  readonly rewrittenHost?: string;
  /** The request headers as forwarded, when a rule modifies them (by lower-case name; added values joined with `,`). */
  readonly requestHeaders?: Record<string, string>;
  /** What a rule does to the backend's response headers (names in lower case). */
  readonly responseHeaders?: HeaderChanges;
  /** Where copies of the request go (Gateway API RequestMirror, Istio mirror), their answers ignored. */
  readonly mirrors?: MirroredTo[];
  /** The matched route's request timeout, as written (`2s`); undefined when it sets none (Istio's default: none). */
  readonly timeout?: string;
  /** The matched route's retries; undefined when it sets none (Istio's default: 2 attempts on connection failures). */
  readonly retries?: RouteRetries;
  /**
   * The cookies the responses set (`Set-Cookie`, a sticky canary's), each with where a request carrying it goes: with
   * the request's own outcome, the cases a sticky service has (no cookie, and each cookie value).
   */
  readonly cookies?: CookieCase[];
  /** Where our reading of Istio is uncertain or the manifests are incomplete. */
  readonly notes: string[];
}

/**
 * Explains where `request` goes in the mesh described by `objects`; when the responses set cookies, also where the
 * request goes carrying each of them.
 */
export function explain(objects: readonly K8sObject[], request: TrafficRequest): TrafficExplanation {
  const first = explainOnce(objects, request);
  const sent = cookiesOf(first.request.headers.cookie);
  const cases = setCookies(first).filter(([name, value]) => sent.get(name) !== value).map(([name, value]): CookieCase => {
    const cookies = new Map(sent).set(name, value);
    const cookie = [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const e = explainOnce(objects, { ...request, headers: { ...first.request.headers, cookie } });
    return { cookie: `${name}=${value}`, rule: e.rule, outcome: e.outcome, destinations: e.destinations };
  });
  return cases.length > 0 ? { ...first, cookies: cases } : first;
}

/** The cookies of a `cookie` header, by name (the first of a name, as servers read it). */
function cookiesOf(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    const name = part.slice(0, eq).trim();
    if (eq > 0 && !cookies.has(name)) cookies.set(name, part.slice(eq + 1).trim());
  }
  return cookies;
}

/** `[name, value]` of each `Set-Cookie` the route or its destinations put on the response, each once, in order. */
function setCookies(e: TrafficExplanation): Array<[string, string]> {
  const values = [e.responseHeaders, ...e.destinations.map((d) => d.responseHeaders)].flatMap((ops) =>
    Object.entries({ ...ops?.set, ...ops?.add }).filter(([k]) => k === 'set-cookie').map(([, v]) => v));
  const pairs = values.map((v) => v.split(';')[0]).filter((nv) => nv.indexOf('=') > 0)
    .map((nv): [string, string] => [nv.slice(0, nv.indexOf('=')).trim(), nv.slice(nv.indexOf('=') + 1).trim()]);
  return pairs.filter(([k, v], i) => pairs.findIndex(([k2, v2]) => k2 === k && v2 === v) === i);
}

function explainOnce(objects: readonly K8sObject[], request: TrafficRequest): TrafficExplanation {
  const m = new Manifests(objects);
  const notes: string[] = [...m.notes];
  const callerNamespace = request.from?.namespace ?? 'default';
  const host = request.gateway ? request.host : callerHost(m, request.host, callerNamespace);
  const [pathOnly, query] = splitPath(request.path ?? '/');
  const headers = Object.fromEntries(Object.entries(request.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  const method = (request.method ?? 'GET').toUpperCase();
  const from = request.gateway ? `gateway ${request.gateway}` : `mesh (namespace ${callerNamespace}${request.from?.labels ? `, labels ${formatLabels(request.from.labels)}` : ''})`;
  const port = request.port ?? (request.gateway ? 80 : undefined);
  const understood = { host, path: request.path ?? '/', method, port, headers, from };
  const result = (outcome: string, reason: string, extra: Partial<TrafficExplanation> = {}): TrafficExplanation =>
    ({ request: understood, outcome, reason, destinations: [], notes, ...extra });

  const context: MatchContext = {
    host,
    path: pathOnly,
    rawPath: request.path ?? '/',
    query,
    headers,
    method,
    port,
    scheme: 'http',
    gateway: request.gateway,
    from: request.from,
    notes,
    vsNamespace: callerNamespace,
  };

  let scheme = 'http';
  // A Gateway API Gateway, or Service routes of the Gateway API (HTTPRoute, GRPCRoute) in the mesh.
  const gatewayApiGateway = request.gateway ? m.gatewayApiGateways.get(request.gateway) : undefined;
  if (gatewayApiGateway) {
    const listeners = listenersFor(gatewayApiGateway, host, port!);
    if (listeners.length === 0) return result('404 NR', `gateway ${request.gateway} has no listener for host ${host} on port ${port}`);
    const matches = gatewayRouteMatches(m, gatewayApiGateway, listeners, host);
    const names = listeners.map((l) => l.name).join(', ');
    if (matches.length === 0) return result('404 NR', `no HTTPRoute attached to listener ${names} of gateway ${request.gateway} has host ${host}`);
    return explainGatewayApi(m, matches, { ...context, scheme: listenerScheme(listeners[0]) }, result);
  }
  if (request.gateway) {
    const gateway = m.gateways.get(request.gateway);
    if (!gateway) {
      notes.push(`gateway ${request.gateway} is not in these manifests; its hosts were not checked`);
    } else {
      const server = (gateway.spec?.servers ?? []).find((s: any) => s.port?.number === port
        && (s.hosts ?? []).some((h: string) => hostsIntersect(parseServerHost(h).host, host)));
      if (!server) return result('404 NR', `gateway ${request.gateway} has no server for host ${host} on port ${port}`);
      if (server.port?.protocol === 'HTTPS') scheme = 'https';
      // Envoy answers before any route: the virtual host requires TLS (pilot/pkg/networking/core/gateway.go).
      if (server.tls?.httpsRedirect) {
        return result('redirect', `the server of gateway ${request.gateway} for ${host} on port ${port} redirects to HTTPS (tls.httpsRedirect)`, {
          response: `301 to https://${host}${request.path ?? '/'}`,
        });
      }
    }
  }

  const bound = m.virtualServices.filter((vs) => (request.gateway
    ? (vs.spec?.gateways ?? []).some((g: string) => g !== 'mesh' && resolveGateway(g, namespaceOf(vs)) === request.gateway)
    : bindsToMesh(vs.spec?.gateways)));
  const vs = pickVirtualService(bound, host, !request.gateway, notes);
  if (!request.gateway) {
    const meshMatches = meshRouteMatches(m, host, port, callerNamespace);
    if (meshMatches.length > 0 && vs) {
      notes.push(`both a VirtualService and Gateway API routes claim ${host}: Istio's behaviour is undefined; explained with the VirtualService`);
    } else if (meshMatches.length > 0) {
      return explainGatewayApi(m, meshMatches, context, result);
    }
  }
  if (!vs) {
    const generatedAtGateway = request.gateway ? m.generatedHosts.get(resolveHost(host, 'default')) ?? m.generatedHosts.get(host) : undefined;
    if (generatedAtGateway && (generatedAtGateway.object.spec?.service?.gateways ?? [])
      .some((g: unknown) => typeof g === 'string' && resolveGateway(g, namespaceOf(generatedAtGateway.object)) === request.gateway)) {
      return result('routed', `host ${host} is routed by ${generatedAtGateway.owner} (${generatedAtGateway.versions})`, {
        notes: [...notes, 'the controller writes the routes and weights at run time; these manifests hold none of them'],
      });
    }
    if (request.gateway) return result('404 NR', `no VirtualService bound to gateway ${request.gateway} has host ${host}`);
    const service = m.services.get(host);
    const generated = m.generatedHosts.get(host) ?? m.generatedHosts.get(request.host);
    if (!service && generated) {
      return result('routed', `host ${host} is routed by ${generated.owner} (${generated.versions})`, {
        notes: [...notes, 'the controller writes the routes and weights at run time; these manifests hold none of them'],
      });
    }
    if (!service) {
      return result('unknown', `no VirtualService and no Service for ${host} in these manifests`, {
        notes: [...notes, 'the host may exist in the cluster or outside it; nothing here says where it goes'],
      });
    }
    return result('routed', `no VirtualService for ${host}: Istio balances across all pods of the Service`, {
      destinations: [destination(m, { host }, 1, namespaceOf(service), notes)],
    });
  }
  const vsName = `${namespaceOf(vs)}/${vs.metadata?.name}`;
  const manager = m.managerOf(vs);
  if (manager) notes.push(`VirtualService ${vsName} is managed by ${manager}: the weights here are the manifest's; it moves them at run time`);
  const routes: any[] = vs.spec?.http ?? [];
  if (routes.length === 0) {
    notes.push(`VirtualService ${vsName} has no http routes (tcp/tls routes are not explained)`);
    return result('404 NR', `VirtualService ${vsName} has no http route`, { virtualService: vsName });
  }
  const vsContext = { ...context, scheme, vsNamespace: namespaceOf(vs) };
  for (const [position, route] of routes.entries()) {
    let held: any;
    const matched = matchRoute(route.match, vsContext, (match) => { held = match; });
    if (!matched) continue;
    // Routes count from 1, as the report and the diff number them.
    const index = position + 1;
    return routeOutcome(m, route, { index, name: route.name, matched }, `route ${index}${route.name ? ` "${route.name}"` : ''} of VirtualService ${vsName}`,
      namespaceOf(vs), { ...vsContext, uriPrefix: held?.uri?.prefix }, result, { virtualService: vsName });
  }
  return result('404 NR', `no route of VirtualService ${vsName} matches the request`, { virtualService: vsName });
}

/**
 * The host a caller in the mesh reaches: its namespace's Service for a short name, and, as the pod's DNS search path
 * (`<ns>.svc.cluster.local`, `svc.cluster.local`, `cluster.local`) does, `name.ns` or `name.ns.svc` for a Service of
 * these manifests.
 */
function callerHost(m: Manifests, host: string, namespace: string): string {
  const resolved = resolveHost(host, namespace);
  if (m.services.has(resolved) || host.startsWith('*')) return resolved;
  const searched = [`${host}.${namespace}.svc.cluster.local`, `${host}.svc.cluster.local`, `${host}.cluster.local`]
    .find((h) => m.services.has(h) || m.generatedHosts.has(h));
  return searched ?? resolved;
}

type ResultOf = (outcome: string, reason: string, extra?: Partial<TrafficExplanation>) => TrafficExplanation;

/** The first Gateway API match (in precedence order) that holds, and where its rule sends the request. */
function explainGatewayApi(m: Manifests, matches: readonly GatewayApiMatch[], context: MatchContext, result: ResultOf): TrafficExplanation {
  for (const candidate of matches) {
    const matched = matchRoute(candidate.http.match, context);
    if (!matched) continue;
    return gatewayApiOutcome(m, candidate, matched, context, result);
  }
  const sources = [...new Set(matches.map((x) => x.source))];
  return result('404 NR', `no rule of ${sources.join(', ')} matches the request`, { route: sources[0] });
}

/**
 * What a matched Gateway API rule does, with its filters: a RequestRedirect (status and location), or its backendRefs
 * by weight (an invalid one answered 500), with URLRewrite, request and response header modifiers (the rule's and each
 * backendRef's) and RequestMirrors.
 */
function gatewayApiOutcome(m: Manifests, candidate: GatewayApiMatch, matched: string[], c: MatchContext, result: ResultOf): TrafficExplanation {
  const { rule: spec, route, ruleIndex, source, namespace, pathPrefix } = candidate;
  const rule = { index: ruleIndex, name: spec.name, matched };
  const where = `rule ${ruleIndex}${spec.name ? ` "${spec.name}"` : ''} of ${source}`;
  const filters: any[] = spec.filters ?? [];
  const ofType = (type: string) => filters.filter((f) => f?.type === type);
  const redirect = ofType('RequestRedirect')[0]?.requestRedirect;
  if (redirect) {
    const scheme = redirect.scheme ?? c.scheme;
    const wellKnown = scheme === 'https' ? 443 : 80;
    const port = redirect.port ?? (redirect.scheme ? undefined : c.port);
    const location: RedirectLocation = {
      statusCode: redirect.statusCode ?? 302,
      scheme,
      host: redirect.hostname ?? c.host,
      port: port === wellKnown ? undefined : port,
      path: modifyPath(redirect.path, c.path, pathPrefix) ?? c.path,
    };
    const url = `${location.scheme}://${location.host}${location.port !== undefined ? `:${location.port}` : ''}${location.path}`;
    return result('redirect', `${where} answers with a redirect`, { route: source, rule, redirect: location, response: `${location.statusCode} to ${url}` });
  }
  const effects: Partial<Writable<TrafficExplanation>> = {};
  let headers = c.headers;
  for (const f of ofType('RequestHeaderModifier')) headers = applyHeaderOperations(headers, headerOperations(f.requestHeaderModifier));
  if (headers !== c.headers) effects.requestHeaders = headers;
  const response = ofType('ResponseHeaderModifier').map((f) => headerOperations(f.responseHeaderModifier));
  if (response.length > 0) effects.responseHeaders = mergeChanges(response);
  if (spec.timeouts?.request !== undefined) effects.timeout = String(spec.timeouts.request);
  if (spec.retry || spec.timeouts?.backendRequest !== undefined) {
    effects.retries = dropEmpty({
      attempts: spec.retry ? spec.retry.attempts ?? 2 : undefined, // Istio's default when retry names no attempts
      perTryTimeout: spec.timeouts?.backendRequest !== undefined ? String(spec.timeouts.backendRequest) : undefined,
      retryOn: Array.isArray(spec.retry?.codes) && spec.retry.codes.length > 0 ? spec.retry.codes.join(',') : undefined,
    });
  }
  const rewrite = ofType('URLRewrite')[0]?.urlRewrite;
  if (rewrite?.hostname) effects.rewrittenHost = rewrite.hostname;
  const rewrittenPath = modifyPath(rewrite?.path, c.path, pathPrefix);
  if (rewrittenPath !== undefined) effects.rewrittenPath = rewrittenPath + c.rawPath.slice(c.path.length);
  const mirrors = ofType('RequestMirror').map((f) => {
    const mirror = f.requestMirror ?? {};
    const target = resolveBackendRef(m, route, mirror.backendRef ?? {});
    const fraction = mirror.fraction ? (mirror.fraction.numerator / (mirror.fraction.denominator ?? 100)) * 100 : undefined;
    return { host: target.host, port: target.port, percent: mirror.percent ?? fraction ?? 100 };
  });
  if (mirrors.length > 0) effects.mirrors = mirrors;
  const extra = { route: source, rule, ...effects };
  const refs: any[] = (spec.backendRefs ?? []).filter((b: any) => (b.weight ?? 1) > 0);
  if (refs.length === 0) {
    const reason = (spec.backendRefs ?? []).length === 0 ? 'has no backendRefs' : 'gives every backendRef weight 0';
    return result('500', `${where} matches and ${reason}: Gateway API answers 500`, extra);
  }
  const total = refs.reduce((sum, b) => sum + (b.weight ?? 1), 0);
  const destinations = refs.map((b): TrafficDestination => {
    const share = (b.weight ?? 1) / total;
    const target = resolveBackendRef(m, route, b);
    let own: Record<string, string> | undefined;
    for (const f of (b.filters ?? []).filter((x: any) => x?.type === 'RequestHeaderModifier')) {
      own = applyHeaderOperations(own ?? headers, headerOperations(f.requestHeaderModifier));
    }
    const responseOps = (b.filters ?? []).filter((x: any) => x?.type === 'ResponseHeaderModifier').map((f: any) => headerOperations(f.responseHeaderModifier));
    const ownResponse = responseOps.length > 0 ? mergeChanges(responseOps) : undefined;
    if (target.invalid) {
      return dropEmpty({ host: target.host, port: target.port, probability: share, workloads: [], failure: `500: ${target.invalid}`, requestHeaders: own, responseHeaders: ownResponse });
    }
    const port = target.port !== undefined ? { number: target.port } : undefined;
    const served = destination(m, { host: target.host, port }, share, namespace, c.notes);
    return dropEmpty({ ...served, requestHeaders: own, responseHeaders: ownResponse });
  });
  return result(outcomeOf(destinations), `${where} is the first that matches in Gateway API's precedence order`, { ...extra, destinations });
}

/** `routed` when every destination serves, the failure's code (`503 NC`) when none does, else `partly failing`. */
function outcomeOf(destinations: ReadonlyArray<{ readonly failure?: string }>): string {
  const failing = destinations.filter((d) => d.failure);
  if (failing.length === 0) return 'routed';
  return failing.length === destinations.length ? failing[0].failure!.split(':')[0] : 'partly failing';
}

type Writable<T> = { -readonly [K in keyof T]: T[K] };

/** Several header modifications as one: set and add by name (later wins), removals of all. */
function mergeChanges(changes: readonly HeaderChanges[]): HeaderChanges {
  return {
    set: Object.assign({}, ...changes.map((r) => r.set)),
    add: Object.assign({}, ...changes.map((r) => r.add)),
    remove: changes.flatMap((r) => r.remove ?? []),
  };
}

/** The object without its undefined fields (so `--json` and deep equality see only what is there). */
function dropEmpty<T extends object>(obj: T): T {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as T;
}

/** What a matched route does: a redirect, a direct response, or its destinations with their shares. */
function routeOutcome(m: Manifests, route: any, rule: NonNullable<TrafficExplanation['rule']>, where: string, namespace: string,
  context: MatchContext, result: ResultOf, source: Partial<TrafficExplanation>, order = ''): TrafficExplanation {
  const { notes, path: pathOnly } = context;
  if (route.redirect) {
    const r = route.redirect;
    const scheme = r.scheme ?? context.scheme;
    const port = r.port ?? (r.derivePort === 'FROM_REQUEST_PORT' ? context.port : undefined);
    const redirect: RedirectLocation = {
      statusCode: r.redirectCode ?? 301,
      scheme,
      host: r.authority ?? context.host,
      port: port === (scheme === 'https' ? 443 : 80) ? undefined : port,
      path: r.uri ?? pathOnly,
    };
    return result('redirect', `${where} answers with a redirect`, {
      ...source, rule, redirect, response: `${r.redirectCode ?? 301} to ${r.uri ?? pathOnly}${r.authority ? ` at ${r.authority}` : ''}`,
    });
  }
  if (route.directResponse) {
    return result(`${route.directResponse.status}`, `${where} answers directly`, { ...source, rule, response: `status ${route.directResponse.status}` });
  }
  const abort = route.fault?.abort;
  if (abort) notes.push(`fault injection: ${abort.percentage?.value ?? 100}% of these requests are answered with ${abort.httpStatus ?? `gRPC ${abort.grpcStatus}`}`);
  const delay = route.fault?.delay;
  if (delay) notes.push(`fault injection: ${delay.percentage?.value ?? 100}% of these requests are delayed by ${delay.fixedDelay}`);
  const effects = istioEffects(route, namespace, context);
  const forwarded = effects.requestHeaders ?? context.headers;
  const destinations = routeShares(route).map((d) => {
    const headers = d.destination && (route.route ?? []).find((r: any) => r.destination === d.destination)?.headers;
    const own = headers?.request;
    const base = destination(m, d.destination, d.share, namespace, notes);
    return dropEmpty({
      ...base,
      requestHeaders: own ? applyHeaderOperations(forwarded, istioHeaderOperations(own)) : undefined,
      responseHeaders: headers?.response ? istioHeaderOperations(headers.response) : undefined,
    });
  });
  return result(outcomeOf(destinations), `${where} is the first that matches${order}`, { ...source, rule, destinations, ...effects });
}

/** Istio's header operations (`set`, `add`, `remove`) with names in lower case. */
function istioHeaderOperations(ops: any): { set: Record<string, string>; add: Record<string, string>; remove: string[] } {
  const lower = (o: Record<string, string> | undefined) => Object.fromEntries(Object.entries(o ?? {}).map(([k, v]) => [k.toLowerCase(), String(v)]));
  return { set: lower(ops?.set), add: lower(ops?.add), remove: (ops?.remove ?? []).map((k: string) => k.toLowerCase()) };
}

/**
 * What an Istio http route does to the request on its way: `rewrite` (uri replaces the matched prefix, or the whole path;
 * authority), `headers.request` and `headers.response`, and its mirrors (`mirror` with `mirrorPercentage`, `mirrors`).
 */
function istioEffects(route: any, namespace: string, c: MatchContext): Partial<TrafficExplanation> {
  const effects: Partial<Writable<TrafficExplanation>> = {};
  const uri = route.rewrite?.uri;
  if (uri !== undefined) {
    const rest = c.uriPrefix !== undefined && c.path.startsWith(c.uriPrefix) ? c.path.slice(c.uriPrefix.length) : '';
    effects.rewrittenPath = `${uri}${rest}` + c.rawPath.slice(c.path.length);
  }
  if (route.rewrite?.authority) effects.rewrittenHost = route.rewrite.authority;
  if (route.headers?.request) effects.requestHeaders = applyHeaderOperations(c.headers, istioHeaderOperations(route.headers.request));
  if (route.headers?.response) effects.responseHeaders = istioHeaderOperations(route.headers.response);
  if (route.timeout !== undefined) effects.timeout = String(route.timeout);
  if (route.retries && typeof route.retries === 'object') {
    effects.retries = dropEmpty({
      attempts: typeof route.retries.attempts === 'number' ? route.retries.attempts : undefined,
      perTryTimeout: route.retries.perTryTimeout !== undefined ? String(route.retries.perTryTimeout) : undefined,
      retryOn: route.retries.retryOn !== undefined ? String(route.retries.retryOn) : undefined,
    });
  }
  const mirrors: MirroredTo[] = [];
  if (route.mirror?.host) {
    mirrors.push({ host: resolveHost(route.mirror.host, namespace), port: route.mirror.port?.number, percent: route.mirrorPercentage?.value ?? 100 });
  }
  for (const mirror of route.mirrors ?? []) {
    if (mirror?.destination?.host) {
      const { host, port } = mirror.destination;
      mirrors.push({ host: resolveHost(host, namespace), port: port?.number, percent: mirror.percentage?.value ?? 100 });
    }
  }
  if (mirrors.length > 0) effects.mirrors = mirrors;
  return effects;
}

/** Istio's choice among VirtualServices: an exact host first, then the longest (most specific) wildcard. */
function pickVirtualService(candidates: K8sObject[], host: string, mesh: boolean, notes: string[]): K8sObject | undefined {
  const hostsOf = (vs: K8sObject): string[] => (vs.spec?.hosts ?? []).map((h: string) => (mesh ? resolveHost(h, namespaceOf(vs)) : h));
  const exact = candidates.filter((vs) => hostsOf(vs).includes(host));
  if (exact.length > 1) notes.push(`${exact.length} VirtualServices claim ${host} (IST0109); Istio uses one of them, here the first`);
  if (exact.length > 0) return exact[0];
  const wildcard = candidates.flatMap((vs) => hostsOf(vs).filter((h) => h.startsWith('*') && hostsIntersect(h, host)).map((h) => ({ vs, h })))
    .sort((a, b) => b.h.length - a.h.length);
  return wildcard[0]?.vs;
}

interface MatchContext {
  /** The host as the client names it (resolved in the mesh). */
  readonly host: string;
  readonly path: string;
  /** The path with its query string, as sent. */
  readonly rawPath: string;
  /** `http` or `https`: the listener's protocol at a Gateway API gateway. */
  readonly scheme: string;
  readonly query: Record<string, string>;
  readonly headers: Record<string, string>;
  readonly method: string;
  readonly port?: number;
  readonly gateway?: string;
  readonly from?: TrafficRequest['from'];
  readonly notes: string[];
  /** Namespace of the VirtualService, against which its gateway names resolve. */
  readonly vsNamespace: string;
  /** The `uri.prefix` of the VirtualService match that held, which `rewrite.uri` replaces. */
  readonly uriPrefix?: string;
}

/** The conditions of the first match that holds (matches ORed), or undefined. A route without matches matches all. */
function matchRoute(matches: any[] | undefined, c: MatchContext, onMatch?: (match: any) => void): string[] | undefined {
  if (!matches || matches.length === 0) return ['no condition (matches every request)'];
  for (const match of matches) {
    const held = matchOne(match ?? {}, c);
    if (held) {
      onMatch?.(match);
      return held.length > 0 ? held : ['no condition (matches every request)'];
    }
  }
  return undefined;
}

/** The conditions of one match if all hold (ANDed), else undefined. */
function matchOne(match: Record<string, any>, c: MatchContext): string[] | undefined {
  const held: string[] = [];
  const check = (what: string, ok: boolean) => {
    if (ok) held.push(what);
    return ok;
  };
  for (const [field, value] of Object.entries(match)) {
    switch (field) {
      case 'name':
        break;
      case 'uri':
        if (!check(`uri ${describe(value)}`, stringMatches(value, c.path, match.ignoreUriCase === true))) return undefined;
        break;
      case 'ignoreUriCase':
        break;
      case 'method':
        if (!check(`method ${describe(value)}`, stringMatches(value, c.method))) return undefined;
        break;
      case 'headers':
        for (const [name, sm] of Object.entries<any>(value)) {
          const actual = c.headers[name.toLowerCase()];
          const ok = actual !== undefined && (Object.keys(sm ?? {}).length === 0 || stringMatches(sm, actual));
          if (!check(`header ${name} ${Object.keys(sm ?? {}).length === 0 ? 'present' : describe(sm)}`, ok)) return undefined;
        }
        break;
      case 'withoutHeaders':
        for (const [name, sm] of Object.entries<any>(value)) {
          const actual = c.headers[name.toLowerCase()];
          const present = actual !== undefined && (Object.keys(sm ?? {}).length === 0 || stringMatches(sm, actual));
          if (!check(`without header ${name}`, !present)) return undefined;
        }
        break;
      case 'queryParams':
        for (const [name, sm] of Object.entries<any>(value)) {
          const actual = c.query[name];
          if (!check(`query ${name} ${describe(sm)}`, actual !== undefined && stringMatches(sm, actual))) return undefined;
        }
        break;
      case 'sourceLabels':
        if (c.gateway) return undefined; // source labels never match at a gateway
        if (!check(`caller labels ${formatLabels(value)}`, Object.entries<string>(value).every(([k, v]) => c.from?.labels?.[k] === v))) return undefined;
        break;
      case 'sourceNamespace':
        if (c.gateway) return undefined;
        if (!check(`caller namespace ${value}`, (c.from?.namespace ?? 'default') === value)) return undefined;
        break;
      case 'port':
        if (c.port === undefined) c.notes.push(`a rule matches port ${value}; the request's port was not given (--port), so it was taken as matching`);
        if (!check(`port ${value}`, c.port === undefined || c.port === value)) return undefined;
        break;
      case 'gateways': {
        const here = c.gateway ?? 'mesh';
        const via = (value as string[]).some((g) => (g === 'mesh' ? here === 'mesh' : resolveGateway(g, c.vsNamespace) === here));
        if (!check(`arrives via ${here}`, via)) return undefined;
        break;
      }
      default:
        c.notes.push(`match field ${field} is not evaluated here; the rule was taken as matching it`);
    }
  }
  return held;
}

/** Istio's StringMatch (exact, prefix, RE2 full match); `ignoreUriCase` applies to exact and prefix only. */
function stringMatches(sm: any, actual: string, ignoreCase = false): boolean {
  if (ignoreCase && sm?.regex === undefined) {
    const lower = Object.fromEntries(Object.entries(sm ?? {}).map(([k, v]) => [k, String(v).toLowerCase()]));
    return stringMatchAccepts(lower, actual.toLowerCase());
  }
  return stringMatchAccepts(sm ?? {}, actual);
}

function describe(sm: any): string {
  if (sm?.exact !== undefined) return `= ${JSON.stringify(sm.exact)}`;
  if (sm?.prefix !== undefined) return `starts with ${JSON.stringify(sm.prefix)}`;
  if (sm?.regex !== undefined) return `matches /${sm.regex}/`;
  return 'present';
}

/** One destination: its workloads, or why it fails. */
type RouteTarget = { host: string; subset?: string; port?: { number?: number } };

function destination(m: Manifests, d: RouteTarget, probability: number, namespace: string, notes: string[]): TrafficDestination {
  const host = resolveHost(d.host, namespace);
  const base = { host, subset: d.subset, port: d.port?.number, probability };
  const service = m.services.get(host);
  if (!service) {
    if (m.serviceEntriesFor(host).length > 0) return { ...base, workloads: [] };
    // Istio's own Services (the ingress and egress gateways, istiod) are present in every mesh, as the analysis takes them.
    if (isIstioSystemHost(host)) {
      notes.push(`${host} is taken as present: Istio's own Services live in istio-system, outside these manifests`);
      return { ...base, workloads: [] };
    }
    return { ...base, workloads: [], failure: `unknown: ${host} is no Service or ServiceEntry in these manifests` };
  }
  let selector: Record<string, string> = { ...service.spec?.selector };
  if (d.subset !== undefined) {
    const rules = m.destinationRulesFor(host);
    const subset = rules.flatMap((r) => r.spec?.subsets ?? []).find((s: any) => s.name === d.subset);
    if (!subset) {
      return { ...base, workloads: [], failure: `503 NC: subset ${d.subset} of ${host} is defined by no DestinationRule here (no cluster for it)` };
    }
    selector = { ...selector, ...subset.labels };
  }
  const workloads = m.workloadsSelecting(namespaceOf(service), selector).map((w) => ({
    name: w.object.metadata?.name ?? '', replicas: replicasOf(w), images: imagesOf(w), labels: { ...w.podLabels },
  }));
  if (workloads.length === 0 && m.workloadsSelecting(namespaceOf(service), { ...service.spec?.selector }).length === 0) {
    // No pod of the Service is in these manifests (deployed by other means, as TrafficSplit backends are): the request
    // reaches the Service; whether pods answer is the cluster's to say.
    notes.push(`the pods of Service ${namespaceOf(service)}/${service.metadata?.name} are not in these manifests; explained as routed to the Service`);
    return { ...base, workloads };
  }
  if (workloads.length === 0) return { ...base, workloads, failure: `503 UH: no pods carry ${formatLabels(selector)} (no healthy upstream)` };
  if (workloads.every((w) => w.replicas === 0)) return { ...base, workloads, failure: `503 UH: ${workloads.map((w) => w.name).join(', ')} scaled to 0 replicas` };
  return { ...base, workloads };
}

function replicasOf(w: Workload): number {
  return w.replicas ?? 1;
}

function imagesOf(w: Workload): string[] {
  return (w.object.spec?.template?.spec?.containers ?? []).map((c: any) => c.image).filter(Boolean);
}

function splitPath(path: string): [string, Record<string, string>] {
  const [p, q] = path.split('?', 2);
  const query: Record<string, string> = {};
  for (const pair of (q ?? '').split('&').filter(Boolean)) {
    const [k, v] = pair.split('=', 2);
    query[decodeURIComponent(k)] = decodeURIComponent(v ?? '');
  }
  return [p || '/', query];
}

/** The explanation as text for a terminal. */
export function formatExplanation(e: TrafficExplanation): string {
  const lines = [
    `request: ${e.request.method} ${e.request.host}${e.request.path}${e.request.port ? ` port ${e.request.port}` : ''} from ${e.request.from}`
      + (Object.keys(e.request.headers).length ? ` with ${Object.entries(e.request.headers).map(([k, v]) => `${k}: ${v}`).join(', ')}` : ''),
  ];
  if (e.virtualService) lines.push(`virtual service: ${e.virtualService}`);
  if (e.route) lines.push(`route: ${e.route}`);
  if (e.rule) lines.push(`rule: ${e.rule.index}${e.rule.name ? ` "${e.rule.name}"` : ''}, because ${e.rule.matched.join(' and ')}`);
  lines.push(`outcome: ${e.outcome} (${e.reason})`);
  if (e.response) lines.push(`response: ${e.response}`);
  if (e.redirect) {
    const r = e.redirect;
    lines.push(`redirect: ${r.statusCode}, location ${r.scheme}://${r.host}${r.port !== undefined ? `:${r.port}` : ''}${r.path}`);
  }
  if (e.rewrittenPath !== undefined) lines.push(`rewritten path: ${e.rewrittenPath}`);
  if (e.rewrittenHost !== undefined) lines.push(`rewritten host: ${e.rewrittenHost}`);
  if (e.requestHeaders) lines.push(`request headers sent: ${formatHeaders(e.requestHeaders)}`);
  if (e.responseHeaders) lines.push(`response headers: ${formatOperations(e.responseHeaders)}`);
  for (const mirror of e.mirrors ?? []) {
    lines.push(`mirror: ${mirror.percent ?? 100}% copied to ${mirror.host}${mirror.port !== undefined ? ` port ${mirror.port}` : ''} (answers ignored)`);
  }
  if (e.timeout !== undefined) lines.push(`timeout: ${e.timeout}`);
  if (e.retries) lines.push(`retries: ${formatRetries(e.retries)}`);
  for (const d of e.destinations) {
    const where = `${d.host}${d.subset ? ` subset ${d.subset}` : ''}${d.port ? ` port ${d.port}` : ''}`;
    const pods = d.workloads.map((w) => `${w.name} (${w.replicas} replica${w.replicas === 1 ? '' : 's'}${w.images.length ? `, ${w.images.join(', ')}` : ''})`).join('; ');
    lines.push(`  ${(d.probability * 100).toFixed(d.probability * 100 % 1 === 0 ? 0 : 1)}% -> ${where}${pods ? `: ${pods}` : ''}${d.failure ? `  !! ${d.failure}` : ''}`);
    if (d.requestHeaders) lines.push(`      request headers sent there: ${formatHeaders(d.requestHeaders)}`);
    if (d.responseHeaders) lines.push(`      response headers from there: ${formatOperations(d.responseHeaders)}`);
  }
  if (e.cookies) {
    lines.push('with a cookie the responses set:');
    for (const c of e.cookies) {
      const rule = c.rule ? `rule ${c.rule.index}${c.rule.name ? ` "${c.rule.name}"` : ''}` : c.outcome;
      const to = c.destinations.map((d) => `${formatShare(d.probability)} ${d.host}${d.subset ? ` subset ${d.subset}` : ''}${d.failure ? ` !! ${d.failure}` : ''}`);
      lines.push(`  cookie ${c.cookie}: ${rule} -> ${to.join(', ') || c.outcome}`);
    }
  }
  for (const note of e.notes) lines.push(`note: ${note}`);
  return lines.join('\n');
}

function formatShare(probability: number): string {
  return `${(probability * 100).toFixed(probability * 100 % 1 === 0 ? 0 : 1)}%`;
}

function formatRetries(r: RouteRetries): string {
  const parts = [
    r.attempts !== undefined ? `${r.attempts} attempt${r.attempts === 1 ? '' : 's'}` : 'attempts unset',
    ...(r.perTryTimeout !== undefined ? [`per try ${r.perTryTimeout}`] : []),
    ...(r.retryOn !== undefined ? [`on ${r.retryOn}`] : []),
  ];
  return parts.join(', ');
}

function formatHeaders(headers: Readonly<Record<string, string>>): string {
  const entries = Object.entries(headers);
  return entries.length === 0 ? 'none' : entries.map(([k, v]) => `${k}: ${v}`).join(', ');
}

function formatOperations(ops: HeaderChanges): string {
  const parts = [
    ...Object.entries(ops.set ?? {}).map(([k, v]) => `set ${k}: ${v}`),
    ...Object.entries(ops.add ?? {}).map(([k, v]) => `add ${k}: ${v}`),
    ...(ops.remove ?? []).map((k) => `remove ${k}`),
  ];
  return parts.length === 0 ? 'unchanged' : parts.join(', ');
}
