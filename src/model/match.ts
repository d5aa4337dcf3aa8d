import { RE2JS } from '@bufbuild/re2';
import { UserIdFormat, cohortRegex } from './cohort';
import { refuse, show } from './errors';
import { checkLabels } from './kubernetes';
import { isHttpToken } from './names';

/** How one string is compared; Istio's `StringMatch`. Exactly one field is set. */
export interface StringMatch {
  /** The whole value equals this. */
  readonly exact?: string;
  /** The value starts with this. */
  readonly prefix?: string;
  /** The whole value matches this RE2 expression (a full match, not a search). */
  readonly regex?: string;
}

/**
 * The plain data of one Istio `HTTPMatchRequest`: every condition set here must hold (AND).
 * An empty object matches every request.
 */
export interface MatchConditions {
  /** Request headers, by lower-case name; an empty `StringMatch` checks only that the header is present. */
  readonly headers?: Record<string, StringMatch>;
  /** The request path; a `prefix` here matches whole path elements (see `Match.uriPrefix`). */
  readonly uri?: StringMatch;
  /** The HTTP method. */
  readonly method?: StringMatch;
  /** Query parameters, by name (Istio supports exact and regex here, not prefix). */
  readonly queryParams?: Record<string, StringMatch>;
  /** Labels of the calling workload (in-mesh callers only). */
  readonly sourceLabels?: Record<string, string>;
  /** The port the request was addressed to. */
  readonly port?: number;
}

/**
 * One match of a route: a set of conditions that must all hold (AND). A route's list of matches is OR.
 *
 * @example
 * Match.headerExact('end-user', 'jason')
 * Match.uriPrefix('/api').and(Match.method('POST'))
 */
export class Match {
  /** The request header `name` equals `value`. */
  public static headerExact(name: string, value: string): Match {
    return new Match({ headers: { [text('headerExact', 'name', name)]: { exact: text('headerExact', 'value', value) } } });
  }

  /** The request header `name` starts with `prefix`. */
  public static headerPrefix(name: string, prefix: string): Match {
    return new Match({ headers: { [text('headerPrefix', 'name', name)]: { prefix: text('headerPrefix', 'prefix', prefix) } } });
  }

  /** The request header `name` fully matches the RE2 expression `regex`. */
  public static headerRegex(name: string, regex: string): Match {
    return new Match({ headers: { [text('headerRegex', 'name', name)]: { regex: text('headerRegex', 'regex', regex) } } });
  }

  /** The request carries the header `name`, whatever its value. */
  public static headerPresent(name: string): Match {
    return new Match({ headers: { [text('headerPresent', 'name', name)]: {} } });
  }

  /** The path equals `path`. */
  public static uriExact(path: string): Match {
    return new Match({ uri: { exact: text('uriExact', 'path', path) } });
  }

  /**
   * The path starts with `prefix` by whole path elements, as Gateway API's `PathPrefix` and Istio's own translation of
   * it: `/static` and `/static/` both take `/static`, `/static/` and `/static/a`, not `/staticfoo`. Under Istio's API
   * it is written as the exact path `/static` or the string prefix `/static/`; `/` takes every path.
   */
  public static uriPrefix(prefix: string): Match {
    return new Match({ uri: { prefix: text('uriPrefix', 'prefix', prefix) } });
  }

  /** The path fully matches the RE2 expression `regex`. */
  public static uriRegex(regex: string): Match {
    return new Match({ uri: { regex: text('uriRegex', 'regex', regex) } });
  }

  /** A gRPC method: the path `/<service>/<method>`, e.g. `grpcMethod('helloworld.Greeter', 'SayHello')`. */
  public static grpcMethod(service: string, method: string): Match {
    return Match.uriExact(`/${text('grpcMethod', 'service', service)}/${text('grpcMethod', 'method', method)}`);
  }

  /** The HTTP method, e.g. `GET`. */
  public static method(method: string): Match {
    return new Match({ method: { exact: text('method', 'method', method) } });
  }

  /** The query parameter `name` equals `value`. */
  public static queryParam(name: string, value: string): Match {
    return new Match({ queryParams: { [text('queryParam', 'name', name)]: { exact: text('queryParam', 'value', value) } } });
  }

  /** The query parameter `name` fully matches the RE2 expression `regex`. */
  public static queryParamRegex(name: string, regex: string): Match {
    return new Match({ queryParams: { [text('queryParamRegex', 'name', name)]: { regex: text('queryParamRegex', 'regex', regex) } } });
  }

  /**
   * A fixed share of users, keyed on the user id the request carries in header `header`: the ids whose last two
   * characters fall in the first `percent` of the buckets of `ids`, so each user always gets the same answer and a
   * cohort that grows keeps its users (the 5% are within the 10%). A request without the header is not in the cohort.
   *
   * @param header the lower-case header carrying the user id, e.g. `x-user-id`
   * @param percent the share of users, more than 0 and at most 100; it must be a whole number of buckets
   *   (`UserIdFormat.DECIMAL`: 1% steps; `UserIdFormat.HEX`: steps of 100/256 %, e.g. 6.25, 12.5, 25, 50)
   * @param ids how the ids end: in decimal digits or in hex digits
   * @throws when the share is not a whole number of buckets, naming the nearest shares that are
   * @example
   * reviews.addRoute({ name: 'cohort', match: [Match.userCohort('x-user-id', 10, UserIdFormat.DECIMAL)], to: 'v2' })
   */
  public static userCohort(header: string, percent: number, ids: UserIdFormat): Match {
    const name = text('userCohort', 'header', header);
    return new Match({ headers: { [name]: { regex: cohortRegex(name, percent, ids) } } });
  }

  /** The calling workload's pods carry all of `labels` (only for calls from inside the mesh). */
  public static sourceLabels(labels: Record<string, string>): Match {
    checkLabels('Match.sourceLabels', 'labels', labels ?? null);
    return new Match({ sourceLabels: { ...labels } });
  }

  /** The request was sent to `port` of the service. */
  public static port(port: number): Match {
    return new Match({ port });
  }

  /** All of `matches` must hold (AND). */
  public static all(first: Match, ...rest: Match[]): Match {
    const notMatch = [first, ...rest].find((m) => !(m instanceof Match));
    if (notMatch !== undefined || first === undefined) {
      refuse('Match.all', 'takes matches made with the Match factories', show(notMatch), 'e.g. Match.all(Match.uriPrefix("/api"), Match.headerExact("env", "gray"))');
    }
    return rest.reduce((acc, m) => acc.and(m), first);
  }

  /** Wraps conditions that are already in Istio's shape. @internal */
  public static _fromConditions(conditions: MatchConditions): Match {
    return new Match(conditions);
  }

  private constructor(
    /** The conditions in Istio's `HTTPMatchRequest` shape, read by the renderers and checks. @internal */
    public readonly conditions: MatchConditions,
  ) {}

  /**
   * This match and `other` must both hold (AND).
   * @throws when both constrain the same single-valued field (uri, method, port) or the same header
   */
  public and(other: Match): Match {
    if (!(other instanceof Match)) {
      refuse(`match ${show(this.toString())}`, 'and() takes a match made with the Match factories', show(other), 'e.g. .and(Match.headerExact("env", "gray"))');
    }
    const a = this.conditions;
    const b = other.conditions;
    for (const field of ['uri', 'method', 'port'] as const) {
      if (a[field] !== undefined && b[field] !== undefined) {
        refuse(`match ${show(this.toString())}`, `cannot also require another ${field}`, show(other.toString()),
          `a request has one ${field}: use two matches in the route's match list (OR) instead`);
      }
    }
    return new Match({
      headers: mergeKeyed('header', a.headers, b.headers),
      uri: a.uri ?? b.uri,
      method: a.method ?? b.method,
      queryParams: mergeKeyed('query parameter', a.queryParams, b.queryParams),
      sourceLabels: a.sourceLabels || b.sourceLabels ? { ...a.sourceLabels, ...b.sourceLabels } : undefined,
      port: a.port ?? b.port,
    });
  }

  /** This match without its port condition. */
  public withoutPort(): Match {
    if (this.conditions.port === undefined) return this;
    const { port, ...rest } = this.conditions;
    return new Match(rest);
  }

  /** True when this match has no conditions, so it matches every request. */
  public get isCatchAll(): boolean {
    return describeConditions(this.conditions).length === 0 || isMatchAllUri(this.conditions);
  }

  /** A short human description, e.g. `header end-user=jason and uri prefix /api`. */
  public toString(): string {
    const parts = describeConditions(this.conditions);
    return parts.length === 0 ? 'any request' : parts.join(' and ');
  }
}

/**
 * `value` when it is a string. A factory given anything else (`undefined` from a config file, a number) must fail:
 * an undefined header value would otherwise become a presence match and send every request with the header.
 */
function text(factory: string, what: string, value: unknown): string {
  if (typeof value !== 'string') {
    refuse(`Match.${factory}`, `${what} must be a string`, show(value), `pass the ${what} as text, e.g. ${what === 'name' ? '"end-user"' : '"gray"'}`);
  }
  return value;
}

function mergeKeyed(
  what: string,
  a: Record<string, StringMatch> | undefined,
  b: Record<string, StringMatch> | undefined,
): Record<string, StringMatch> | undefined {
  if (!a) return b;
  if (!b) return a;
  for (const key of Object.keys(b)) {
    if (key in a) {
      refuse(`match on ${what} ${show(key)}`, `the ${what} is constrained twice`, `${describeString(a[key])} and ${describeString(b[key])}`,
        `combine both into one condition, e.g. one ${what}Regex`);
    }
  }
  return { ...a, ...b };
}

function describeString(m: StringMatch): string {
  if (m.exact !== undefined) return `=${m.exact}`;
  if (m.prefix !== undefined) return ` prefix ${m.prefix}`;
  if (m.regex !== undefined) return ` regex ${m.regex}`;
  return ' present';
}

function describeConditions(c: MatchConditions): string[] {
  const parts: string[] = [];
  for (const [name, m] of Object.entries(c.headers ?? {})) parts.push(`header ${name}${describeString(m)}`);
  if (c.uri) parts.push(`uri${describeString(c.uri).replace(/^=/, ' ')}`);
  if (c.method) parts.push(`method${describeString(c.method).replace(/^=/, ' ')}`);
  for (const [name, m] of Object.entries(c.queryParams ?? {})) parts.push(`query ${name}${describeString(m)}`);
  for (const [k, v] of Object.entries(c.sourceLabels ?? {})) parts.push(`source label ${k}=${v}`);
  if (c.port !== undefined) parts.push(`port ${c.port}`);
  return parts;
}

/** A match whose only condition is a uri that every path satisfies. */
function isMatchAllUri(c: MatchConditions): boolean {
  const onlyUri = c.uri !== undefined && describeConditions(c).length === 1;
  return onlyUri && (c.uri!.prefix?.replace(/\/+$/, '') === '' || c.uri!.regex === '.*' || c.uri!.regex === '/.*');
}

/**
 * Checks one match's conditions; `subject` names the construct, `where` the route.
 * @throws on an empty or upper-case header name, an empty value, an invalid RE2 expression or a bad port
 */
export function checkMatch(subject: string, where: string, match: Match): void {
  if (!(match instanceof Match)) {
    refuse(subject, `${where}: every match must be made with the Match factories`, show(match), 'e.g. Match.headerExact("x-canary", "yes")');
  }
  const c = match.conditions;
  const checkString = (field: string, m: StringMatch, allowPresence: boolean, allowPrefix = true) => {
    const set = (['exact', 'prefix', 'regex'] as const).filter((k) => m[k] !== undefined);
    if (set.length === 0 && !allowPresence) {
      refuse(subject, `${where}: ${field} needs a value to compare`, show(m), 'set one of exact, prefix or regex');
    }
    if (set.length > 1) {
      refuse(subject, `${where}: ${field} sets more than one of exact, prefix, regex`, show(m), 'keep exactly one');
    }
    if (m.prefix !== undefined && !allowPrefix) {
      refuse(subject, `${where}: Istio does not support prefix matching on ${field}`, show(m), 'use exact or regex');
    }
    if (m.regex !== undefined) checkRegex(subject, `${where}: ${field}`, m.regex);
    if (m.exact === '' || m.prefix === '') {
      refuse(subject, `${where}: ${field} compares with an empty string`, show(m),
        'give a non-empty value, or use headerPresent() to check only that a header is there');
    }
  };
  for (const [name, m] of Object.entries(c.headers ?? {})) {
    if (name.trim() === '') {
      refuse(subject, `${where}: header name is empty`, show(name), 'name the header, e.g. "end-user"');
    }
    if (!isHttpToken(name)) {
      refuse(subject, `${where}: a header name may contain only letters, digits and !#$%&'*+-.^_\`|~ (RFC 7230)`, show(name),
        'remove spaces, colons and other separators from the name');
    }
    if (name !== name.toLowerCase()) {
      refuse(subject, `${where}: Istio only accepts lower-case header names`, show(name), `write ${show(name.toLowerCase())}`);
    }
    checkString(`header ${show(name)}`, m, true);
  }
  if (c.uri) {
    checkString('uri', c.uri, false);
    const path = c.uri.exact ?? c.uri.prefix;
    if (path !== undefined && !path.startsWith('/')) {
      // Envoy compares the path as sent, which always starts with "/": such a match never matches.
      refuse(subject, `${where}: a uri ${c.uri.exact !== undefined ? 'exact' : 'prefix'} match must start with "/", or it never matches`,
        show(path), `write ${show(`/${path}`)}`);
    }
    if (c.uri.exact?.includes('?')) {
      // Envoy compares an exact path with the query string removed (route `path`), so a "?" never matches.
      refuse(subject, `${where}: a uri exact match is compared without the query string, so one carrying "?" never matches`,
        show(c.uri.exact), `match ${show(c.uri.exact.split('?')[0])} and the query with Match.queryParam(name, value)`);
    }
  }
  if (c.method) {
    checkString('method', c.method, false);
    const method = c.method.exact ?? c.method.prefix;
    if (method !== undefined && method !== method.toUpperCase()) {
      // HTTP methods are case-sensitive and clients send them in upper case (RFC 9110 9.1); Envoy compares
      // `:method` as sent.
      refuse(subject, `${where}: HTTP methods are upper case, so this method never matches`, show(method), `write ${show(method.toUpperCase())}`);
    }
  }
  for (const [name, m] of Object.entries(c.queryParams ?? {})) {
    if (name.trim() === '') {
      refuse(subject, `${where}: query parameter name is empty`, show(name), 'name the parameter');
    }
    checkString(`query parameter ${show(name)}`, m, false, false);
  }
  if (c.port !== undefined) checkPort(subject, `${where}: match port`, c.port);
}

/**
 * True when `value` satisfies `m` as Istio compares: exact equality, prefix, or an RE2 full match; an empty match
 * (header presence) accepts any value.
 */
export function stringMatchAccepts(m: StringMatch, value: string): boolean {
  if (m.exact !== undefined) return value === m.exact;
  if (m.prefix !== undefined) return value.startsWith(m.prefix);
  if (m.regex !== undefined) return RE2JS.compile(m.regex).matches(value);
  return true;
}

/**
 * The string matches of Istio's API that take the paths a path prefix takes by whole path elements (Gateway API's
 * `PathPrefix`, which Istio itself renders as Envoy's `path_separated_prefix`): the exact path and the prefix ending
 * in `/`, a trailing `/` of `prefix` ignored; `/` takes every path. Other string matches are returned as they are.
 */
export function elementPrefixUris(uri: StringMatch): StringMatch[] {
  if (uri.prefix === undefined) return [uri];
  const trimmed = uri.prefix.replace(/\/+$/, '');
  return trimmed === '' ? [{ prefix: '/' }] : [{ exact: trimmed }, { prefix: `${trimmed}/` }];
}

/**
 * One string match for a path prefix by whole path elements, for a place that takes one (Argo Rollouts' managed
 * routes): the RE2 full match `<prefix>(/.*)?`, which Envoy compares with the path without its query string.
 */
export function elementPrefixUri(uri: StringMatch): StringMatch {
  const uris = elementPrefixUris(uri);
  if (uris.length === 1) return uris[0];
  return { regex: `${uris[0].exact!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(/.*)?` };
}

/** Throws unless `regex` is a valid RE2 expression (Istio and Envoy use RE2, which has no lookaround or backreferences). */
export function checkRegex(subject: string, where: string, regex: string): void {
  try {
    new RE2JS(regex);
  } catch (e) {
    refuse(subject, `${where} is not a valid RE2 regular expression: ${(e as Error).message}`, show(regex),
      'fix the expression; RE2 has no lookaround and no backreferences');
  }
}

/** Throws unless `port` is a whole number from 1 to 65535. */
export function checkPort(subject: string, what: string, port: number): void {
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    refuse(subject, `${what} must be a whole number from 1 to 65535`, show(port), 'use a valid TCP port');
  }
}

/**
 * The ports the Istio sidecar (and in ambient, ztunnel's capture) listens on in every pod: Envoy admin 15000,
 * outbound 15001, 15004, inbound 15006, HBONE 15008 and 15009, the agent 15020, health 15021, DNS 15053, Prometheus
 * 15090 (istio.io, "Application requirements", ports used by Istio). An application port among them collides with
 * the proxy, whose iptables rules also exclude them from capture.
 */
const SIDECAR_PORTS: readonly number[] = [15000, 15001, 15004, 15006, 15008, 15009, 15020, 15021, 15053, 15090];

/**
 * Checks the port a workload's container listens on. `explicit`: given as `containerPort` (else it defaults to the
 * Service port, whose range is checked with the release).
 */
export function checkContainerPort(subject: string, port: number, explicit: boolean): void {
  if (explicit) checkPort(subject, 'containerPort', port);
  if (SIDECAR_PORTS.includes(port)) {
    refuse(subject, `the container port${explicit ? '' : ' (the port, as containerPort is not set)'} is one the Istio sidecar listens on `
      + `in every pod (${SIDECAR_PORTS.join(', ')})`, show(port), 'set containerPort to another port; the Service port can stay');
  }
}
