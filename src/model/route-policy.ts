/**
 * What an HTTP route does besides choosing versions: timeouts, retries, fault injection, mirroring, rewrites,
 * redirects, header operations and CORS. Plain data with pure checks, like the release model (istio/route-policy.ts
 * renders it).
 */
import { Duration } from 'cdk8s';
import { dropUndefined } from './data';
import { PropNames, checkList, checkObject, isDuration, refuse, show } from './errors';
import { checkDnsHost } from './hosts';
import { checkPort } from './match';

/** Retries of a route (Istio's `HTTPRetry`). */
export interface Retries {
  /** Retries after the first try; 0 turns retries off. */
  readonly attempts: number;
  /**
   * Timeout of each try, including the first.
   * @default the route's timeout
   */
  readonly perTryTimeout?: Duration;
  /**
   * When to retry: Envoy's conditions (`5xx`, `gateway-error`, `reset`, `connect-failure`, `refused-stream`,
   * `retriable-4xx`, `retriable-status-codes`, ...), the gRPC ones (`cancelled`, `deadline-exceeded`, `internal`,
   * `resource-exhausted`, `unavailable`) and HTTP status codes such as `503`.
   * @default Istio's: connect-failure, refused-stream, unavailable, cancelled, retriable-status-codes
   */
  readonly retryOn?: string[];
}

/** A delay injected before forwarding. */
export interface Delay {
  /** How long to wait. */
  readonly fixed: Duration;
  /**
   * Percent of matching requests delayed, 0 to 100.
   * @default 100
   */
  readonly percent?: number;
}

/** An error returned instead of forwarding. Give `httpStatus` or `grpcStatus`. */
export interface Abort {
  /**
   * HTTP status returned, 200 to 599.
   * @default none: then give grpcStatus
   */
  readonly httpStatus?: number;
  /**
   * gRPC status returned, by name, e.g. `UNAVAILABLE` (Istio takes names, not numbers).
   * @default none: then give httpStatus
   */
  readonly grpcStatus?: string;
  /**
   * Percent of matching requests aborted, 0 to 100.
   * @default 100
   */
  readonly percent?: number;
}

/**
 * Fault injection (Istio's `HTTPFaultInjection`), applied by the caller's sidecar to the requests the route
 * matches: scope it with the route's match, e.g. only `end-user: jason`. Give a delay, an abort or both.
 * Retries and timeouts of the same route do not apply to injected faults.
 */
export interface Fault {
  /**
   * Delay requests before forwarding them.
   * @default no delay
   */
  readonly delay?: Delay;
  /**
   * Fail requests without forwarding them.
   * @default no abort
   */
  readonly abort?: Abort;
}

/**
 * Copies of requests sent to a version or host, fire and forget: the response still comes from the route's
 * destinations, and the mirror's responses are dropped. Istio appends `-shadow` to the mirrored Host header.
 */
export interface Mirror {
  /**
   * Version of this service that receives the copies.
   * @default none: then give host
   */
  readonly version?: string;
  /**
   * Another service that receives the copies, as a host (`name.namespace.svc.cluster.local` or a ServiceEntry host).
   * @default none: then give version
   */
  readonly host?: string;
  /**
   * Port of `host`, when it has several.
   * @default the route's port
   */
  readonly port?: number;
  /**
   * Percent of the route's requests copied, 0 to 100.
   * @default 100
   */
  readonly percent?: number;
}

/** Rewrites applied to a request before it is forwarded (Istio's `HTTPRewrite`). */
export interface Rewrite {
  /**
   * Replaces the path, or only the matched prefix when the route matched a uri prefix.
   * @default the path as sent
   */
  readonly uri?: string;
  /**
   * Replaces the Host/Authority header.
   * @default the host as sent
   */
  readonly authority?: string;
}

/** A redirect answered by the sidecar or gateway instead of forwarding (Istio's `HTTPRedirect`). */
export interface Redirect {
  /**
   * New path.
   * @default the path as sent
   */
  readonly uri?: string;
  /**
   * New host.
   * @default the host as sent
   */
  readonly authority?: string;
  /**
   * New scheme, `http` or `https`.
   * @default the scheme as sent
   */
  readonly scheme?: string;
  /**
   * New port.
   * @default the port as sent
   */
  readonly port?: number;
  /**
   * Status code, 300 to 399.
   * @default 301
   */
  readonly code?: number;
}

/** Header operations, applied in the order set, add, remove. */
export interface HeaderOperations {
  /**
   * Headers set, replacing any value.
   * @default none
   */
  readonly set?: Record<string, string>;
  /**
   * Headers appended to existing values.
   * @default none
   */
  readonly add?: Record<string, string>;
  /**
   * Headers removed.
   * @default none
   */
  readonly remove?: string[];
}

/** Header operations on requests (before forwarding) and responses (before returning). */
export interface HeaderPolicy {
  /**
   * Operations on the request sent to the version.
   * @default none
   */
  readonly request?: HeaderOperations;
  /**
   * Operations on the response returned to the caller, e.g. `{ set: { 'x-version': 'v2' } }` per version.
   * @default none
   */
  readonly response?: HeaderOperations;
}

/** Cross-origin resource sharing answered by Envoy (Istio's `CorsPolicy`). */
export interface CorsPolicy {
  /** Origins allowed, compared exactly (`https://shop.example.com`); `*` allows any. */
  readonly allowOrigins: string[];
  /**
   * Methods allowed (`Access-Control-Allow-Methods`).
   * @default none listed
   */
  readonly allowMethods?: string[];
  /**
   * Request headers allowed (`Access-Control-Allow-Headers`).
   * @default none listed
   */
  readonly allowHeaders?: string[];
  /**
   * Response headers browsers may read (`Access-Control-Expose-Headers`).
   * @default none listed
   */
  readonly exposeHeaders?: string[];
  /**
   * How long browsers cache the preflight answer (`Access-Control-Max-Age`).
   * @default not sent
   */
  readonly maxAge?: Duration;
  /**
   * Whether credentialed requests are allowed (`Access-Control-Allow-Credentials`).
   * @default not sent (browsers treat it as false)
   */
  readonly allowCredentials?: boolean;
}

/** Options of an HTTP route, on a rule or on the default route. Each applies to HTTP-family ports only. */
export interface RoutePolicy {
  /**
   * Request timeout: the caller gets 504 when the version takes longer.
   * @default no timeout (Istio's default for HTTP routes)
   */
  readonly timeout?: Duration;
  /**
   * Retries of failed requests.
   * @default Istio's: 2 attempts on connect-failure, refused-stream, unavailable, cancelled, retriable-status-codes
   */
  readonly retries?: Retries;
  /**
   * Delays or errors injected into matching requests, for resilience tests.
   * @default none
   */
  readonly fault?: Fault;
  /**
   * Copies of the requests sent to another version or host.
   * @default none
   */
  readonly mirror?: Mirror;
  /**
   * Rewrite of path or host before forwarding.
   * @default none
   */
  readonly rewrite?: Rewrite;
  /**
   * Request and response header operations for every destination of the route.
   * @default none
   */
  readonly headers?: HeaderPolicy;
  /**
   * CORS answered by Envoy.
   * @default none (requests pass through to the application)
   */
  readonly corsPolicy?: CorsPolicy;
}

/** Only the route options of props that carry more (a construct's props extend RoutePolicy). */
export function routePolicyOf(props: RoutePolicy): RoutePolicy {
  return dropUndefined(Object.fromEntries(ROUTE_POLICY_KEYS.map((key) => [key, props[key]])));
}

/** True when the policy sets any option, all of which exist on HTTP routes only. */
export function hasRoutePolicy(policy: RoutePolicy): boolean {
  return ROUTE_POLICY_KEYS.some((key) => policy[key] !== undefined);
}

/** The options set, by name, for error messages. */
export function routePolicyKeys(policy: RoutePolicy & { redirect?: Redirect }): string[] {
  return [...ROUTE_POLICY_KEYS, 'redirect' as const].filter((key) => (policy as any)[key] !== undefined);
}

const ROUTE_POLICY_KEYS = ['timeout', 'retries', 'fault', 'mirror', 'rewrite', 'headers', 'corsPolicy'] as const;

/** Envoy's retry-on conditions for HTTP and gRPC; HTTP status codes are accepted too. */
const RETRY_ON = [
  '5xx', 'gateway-error', 'reset', 'reset-before-request', 'connect-failure', 'envoy-ratelimited', 'retriable-4xx',
  'refused-stream', 'retriable-status-codes', 'retriable-headers', 'http3-post-connect-failure',
  'cancelled', 'deadline-exceeded', 'internal', 'resource-exhausted', 'unavailable',
];

/** gRPC status names Istio accepts for aborts. */
const GRPC_STATUSES = [
  'OK', 'CANCELLED', 'UNKNOWN', 'INVALID_ARGUMENT', 'DEADLINE_EXCEEDED', 'NOT_FOUND', 'ALREADY_EXISTS',
  'PERMISSION_DENIED', 'RESOURCE_EXHAUSTED', 'FAILED_PRECONDITION', 'ABORTED', 'OUT_OF_RANGE', 'UNIMPLEMENTED',
  'INTERNAL', 'UNAVAILABLE', 'DATA_LOSS', 'UNAUTHENTICATED',
];

const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH'];

/** Istio's header-name rule for header operations. */
const HEADER_NAME = /^[-_A-Za-z0-9]+$/;

/**
 * The longest duration Istio, its CRDs' CEL rules and Kubernetes take: Go's and CEL's durations are int64 nanoseconds
 * (istiod decodes with time.ParseDuration: "bad Duration: time: invalid duration"; the CRDs' `duration(self)` rules
 * fail with "duration out of range"), about 292 years.
 */
export const MAX_DURATION_MS = Math.floor((2 ** 63 - 1) / 1e6);

/**
 * Durations Istio accepts are at least 1ms (its CRDs check `duration(self) >= duration('1ms')`) and at most
 * {@link MAX_DURATION_MS}.
 */
export function checkDuration(subject: string, what: string, duration: Duration): void {
  if (!isDuration(duration)) {
    const n = typeof duration === 'number' && Number.isFinite(duration) && duration > 0 ? duration : 5;
    refuse(subject, `${what} must be a cdk8s Duration`, show(duration), `use e.g. Duration.seconds(${n})`);
  }
  const ms = duration.toMilliseconds({ integral: false });
  if (!Number.isInteger(ms) || ms < 1) {
    refuse(subject, `${what} must be a whole number of milliseconds, at least 1ms`, `${ms}ms`, 'use e.g. Duration.seconds(5)');
  }
  if (ms > MAX_DURATION_MS) {
    refuse(subject, `${what} must be at most 2562047h (about 292 years), the longest duration Istio and Kubernetes can read`,
      show(duration), 'use a shorter duration, e.g. Duration.days(365)');
  }
}

/** The names of RoutePolicy, for the constructs' checks of unknown props. */
export const ROUTE_POLICY_PROPS: PropNames<RoutePolicy> = {
  timeout: true, retries: true, fault: true, mirror: true, rewrite: true, headers: true, corsPolicy: true,
};

/** A duration the API takes in whole seconds (Argo Rollouts' durations, Flagger's progress deadline). */
export function checkWholeSeconds(subject: string, what: string, duration: Duration): void {
  checkDuration(subject, what, duration);
  if (duration.toMilliseconds() % 1000 !== 0) {
    refuse(subject, `${what} must be whole seconds`, `${duration.toMilliseconds()}ms`, 'use e.g. Duration.seconds(40)');
  }
}

/** A whole percentage from 0 to 100 (Argo Rollouts' weights and mirror percentages are integers). */
export function checkWholePercent(subject: string, what: string, percent: number): void {
  if (typeof percent !== 'number' || !Number.isInteger(percent) || percent < 0 || percent > 100) {
    refuse(subject, `${what} must be a whole percentage from 0 to 100`, show(percent), 'use e.g. 20');
  }
}

/** A percentage Istio takes as a double from 0 to 100. */
export function checkPercent(subject: string, what: string, percent: number | undefined): void {
  if (percent === undefined) return;
  if (typeof percent !== 'number' || !Number.isFinite(percent) || percent < 0 || percent > 100) {
    refuse(subject, `${what} must be from 0 to 100`, show(percent), 'use a percentage such as 10 or 0.5');
  }
}

/**
 * Checks a route's options.
 * @param where the route, e.g. `route "jason"`
 * @param versions the service's versions, which a mirror may name
 */
export function checkRoutePolicy(subject: string, where: string, policy: RoutePolicy, versions: readonly string[]): void {
  for (const [key, example] of OPTION_EXAMPLES) {
    if (policy[key] !== undefined) checkObject(subject, `${where} ${key}`, policy[key], example);
  }
  if (policy.timeout !== undefined) checkDuration(subject, `${where} timeout`, policy.timeout);
  if (policy.retries !== undefined) checkRetries(subject, `${where} retries`, policy.retries);
  if (policy.fault !== undefined) checkFault(subject, `${where} fault`, policy.fault);
  if (policy.mirror !== undefined) checkMirror(subject, `${where} mirror`, policy.mirror, versions);
  if (policy.rewrite !== undefined) checkRewrite(subject, `${where} rewrite`, policy.rewrite);
  if (policy.headers !== undefined) checkHeaderPolicy(subject, `${where} headers`, policy.headers);
  if (policy.corsPolicy !== undefined) checkCors(subject, `${where} corsPolicy`, policy.corsPolicy);
}

const OPTION_EXAMPLES = [
  ['retries', '{ attempts: 3 }'], ['fault', '{ abort: { httpStatus: 503 } }'], ['mirror', '{ version: "v2" }'], ['rewrite', '{ uri: "/" }'],
  ['headers', '{ response: { set: { "x-version": "v2" } } }'], ['corsPolicy', '{ allowOrigins: ["https://shop.example.com"] }'],
] as const;

function checkRetries(subject: string, where: string, retries: Retries): void {
  // attempts is an int32 in the VirtualService CRD (istio-networking-1.30.3.yaml).
  if (!Number.isInteger(retries.attempts) || retries.attempts < 0 || retries.attempts > 2_147_483_647) {
    refuse(subject, `${where}: attempts must be a whole number from 0 to 2147483647`, show(retries.attempts), 'use e.g. { attempts: 3 }');
  }
  const retryOn = retries.retryOn === undefined ? [] : checkList(subject, `${where} retryOn`, retries.retryOn, '["5xx", "reset"]');
  for (const condition of retryOn) {
    if (typeof condition !== 'string' || !RETRY_ON.includes(condition) && !/^[1-5][0-9][0-9]$/.test(condition)) {
      refuse(subject, `${where}: unknown retryOn condition`, show(condition),
        `use HTTP status codes or Envoy's conditions: ${RETRY_ON.join(', ')}`);
    }
  }
  if (retries.attempts === 0 && (retryOn.length || retries.perTryTimeout)) {
    refuse(subject, `${where}: 0 attempts turns retries off, so retryOn and perTryTimeout would be ignored`,
      `attempts 0 with ${retryOn.length ? `retryOn ${show(retryOn.join(','))}` : 'perTryTimeout'}`,
      'set attempts to 1 or more, or drop the other retry options');
  }
  if (retries.perTryTimeout !== undefined) checkDuration(subject, `${where} perTryTimeout`, retries.perTryTimeout);
}

function checkFault(subject: string, where: string, fault: Fault): void {
  if (!fault.delay && !fault.abort) {
    refuse(subject, `${where} injects nothing`, 'neither delay nor abort', 'give delay: { fixed: Duration.seconds(7) } or abort: { httpStatus: 500 }');
  }
  if (fault.delay) {
    checkDuration(subject, `${where} delay`, fault.delay.fixed);
    checkFaultPercent(subject, `${where} delay percent`, fault.delay.percent);
  }
  if (fault.abort) {
    const { httpStatus, grpcStatus } = fault.abort;
    if ((httpStatus === undefined) === (grpcStatus === undefined)) {
      refuse(subject, `${where}: an abort returns either an HTTP or a gRPC status`,
        httpStatus === undefined ? 'neither' : `httpStatus ${httpStatus} and grpcStatus ${show(grpcStatus)}`, 'give exactly one of httpStatus and grpcStatus');
    }
    if (httpStatus !== undefined && (!Number.isInteger(httpStatus) || httpStatus < 200 || httpStatus > 599)) {
      refuse(subject, `${where}: httpStatus must be a status code from 200 to 599`, show(httpStatus), 'use e.g. 500 or 503');
    }
    if (grpcStatus !== undefined && !GRPC_STATUSES.includes(grpcStatus)) {
      refuse(subject, `${where}: unknown grpcStatus`, show(grpcStatus), `use a gRPC status name: ${GRPC_STATUSES.join(', ')}`);
    }
    checkFaultPercent(subject, `${where} abort percent`, fault.abort.percent);
  }
}

/** A fault's share of requests: 0, or from 0.0001 to 100 (istiod's validatePercentage, pkg/config/validation/validation.go). */
function checkFaultPercent(subject: string, what: string, percent: number | undefined): void {
  checkPercent(subject, what, percent);
  if (percent !== undefined && percent > 0 && percent < 0.0001) {
    refuse(subject, `${what} must be 0 or from 0.0001 to 100, the smallest share Istio injects`, show(percent), 'use 0.0001 or more, or 0 for none');
  }
}

function checkMirror(subject: string, where: string, mirror: Mirror, versions: readonly string[]): void {
  if ((mirror.version === undefined) === (mirror.host === undefined)) {
    refuse(subject, `${where} needs a target: a version of this service or another host`,
      mirror.version === undefined ? 'neither' : `version ${show(mirror.version)} and host ${show(mirror.host)}`, 'give exactly one of version and host');
  }
  if (mirror.version !== undefined && !versions.includes(mirror.version)) {
    refuse(subject, `${where} names a version that does not exist`, show(mirror.version), `use one of ${versions.join(', ')}`);
  }
  if (mirror.host !== undefined && typeof mirror.host !== 'string') {
    refuse(subject, `${where} host must be a text`, show(mirror.host), 'name one host, e.g. "httpbin.default.svc.cluster.local"');
  }
  if (mirror.host !== undefined && mirror.host.trim() === '') {
    refuse(subject, `${where} host is empty`, show(mirror.host), 'name the host, e.g. "httpbin.default.svc.cluster.local"');
  }
  if (mirror.host !== undefined) checkDnsHost(subject, `${where} host`, mirror.host);
  if (mirror.port !== undefined) checkPort(subject, `${where} port`, mirror.port);
  checkPercent(subject, `${where} percent`, mirror.percent);
}

/** Checks a rewrite: it changes the path or the host, as istiod requires (validateHTTPRewrite). */
export function checkRewrite(subject: string, where: string, rewrite: Rewrite): void {
  checkObject(subject, where, rewrite, '{ uri: "/" }');
  if (rewrite.uri === undefined && rewrite.authority === undefined) {
    refuse(subject, `${where} changes nothing`, show(rewrite), 'give uri or authority');
  }
  for (const field of ['uri', 'authority'] as const) {
    if (rewrite[field] !== undefined && typeof rewrite[field] !== 'string') {
      refuse(subject, `${where} ${field} must be text`, show(rewrite[field]), field === 'uri' ? 'e.g. "/"' : 'e.g. "shop.example.com"');
    }
  }
  if (rewrite.uri !== undefined && !rewrite.uri.startsWith('/')) {
    refuse(subject, `${where} uri must start with "/"`, show(rewrite.uri), `write ${show(`/${rewrite.uri}`)}`);
  }
  if (rewrite.authority !== undefined && rewrite.authority.trim() === '') {
    refuse(subject, `${where} authority is empty`, show(rewrite.authority), 'name the host, or leave authority out');
  }
}

/** Checks a redirect; it replaces the route's destinations, so nothing that needs them may come with it. */
export function checkRedirect(subject: string, where: string, redirect: Redirect): void {
  const { uri, authority, scheme, port, code } = redirect;
  if (uri === undefined && authority === undefined && scheme === undefined && port === undefined) {
    refuse(subject, `${where} redirect goes nowhere new`, show(redirect), 'give uri, authority, scheme or port');
  }
  if (uri !== undefined && !uri.startsWith('/')) {
    refuse(subject, `${where} redirect uri must start with "/"`, show(uri), `write ${show(`/${uri}`)}`);
  }
  if (scheme !== undefined && scheme !== 'http' && scheme !== 'https') {
    refuse(subject, `${where} redirect scheme must be http or https`, show(scheme), 'use "https"');
  }
  if (port !== undefined) checkPort(subject, `${where} redirect port`, port);
  if (code !== undefined && (!Number.isInteger(code) || code < 300 || code > 399)) {
    refuse(subject, `${where} redirect code must be from 300 to 399`, show(code), 'use 301, 302, 307 or 308');
  }
}

function checkHeaderPolicy(subject: string, where: string, policy: HeaderPolicy): void {
  checkObject(subject, where, policy, '{ response: { set: { "x-version": "v2" } } }');
  for (const [direction, ops] of [['request', policy.request], ['response', policy.response]] as const) {
    if (ops === undefined) continue;
    const at = `${where} ${direction}`;
    checkObject(subject, at, ops, '{ set: { "x-version": "v2" } }');
    for (const key of ['set', 'add'] as const) {
      if (ops[key] === undefined) continue;
      checkObject(subject, `${at} ${key}`, ops[key], '{ "x-version": "v2" }');
      for (const [name, value] of Object.entries(ops[key]!)) {
        checkHeaderName(subject, at, name);
        if (typeof value !== 'string') {
          refuse(subject, `${at} ${key}: the value of header ${show(name)} must be a string`, show(value), typeof value === 'number' || typeof value === 'boolean' ? `write it in quotes, e.g. ${show(String(value))}` : 'write it as text');
        }
        const refused = headerValueProblem(value);
        if (refused) refuse(subject, `${at} ${key}: the value of header ${show(name)} ${refused.problem}`, show(value), refused.fix);
      }
    }
    if (ops.remove !== undefined) {
      const remove = checkList(subject, `${at} remove`, ops.remove, '["x-internal"]');
      for (const name of remove) checkHeaderName(subject, at, name);
      // Gateway API's header modifiers keep `remove` as a set (x-kubernetes-list-type: set, gateway-api-standard-1.5.1.yaml):
      // the API server refuses a name given twice ("Duplicate value"); header names ignore case, so do we.
      checkUnique(subject, `${at} remove`, remove.map((name) => name.toLowerCase()));
    }
  }
}

const CONTROL_CHARACTER = /[\u0000-\u0008\u000A-\u001F\u007F]/;
const CONTROL = { problem: 'holds a control character', fix: 'remove it (a header value is one line of text; tabs are allowed)' };
const PERCENT = {
  problem: 'has a "%" Envoy cannot read',
  fix: 'write "%%" for a literal "%"; Envoy reads "%" as the start of a variable such as %HOSTNAME%',
};

/**
 * Why Envoy would refuse `value` as a header value it adds, or undefined: a control character other than tab, or a
 * `%` neither doubled (`%%`) nor part of a variable (`%HOSTNAME%`, `%REQ(x-id)%`, `%VAR(["a", "b"])%`). A port of
 * istiod's ValidateHTTPHeaderValue and validateHeaderValue (pkg/config/validation/validation.go and
 * header_value_validator.go, itself a port of Envoy's header_parser.cc).
 */
function headerValueProblem(value: string): { problem: string; fix: string } | undefined {
  if (CONTROL_CHARACTER.test(value)) return CONTROL;
  type State = 'literal' | 'name' | 'array' | 'string-start' | 'string' | 'delimiter' | 'args-end' | 'variable-end';
  let state: State = 'literal';
  const bad = PERCENT;
  for (let pos = 0; pos < value.length; pos++) {
    const ch = value[pos];
    switch (state) {
      case 'literal':
        if (ch !== '%') break;
        if (pos + 1 === value.length) return bad;
        if (value[pos + 1] === '%') pos++; // an escaped %
        else state = 'name';
        break;
      case 'name':
        if (ch === '%') state = 'literal';
        else if (ch === '(') state = 'array';
        break;
      case 'array':
        if (ch === '[') state = 'string-start';
        else if (ch !== ' ') state = 'string';
        break;
      case 'delimiter':
        if (ch === ',') state = 'string-start';
        else if (ch === ']') state = 'args-end';
        else if (ch !== ' ') return bad;
        break;
      case 'string-start':
        if (ch === '"') state = 'string';
        else if (ch !== ' ') return bad;
        break;
      case 'string':
        if (ch === '\\') {
          if (pos + 1 === value.length) return bad;
          pos++;
        } else if (ch === ')') {
          state = 'variable-end';
        } else if (ch === '"') {
          state = 'delimiter';
        }
        break;
      case 'args-end':
        if (ch === ')') state = 'variable-end';
        else if (ch !== ' ') return bad;
        break;
      case 'variable-end':
        if (ch === '%') state = 'literal';
        else if (ch !== ' ') return bad;
        break;
    }
  }
  return state === 'literal' ? undefined : bad;
}


/** Lists Gateway API keeps as sets (`x-kubernetes-list-type: set`) hold each entry once. */
function checkUnique(subject: string, what: string, entries: readonly string[]): void {
  const twice = entries.find((entry, i) => entries.indexOf(entry) !== i);
  if (twice !== undefined) refuse(subject, `${what} names ${show(twice)} twice`, show(entries), 'list each once');
}

function checkHeaderName(subject: string, where: string, name: string): void {
  if (typeof name !== 'string' || !HEADER_NAME.test(name)) {
    refuse(subject, `${where}: header names may contain only letters, digits, "-" and "_"`, show(name), 'fix the header name');
  }
  if (name.toLowerCase() === 'host') {
    refuse(subject, `${where}: Istio does not let header operations change the host header`, show(name), 'use rewrite: { authority } instead');
  }
}

function checkCors(subject: string, where: string, cors: CorsPolicy): void {
  checkObject(subject, where, cors, '{ allowOrigins: ["https://shop.example.com"] }');
  const origins = checkList(subject, `${where} allowOrigins`, cors.allowOrigins, '["https://shop.example.com"]');
  const notText = origins.find((o) => typeof o !== 'string');
  if (notText !== undefined) {
    refuse(subject, `${where} allowOrigins entries must be text`, show(notText), 'write each origin in quotes, e.g. ["https://shop.example.com"]');
  }
  if (origins.length === 0 || origins.some((o) => o.trim() === '')) {
    refuse(subject, `${where} needs the allowed origins`, show(cors.allowOrigins), 'list them, e.g. ["https://shop.example.com"]');
  }
  checkUnique(subject, `${where} allowOrigins`, origins);
  const methods = cors.allowMethods === undefined ? [] : checkList(subject, `${where} allowMethods`, cors.allowMethods, '["GET", "POST"]');
  for (const method of methods) {
    if (!HTTP_METHODS.includes(method)) {
      refuse(subject, `${where}: unknown method in allowMethods`, show(method), `use upper-case methods: ${HTTP_METHODS.join(', ')}`);
    }
  }
  checkUnique(subject, `${where} allowMethods`, methods);
  for (const key of ['allowHeaders', 'exposeHeaders'] as const) {
    if (cors[key] === undefined) continue;
    const names = checkList(subject, `${where} ${key}`, cors[key], '["x-user"]');
    for (const name of names) checkHeaderName(subject, where, name);
    checkUnique(subject, `${where} ${key}`, names.map((name) => name.toLowerCase()));
  }
  if (cors.allowCredentials !== undefined && typeof cors.allowCredentials !== 'boolean') {
    refuse(subject, `${where} allowCredentials must be true or false`, show(cors.allowCredentials), 'write true or false without quotes');
  }
  if (cors.maxAge !== undefined) {
    checkDuration(subject, `${where} maxAge`, cors.maxAge);
    // istio pkg/config/validation/validation.go (validateCORSPolicy): "max_age duration is accurate only to seconds precision".
    const ms = cors.maxAge.toMilliseconds();
    if (ms % 1000 !== 0) refuse(subject, `${where} maxAge must be whole seconds, as Istio requires`, show(cors.maxAge), `use Duration.seconds(${Math.ceil(ms / 1000)})`);
    // Gateway API's CORS maxAge is an int32 of seconds (gateway-api-standard-1.5.1.yaml, HTTPCORSFilter.maxAge).
    if (ms / 1000 > 2 ** 31 - 1) {
      refuse(subject, `${where} maxAge must be at most 2147483647 seconds`, show(cors.maxAge), 'use e.g. Duration.days(1)');
    }
  }
}

/** An entry point's rewrite and a route's, field by field; both rewriting one field is an error. */
export function mergeRewrites(subject: string, where: string, outer: Rewrite | undefined, inner: Rewrite | undefined): Rewrite | undefined {
  if (!outer || !inner) return outer ?? inner;
  for (const field of ['uri', 'authority'] as const) {
    if (outer[field] !== undefined && inner[field] !== undefined) {
      refuse(subject, `${where} rewrites the ${field} that the entry point already rewrites`,
        `${show(outer[field])} and ${show(inner[field])}`, `rewrite the ${field} in one place`);
    }
  }
  return { ...outer, ...inner };
}

/**
 * Two header policies as one: per direction, `set` and `add` by header name with `inner`'s value winning, `remove`
 * the union (each name once, in order).
 */
export function mergeHeaderPolicies(outer: HeaderPolicy | undefined, inner: HeaderPolicy | undefined): HeaderPolicy | undefined {
  if (!outer || !inner) return outer ?? inner;
  const ops = (o: HeaderOperations | undefined, i: HeaderOperations | undefined): HeaderOperations | undefined => {
    if (!o || !i) return o ?? i;
    const remove = [...new Set([...(o.remove ?? []), ...(i.remove ?? [])])];
    return dropUndefined({
      set: o.set || i.set ? { ...o.set, ...i.set } : undefined,
      add: o.add || i.add ? { ...o.add, ...i.add } : undefined,
      remove: remove.length > 0 ? remove : undefined,
    });
  };
  return dropUndefined({ request: ops(outer.request, inner.request), response: ops(outer.response, inner.response) });
}

/**
 * What a rule takes from the service's route options (the default route's): one route policy for every route of
 * the service, each rule overriding field by field.
 *
 * - `timeout`, `retries`, `fault`, `corsPolicy`: the rule's when it sets one, else the service's (each as a whole:
 *   a rule's retries replace the service's, they do not mix attempts of one with conditions of the other).
 * - `headers`: both, merged by header name (the rule's value wins), removals of both.
 * - `rewrite`: the service's with the rule's fields over it, since a version expects the same path and host whichever
 *   route chose it.
 * - `mirror`: not inherited. A header rule or a lane routes a chosen cohort, often to the very version the service
 *   mirrors to, which would then get each of those requests twice. (A sticky canary's rules carry the default split's
 *   own traffic, so they are made with the service's mirror as their own.)
 * - A redirect answers without forwarding: it takes nothing.
 */
export function inheritRoutePolicy<T extends RoutePolicy & { readonly redirect?: Redirect }>(service: RoutePolicy | undefined, rule: T): T {
  if (!service || rule.redirect !== undefined) return rule;
  const pick = <K extends keyof RoutePolicy>(key: K): RoutePolicy[K] => (rule[key] !== undefined ? rule[key] : service[key]);
  const rewrite = service.rewrite || rule.rewrite ? { ...service.rewrite, ...dropUndefined({ ...rule.rewrite }) } : undefined;
  return dropUndefined({
    ...rule,
    timeout: pick('timeout'),
    retries: pick('retries'),
    fault: pick('fault'),
    corsPolicy: pick('corsPolicy'),
    rewrite,
    headers: mergeHeaderPolicies(service.headers, rule.headers),
  }) as T;
}
