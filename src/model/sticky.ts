/**
 * A sticky canary as plain data: a client that reached the canary keeps reaching it. Responses from the canary set a
 * cookie; a rule ahead of the default split sends requests carrying the cookie to the canary. While the canary takes
 * no traffic (weight 0) the rule and the cookie go, so no one is held on a version that no longer serves.
 */
import { Duration } from 'cdk8s';
import { invalid, show } from './errors';
import { Match } from './match';
import { isHttpToken } from './names';
import { Release, RouteRule, defaultRouteWeights, httpPorts, subjectOf } from './release';
import { checkDuration } from './route-policy';

/** Options of a sticky canary. */
export interface StickyCanary {
  /**
   * The canary version clients stay on.
   * @default the first version other than the stable one that the default split sends traffic to
   */
  readonly version?: string;
  /**
   * Name of the cookie; its value is the version name.
   * @default "canary"
   */
  readonly cookieName?: string;
  /**
   * How long a client stays on the canary after its last response from it (the cookie's Max-Age).
   * @default one day
   */
  readonly maxAge?: Duration;
}

/** Checks the options where they are given. */
export function checkStickyCanary(subject: string, sticky: StickyCanary): void {
  if (sticky === null || typeof sticky !== 'object') {
    throw invalid(subject, 'stickyCanary must be an object of options', show(sticky), 'e.g. { cookieName: "canary", maxAge: Duration.hours(12) }');
  }
  const cookie = sticky.cookieName ?? 'canary';
  if (!isHttpToken(cookie)) {
    throw invalid(subject, 'stickyCanary cookieName must be a cookie name (RFC 6265 token)', show(cookie), 'use letters, digits, "-" or "_", e.g. "canary"');
  }
  if (sticky.maxAge !== undefined) {
    checkDuration(subject, 'stickyCanary maxAge', sticky.maxAge);
    if (sticky.maxAge.toMilliseconds() % 1000 !== 0) {
      throw invalid(subject, 'stickyCanary maxAge must be whole seconds (a cookie\'s Max-Age)', `${sticky.maxAge.toMilliseconds()}ms`, 'use e.g. Duration.hours(12)');
    }
  }
}

/** The version the sticky canary holds clients on, or undefined while no canary takes traffic. */
export function stickyVersion(release: Release, sticky: StickyCanary): string | undefined {
  const shares = defaultRouteWeights(release);
  const takesTraffic = (v: string) => shares === undefined || (shares[v] ?? 0) > 0; // all pods: every version serves
  if (sticky.version !== undefined) {
    if (!release.versions.includes(sticky.version)) {
      throw invalid(subjectOf(release), 'stickyCanary version is not one of the versions', show(sticky.version),
        `use one of ${release.versions.map((v) => (typeof v === 'string' ? v : show(v))).join(', ')}`);
    }
    return takesTraffic(sticky.version) ? sticky.version : undefined;
  }
  return release.versions.find((v) => v !== release.stable && takesTraffic(v));
}

/**
 * The release with the sticky rule (after the release's own rules, ahead of the default split) and the canary's
 * `Set-Cookie` response header; unchanged while no canary takes traffic.
 */
export function withStickyCanary(release: Release, sticky: StickyCanary | undefined): Release {
  if (!sticky) return release;
  if (httpPorts(release).length === 0) {
    throw invalid(subjectOf(release), 'a sticky canary routes by a cookie, an HTTP header, and a service without HTTP ports is routed as TCP',
      `protocol ${release.ports[0].protocol}`, 'drop stickyCanary, or give the service an HTTP port (http, http2, grpc)');
  }
  if (defaultRouteWeights(release) === undefined) {
    // The cookie is set on the responses of routes to the canary's subset, and a default route to all pods names
    // no subset: no response ever sets it, so no client sticks.
    throw invalid(subjectOf(release), 'a sticky canary needs the default route to split by weights, and DefaultRoute.ALL_PODS sends to no version',
      'defaultRoute ALL_PODS', 'use DefaultRoute.WEIGHTS (the default), or drop stickyCanary');
  }
  const version = stickyVersion(release, sticky);
  if (version === undefined) return release;
  const cookie = sticky.cookieName ?? 'canary';
  const maxAge = (sticky.maxAge ?? Duration.days(1)).toSeconds();
  const escaped = cookie.replace(/[.*+?^$|\\()[\]{}]/g, '\\$&');
  const rule: RouteRule = {
    name: `sticky-${version}`,
    match: [Match.headerRegex('cookie', `(.*; ?)?${escaped}=${version}(;.*)?`)],
    to: { [version]: 100 },
  };
  const own = release.versionPolicies?.[version];
  const response = own?.headers?.response;
  if (response?.add?.['set-cookie'] !== undefined || response?.set?.['set-cookie'] !== undefined) {
    throw invalid(subjectOf(release), `version ${show(version)} already sets set-cookie, which the sticky canary needs`,
      show(response), 'drop the set-cookie header operation, or the stickyCanary');
  }
  const headers = {
    ...own?.headers,
    response: { ...response, add: { ...response?.add, 'set-cookie': `${cookie}=${version}; Max-Age=${maxAge}; Path=/` } },
  };
  return {
    ...release,
    rules: [...release.rules, rule],
    versionPolicies: { ...release.versionPolicies, [version]: { ...own, headers } },
  };
}
