/**
 * The model of one release: versions, the default split and ordered match rules, as plain data.
 * Its checks are plain functions over it, tested without constructs; the renderers in istio/ turn it into objects.
 */
import { canonicalJson } from './data';
import { refuse, show } from './errors';
import { istioPrefixCovers, istioPrefixView } from './istio-overlap';
import { Match, checkMatch, checkPort, elementPrefixUris } from './match';
import { MAX_LABEL_LENGTH, checkDnsLabel, checkServiceName } from './names';
import { Protocol, isHttpProtocol } from './protocol';
import {
  HeaderPolicy, Redirect, Rewrite, RoutePolicy, checkRedirect, checkRoutePolicy, hasRoutePolicy, routePolicyKeys,
} from './route-policy';
import { TrafficPolicy, checkTrafficPolicy } from './traffic-policy';

/** Percent of traffic per version name. Versions left out get 0. */
export type Weights = Readonly<Record<string, number>>;

/** An ordered routing rule: requests matching any of `match` go to `to`, with the rule's route options. */
export interface RouteRule extends RoutePolicy {
  /** Unique within the release; becomes the Istio route name. */
  readonly name: string;
  /** OR of matches; each match is an AND of conditions. A match's `port` condition limits it to that port. */
  readonly match: Match[];
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

/** How the routes tell versions apart. */
export enum Split {
  /**
   * Versions are subsets of the one Service, selected by the `version` label in a DestinationRule. The common
   * choice: one Service, one DNS name, Istio picks the pods.
   */
  SUBSET = 'subset',
  /**
   * Each version also gets a Service of its own, `<name>-<version>`, and routes name those hosts (no subsets).
   * For per-version DNS names (direct debugging, per-Service metrics and policies) and for tooling that splits
   * by host.
   */
  HOST = 'host',
}

/** What the default route (the one after every rule) does with the requests that reach it. */
export enum DefaultRoute {
  /** Split by `weights`, whole percent per version adding up to 100. */
  WEIGHTS = 'weights',
  /**
   * The same share for every version: relative weights of 1 each (Istio 1.15 and later take weights as relative),
   * exactly a third each for three versions where percent would have to round to 34/33/33.
   */
  EVEN = 'even',
  /**
   * No split: the default route sends to the Service's host without a subset, so requests spread over the pods of
   * every version as the Service alone would (Bookinfo's `destination-rule-all` samples: subsets defined for rules
   * to use, traffic otherwise following the pods).
   */
  ALL_PODS = 'all-pods',
}

/** Everything needed to check and render the routing of one service. */
export interface Release {
  /** Service name, also the `app` label. */
  readonly name: string;
  /** Fully qualified host of the Service, used by the DestinationRule and every destination. */
  readonly host: string;
  /** The Service's ports, at least one. */
  readonly ports: ReleasePort[];
  /** Version names, in declaration order (the render order of subsets and destinations). */
  readonly versions: string[];
  /** The version that gets traffic nothing else claims. */
  readonly stable: string;
  /** The default route's split, with `DefaultRoute.WEIGHTS`. */
  readonly weights: Weights;
  /**
   * What the default route does.
   * @default DefaultRoute.WEIGHTS
   */
  readonly defaultRoute?: DefaultRoute;
  /** Rules before the default route, first match wins. */
  readonly rules: RouteRule[];
  /** Options of the default route (HTTP ports). */
  readonly policy?: RoutePolicy;
  /** Service-wide DestinationRule traffic policy. */
  readonly trafficPolicy?: TrafficPolicy;
  /** Per-version policies, by version name. */
  readonly versionPolicies?: Readonly<Record<string, VersionPolicy>>;
  /**
   * Header operations on the default route's destination of each version only, by version name, on top of the
   * version's own: a sticky canary's `Set-Cookie` naming the version the split chose.
   * @default none
   */
  readonly splitHeaders?: Readonly<Record<string, HeaderPolicy>>;
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
   * Labels of each version's subset.
   * @default `{ version: <version> }`
   */
  readonly subsetLabels?: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /**
   * The default route lists every version with its weight, zeros included: a controller (Argo Rollouts) patches
   * the weights of the destinations it finds in place.
   */
  readonly keepZeroWeights?: boolean;
  /**
   * Versions on their way out: their workloads and subsets stay, and no route may send them traffic, so a later change
   * can remove them without a failed request (make before break, in reverse).
   * @default none
   */
  readonly draining?: string[];
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

/**
 * The default route's weights: `weights`, or 1 per version for `DefaultRoute.EVEN`; undefined for
 * `DefaultRoute.ALL_PODS`, which sends to the Service without a split.
 */
export function defaultRouteWeights(release: Release): Weights | undefined {
  switch (release.defaultRoute ?? DefaultRoute.WEIGHTS) {
    case DefaultRoute.EVEN: return Object.fromEntries(release.versions.map((v) => [v, 1]));
    case DefaultRoute.ALL_PODS: return undefined;
    default: return release.weights;
  }
}

/** The error subject of a release, e.g. `canary "reviews"`. */
export function subjectOf(release: Release): string {
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
        refuse(subject, `host-level split has no host for version ${show(version)}`, show(release.hosts), 'give every version a host');
      }
      if (release.hosts[version].port !== undefined) checkPort(subject, `version ${show(version)} port`, release.hosts[version].port!);
    }
  }
  if (!release.versions.includes(release.stable)) {
    refuse(subject, 'stable version is not one of the versions', show(release.stable), `use one of ${release.versions.join(', ')}`);
  }
  const defaultRoute = release.defaultRoute ?? DefaultRoute.WEIGHTS;
  if (!Object.values(DefaultRoute).includes(defaultRoute)) {
    refuse(subject, 'unknown defaultRoute', show(defaultRoute), `use one of ${Object.keys(DefaultRoute).map((k) => `DefaultRoute.${k}`).join(', ')}`);
  }
  if (defaultRoute === DefaultRoute.WEIGHTS) {
    checkWeights(subject, 'weights', release.weights, release.versions);
  } else if (release.weights === null || typeof release.weights !== 'object' || Array.isArray(release.weights) || Object.keys(release.weights).length > 0) {
    const isMap = release.weights !== null && typeof release.weights === 'object' && !Array.isArray(release.weights)
      && Object.values(release.weights).every((w) => typeof w === 'number');
    refuse(subject, `weights apply to the default route only with DefaultRoute.WEIGHTS, and defaultRoute is ${defaultRoute}`,
      isMap ? formatWeights(release.weights) : show(release.weights), 'drop the weights, or the defaultRoute');
  }
  if (release.policy) {
    checkRoutePolicy(subject, 'default route', release.policy, release.versions);
    if (hasRoutePolicy(release.policy)) requireHttpPort(subject, 'default route', release, routePolicyKeys(release.policy));
  }
  if (release.trafficPolicy) checkTrafficPolicy(subject, 'trafficPolicy', release.trafficPolicy);
  for (const [version, policy] of Object.entries(release.versionPolicies ?? {})) {
    const where = `version ${show(version)}`;
    if (!release.versions.includes(version)) {
      refuse(subject, `${where} has a policy but is not one of the versions`, show(version), `use one of ${release.versions.join(', ')}`);
    }
    if (policy.trafficPolicy) checkTrafficPolicy(subject, `${where} trafficPolicy`, policy.trafficPolicy);
    if (policy.headers) {
      checkRoutePolicy(subject, where, { headers: policy.headers }, release.versions);
      requireHttpPort(subject, where, release, ['headers']);
    }
  }
  checkDraining(subject, release);
  const names = new Set<string>([DEFAULT_ROUTE_NAME]);
  release.rules.forEach((rule, index) => {
    if (names.has(rule.name)) {
      refuse(subject, 'route names must be unique, and "default" is the default route\'s', show(rule.name), 'give the route another name');
    }
    names.add(rule.name);
    checkRule(subject, release, rule, release.rules.slice(0, index));
  });
}

/**
 * A draining version keeps its workloads and subset and takes no traffic: not the stable version, 0 in the default split,
 * in no rule (the service's own, a lane's, a sticky cookie's), and no default route that reaches every version.
 */
function checkDraining(subject: string, release: Release): void {
  const draining = release.draining ?? [];
  if (draining.length === 0) return;
  for (const version of draining) {
    if (!release.versions.includes(version)) {
      refuse(subject, 'a draining version must be one of the versions', show(version), `use one of ${release.versions.join(', ')}`);
    }
  }
  const remaining = release.versions.filter((v) => !draining.includes(v));
  if (remaining.length === 0) {
    refuse(subject, 'every version is draining, so no version would take traffic', draining.join(', '), 'keep at least one version that is not draining');
  }
  const drain = `drain it in two steps: first send its traffic to ${remaining.join(' or ')}, then mark it draining`;
  if (draining.includes(release.stable)) {
    refuse(subject, `the stable version ${show(release.stable)} is draining`, `stable ${release.stable}`, `make another version stable, e.g. stable: ${show(remaining[0])}`);
  }
  const defaultRoute = release.defaultRoute ?? DefaultRoute.WEIGHTS;
  if (defaultRoute !== DefaultRoute.WEIGHTS) {
    refuse(subject, `version ${show(draining[0])} is draining, and the default route ${defaultRoute === DefaultRoute.EVEN ? 'gives every version a share' : 'reaches the pods of every version'}`,
      `defaultRoute ${defaultRoute}`, 'use weights (DefaultRoute.WEIGHTS) without the draining version');
  }
  for (const version of draining) {
    const weight = release.weights[version] ?? 0;
    if (weight > 0) {
      refuse(subject, `version ${show(version)} is draining but the default route still sends it traffic`, `${version}=${weight}`,
        `give its weight to the other versions (e.g. shiftWeights({ ${remaining[0]}: 100 })), or ${drain}`);
    }
    const rule = release.rules.find((r) => (r.to[version] ?? 0) > 0);
    if (rule) {
      refuse(subject, `version ${show(version)} is draining but route ${show(rule.name)} still sends it traffic`, `${rule.name} → ${formatWeights(rule.to, release.versions)}`,
        `route it to another version (a lane's version, a sticky canary's or a rule's), or ${drain}`);
    }
  }
}

/** Checks ports: at least one, unique numbers and names, names that tell Istio the protocol (its IST0118). */
export function checkPorts(subject: string, ports: readonly ReleasePort[]): void {
  if (ports.length === 0) refuse(subject, 'needs at least one port', '[]', 'set port, or ports: [{ number: 8080 }]');
  const numbers = new Set<number>();
  const names = new Set<string>();
  for (const port of ports) {
    checkPort(subject, 'port', port.number);
    if (!Object.values(Protocol).includes(port.protocol)) {
      refuse(subject, 'unknown protocol', show(port.protocol), `use one of ${Object.values(Protocol).join(', ')}`);
    }
    if (numbers.has(port.number)) refuse(subject, 'port numbers must be unique', show(port.number), 'remove the duplicate port');
    numbers.add(port.number);
    checkDnsLabel(subject, 'port name', port.name);
    if (port.name.includes('--')) {
      // IANA service names, which Kubernetes requires of port names, have no "--".
      refuse(subject, 'port name cannot contain "--"', show(port.name), `use ${show(port.name.replace(/-+/g, '-'))}`);
    }
    if (port.name.length > 15) {
      // Kubernetes limits container port names (IANA service names) to 15 characters.
      refuse(subject, 'port name must be at most 15 characters', show(port.name), `shorten it, e.g. ${show(port.protocol)}`);
    }
    if (port.name !== port.protocol && !port.name.startsWith(`${port.protocol}-`)) {
      refuse(subject, `port ${port.number} name must be "<protocol>" or "<protocol>-<suffix>", so Istio can tell its protocol`,
        show(port.name), `name it ${show(port.protocol)} or ${show(`${port.protocol}-${port.name}`)}`);
    }
    if (names.has(port.name)) refuse(subject, 'port names must be unique', show(port.name), 'give each port its own name');
    names.add(port.name);
  }
}

/**
 * Checks version names: present, unique, DNS labels, and (for workloads named after them) short enough to name a
 * Deployment and Service `<name>-<version>`.
 */
export function checkVersions(subject: string, name: string, versions: readonly string[], workloads = true): void {
  if (versions.length === 0) {
    refuse(subject, 'needs at least one version', '[]', 'add a version, e.g. { name: "v1", image: "..." }');
  }
  const seen = new Set<string>();
  for (const version of versions) {
    checkDnsLabel(subject, 'version name', version);
    if (seen.has(version)) {
      refuse(subject, 'version names must be unique', show(version), 'rename or remove the duplicate');
    }
    seen.add(version);
    const deployment = `${name}-${version}`;
    if (workloads && deployment.length > MAX_LABEL_LENGTH) {
      refuse(subject, `deployment name "<name>-<version>" must be at most ${MAX_LABEL_LENGTH} characters`,
        `${show(deployment)}, ${deployment.length} characters`, 'shorten the service or version name');
    }
  }
}

/** Checks one split: known versions, whole percentages from 0 to 100 that add up to 100. */
export function checkWeights(subject: string, what: string, weights: Weights, versions: readonly string[]): void {
  if (weights === null || typeof weights !== 'object' || Array.isArray(weights)) {
    refuse(subject, `${what} must be an object of versions to percent`, show(weights), 'e.g. { v1: 90, v2: 10 }');
  }
  const entries = Object.entries(weights);
  for (const [version, weight] of entries) {
    if (typeof weight !== 'number') {
      const text: unknown = weight;
      const quotedNumber = typeof text === 'string' && text.trim() !== '' && Number.isFinite(Number(text));
      refuse(subject, `${what}: the weight of ${show(version)} must be a number`, show(weight),
        quotedNumber ? `write ${text} without quotes` : 'write a whole number from 0 to 100');
    }
    if (!versions.includes(version)) {
      refuse(subject, `${what} name a version that does not exist`, show(version), `use one of ${versions.join(', ')}`);
    }
    if (!Number.isInteger(weight) || weight < 0 || weight > 100) {
      refuse(subject, `${what} must be whole percentages from 0 to 100`, `${version}=${weight}`, 'use a whole number from 0 to 100');
    }
  }
  const sum = entries.reduce((total, [, weight]) => total + weight, 0);
  if (sum !== 100) {
    refuse(subject, `${what} must add up to 100`, formatWeights(weights, versions), `adjust them so they sum to 100 (they sum to ${sum})`);
  }
}

/** The ports routed with `http` routes (HTTP, HTTP2, gRPC, gRPC-Web). */
export function httpPorts(release: Release): ReleasePort[] {
  return release.ports.filter((p) => isHttpProtocol(p.protocol));
}

/** The ports routed with `tcp` routes. */
export function tcpPorts(release: Release): ReleasePort[] {
  return release.ports.filter((p) => !isHttpProtocol(p.protocol));
}

/** HTTP-only options need an HTTP-family port to land on. */
function requireHttpPort(subject: string, where: string, release: Release, options: string[]): void {
  if (httpPorts(release).length > 0) return;
  const protocol = release.ports[0].protocol;
  refuse(subject, `${where}: ${options.join(', ')} ${options.length > 1 ? 'are HTTP route options' : 'is an HTTP route option'}, and a ${protocol} service is routed as TCP`,
    `protocol ${protocol}`, 'drop them, or use an HTTP protocol');
}

/** True when a rule can only be an `http` route: it looks at HTTP request fields or sets HTTP route options. */
export function isHttpOnlyRule(rule: RouteRule): boolean {
  return rule.redirect !== undefined || hasRoutePolicy(rule) || rule.match.some(isHttpOnlyMatch);
}

function isHttpOnlyMatch(match: Match): boolean {
  const { headers, uri, method, queryParams } = match.conditions;
  return Boolean(headers || uri || method || queryParams);
}

/** The rule's matches that apply to `port`: those without a port condition, and those naming that port. */
export function matchesOnPort(rule: RouteRule, port: ReleasePort): Match[] {
  return rule.match.filter((m) => m.conditions.port === undefined || m.conditions.port === port.number);
}

function checkRule(subject: string, release: Release, rule: RouteRule, earlier: readonly RouteRule[]): void {
  const where = `route ${show(rule.name)}`;
  if (rule.name.trim() === '') {
    refuse(subject, 'route name is empty', show(rule.name), 'name the route');
  }
  if (rule.match.length === 0 || rule.match.some((m) => m.isCatchAll)) {
    const got = rule.match.length === 0 ? 'no match' : rule.match.map(String).join(' or ');
    refuse(subject, `${where} matches every request, so the default route after it could never be used`, got,
      'give the route a narrower match, or change the default split with shiftWeights()');
  }
  for (const match of rule.match) {
    checkMatch(subject, where, match);
    const port = match.conditions.port;
    if (port !== undefined && !release.ports.some((p) => p.number === port)) {
      refuse(subject, `${where} matches port ${port}, which the service does not have`, show(match.toString()),
        `use one of its ports: ${release.ports.map((p) => p.number).join(', ')}`);
    }
    if (port !== undefined && release.ports.length === 1 && match.withoutPort().isCatchAll) {
      refuse(subject, `${where} matches every request: port ${port} is the service's only port`, show(match.toString()),
        'match something narrower, such as source labels');
    }
    if (port !== undefined && match.withoutPort().isCatchAll) {
      // The routes are rendered per port: the default route of this port would never be used (istiod warns).
      refuse(subject, `${where} matches every request on port ${port}, so the default route of that port could never be used`,
        show(match.toString()), 'match something narrower on that port, or change the split with shiftWeights()');
    }
  }
  const keys = rule.match.map(meaningOf);
  const twice = keys.findIndex((k, i) => keys.indexOf(k) !== i);
  if (twice >= 0) {
    refuse(subject, `${where} lists one match twice (istiod warns the second is never used)`, show(rule.match[twice].toString()), 'list it once');
  }
  checkRoutePolicy(subject, where, rule, release.versions);
  if (rule.redirect !== undefined) {
    checkRedirect(subject, where, rule.redirect);
    const extra = [...(Object.keys(rule.to).length > 0 ? ['a destination (to)'] : []), ...routePolicyKeys(rule).filter((k) => k !== 'redirect')];
    if (extra.length > 0) {
      refuse(subject, `${where}: a redirect answers without forwarding, so it cannot come with ${extra.join(', ')}`,
        `redirect with ${extra.join(', ')}`, 'drop them, or drop the redirect');
    }
  } else {
    checkWeights(subject, `${where} weights`, rule.to, release.versions);
  }
  if (isHttpOnlyRule(rule) && httpPorts(release).length === 0) {
    const protocol = release.ports[0].protocol;
    const httpMatch = rule.match.find(isHttpOnlyMatch);
    if (httpMatch) {
      refuse(subject, `${where}: a ${protocol} service is routed as TCP, which cannot see headers, paths, methods or query parameters`,
        show(httpMatch.toString()), 'match only on port or source labels, or use an HTTP protocol');
    }
    requireHttpPort(subject, where, release, routePolicyKeys(rule));
  }
  const ports = isHttpOnlyRule(rule) ? httpPorts(release) : release.ports;
  if (!ports.some((port) => matchesOnPort(rule, port).length > 0)) {
    refuse(subject, `${where} applies to no port: its port matches name only ports that cannot take it`,
      rule.match.map(String).join(' or '), `match an HTTP port (${httpPorts(release).map((p) => p.number).join(', ')}) or drop the port condition`);
  }
  checkReachable(subject, where, rule, earlier);
}

/** A route's name and matches, as rules and gateway routes have them. */
export interface NamedMatches {
  readonly name: string;
  readonly match: readonly Match[];
}

/**
 * Refuses a route, or a match of it, that earlier routes already take (it could never be used), or that istiod would
 * report as unused: the same rendered match, or a path prefix that takes its path.
 */
export function checkReachable(subject: string, where: string, rule: NamedMatches, earlier: readonly NamedMatches[]): void {
  // A rule, or a match, whose rendered matches earlier rules already take can never be used; istiod warns of it, and
  // of a path prefix it takes as covered though source labels or regex values tell it apart (pkg/config/validation,
  // analyzeUnreachableHTTPRules). A path prefix renders as an exact path and a prefix ending in `/` (Match.uriPrefix).
  const parts = rule.match.map((match) => ({ match, owners: renderedMatches(match).map((rendered) => shadowOf(rendered, earlier)) }));
  const taken = (o: Shadow | undefined) => o !== undefined && o.kind !== 'istiod';
  if (parts.every((p) => p.owners.every(taken))) {
    const owners = parts.flatMap((p) => p.owners as Shadow[]);
    const covered = owners.find((o) => o.kind === 'covers');
    if (covered) refuseCovered(subject, where, covered, 'this route', rule.match.map(String).join(' or '));
    const names = [...new Set(owners.map((owner) => owner.rule.name))];
    refuse(subject, `${where} can never match: ${names.length === 1 ? 'route' : 'routes'} ${names.map(show).join(', ')} before it already `
      + `${names.length === 1 ? 'matches' : 'match'} the same requests`, rule.match.map(String).join(' or '), `remove ${where} or give it a different match`);
  }
  for (const { match, owners } of parts) {
    if (owners.every(taken)) {
      const covered = owners.find((o) => o!.kind === 'covers');
      if (covered) refuseCovered(subject, where, covered, `its match ${match}`, match.toString());
      refuse(subject, `${where}: this match is never used, route ${show(owners[0]!.rule.name)} before it has the same match`, show(match.toString()),
        `drop the match from ${where}`);
    }
    const flagged = owners.find((o) => o !== undefined && o.kind !== 'same' && o.istiodWarns);
    if (flagged) refuseCovered(subject, where, { ...flagged, kind: 'istiod' }, `its match ${match}`, match.toString());
  }
}

/** An earlier rule that takes a rendered match's requests, and how. */
interface Shadow {
  readonly rule: NamedMatches;
  /**
   * `same`: the same match; `covers`: a match no narrower on any condition, whose path prefix takes the path; `istiod`:
   * one istiod takes as covering it (see istioPrefixCovers), though source labels or regex values tell them apart.
   */
  readonly kind: 'same' | 'covers' | 'istiod';
  /** Whether istiod warns of the covered match (it compares path prefixes with path prefixes only). */
  readonly istiodWarns: boolean;
  /** The earlier rule's match, and the rendered part of it that takes the shadowed one. */
  readonly byMatch: Match;
  readonly by: Record<string, any>;
  readonly shadowed: Record<string, any>;
}

function shadowOf(rendered: Record<string, any>, earlier: readonly NamedMatches[]): Shadow | undefined {
  const key = canonicalJson(rendered);
  const view = istioPrefixView(rendered);
  let istiodOnly: Shadow | undefined;
  for (const rule of earlier) {
    for (const byMatch of rule.match) {
      for (const by of renderedMatches(byMatch)) {
        const byView = istioPrefixView(by);
        const istiodWarns = view !== undefined && byView !== undefined && istioPrefixCovers(byView, view);
        if (canonicalJson(by) === key) return { rule, kind: 'same', istiodWarns: false, byMatch, by, shadowed: rendered };
        if (takesAll(by, rendered)) return { rule, kind: 'covers', istiodWarns, byMatch, by, shadowed: rendered };
        if (istiodWarns && !istiodOnly) istiodOnly = { rule, kind: 'istiod', istiodWarns, byMatch, by, shadowed: rendered };
      }
    }
  }
  return istiodOnly;
}

/** True when rendered match `a` takes every request `b` does: no narrower on any condition, its path prefix taking b's path. */
function takesAll(a: Record<string, any>, b: Record<string, any>): boolean {
  if (Object.keys(a).some((key) => key !== 'uri' && canonicalJson(a[key]) !== canonicalJson(b[key]))) return false;
  if (a.uri === undefined) return true;
  if (b.uri === undefined) return false;
  if (a.uri.prefix === undefined) return canonicalJson(a.uri) === canonicalJson(b.uri);
  const path: string | undefined = b.uri.prefix ?? b.uri.exact;
  return path !== undefined && path.startsWith(a.uri.prefix);
}

/** Refuses a rule or match an earlier rule's path prefix covers, in fact or in istiod's eyes. */
function refuseCovered(subject: string, where: string, shadow: Shadow, what: string, got: string): never {
  const paths = shadow.by.uri?.prefix !== undefined
    ? `its path prefix ${shadow.by.uri.prefix} takes ${shadow.shadowed.uri.prefix ?? shadow.shadowed.uri.exact}`
    : `its match ${shadow.byMatch} takes every request of it`;
  const fix = `add ${where} before route ${show(shadow.rule.name)}, or give it a match that route does not take`;
  if (shadow.kind === 'covers') {
    refuse(subject, `${where}: ${what} can never match, route ${show(shadow.rule.name)} before it takes its requests (${paths})`, got, fix);
  }
  refuse(subject, `${where}: istiod would report ${what} as never used: route ${show(shadow.rule.name)} comes before it and ${paths}; `
    + 'istiod does not compare source labels or regex values', got, fix);
}

/** A match as the matches Istio's API is given for it: a path prefix is an exact path and a prefix. */
function renderedMatches(match: Match): Array<Record<string, any>> {
  const uri = match.conditions.uri;
  return uri ? elementPrefixUris(uri).map((u) => ({ ...match.conditions, uri: u })) : [{ ...match.conditions }];
}

/**
 * A match's conditions as a key that equal meanings share: a path prefix means whole path elements, so `/a/` and `/a`
 * are one prefix (see Match.uriPrefix).
 */
function meaningOf(match: Match): string {
  const prefix = match.conditions.uri?.prefix;
  if (prefix === undefined || prefix.length < 2 || !prefix.endsWith('/')) return canonicalJson(match.conditions);
  return canonicalJson({ ...match.conditions, uri: { prefix: prefix.replace(/\/+$/, '') || '/' } });
}

/**
 * `v1=90 v2=20`, in the order of `versions` when given: maps from Java's `Map.of` or Go have no order of their own, and
 * a message must read the same on every run.
 */
export function formatWeights(weights: Weights, versions: readonly string[] = []): string {
  const rank = (version: string) => (versions.includes(version) ? versions.indexOf(version) : versions.length);
  const entries = Object.entries(weights).sort(([a], [b]) => rank(a) - rank(b));
  return entries.length === 0 ? 'no weights' : entries.map(([v, w]) => `${v}=${w}`).join(' ');
}

/** The service port a gateway's routes target: the one given, else the only HTTP-family port. */
export function gatewayTargetPort(release: Release, port: number | undefined): ReleasePort {
  const subject = subjectOf(release);
  const candidates = httpPorts(release);
  if (port !== undefined) {
    const found = candidates.find((p) => p.number === port);
    if (!found) {
      refuse(subject, 'a gateway can route only to an HTTP-family port of the service', show(port),
        `use one of ${candidates.map((p) => `${p.number} (${p.name})`).join(', ') || 'no port: the service has no HTTP-family port'}`);
    }
    return found;
  }
  if (candidates.length !== 1) {
    refuse(subject, candidates.length === 0 ? 'only HTTP-family services can be routed from a gateway' : 'has several HTTP-family ports, so the gateway route must name one',
      candidates.length === 0 ? `protocol ${release.ports.map((p) => p.protocol).join(', ')}` : candidates.map((p) => `${p.number} (${p.name})`).join(', '),
      candidates.length === 0 ? 'use an HTTP, HTTP2, GRPC or GRPC_WEB protocol' : 'pass port');
  }
  return candidates[0];
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

/**
 * Each of `own` also requiring one of the entry point's matches: the cross product, as routes OR their matches and
 * AND their conditions. No entry-point match leaves `own` as it is.
 * @throws when an entry-point match cannot be combined with a rule's (both constrain the path, say)
 */
export function withEdgeMatches(subject: string, edgeMatches: readonly Match[], own: readonly Match[]): Match[] {
  if (edgeMatches.length === 0) return [...own];
  return edgeMatches.flatMap((e) => own.map((m) => {
    try {
      return e.and(m);
    } catch (err) {
      refuse(subject, `the entry point's match ${show(e.toString())} cannot be combined with a rule's match`,
        show(m.toString()), 'drop the path condition from the rule or from the entry point');
    }
  }));
}
