/** How a workload's Deployment replaces its pods: the update strategy and its timings, as plain data. */
import { Duration } from 'cdk8s';
import { PropNames, checkKnownProps, checkObject, refuse, show } from './errors';
import { wholeSeconds } from './seconds';

/** A number of pods, absolute or as a percentage of the replicas, as a rolling update's `maxSurge` and `maxUnavailable` take them. */
export class PodCount {
  /** `count` pods. */
  public static absolute(count: number): PodCount {
    if (typeof count !== 'number' || !Number.isInteger(count) || count < 0 || count > 2_147_483_647) {
      refuse('PodCount.absolute', 'count must be a whole number of pods, 0 or more', show(count), 'use e.g. PodCount.absolute(1)');
    }
    return new PodCount(count);
  }

  /** `percent` percent of the replicas (Kubernetes rounds maxSurge up and maxUnavailable down). */
  public static percent(percent: number): PodCount {
    if (typeof percent !== 'number' || !Number.isInteger(percent) || percent < 0 || percent > 100) {
      refuse('PodCount.percent', 'percent must be a whole number from 0 to 100', show(percent), 'use e.g. PodCount.percent(25)');
    }
    return new PodCount(`${percent}%`);
  }

  private constructor(
    /** The count as Kubernetes writes it: a number or `"25%"`. @internal */
    public readonly _value: number | string,
  ) {}

  /** True for no pods at all. @internal */
  public _isZero(): boolean {
    return this._value === 0 || this._value === '0%';
  }
}

/** Options of {@link DeploymentStrategy.rollingUpdate}. */
export interface RollingUpdateOptions {
  /**
   * How many pods may run above the replicas during the update.
   * @default PodCount.percent(25)
   */
  readonly maxSurge?: PodCount;
  /**
   * How many of the replicas may be unavailable during the update.
   * @default PodCount.percent(25)
   */
  readonly maxUnavailable?: PodCount;
}

const ROLLING_UPDATE: PropNames<RollingUpdateOptions> = { maxSurge: true, maxUnavailable: true };

/** A strategy in Kubernetes' shape. @internal */
export interface StrategySpec {
  readonly type: string;
  readonly rollingUpdate?: { readonly maxSurge: number | string; readonly maxUnavailable: number | string };
}

/**
 * `maxSurge` and `maxUnavailable` as Kubernetes writes them (undefined where not given), each made with PodCount and
 * not both 0, or no pod could ever be replaced.
 */
export function rollingUpdateCounts(subject: string, options: RollingUpdateOptions):
{ maxSurge?: number | string; maxUnavailable?: number | string } {
  for (const field of ['maxSurge', 'maxUnavailable'] as const) {
    if (options[field] !== undefined && !(options[field] instanceof PodCount)) {
      refuse(subject, `${field} must be made with PodCount`, show(options[field]), 'use e.g. PodCount.absolute(1) or PodCount.percent(25)');
    }
  }
  const { maxSurge, maxUnavailable } = options;
  if (maxSurge?._isZero() && maxUnavailable?._isZero()) {
    // The API server's Deployment validation ("may not be 0 when `maxSurge` is 0"); Argo Rollouts'
    // ValidateRolloutStrategyCanary (pkg/apis/rollouts/validation/validation.go, invalidMaxSurgeMaxUnavailable).
    refuse(subject, 'maxSurge and maxUnavailable cannot both be 0, or no pod could ever be replaced',
      `maxSurge ${show(maxSurge._value)}, maxUnavailable ${show(maxUnavailable._value)}`, 'set maxSurge to PodCount.absolute(1)');
  }
  return { maxSurge: maxSurge?._value, maxUnavailable: maxUnavailable?._value };
}

/** How the Deployment replaces old pods by new ones. */
export class DeploymentStrategy {
  /** Kill all old pods before new ones are created (for workloads that cannot run two versions side by side). */
  public static recreate(): DeploymentStrategy {
    return new DeploymentStrategy({ type: 'Recreate' });
  }

  /** Replace pods a few at a time, keeping the workload available (Kubernetes' default). */
  public static rollingUpdate(options: RollingUpdateOptions = {}): DeploymentStrategy {
    const factory = 'DeploymentStrategy.rollingUpdate';
    if (options === null || typeof options !== 'object' || Array.isArray(options)) {
      refuse(factory, 'options must be an object', show(options), 'pass them as { ... }, or leave them out');
    }
    checkKnownProps(factory, 'RollingUpdateOptions', options, ROLLING_UPDATE);
    const counts = rollingUpdateCounts(factory, options);
    const defaultCount = PodCount.percent(25)._value;
    return new DeploymentStrategy({
      type: 'RollingUpdate',
      rollingUpdate: { maxSurge: counts.maxSurge ?? defaultCount, maxUnavailable: counts.maxUnavailable ?? defaultCount },
    });
  }

  private constructor(
    /** The strategy in Kubernetes' shape. @internal */
    public readonly _spec: StrategySpec,
  ) {}
}

/** How the workload's Deployment rolls out a change of its pods. */
export interface DeploymentOptions {
  /**
   * How old pods are replaced by new ones.
   * @default DeploymentStrategy.rollingUpdate(): 25% surge, 25% unavailable
   */
  readonly strategy?: DeploymentStrategy;
  /**
   * How long a new pod must be ready, without a container crashing, to count as available.
   * @default Duration.seconds(0)
   */
  readonly minReady?: Duration;
  /**
   * How long the Deployment may make no progress before it reports `ProgressDeadlineExceeded`; longer than `minReady`.
   * @default Duration.seconds(600)
   */
  readonly progressDeadline?: Duration;
}

const DEPLOYMENT_OPTIONS: PropNames<DeploymentOptions> = { strategy: true, minReady: true, progressDeadline: true };

/** Checks `options` as the API server does; `where` names the workload, e.g. `version "v2"`. */
export function checkDeploymentOptions(subject: string, where: string, options: unknown): void {
  if (options === undefined) return;
  checkObject(subject, `${where}: deploymentOptions`, options, '{ strategy: DeploymentStrategy.recreate() }');
  checkKnownProps(subject, `${where} deploymentOptions`, options, DEPLOYMENT_OPTIONS);
  const o = options as DeploymentOptions;
  if (o.strategy !== undefined && !(o.strategy instanceof DeploymentStrategy)) {
    refuse(subject, `${where}: deploymentOptions strategy must be made with DeploymentStrategy`, show(o.strategy),
      'use e.g. DeploymentStrategy.recreate()');
  }
  // The Deployment holds both as int32 seconds (k8s.io/api apps/v1 DeploymentSpec).
  const minReady = o.minReady === undefined ? 0 : wholeSeconds(subject, `${where}: deploymentOptions minReady`, o.minReady, 0);
  const deadline = o.progressDeadline === undefined ? 600 : wholeSeconds(subject, `${where}: deploymentOptions progressDeadline`, o.progressDeadline, 1);
  if (deadline <= minReady) {
    // The API server: "must be greater than minReadySeconds".
    refuse(subject, `${where}: deploymentOptions progressDeadline must be longer than minReady`,
      `progressDeadline ${deadline}s, minReady ${minReady}s`, `set progressDeadline to more than ${minReady} seconds`);
  }
}
