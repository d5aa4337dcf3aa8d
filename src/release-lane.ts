import { Chart } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { MeshAnalysis } from './mesh-analysis';
import { PropNames, checkKnownProps, constructName, invalid, refuse, show } from './model/errors';
import { Lane, LaneHeader, checkLane, checkLaneBeside, laneSubject } from './model/lane';
import { ILaneMember, IReleaseLane, isLaneMember } from './targets';

/** Props of a {@link ReleaseLane}. */
export interface ReleaseLaneProps {
  /**
   * Lane name; names the routes the lane adds to its members (`lane-<name>`).
   * @default the construct id
   */
  readonly name?: string;
  /**
   * The version every member sends the lane's requests to.
   * @default the lane name
   */
  readonly version?: string;
  /**
   * The request header that puts a request in the lane, e.g. `{ name: 'env', value: 'gray' }`. Every application
   * on the call chain must pass it on to its outgoing calls (see docs/lanes.md on header propagation).
   */
  readonly header: LaneHeader;
  /**
   * Also send calls coming from pods of the lane's version (`sourceLabels: { version }`) to the lane's version, so
   * the lane holds on hops where an application drops the header. Mesh calls only: it does not apply at gateways.
   * The price: every call from those pods stays in the lane, including calls that never carried the header.
   * @default false
   */
  readonly sticky?: boolean;
  /**
   * Fail the synth when a member has no version named like the lane's, instead of sending the lane's requests to
   * that member's stable version.
   * @default false
   */
  readonly strict?: boolean;
}

/** The props a ReleaseLane reads, for untyped callers (see checkKnownProps). */
const RELEASE_LANE_PROPS: PropNames<ReleaseLaneProps> = { name: true, version: true, header: true, sticky: true, strict: true };

/**
 * A full-link gray lane (全链路灰度): requests carrying the lane's header reach the lane's version of every member
 * service, at gateways and in the mesh, while every other request follows each service's own rules and split.
 *
 * Each member gets, ahead of its own rules, a route sending the lane's header to the lane's version (or, when it
 * has no such version, to its stable version), and with `sticky` one for calls from the lane's pods.
 *
 * @example
 * const gray = new ReleaseLane(chart, 'gray', { header: { name: 'env', value: 'gray' } });
 * gray.include(cat, mouse);
 */
export class ReleaseLane extends Construct implements IReleaseLane {
  /** The lane as plain data. */
  public readonly lane: Lane;

  constructor(scope: Construct, id: string, props: ReleaseLaneProps) {
    super(scope, id);
    MeshAnalysis.of(this);
    const name = constructName('lane', id, props);
    checkKnownProps(laneSubject(name), 'ReleaseLane', props, RELEASE_LANE_PROPS);
    this.lane = { name, version: props.version ?? name, header: props.header, sticky: props.sticky ?? false, strict: props.strict ?? false };
    checkLane(this.lane);
    const chart = Chart.of(this);
    const siblings = chart.node.findAll().filter((c): c is ReleaseLane => c instanceof ReleaseLane && c !== this && Chart.of(c) === chart);
    checkLaneBeside(this.lane, siblings.map((l) => l.lane));
    this.node.addValidation({ validate: () => this.validateMembers() });
  }

  /** The services in the lane, in the order of the app's construct tree. */
  public get members(): ILaneMember[] {
    return this.node.root.node.findAll().filter((c: IConstruct): c is ILaneMember => isLaneMember(c) && c.lanes.includes(this));
  }

  /** Puts services in the lane; same as `member.addLane(lane)` for each. */
  public include(...members: ILaneMember[]): this {
    for (const member of members) {
      if (typeof (member as ILaneMember)?.addLane !== 'function') {
        refuse(laneSubject(this.lane.name), 'include takes services that can join a lane (a CanaryService)', show(member), 'pass the CanaryService construct');
      }
      member.addLane(this);
    }
    return this;
  }

  private validateMembers(): string[] {
    const members = this.members;
    const subject = laneSubject(this.lane.name);
    if (members.length === 0) {
      return [invalid(subject, 'has no members', 'no services', 'add services with lane.include(...) or the CanaryService lanes prop').message];
    }
    if (!members.some((m) => m.release.versions.includes(this.lane.version))) {
      return [invalid(subject, `no member has version ${show(this.lane.version)}, so the lane routes nowhere new`,
        members.map((m) => `${m.name}: ${m.release.versions.join(', ')}`).join('; '),
        'give the lane the version name its services use, or include a service that has that version').message];
    }
    return [];
  }
}
