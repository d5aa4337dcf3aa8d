/**
 * Flagger's canary analysis as plain data: metrics, webhooks and the analysis schedule, with their checks
 * (flagger/canary.ts renders a `Canary`'s `spec.analysis` and `MetricTemplate`s).
 */
import { Duration } from 'cdk8s';
import { checkList, checkObject, refuse, show } from './errors';
import { Match, checkMatch } from './match';
import { routeNameFrom } from './release';
import { checkDuration, checkWholeSeconds } from './route-policy';

/** A metric's pass range: the analysis fails a check when the value is below `min` or above `max`. */
export interface MetricThreshold {
  /**
   * Lowest passing value.
   * @default no lower bound (give min, max or both)
   */
  readonly min?: number;
  /**
   * Highest passing value.
   * @default no upper bound (give min, max or both)
   */
  readonly max?: number;
  /**
   * Window the metric is computed over.
   * @default Duration.minutes(1)
   */
  readonly interval?: Duration;
}

/** Where a custom metric's query runs. */
export interface PrometheusOptions extends MetricThreshold {
  /**
   * Prometheus address.
   * @default 'http://prometheus.istio-system:9090' (Istio's Prometheus add-on)
   */
  readonly address?: string;
}

/** Istio's Prometheus add-on, where Flagger's Istio docs point. */
export const DEFAULT_PROMETHEUS = 'http://prometheus.istio-system:9090';

/** A metric Flagger checks at every analysis step. */
export class Metric {
  /** Flagger's built-in percentage of non-5xx responses, e.g. `{ min: 99 }`. */
  public static requestSuccessRate(threshold: MetricThreshold): Metric {
    return new Metric('request-success-rate', threshold);
  }

  /** Flagger's built-in P99 request duration in milliseconds, e.g. `{ max: 500 }`. */
  public static requestDuration(threshold: MetricThreshold): Metric {
    return new Metric('request-duration', threshold);
  }

  /**
   * A PromQL query, as a `MetricTemplate`. Flagger fills in `{{ namespace }}`, `{{ target }}` (the Deployment),
   * `{{ interval }}` and friends, e.g. the request error rate in percent with `{ max: 5 }`.
   */
  public static prometheus(name: string, query: string, options: PrometheusOptions): Metric {
    if (typeof name !== 'string' || typeof query !== 'string' || options === null || typeof options !== 'object') {
      const [what, value, fix] = typeof name !== 'string' ? ['name must be text', name, 'e.g. "error-rate"']
        : typeof query !== 'string' ? ['query must be text (PromQL)', query, 'e.g. "sum(rate(...))"'] : ['needs options with the threshold', options, 'e.g. { max: 5 }'];
      refuse('Metric.prometheus', what, show(value), fix);
    }
    return new Metric(routeNameFrom(name), options, { query, address: options.address ?? DEFAULT_PROMETHEUS, title: name });
  }

  private constructor(
    /** The metric's name in the Canary (and, for a query, the template's suffix). */
    public readonly name: string,
    /** Its pass range and window. */
    public readonly threshold: MetricThreshold,
    /**
     * For a custom query: the PromQL, the Prometheus address and the name as given.
     * @internal
     */
    public readonly template?: { readonly query: string; readonly address: string; readonly title: string },
  ) {}
}

/** Options of {@link Webhook.loadTest}. */
export interface LoadTestOptions {
  /** The load tester's command, e.g. `hey -z 1m -q 10 -c 2 http://ad-canary.weather:3003/`. */
  readonly cmd: string;
  /**
   * The load tester's URL.
   * @default "http://flagger-loadtester.test/" (Flagger's load tester as its docs install it)
   */
  readonly url?: string;
  /**
   * How long Flagger waits for the load tester to answer.
   * @default Flagger's webhook timeout
   */
  readonly timeout?: Duration;
}

/** Options of a webhook that gates the rollout ({@link Webhook.confirmRollout}, {@link Webhook.preRollout}). */
export interface GateWebhookOptions {
  /**
   * The webhook's name in the Canary.
   * @default the webhook's type: "confirm-rollout" or "pre-rollout"
   */
  readonly name?: string;
  /**
   * How long Flagger waits for the webhook to answer.
   * @default Flagger's webhook timeout
   */
  readonly timeout?: Duration;
  /**
   * Metadata Flagger sends to the webhook.
   * @default none
   */
  readonly metadata?: Record<string, string>;
}

/** Flagger's sticky canary: the cookie that keeps a client on the canary once a request reached it. */
export interface SessionAffinity {
  /** The cookie that pins a client to the canary. */
  readonly cookieName: string;
  /**
   * How long the cookie lasts.
   * @default Flagger's: one day
   */
  readonly maxAge?: Duration;
}

/** Request the load tester runs, or a gate Flagger asks before moving on. */
export class Webhook {
  /**
   * Generates traffic during the analysis through Flagger's load tester, e.g.
   * `cmd: 'hey -z 1m -q 10 -c 2 http://ad-canary.weather:3003/'`.
   */
  public static loadTest(options: LoadTestOptions): Webhook {
    checkObject('Webhook.loadTest', 'options', options, '{ cmd: "hey -z 1m -q 10 -c 2 http://web.shop:80/" }');
    return new Webhook('load-test', 'rollout', options.url ?? DEFAULT_LOADTESTER, options.timeout, { type: 'cmd', cmd: options.cmd });
  }

  /** Holds the rollout until `url` answers 200 (e.g. a manual approval gate). */
  public static confirmRollout(url: string, options: GateWebhookOptions = {}): Webhook {
    checkObject('Webhook.confirmRollout', 'options', options, '{ name: "approval", timeout: Duration.seconds(30) }');
    return new Webhook(options.name ?? 'confirm-rollout', 'confirm-rollout', url, options.timeout);
  }

  /** Runs before traffic is shifted (e.g. acceptance tests against the canary); failure stops the rollout. */
  public static preRollout(url: string, options: GateWebhookOptions = {}): Webhook {
    checkObject('Webhook.preRollout', 'options', options, '{ name: "acceptance", timeout: Duration.seconds(30) }');
    return new Webhook(options.name ?? 'pre-rollout', 'pre-rollout', url, options.timeout, options.metadata);
  }

  private constructor(
    /** Webhook name, unique in the analysis. */
    public readonly name: string,
    /** Flagger's webhook type. */
    public readonly type: string,
    /** The URL Flagger calls. */
    public readonly url: string,
    /** How long Flagger waits. */
    public readonly timeout?: Duration,
    /** Data sent with the call. */
    public readonly metadata?: Record<string, string>,
  ) {}
}

/** Flagger's load tester in its install namespace (`test`), as in Flagger's Istio tutorial. */
export const DEFAULT_LOADTESTER = 'http://flagger-loadtester.test/';

/** The analysis schedule and checks. */
export interface Analysis {
  /**
   * Time between steps.
   * @default Duration.minutes(1)
   */
  readonly interval?: Duration;
  /**
   * Failed checks before Flagger rolls back.
   * @default 5
   */
  readonly threshold?: number;
  /**
   * Canary: the weight at which Flagger promotes (with `stepWeight` or `stepWeights`).
   * @default required with stepWeight; with stepWeights, the last step
   */
  readonly maxWeight?: number;
  /**
   * Canary: percent added at each step.
   * @default none: give stepWeight, stepWeights or iterations
   */
  readonly stepWeight?: number;
  /**
   * Canary: the weights of each step, increasing, e.g. `[1, 2, 10, 80]`.
   * @default none: give stepWeight, stepWeights or iterations
   */
  readonly stepWeights?: number[];
  /**
   * Canary: percent taken off the canary at each step of the promotion.
   * @default promotion in one step
   */
  readonly stepWeightPromotion?: number;
  /**
   * A/B testing or blue/green: the number of steps, each sending the matching (or all) requests to the canary.
   * @default none: give stepWeight, stepWeights or iterations
   */
  readonly iterations?: number;
  /**
   * A/B testing: the requests that go to the canary (headers, cookies via `cookie` regex, source labels); needs
   * `iterations`, and no weights (Flagger ignores them then).
   * @default none: a weighted canary or blue/green
   */
  readonly match?: Match[];
  /**
   * Blue/green or canary: copy traffic to the canary instead of (iterations) or besides (mirrorWeight) sending it.
   * @default false
   */
  readonly mirror?: boolean;
  /**
   * With `mirror` and weights: the percent of traffic copied.
   * @default all of it (Flagger's default with mirror)
   */
  readonly mirrorWeight?: number;
  /**
   * Sticky canary: once a request reaches the canary, a cookie keeps the client there.
   * @default none
   */
  readonly sessionAffinity?: SessionAffinity;
  /**
   * What every step checks.
   * @default request success rate at least 99% and P99 duration at most 500ms, each over 1m (Flagger's Istio tutorial)
   */
  readonly metrics?: Metric[];
  /**
   * Load tests and gates.
   * @default none
   */
  readonly webhooks?: Webhook[];
}

/** The metrics of `analysis`, defaults applied. */
export function analysisMetrics(analysis: Analysis): Metric[] {
  return analysis.metrics ?? [Metric.requestSuccessRate({ min: 99 }), Metric.requestDuration({ max: 500 })];
}

function checkWhole(subject: string, what: string, value: number | undefined, min: number, max: number): void {
  if (value === undefined) return;
  if (!Number.isInteger(value) || value < min || value > max) {
    refuse(subject, `${what} must be a whole number from ${min} to ${max}`, show(value), `use e.g. ${Math.max(min, Math.min(max, 10))}`);
  }
}

/** Checks an analysis; throws the first problem, naming how Flagger would misread it. */
export function checkAnalysis(subject: string, analysis: Analysis): void {
  if (!analysis || typeof analysis !== 'object') {
    refuse(subject, 'needs an analysis', show(analysis), 'set analysis: { stepWeight: 20, maxWeight: 100, metrics: [...] }');
  }
  if (analysis.interval !== undefined) {
    checkDuration(subject, 'analysis interval', analysis.interval);
    if (analysis.interval.toMilliseconds() < 10_000) {
      // Flagger runs the analysis at least 10 s apart (pkg/apis/flagger/v1beta1/canary.go, GetAnalysisInterval).
      refuse(subject, 'analysis interval must be at least 10 seconds, Flagger\'s minimum', show(analysis.interval), 'use e.g. Duration.seconds(30)');
    }
  }
  checkWhole(subject, 'analysis threshold', analysis.threshold, 1, 1000);
  checkWhole(subject, 'maxWeight', analysis.maxWeight, 1, 100);
  checkWhole(subject, 'stepWeight', analysis.stepWeight, 1, 100);
  checkWhole(subject, 'stepWeightPromotion', analysis.stepWeightPromotion, 1, 100);
  checkWhole(subject, 'iterations', analysis.iterations, 1, 1000);
  checkWhole(subject, 'mirrorWeight', analysis.mirrorWeight, 1, 100);
  const weighted = analysis.stepWeight !== undefined || analysis.stepWeights !== undefined;
  if (analysis.stepWeight !== undefined && analysis.stepWeights !== undefined) {
    refuse(subject, 'give stepWeight or stepWeights, not both', `stepWeight ${analysis.stepWeight}, stepWeights ${show(analysis.stepWeights)}`,
      'keep stepWeight for even steps, or stepWeights for a schedule');
  }
  if (analysis.stepWeights !== undefined) {
    const steps = checkList(subject, 'stepWeights', analysis.stepWeights, '[5, 10, 25, 50]');
    steps.forEach((w) => checkWhole(subject, 'stepWeights', w, 1, 100));
    if (steps.length === 0 || steps.some((w, i) => i > 0 && w <= steps[i - 1])) {
      refuse(subject, 'stepWeights must be a non-empty, increasing list', show(steps), 'list the weights in order, e.g. [5, 10, 25, 50]');
    }
  }
  if (analysis.match !== undefined) {
    const match = checkList(subject, 'analysis match', analysis.match, '[Match.headerExact("x-canary", "insider")]');
    if (match.length === 0) refuse(subject, 'analysis match is empty', '[]', 'give the A/B match, or drop match');
    match.forEach((m) => checkMatch(subject, 'analysis match', m));
    const presence = analysis.match.flatMap((m) => Object.entries(m.conditions.headers ?? {})).find(([, v]) => Object.keys(v).length === 0);
    if (presence) {
      // The Canary CRD's analysis.match headers take exact, prefix, suffix or regex (artifacts/flagger/crd.yaml).
      refuse(subject, 'Flagger\'s A/B match cannot test only that a header is present', show(presence[0]),
        `match its value, e.g. Match.headerRegex(${show(presence[0])}, ".+")`);
    }
    const unsupported = analysis.match.filter((m) => m.conditions.uri || m.conditions.method || m.conditions.port !== undefined);
    if (unsupported.length > 0) {
      refuse(subject, 'Flagger\'s A/B match takes headers, query parameters and source labels only', show(unsupported.map(String)),
        'match on a header or cookie, e.g. Match.headerExact("x-canary", "insider")');
    }
    if (weighted || analysis.maxWeight !== undefined) {
      refuse(subject, 'an A/B match sends the matching requests to the canary for each iteration, and Flagger ignores weights then',
        `match with ${['maxWeight', 'stepWeight', 'stepWeights'].filter((k) => (analysis as any)[k] !== undefined).join(', ')}`,
        'drop the weights and set iterations, or drop the match for a weighted canary');
    }
    if (analysis.iterations === undefined) {
      refuse(subject, 'an A/B match needs iterations (the number of steps)', 'no iterations', 'set iterations, e.g. 10');
    }
  }
  if (weighted) {
    if (analysis.iterations !== undefined) {
      refuse(subject, 'a weighted canary and iterations are different strategies', `iterations ${analysis.iterations} with weights`,
        'drop iterations for a canary, or the weights for blue/green');
    }
    const last = analysis.stepWeight ?? analysis.stepWeights![analysis.stepWeights!.length - 1];
    const maxWeight = analysis.maxWeight ?? (analysis.stepWeights ? last : undefined);
    if (maxWeight === undefined) refuse(subject, 'stepWeight needs maxWeight, the weight at which Flagger promotes', 'no maxWeight', 'set maxWeight, e.g. 50');
    if (last > maxWeight) {
      refuse(subject, `${analysis.stepWeight !== undefined ? 'stepWeight' : 'the last of stepWeights'} is above maxWeight`,
        `${last} > ${maxWeight}`, 'lower the step or raise maxWeight');
    }
    if (analysis.stepWeights !== undefined && analysis.maxWeight !== undefined && analysis.maxWeight !== last) {
      // With stepWeights Flagger promotes after the last step and reads no maxWeight (pkg/controller/scheduler.go, maxWeight).
      refuse(subject, 'Flagger ignores maxWeight with stepWeights and promotes after the last step',
        `maxWeight ${analysis.maxWeight}, stepWeights ${show(analysis.stepWeights)}`, `drop maxWeight, or end stepWeights at ${analysis.maxWeight}`);
    }
    if (analysis.stepWeight !== undefined && analysis.maxWeight !== undefined && analysis.maxWeight % analysis.stepWeight !== 0
      && analysis.maxWeight < 100) {
      // The weight grows by stepWeight until it reaches maxWeight (pkg/controller/scheduler.go, runCanary), so it overshoots.
      const over = Math.min(100, Math.ceil(analysis.maxWeight / analysis.stepWeight) * analysis.stepWeight);
      refuse(subject, `maxWeight must be a multiple of stepWeight, or the last step overshoots it to ${over}%`,
        `stepWeight ${analysis.stepWeight}, maxWeight ${analysis.maxWeight}`,
        `use maxWeight ${Math.floor(analysis.maxWeight / analysis.stepWeight) * analysis.stepWeight || analysis.stepWeight} or ${over}`);
    }
  } else if (analysis.iterations === undefined) {
    refuse(subject, 'analysis needs a strategy', 'neither weights nor iterations',
      'set stepWeight and maxWeight for a canary, or iterations for blue/green (with match for A/B testing)');
  } else if (analysis.maxWeight !== undefined) {
    refuse(subject, 'maxWeight needs stepWeight or stepWeights', `maxWeight ${analysis.maxWeight}`, 'add stepWeight, or drop maxWeight');
  }
  if (analysis.mirrorWeight !== undefined && !analysis.mirror) {
    refuse(subject, 'mirrorWeight needs mirror: true', `mirrorWeight ${analysis.mirrorWeight}`, 'set mirror: true, or drop mirrorWeight');
  }
  if (analysis.mirror && analysis.match) {
    refuse(subject, 'mirroring copies traffic to the canary, and an A/B match sends it there', 'mirror with match', 'choose one');
  }
  if (analysis.sessionAffinity !== undefined) {
    checkObject(subject, 'sessionAffinity', analysis.sessionAffinity, '{ cookieName: "flagger-cookie" }');
    const cookie = analysis.sessionAffinity.cookieName;
    if (typeof cookie !== 'string' || !/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(cookie)) {
      refuse(subject, 'sessionAffinity cookieName must be a cookie name', show(analysis.sessionAffinity.cookieName), 'use e.g. "flagger-cookie"');
    }
    if (!weighted) refuse(subject, 'session affinity applies to weighted canaries', 'sessionAffinity without weights', 'add stepWeight, or drop it');
    if (analysis.sessionAffinity.maxAge !== undefined) checkWholeSeconds(subject, 'sessionAffinity maxAge', analysis.sessionAffinity.maxAge);
  }
  const names = new Set<string>();
  for (const metric of checkList(subject, 'metrics', analysisMetrics(analysis), '[Metric.requestSuccessRate({ min: 99 })]')) {
    if (!(metric instanceof Metric)) refuse(subject, 'metrics take Metric factories', show(metric), 'use e.g. Metric.requestSuccessRate({ min: 99 })');
    const where = `metric ${show(metric.name)}`;
    if (metric.template && (metric.name.length === 0 || metric.name.length > 190)) {
      // The MetricTemplate is named `<service>-<metric>`, a DNS subdomain of at most 253 characters.
      refuse(subject, 'metric name must be 1 to 190 characters of letters, digits and "-"', show(metric.template.title), 'shorten the metric name');
    }
    if (names.has(metric.name)) refuse(subject, 'metric names must be unique', show(metric.name), 'rename or remove the duplicate');
    names.add(metric.name);
    const { min, max, interval } = metric.threshold ?? {};
    if (min === undefined && max === undefined) {
      refuse(subject, `${where} has no threshold, so it could never fail a check`, show(metric.threshold ?? {}), 'give min, max or both');
    }
    for (const [k, v] of [['min', min], ['max', max]] as const) {
      if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v))) refuse(subject, `${where} ${k} must be a number`, show(v), 'use e.g. 99');
    }
    if (min !== undefined && max !== undefined && min > max) refuse(subject, `${where}: min is above max`, `${min} > ${max}`, 'swap them');
    if (interval !== undefined) checkDuration(subject, `${where} interval`, interval);
    if (metric.name === 'request-duration' && [min, max].some((v) => v !== undefined && (!Number.isInteger(v) || v < 0))) {
      // Flagger compares it as time.Duration(x) * time.Millisecond (pkg/controller/scheduler_metrics.go).
      refuse(subject, `${where} is in whole milliseconds, 0 or more`, show(metric.threshold), 'use e.g. { max: 500 }');
    }
    if (metric.name === 'request-success-rate' && ((min ?? 0) < 0 || (max ?? 100) > 100 || (min ?? 0) > 100)) {
      refuse(subject, `${where} is a percentage`, show(metric.threshold), 'use a range within 0 to 100');
    }
    if (metric.template) {
      if (metric.template.query.trim() === '') refuse(subject, `${where} has an empty query`, show(metric.template.query), 'write the PromQL');
      if (typeof metric.template.address !== 'string' || !/^https?:\/\/[^\s]+$/.test(metric.template.address)) {
        refuse(subject, `${where}: Prometheus address must be an http(s) URL`, show(metric.template.address), `use e.g. ${show(DEFAULT_PROMETHEUS)}`);
      }
    }
  }
  const hooks = new Set<string>();
  for (const hook of checkList(subject, 'webhooks', analysis.webhooks ?? [], '[Webhook.loadTest({ cmd: "hey ..." })]')) {
    if (!(hook instanceof Webhook)) refuse(subject, 'webhooks take Webhook factories', show(hook), 'use e.g. Webhook.loadTest({ cmd })');
    if (hooks.has(hook.name)) refuse(subject, 'webhook names must be unique', show(hook.name), 'name the webhooks apart (preRollout takes a name)');
    hooks.add(hook.name);
    if (typeof hook.url !== 'string' || !/^https?:\/\/[^\s]+$/.test(hook.url)) refuse(subject, `webhook ${show(hook.name)} url must be an http(s) URL`, show(hook.url), 'use e.g. "http://flagger-loadtester.test/"');
    if (hook.timeout !== undefined) checkDuration(subject, `webhook ${show(hook.name)} timeout`, hook.timeout);
    if (hook.metadata?.cmd !== undefined && (typeof hook.metadata.cmd !== 'string' || hook.metadata.cmd.trim() === '')) refuse(subject, 'load test cmd must be a command line', show(hook.metadata.cmd), 'give the command, e.g. "hey -z 1m ..."');
  }
}
