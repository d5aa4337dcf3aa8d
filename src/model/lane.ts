/**
 * Full-link gray lanes (全链路灰度) as plain data: a lane is a header value (and, when sticky, the calling pods'
 * version) that every member service routes to the lane's version, ahead of its own rules. Checking and the rules a
 * lane adds to a release are plain functions; ReleaseLane and CanaryService render them.
 */
import { refuse, show } from './errors';
import { Match, checkMatch, stringMatchAccepts } from './match';
import { checkDnsLabel } from './names';
import { isHttpProtocol } from './protocol';
import { Release, RouteRule } from './release';

/** The request header that puts a request in a lane. */
export interface LaneHeader {
  /** Header name, lower-case, e.g. `env`. */
  readonly name: string;
  /** The value that selects the lane, e.g. `gray`. */
  readonly value: string;
}

/** One lane. */
export interface Lane {
  /** Lane name, a DNS label; names the routes it adds (`lane-<name>`). */
  readonly name: string;
  /** The version members send the lane's requests to. */
  readonly version: string;
  /** The header that marks a request as in the lane. */
  readonly header: LaneHeader;
  /**
   * Also route calls from pods labelled `version: <version>` to the lane's version (mesh only).
   * @default false
   */
  readonly sticky?: boolean;
  /**
   * A member without the lane's version fails the synth instead of falling back to its stable version.
   * @default false
   */
  readonly strict?: boolean;
}

/** How errors name a lane. */
export function laneSubject(name: string): string {
  return `lane ${show(name)}`;
}

/** Checks one lane on its own: its name, version and header. */
export function checkLane(lane: Lane): void {
  const subject = laneSubject(lane.name);
  checkDnsLabel(subject, 'lane name', lane.name);
  checkDnsLabel(subject, 'lane version', lane.version);
  if (!lane.header || typeof lane.header.name !== 'string' || typeof lane.header.value !== 'string') {
    refuse(subject, 'needs a header name and value', show(lane.header), 'set header: { name: "env", value: "gray" }');
  }
  checkMatch(subject, 'lane header', headerMatch(lane));
}

/**
 * Checks that `lane` can live beside `others` (the lanes of one chart, or of one member): its own name, and a
 * header value no other lane claims (one request cannot belong to two lanes).
 */
export function checkLaneBeside(lane: Lane, others: readonly Lane[]): void {
  const subject = laneSubject(lane.name);
  for (const other of others) {
    if (other.name === lane.name) {
      refuse(subject, 'lane names must be unique, as they name the lanes\' routes', show(lane.name), 'give the lane another name');
    }
    if (other.header.name === lane.header.name && other.header.value === lane.header.value) {
      refuse(subject, `claims the same header value as ${laneSubject(other.name)}`, `${lane.header.name}=${lane.header.value}`,
        'give each lane its own header value');
    }
  }
}

/**
 * The version a member sends the lane's requests to: the lane's version when the member has it, else (unless the
 * lane is strict) the member's stable version, so the lane's requests never land on another canary.
 */
export function laneTarget(lane: Lane, release: Release): string {
  if (release.versions.includes(lane.version)) return lane.version;
  if (lane.strict) {
    refuse(laneSubject(lane.name), `is strict, and member ${show(release.name)} has no version ${show(lane.version)}`,
      `versions ${release.versions.join(', ')}`, `add version ${show(lane.version)} to ${show(release.name)}, or leave it out of the lane`);
  }
  return release.stable;
}

/** Checks that `release` can be a member of `lane`: an HTTP port for the header, and no own rule for the lane's requests. */
export function checkLaneMember(lane: Lane, release: Release): void {
  const subject = laneSubject(lane.name);
  laneTarget(lane, release);
  if (!release.ports.some((p) => isHttpProtocol(p.protocol))) {
    refuse(subject, `member ${show(release.name)} has no HTTP-family port, so the lane header cannot route it`,
      `protocol ${release.ports.map((p) => p.protocol).join(', ')}`, 'leave TCP services out of the lane');
  }
  for (const rule of release.rules) {
    for (const match of rule.match) {
      const header = match.conditions.headers?.[lane.header.name];
      if (header && stringMatchAccepts(header, lane.header.value)) {
        refuse(subject, `member ${show(release.name)} route ${show(rule.name)} also matches header ${lane.header.name}=${lane.header.value}, `
          + 'which the lane routes first', show(match.toString()), 'drop that route (the lane routes these requests) or give the lane another header value');
      }
      if (lane.sticky && match.conditions.sourceLabels?.version === lane.version) {
        refuse(subject, `member ${show(release.name)} route ${show(rule.name)} also matches callers of version ${show(lane.version)}, `
          + 'which the sticky lane routes first', show(match.toString()), 'drop that route, or make the lane not sticky');
      }
    }
  }
}

/**
 * The rules `lanes` put ahead of a member's own: each lane's header rule, in lane order, then the sticky lanes'
 * source rules (an explicit header wins over where a call comes from).
 */
export function laneRules(release: Release, lanes: readonly Lane[]): RouteRule[] {
  const rule = (lane: Lane, name: string, match: Match): RouteRule => ({ name, match: [match], to: { [laneTarget(lane, release)]: 100 } });
  return [
    ...lanes.map((lane) => rule(lane, `lane-${lane.name}`, headerMatch(lane))),
    ...lanes.filter((lane) => lane.sticky).map((lane) => rule(lane, `lane-${lane.name}-source`, Match.sourceLabels({ version: lane.version }))),
  ];
}

/** The release with its lanes' rules ahead of its own, after checking each lane can take it. */
export function withLanes(release: Release, lanes: readonly Lane[]): Release {
  if (lanes.length === 0) return release;
  lanes.forEach((lane, index) => {
    checkLaneBeside(lane, lanes.slice(0, index));
    checkLaneMember(lane, release);
  });
  return { ...release, rules: [...laneRules(release, lanes), ...release.rules] };
}

function headerMatch(lane: Lane): Match {
  return Match.headerExact(lane.header.name, lane.header.value);
}
