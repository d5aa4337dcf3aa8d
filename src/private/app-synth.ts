/**
 * What happens around an App's synth, which cdk8s offers no hook for.
 *
 * `App.synth()` (and `synthYaml()`) resolves the dependencies of the whole app and validates it once, then renders
 * every chart with `chart.toJson()`, and `chart.toJson()` resolves and validates the whole app again, for each chart:
 * a synth costs charts x app. Inside our synth nothing can change between charts, so there each chart is rendered
 * without the repeated passes (what `chart.toJson()` does after them), and the app's synth stays linear. Outside a
 * synth (`chart.toJson()`, `Testing.synth(chart)`) cdk8s is untouched.
 *
 * A synth that refuses the app (our messages, cdk8s's list of validation errors, a cycle between charts) throws a
 * refusal: the message and the app's own frames, so `node app.js` and `cdk8s synth` print no stack of cdk8s's or
 * ours. A bug is thrown on untouched.
 */
import { ApiObject, App, Chart, DependencyGraph } from 'cdk8s';
import { invalid, isRefusal, refusal } from '../model/errors';

/** Told when an app's synth starts and when it has ended. */
export interface SynthScope {
  /** The synth started: nothing in the app changes until it ends. */
  started(): void;
  /** The synth ended, written or failed. */
  ended(): void;
}

/** cdk8s's internal renderer of one chart, which `chart.toJson()` calls. */
type SynthChart = (chart: Chart) => any[];
interface AppStatics { _synthChart?: SynthChart }

/** Calls `scope` around each `app.synth()` and `app.synthYaml()`, and renders each chart once inside them. */
export function scopeToSynth(app: App, scope: SynthScope): void {
  for (const method of ['synth', 'synthYaml'] as const) {
    const synth = app[method] as (...args: unknown[]) => unknown;
    Object.defineProperty(app, method, {
      configurable: true,
      writable: true,
      value: (...args: unknown[]) => {
        scope.started();
        const restore = renderChartsOnce(app);
        try {
          return synth.apply(app, args);
        } catch (e) {
          const refused = asRefusal(e);
          if (refused) throw refused; // node-do-not-add-exception-line: a refusal needs no source line from here
          throw e;
        } finally {
          restore();
          scope.ended();
        }
      },
    });
  }
}

/**
 * `e` as a refusal (an `Error` whose stack holds the app's frames only, see {@link refusal}) when it is one: ours, cdk8s's
 * list of validation errors (each a message a validation returned; its stack only says that cdk8s validated) and
 * cdk8s's dependency cycle, in our words. Anything else (a bug) is undefined, and is thrown on as it is.
 *
 * The line that throws a refusal carries node's `node-do-not-add-exception-line` marker: node prints an uncaught
 * error's throw line above it, unless that line has the marker, as node's own loaders do for errors they rethrow.
 */
function asRefusal(e: unknown): Error | undefined {
  if (isRefusal(e)) return e;
  if (!(e instanceof Error) || e.constructor !== Error) return undefined;
  if (/^Validation failed with the following errors:\n/.test(e.message)) return refusal(e.message);
  // Our constructs add dependencies across charts (a route after its gateway, a Sidecar after the
  // ExternalServices it lists): two charts can end up depending on each other, which cdk8s refuses in its words.
  const cycle = /^Dependency cycle detected: (.*)$/.exec(e.message);
  if (cycle) {
    return invalid('app', 'the charts depend on each other, so cdk8s cannot order them', cycle[1], 'put the gateway, '
      + 'the services it exposes and the external services its sidecars list in one chart, or move the constructs that cross back');
  }
  return undefined;
}

/**
 * Until the returned function is called, `chart.toJson()` for a chart of `app` renders the chart alone, as cdk8s does
 * after resolving and validating the app (which `app.synth()` has done once already). Nothing changes when this
 * version of cdk8s has no `App._synthChart`.
 */
function renderChartsOnce(app: App): () => void {
  const statics = App as unknown as AppStatics;
  const synthChart = statics._synthChart;
  if (typeof synthChart !== 'function') return () => {};
  statics._synthChart = (chart: Chart) => {
    if (App.of(chart) !== app) return synthChart.call(App, chart);
    return new DependencyGraph(chart.node).topology()
      .filter((c): c is ApiObject => ApiObject.isApiObject(c) && Chart.of(c) === chart)
      .map((object) => object.toJson());
  };
  return () => {
    statics._synthChart = synthChart;
  };
}
