/**
 * An Argo Rollouts canary as plain data: the steps, the AnalysisTemplates they run and the routes the controller
 * manages, with their checks (argo/rollout.ts renders the Rollout's `strategy.canary` and the templates).
 */
import { Duration } from 'cdk8s';
import { checkList, checkObject, isDuration, refuse, show } from './errors';
import { Match, checkMatch } from './match';
import { checkDnsLabel } from './names';
import { checkWholePercent, checkWholeSeconds } from './route-policy';

/** Kubernetes' int32, the type of the controller's pause seconds. */
const INT32_MAX = 2_147_483_647;

/** The subsets (or Service suffixes) Argo Rollouts moves traffic between. */
export const STABLE = 'stable';
/** @see STABLE */
export const CANARY = 'canary';

/** The argument the usual templates take: the host whose requests they measure. */
export const SERVICE_NAME_ARG = 'service-name';

/** One step of a canary, as Argo Rollouts' `strategy.canary.steps` holds it. */
export type StepSpec =
  | { readonly kind: 'setWeight'; readonly weight: number }
  | { readonly kind: 'pause'; readonly duration?: Duration }
  | { readonly kind: 'analysis'; readonly templates: readonly string[]; readonly args: Readonly<Record<string, string>> }
  | { readonly kind: 'setHeaderRoute'; readonly name: string; readonly match?: readonly Match[] }
  | { readonly kind: 'setMirrorRoute'; readonly name: string; readonly match?: readonly Match[]; readonly percentage?: number };

/** Options of `RolloutStep.ramp`. */
export interface RampOptions {
  /** Percent added at each step. */
  readonly stepWeight: number;
  /**
   * The last weight set.
   * @default 100
   */
  readonly maxWeight?: number;
  /** How long each weight holds before the next (the analysis runs meanwhile). */
  readonly pause: Duration;
}

/** A step of an Argo Rollouts canary. Steps run in order; after the last one the canary becomes the stable version. */
export class RolloutStep {
  /** Sends `percent` of the traffic to the canary (Argo Rollouts' `setWeight` step). */
  public static weight(percent: number): RolloutStep {
    return new RolloutStep({ kind: 'setWeight', weight: percent });
  }

  /** Waits `duration`, or without one until someone promotes the rollout (`kubectl argo rollouts promote`). */
  public static pause(duration?: Duration): RolloutStep {
    if (duration !== undefined) checkIsDuration('RolloutStep.pause', 'duration', duration);
    return new RolloutStep({ kind: 'pause', duration });
  }

  /**
   * Runs the named AnalysisTemplates of the service and waits for their result; a failed analysis aborts the
   * rollout. `args` gives the templates' arguments by name; `service-name` defaults to the canary's host.
   */
  public static analysis(templates: string[], args: Record<string, string> = {}): RolloutStep {
    checkList('RolloutStep.analysis', 'templates', templates, '["error-rate"]');
    const notName = templates.find((t) => typeof t !== 'string' || t === '');
    if (notName !== undefined) {
      refuse('RolloutStep.analysis', 'templates are named by their AnalysisTemplate names', show(notName), 'e.g. RolloutStep.analysis(["error-rate"])');
    }
    if (args === null || typeof args !== 'object') refuse('RolloutStep.analysis', 'args must be an object of names to text', show(args), 'e.g. { route: "api" }');
    return new RolloutStep({ kind: 'analysis', templates, args: { ...args } });
  }

  /**
   * Sends requests matching any of `match` (each a single header condition: `Match.headerExact`, `headerPrefix` or
   * `headerRegex`) to the canary, with a route `name` that Argo Rollouts adds on top of the VirtualService's routes (its `setHeaderRoute` step).
   */
  public static headerRoute(name: string, match: Match[]): RolloutStep {
    return new RolloutStep({ kind: 'setHeaderRoute', name, match });
  }

  /** Removes the header route `name` (Argo Rollouts also removes every managed route when the rollout ends). */
  public static removeHeaderRoute(name: string): RolloutStep {
    return new RolloutStep({ kind: 'setHeaderRoute', name });
  }

  /**
   * Copies `percentage` (default 100) of the requests matching any of `match` (method, path and header conditions
   * only) to the canary, whose responses are discarded, with a managed route `name` (Argo Rollouts' `setMirrorRoute` step).
   */
  public static mirrorRoute(name: string, match: Match[], percentage?: number): RolloutStep {
    return new RolloutStep({ kind: 'setMirrorRoute', name, match, percentage });
  }

  /** Removes the mirror route `name`. */
  public static removeMirrorRoute(name: string): RolloutStep {
    return new RolloutStep({ kind: 'setMirrorRoute', name });
  }

  /** `setWeight(stepWeight)`, pause, `setWeight(2 * stepWeight)`, pause, ... up to `maxWeight`. */
  public static ramp(options: RampOptions): RolloutStep[] {
    if (options === null || typeof options !== 'object') {
      refuse('RolloutStep.ramp', 'takes options', show(options), 'e.g. RolloutStep.ramp({ stepWeight: 20, pause: Duration.minutes(5) })');
    }
    const max = options.maxWeight ?? 100;
    const step = options.stepWeight;
    if (typeof step !== 'number' || !Number.isInteger(step) || step < 1 || step > 100) {
      refuse('RolloutStep.ramp', 'stepWeight must be a whole percentage from 1 to 100', show(step), 'use e.g. 20');
    }
    if (typeof max !== 'number' || !Number.isInteger(max) || max < step || max > 100) {
      refuse('RolloutStep.ramp', `maxWeight must be a whole percentage from stepWeight (${step}) to 100`, show(max), 'use e.g. 100');
    }
    checkIsDuration('RolloutStep.ramp', 'pause', options.pause);
    const steps: RolloutStep[] = [];
    for (let weight = step; weight < max + step; weight += step) {
      steps.push(RolloutStep.weight(Math.min(weight, max)), RolloutStep.pause(options.pause));
    }
    return steps;
  }

  private constructor(
    /** The step as plain data. @internal */
    public readonly spec: StepSpec,
  ) {}

  /** E.g. `setWeight 20`, for messages. */
  public toString(): string {
    const s = this.spec;
    switch (s.kind) {
      case 'setWeight': return `setWeight ${show(s.weight)}`;
      case 'pause': return s.duration ? `pause ${show(s.duration)}` : 'pause until promoted';
      case 'analysis': return `analysis ${s.templates.join(', ')}`;
      default: return `${s.kind} ${typeof s.name === 'string' ? s.name : show(s.name)}`;
    }
  }
}

/** One Prometheus metric of an AnalysisTemplate. */
export interface AnalysisMetric {
  /** Metric name, unique in its template. */
  readonly name: string;
  /** PromQL; `{{args.<name>}}` is replaced by the template's arguments. */
  readonly query: string;
  /**
   * Expression over `result` that passes a measurement, e.g. `result[0] <= 5`.
   * @default none: then give failureCondition
   */
  readonly successCondition?: string;
  /**
   * Expression over `result` that fails a measurement. With both conditions, a measurement that meets neither
   * (no traffic, NaN) is inconclusive and pauses the rollout.
   * @default none: a measurement fails when it does not pass
   */
  readonly failureCondition?: string;
  /**
   * Time between measurements.
   * @default a single measurement
   */
  readonly interval?: Duration;
  /**
   * Number of measurements.
   * @default one without interval; with an interval, until the analysis ends (background analysis)
   */
  readonly count?: number;
  /**
   * Failed measurements tolerated: the analysis fails at failureLimit + 1.
   * @default 0 (Argo Rollouts' default)
   */
  readonly failureLimit?: number;
  /**
   * Wait before the first measurement.
   * @default none
   */
  readonly initialDelay?: Duration;
  /**
   * Prometheus address.
   * @default 'http://prometheus.istio-system:9090' (Istio's Prometheus add-on)
   */
  readonly address?: string;
}

/** Options of the usual templates. */
export interface RateTemplateOptions {
  /**
   * Template name.
   * @default "success-rate" or "error-rate"
   */
  readonly name?: string;
  /**
   * Time between measurements, and the window each one covers.
   * @default Duration.minutes(1)
   */
  readonly interval?: Duration;
  /**
   * Number of measurements.
   * @default until the analysis ends (a background analysis runs as long as the rollout)
   */
  readonly count?: number;
  /**
   * Failed measurements tolerated: the analysis, and so the rollout, fails at failureLimit + 1.
   * @default 0
   */
  readonly failureLimit?: number;
  /**
   * Prometheus address.
   * @default 'http://prometheus.istio-system:9090'
   */
  readonly address?: string;
}

/** The percent of `{{args.service-name}}`'s requests answered with a 5xx, from the callers' sidecars. */
function errorPercentQuery(window: string): string {
  const selector = `reporter="source", destination_service=~"{{args.${SERVICE_NAME_ARG}}}"`;
  return `100 * sum(rate(istio_requests_total{${selector}, response_code=~"5.*"}[${window}]))`
    + ` / sum(rate(istio_requests_total{${selector}}[${window}]))`;
}

/**
 * An Argo Rollouts `AnalysisTemplate`: Prometheus metrics a rollout checks, in the background or as a step. The
 * RolloutService that lists it creates it in its namespace. `successRate` and `errorRate` build the usual ones on
 * Istio's standard metrics; both take the argument `service-name`, the host whose requests they measure.
 */
export class AnalysisTemplate {
  /**
   * The percent of non-5xx responses must stay at or above `min`. A window without requests gives NaN, which
   * meets neither condition: the measurement is inconclusive, which pauses the rollout rather than promoting a
   * version nothing has called.
   */
  public static successRate(min: number, options: RateTemplateOptions = {}): AnalysisTemplate {
    checkPercentThreshold('AnalysisTemplate.successRate', 'min', min);
    checkObject('AnalysisTemplate.successRate', 'options', options, '{ name: "success-rate", interval: Duration.minutes(1) }');
    return AnalysisTemplate.rate(options.name ?? 'success-rate', `100 - (${errorPercentQuery(AnalysisTemplate.window(options, 'AnalysisTemplate.successRate'))})`,
      `result[0] >= ${min}`, `result[0] < ${min}`, options);
  }

  /** The percent of 5xx responses must stay at or below `max`, e.g. 5. Inconclusive without requests, as successRate. */
  public static errorRate(max: number, options: RateTemplateOptions = {}): AnalysisTemplate {
    checkPercentThreshold('AnalysisTemplate.errorRate', 'max', max);
    checkObject('AnalysisTemplate.errorRate', 'options', options, '{ name: "error-rate", interval: Duration.minutes(1) }');
    return AnalysisTemplate.rate(options.name ?? 'error-rate', errorPercentQuery(AnalysisTemplate.window(options, 'AnalysisTemplate.errorRate')),
      `result[0] <= ${max}`, `result[0] > ${max}`, options);
  }

  /** A template of your own metrics; `args` names the arguments the queries use as `{{args.<name>}}`. */
  public static prometheus(name: string, metrics: AnalysisMetric[], args: string[] = []): AnalysisTemplate {
    return new AnalysisTemplate(name, metrics, args);
  }

  private static window(options: RateTemplateOptions, factory: string): string {
    if (options.interval !== undefined) checkIsDuration(factory, 'interval', options.interval);
    return `${(options.interval ?? Duration.minutes(1)).toSeconds({ integral: false })}s`;
  }

  private static rate(name: string, query: string, successCondition: string, failureCondition: string,
    options: RateTemplateOptions): AnalysisTemplate {
    return new AnalysisTemplate(name, [{
      name,
      query,
      successCondition,
      failureCondition,
      interval: options.interval ?? Duration.minutes(1),
      count: options.count,
      failureLimit: options.failureLimit,
      address: options.address,
    }], [SERVICE_NAME_ARG]);
  }

  private constructor(
    /** Template name, a DNS-1123 label. */
    public readonly name: string,
    /** The metrics. */
    public readonly metrics: AnalysisMetric[],
    /** The arguments the queries use. */
    public readonly args: string[],
  ) {}
}

/** The analysis that runs in the background from a step on, as `strategy.canary.analysis`. */
export interface BackgroundAnalysis {
  /** Names of the service's AnalysisTemplates to run. */
  readonly templates: string[];
  /**
   * Index of the step (from 0) the analysis starts at, e.g. after the first setWeight.
   * @default 0: with the rollout
   */
  readonly startingStep?: number;
  /**
   * Values of the templates' arguments, by name.
   * @default `service-name` is the canary's host; other arguments must be given
   */
  readonly args?: Record<string, string>;
}

/** What a canary strategy is made of, for its checks. */
export interface CanaryStrategy {
  readonly steps: readonly RolloutStep[];
  readonly templates: readonly AnalysisTemplate[];
  readonly analysis?: BackgroundAnalysis;
  /** Argument values every analysis gets unless it sets them (the canary's host). */
  readonly defaultArgs: Readonly<Record<string, string>>;
  /** The service's own route names (its rules and the default route): managed routes must not reuse them. */
  readonly staticRoutes: readonly string[];
  /** The last weight may be below 100: the controller then sends everything to the new version at once. */
  readonly allowJumpToFull?: boolean;
}

/** The names of the routes Argo Rollouts manages, in the order the steps first set them (their precedence). */
export function managedRoutes(steps: readonly RolloutStep[]): string[] {
  const names: string[] = [];
  for (const { spec } of steps) {
    if ((spec.kind === 'setHeaderRoute' || spec.kind === 'setMirrorRoute') && !names.includes(spec.name)) names.push(spec.name);
  }
  return names;
}

/** Checks the steps, templates and analyses of a canary; throws the first problem in the package's error format. */
export function checkCanaryStrategy(subject: string, strategy: CanaryStrategy): void {
  const steps = checkList(subject, 'steps', strategy.steps, '[RolloutStep.weight(20), RolloutStep.pause()]');
  const templates = checkList(subject, 'analysisTemplates', strategy.templates, '[AnalysisTemplate.errorRate(5)]');
  templates.forEach((t) => checkTemplate(subject, t));
  const names = templates.map((t) => t.name);
  const duplicate = names.find((n, i) => names.indexOf(n) !== i);
  if (duplicate) refuse(subject, 'AnalysisTemplate names must be unique', show(duplicate), 'rename one of them');

  const routeKinds = new Map<string, string>();
  steps.forEach((step, index) => {
    if (!(step instanceof RolloutStep)) {
      refuse(subject, `step ${index} is not a RolloutStep`, show(step), 'make steps with RolloutStep.weight(), pause(), analysis(), ...');
    }
    const where = `step ${index} (${step})`;
    const s = step.spec;
    switch (s.kind) {
      case 'setWeight':
        checkWholePercent(subject, `${where}: setWeight`, s.weight);
        break;
      case 'pause':
        if (s.duration !== undefined) {
          checkWholeSeconds(subject, `${where} duration`, s.duration);
          // The controller reads the duration as int32 seconds (RolloutPause.DurationSeconds, types.go), so more wraps negative.
          if (s.duration.toSeconds() > INT32_MAX) {
            refuse(subject, `${where}: duration must be at most ${INT32_MAX} seconds`, show(s.duration), 'pause for less, or use RolloutStep.pause() to wait for promotion');
          }
        }
        break;
      case 'analysis':
        checkAnalysisRef(subject, where, templates, s.templates, s.args, strategy.defaultArgs, true);
        break;
      default: {
        checkDnsLabel(subject, `${where} route name`, s.name);
        const kind = routeKinds.get(s.name);
        if (kind !== undefined && kind !== s.kind) {
          refuse(subject, `${where}: managed route ${show(s.name)} is already a ${kind === 'setHeaderRoute' ? 'header' : 'mirror'} route`,
            show(s.name), 'give each managed route one name of its own');
        }
        routeKinds.set(s.name, s.kind);
        if (strategy.staticRoutes.includes(s.name)) {
          // Argo Rollouts removes and re-adds managed routes by name: it would delete the service's own route.
          refuse(subject, `${where}: managed route ${show(s.name)} has the name of one of the service's own routes, which Argo Rollouts would replace`,
            show(s.name), `rename it; taken: ${strategy.staticRoutes.join(', ')}`);
        }
        if (s.match !== undefined) {
          checkList(subject, `${where} match`, s.match, '[Match.headerExact("x-canary", "yes")]').forEach((m) => checkMatch(subject, where, m));
          if (s.match.length === 0) {
            // Only a missing match removes the route; an empty one becomes a route without conditions, which Argo
            // Rollouts puts above all others (rollout/trafficrouting/istio/istio.go, createHeaderRoute, createMirrorRoute).
            refuse(subject, `${where}: match is empty, so Argo Rollouts would add a route for every request, ahead of the service's own routes`, '[]',
              `give at least one match, e.g. Match.headerExact("x-canary", "yes"), or use RolloutStep.remove${s.kind === 'setHeaderRoute' ? 'Header' : 'Mirror'}Route(${show(s.name)})`);
          }
          if (s.kind === 'setHeaderRoute') s.match.forEach((m) => checkHeaderRouteMatch(subject, where, m));
          else s.match.forEach((m) => checkMirrorRouteMatch(subject, where, m));
        }
        if (s.kind === 'setMirrorRoute' && s.percentage !== undefined) {
          checkWholePercent(subject, `${where}: percentage`, s.percentage);
        }
      }
    }
  });
  const firstRoute = steps.findIndex((s) => (s.spec.kind === 'setHeaderRoute' || s.spec.kind === 'setMirrorRoute') && s.spec.match !== undefined);
  const firstWeight = steps.findIndex((s) => s.spec.kind === 'setWeight' && s.spec.weight > 0);
  if (firstRoute >= 0 && (firstWeight < 0 || firstWeight > firstRoute)) {
    // Argo Rollouts scales the canary with its weight: at 0% it has no pods, and the managed route would answer 503.
    refuse(subject, `step ${firstRoute} (${steps[firstRoute]}) routes to the canary before any setWeight above 0, when the canary has no pods yet`,
      steps.slice(0, firstRoute + 1).map(String).join(', '), 'put a RolloutStep.weight() above 0 before it');
  }
  if (strategy.analysis) {
    const { startingStep } = strategy.analysis;
    if (startingStep !== undefined && (!Number.isInteger(startingStep) || startingStep < 0 || startingStep >= Math.max(steps.length, 1))) {
      refuse(subject, 'analysis.startingStep must be the index of a step', show(startingStep), `use 0 to ${Math.max(steps.length - 1, 0)}`);
    }
    checkAnalysisRef(subject, 'analysis', templates, strategy.analysis.templates, strategy.analysis.args ?? {}, strategy.defaultArgs, false);
  }
  const weights = steps.flatMap((s) => (s.spec.kind === 'setWeight' ? [s.spec.weight] : []));
  const last = weights.length > 0 ? weights[weights.length - 1] : 0;
  const lastStep = steps[steps.length - 1]?.spec;
  const endsWithManualPause = lastStep?.kind === 'pause' && lastStep.duration === undefined;
  if (last < 100 && !endsWithManualPause && !strategy.allowJumpToFull) {
    refuse(subject, `the steps end at ${last}% to the canary, and Argo Rollouts then sends it 100% at once`,
      steps.length === 0 ? 'no steps' : steps.map(String).join(', '),
      'step up to RolloutStep.weight(100), end with RolloutStep.pause() to promote by hand, or set allowJumpToFull: true');
  }
}

/** A threshold on a percentage: a condition against NaN or a value outside 0-100 would never (or always) pass. */
function checkPercentThreshold(subject: string, what: string, value: number): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 100) {
    refuse(subject, `${what} must be a percentage from 0 to 100`, show(value), 'use e.g. 5');
  }
}

/** Throws unless `value` is a cdk8s Duration (an untyped caller may pass a number of seconds). */
function checkIsDuration(subject: string, what: string, value: unknown): void {
  if (!isDuration(value)) {
    refuse(subject, `${what} must be a cdk8s Duration`, show(value),
      typeof value === 'number' && value > 0 && Number.isFinite(value) ? `use Duration.seconds(${value})` : 'use e.g. Duration.seconds(30)');
  }
}


function checkTemplate(subject: string, template: AnalysisTemplate): void {
  if (!(template instanceof AnalysisTemplate)) {
    refuse(subject, 'analysisTemplates must be made with the AnalysisTemplate factories', show(template), 'e.g. AnalysisTemplate.errorRate(5)');
  }
  const where = `AnalysisTemplate ${show(template.name)}`;
  checkDnsLabel(subject, 'AnalysisTemplate name', template.name);
  const metrics = checkList(subject, `${where} metrics`, template.metrics, '[{ name, query, successCondition }]');
  if (metrics.length === 0) refuse(subject, `${where} has no metrics`, '[]', 'add a metric');
  const seen = new Set<string>();
  for (const metric of metrics) {
    if (typeof metric.name !== 'string' || metric.name.trim() === '') refuse(subject, `${where}: a metric has no name`, show(metric.name), 'name it');
    if (seen.has(metric.name)) refuse(subject, `${where}: metric names must be unique`, show(metric.name), 'rename one of them');
    seen.add(metric.name);
    const at = `${where} metric ${show(metric.name)}`;
    if (typeof metric.query !== 'string' || metric.query.trim() === '') refuse(subject, `${at} has no query`, show(metric.query), 'give a PromQL query');
    if (metric.successCondition === undefined && metric.failureCondition === undefined) {
      refuse(subject, `${at} has no condition, so every measurement would pass`, 'neither successCondition nor failureCondition',
        'set successCondition, e.g. "result[0] <= 5"');
    }
    for (const [field, value] of [['count', metric.count], ['failureLimit', metric.failureLimit]] as const) {
      if (value !== undefined && (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > INT32_MAX)) {
        // The AnalysisTemplate CRD takes an integer (int32 in Argo Rollouts' types); YAML would write 1e21 as a float.
        refuse(subject, `${at}: ${field} must be a whole number from 0 to ${INT32_MAX}`, show(value), 'use e.g. 3');
      }
    }
    if (metric.interval !== undefined) checkWholeSeconds(subject, `${at} interval`, metric.interval);
    // Argo Rollouts' ValidateMetric (utils/analysis/factory.go).
    if (metric.interval === undefined && (metric.count ?? 0) > 1) {
      refuse(subject, `${at}: count ${metric.count} needs an interval between the measurements`, `count ${metric.count}, no interval`,
        'set interval, e.g. Duration.seconds(30), or count 1');
    }
    if ((metric.count ?? 0) > 0 && metric.count! <= (metric.failureLimit ?? 0)) {
      // Fewer measurements than failureLimit is refused; as many can never fail, since the limit is exceeded only by more.
      refuse(subject, `${at}: count must be above failureLimit, or the metric could never fail`,
        `count ${metric.count}, failureLimit ${metric.failureLimit ?? 0}`, 'raise count or lower failureLimit');
    }
    if (metric.initialDelay !== undefined) checkWholeSeconds(subject, `${at} initialDelay`, metric.initialDelay);
    const used = [...metric.query.matchAll(/\{\{\s*args\.([^}\s]+)\s*\}\}/g)].map((m) => m[1]);
    const undeclared = used.find((a) => !template.args.includes(a));
    if (undeclared) {
      refuse(subject, `${at} uses {{args.${undeclared}}}, which the template does not declare`, show(undeclared),
        `add ${show(undeclared)} to the template's args`);
    }
  }
}

/**
 * Checks the templates one analysis names: they exist, get their arguments, and run as one AnalysisRun, whose metric
 * names must be unique (utils/analysis/helpers.go, flattenMetrics). A step analysis (`step`) must end: Argo Rollouts
 * refuses a metric measured at an interval without a count there (validation_references.go,
 * ValidateAnalysisTemplateWithType: "runs indefinitely").
 */
function checkAnalysisRef(subject: string, where: string, templates: readonly AnalysisTemplate[], names: readonly string[],
  args: Readonly<Record<string, string>>, defaultArgs: Readonly<Record<string, string>>, step: boolean): void {
  const list = checkList(subject, `${where} templates`, names, '["error-rate"]');
  if (list.length === 0) refuse(subject, `${where} names no template`, '[]', 'name one of analysisTemplates');
  const twice = list.find((n, i) => list.indexOf(n) !== i);
  if (twice) refuse(subject, `${where} names a template twice`, show(twice), 'list each template once');
  const metricOwners = new Map<string, string>();
  for (const name of list) {
    const template = templates.find((t) => t.name === name);
    if (!template) {
      refuse(subject, `${where} names an AnalysisTemplate the service does not have`, show(name),
        templates.length > 0 ? `use one of ${templates.map((t) => t.name).join(', ')}` : 'add it to analysisTemplates');
    }
    for (const metric of template.metrics) {
      const owner = metricOwners.get(metric.name);
      if (owner !== undefined) {
        refuse(subject, `${where}: Argo Rollouts runs these templates as one analysis, so their metric names must be unique`,
          `${show(metric.name)} in ${show(owner)} and ${show(name)}`, 'rename one of the metrics');
      }
      metricOwners.set(metric.name, name);
      if (step && metric.interval !== undefined && !metric.count) {
        refuse(subject, `${where}: metric ${show(metric.name)} of template ${show(name)} measures every ${show(metric.interval)} `
          + 'without a count, so it never ends, and Argo Rollouts refuses it in a step', `interval ${show(metric.interval)}, count ${metric.count ?? 'none'}`,
        'give the template a count, e.g. AnalysisTemplate.errorRate(5, { count: 5 }), or run it as the background analysis');
      }
    }
    const missing = template.args.find((a) => args[a] === undefined && defaultArgs[a] === undefined);
    if (missing) {
      refuse(subject, `${where}: template ${show(name)} needs the argument ${show(missing)}`, 'no value', `pass args: { ${show(missing)}: "..." }`);
    }
  }
  for (const [arg, value] of Object.entries(args)) {
    if (typeof value !== 'string') refuse(subject, `${where}: argument ${show(arg)} must be text`, show(value), 'quote it');
    if (!list.some((n) => templates.find((t) => t.name === n)?.args.includes(arg))) {
      refuse(subject, `${where}: argument ${show(arg)} is declared by none of its templates`, show(arg), 'drop it, or declare it in the template');
    }
  }
}

/** The argument values of one analysis: the defaults its templates declare, then the given ones. */
export function analysisArgs(templates: readonly AnalysisTemplate[], names: readonly string[], args: Readonly<Record<string, string>>,
  defaultArgs: Readonly<Record<string, string>>): Array<{ name: string; value: string }> {
  const declared = [...new Set(names.flatMap((n) => templates.find((t) => t.name === n)?.args ?? []))];
  return declared.map((name) => ({ name, value: args[name] ?? defaultArgs[name] }));
}

/** A header route step takes single header conditions only: Argo's `setHeaderRoute` has no other field. */
function checkHeaderRouteMatch(subject: string, where: string, match: Match): void {
  const { headers, ...rest } = match.conditions;
  const entries = Object.entries(headers ?? {});
  const value = entries[0]?.[1] as Record<string, string> | undefined;
  if (Object.values(rest).some((v) => v !== undefined) || entries.length !== 1 || !value || Object.keys(value).length !== 1) {
    refuse(subject, `${where}: a header route matches one header per entry (exact, prefix or regex), as Argo Rollouts' setHeaderRoute takes`,
      show(match.toString()), 'use Match.headerExact(), headerPrefix() or headerRegex(), one per entry');
  }
}

/** A mirror route step takes method, path and header conditions: Argo's `setMirrorRoute` has no other field. */
function checkMirrorRouteMatch(subject: string, where: string, match: Match): void {
  const { headers, uri, method, ...rest } = match.conditions;
  const extra = Object.keys(rest).filter((k) => (rest as Record<string, unknown>)[k] !== undefined);
  if (extra.length > 0 || (!headers && !uri && !method)) {
    refuse(subject, `${where}: a mirror route matches on method, path and headers only, as Argo Rollouts' setMirrorRoute takes`,
      extra.length > 0 ? `${match} (${extra.join(', ')})` : show(match.toString()), 'drop the other conditions');
  }
  const empty = Object.entries(headers ?? {}).find(([, v]) => Object.keys(v as object).length === 0);
  if (empty) {
    refuse(subject, `${where}: a mirror route cannot match on a header being present`, show(empty[0]), 'match its value, e.g. Match.headerRegex(name, ".+")');
  }
}
