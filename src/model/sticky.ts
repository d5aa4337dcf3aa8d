/**
 * Sticky versions as plain data: a client keeps the version it first got. Every version the default split gives
 * traffic sets a cookie naming itself on the split's responses, and a rule per such version, ahead of the default
 * split, sends requests carrying its cookie back to it. So the share of clients on each version is its weight, and a
 * client never flips. A version at weight 0 loses its rule and its cookie: its clients are split anew.
 */
import { Duration } from 'cdk8s';
import { dropUndefined } from './data';
import { refuse, show } from './errors';
import { Match } from './match';
import { isHttpToken } from './names';
import { Release, RouteRule, defaultRouteWeights, httpPorts, subjectOf } from './release';
import { HeaderOperations, HeaderPolicy, checkDuration } from './route-policy';

/**
 * Options of a sticky canary: every version the default split gives traffic keeps the clients it gets, so the share
 * of clients on each version is its weight.
 */
export interface StickyCanary {
  /**
   * Still checked to name one of the versions, otherwise ignored.
   * @default none
   * @deprecated every version the default split gives traffic is sticky now. With only the canary sticky, clients of
   * the stable version were split again on every request and drifted to the canary (with 90/10, 88% of clients after
   * 20 requests).
   */
  readonly version?: string;
  /**
   * Name of the cookie; its value is the version name.
   * @default "canary"
   */
  readonly cookieName?: string;
  /**
   * How long a client stays on its version after its last response from it (the cookie's Max-Age); a weight change
   * reaches a client once its cookie expires.
   * @default one day
   */
  readonly maxAge?: Duration;
}

/** Checks the options where they are given. */
export function checkStickyCanary(subject: string, sticky: StickyCanary): void {
  if (sticky === null || typeof sticky !== 'object') {
    refuse(subject, 'stickyCanary must be an object of options', show(sticky), 'e.g. { cookieName: "canary", maxAge: Duration.hours(12) }');
  }
  const cookie = sticky.cookieName ?? 'canary';
  if (!isHttpToken(cookie)) {
    refuse(subject, 'stickyCanary cookieName must be a cookie name (RFC 6265 token)', show(cookie), 'use letters, digits, "-" or "_", e.g. "canary"');
  }
  if (sticky.maxAge !== undefined) {
    checkDuration(subject, 'stickyCanary maxAge', sticky.maxAge);
    if (sticky.maxAge.toMilliseconds() % 1000 !== 0) {
      refuse(subject, 'stickyCanary maxAge must be whole seconds (a cookie\'s Max-Age)', `${sticky.maxAge.toMilliseconds()}ms`, 'use e.g. Duration.hours(12)');
    }
  }
}

/**
 * The versions the sticky canary holds clients on: those the default split gives traffic, in version order; none while
 * only one version takes traffic (there is nothing to stay on, and a canary started later splits every client anew).
 */
export function stickyVersions(release: Release, sticky: StickyCanary): string[] {
  if (sticky.version !== undefined && !release.versions.includes(sticky.version)) {
    refuse(subjectOf(release), 'stickyCanary version is not one of the versions', show(sticky.version),
      `use one of ${release.versions.map((v) => (typeof v === 'string' ? v : show(v))).join(', ')}`);
  }
  const shares = defaultRouteWeights(release) ?? {};
  const live = release.versions.filter((v) => (shares[v] ?? 0) > 0);
  return live.length > 1 ? live : [];
}

/** The regex on the `cookie` header that holds when it carries `<cookie>=<version>` as a whole cookie. */
export function stickyCookieRegex(cookie: string, version: string): string {
  const escape = (text: string) => text.replace(/[.*+?^$|\\()[\]{}]/g, '\\$&');
  // A cookie header is `a=1; b=2`: the name starts the header or follows "; ", the value ends it or precedes ";".
  return `(.*; ?)?${escape(cookie)}=${escape(version)}(;.*)?`;
}

/**
 * The release with a sticky rule per version that takes traffic (after the release's own rules and lanes, ahead of
 * the default split), each setting its cookie again, and the default split's destination of each such version
 * setting the cookie: `Set-Cookie: <cookie>=<version>; Max-Age=<seconds>; Path=/`. Unchanged while one version takes
 * all traffic. The sticky rules carry the default split's traffic, so they take the service's mirror too.
 */
export function withStickyCanary(release: Release, sticky: StickyCanary | undefined): Release {
  if (!sticky) return release;
  if (httpPorts(release).length === 0) {
    refuse(subjectOf(release), 'a sticky canary routes by a cookie, an HTTP header, and a service without HTTP ports is routed as TCP',
      `protocol ${release.ports[0].protocol}`, 'drop stickyCanary, or give the service an HTTP port (http, http2, grpc)');
  }
  if (defaultRouteWeights(release) === undefined) {
    // The cookie names the version the split chose, and a default route to all pods chooses none: no response would
    // set it, so no client sticks.
    refuse(subjectOf(release), 'a sticky canary needs the default route to split by weights, and DefaultRoute.ALL_PODS sends to no version',
      'defaultRoute ALL_PODS', 'use DefaultRoute.WEIGHTS (the default), or drop stickyCanary');
  }
  const versions = stickyVersions(release, sticky);
  if (versions.length === 0) return release;
  const cookie = sticky.cookieName ?? 'canary';
  const maxAge = (sticky.maxAge ?? Duration.days(1)).toSeconds();
  const serviceResponse = release.policy?.headers?.response;
  if (setsCookie(serviceResponse)) {
    refuse(subjectOf(release), 'the service\'s route headers already set set-cookie, which the sticky canary needs',
      show(serviceResponse), 'drop the set-cookie header operation, or the stickyCanary');
  }
  const setCookie = (version: string): HeaderPolicy => ({ response: { add: { 'set-cookie': `${cookie}=${version}; Max-Age=${maxAge}; Path=/` } } });
  for (const version of versions) {
    const response = release.versionPolicies?.[version]?.headers?.response;
    if (setsCookie(response)) {
      refuse(subjectOf(release), `version ${show(version)} already sets set-cookie, which the sticky canary needs`,
        show(response), 'drop the set-cookie header operation, or the stickyCanary');
    }
  }
  const rules = versions.map((version): RouteRule => dropUndefined({
    name: `sticky-${version}`,
    match: [Match.headerRegex('cookie', stickyCookieRegex(cookie, version))],
    to: { [version]: 100 },
    headers: setCookie(version),
    mirror: release.policy?.mirror,
  }));
  return {
    ...release,
    rules: [...release.rules, ...rules],
    splitHeaders: { ...release.splitHeaders, ...Object.fromEntries(versions.map((v) => [v, setCookie(v)])) },
  };
}

function setsCookie(ops: HeaderOperations | undefined): boolean {
  return Object.keys({ ...ops?.add, ...ops?.set }).some((name) => name.toLowerCase() === 'set-cookie');
}
