/** Rendering an Argo Rollouts canary as plain data: the Rollout's `strategy.canary` and AnalysisTemplate specs. */
import { Duration } from 'cdk8s';
import { dropUndefined, renderDuration } from '../model/data';
import { DEFAULT_PROMETHEUS } from '../model/flagger';
import { Match, elementPrefixUri } from '../model/match';
import {
  AnalysisTemplate, BackgroundAnalysis, CANARY, RolloutStep, STABLE, analysisArgs, managedRoutes,
} from '../model/rollout';

/** An AnalysisTemplate's spec: its arguments and Prometheus metrics. */
export function renderAnalysisTemplate(template: AnalysisTemplate): Record<string, any> {
  return dropUndefined({
    args: template.args.length > 0 ? template.args.map((name) => ({ name })) : undefined,
    metrics: template.metrics.map((m) => dropUndefined({
      name: m.name,
      interval: m.interval && renderDuration(m.interval),
      initialDelay: m.initialDelay && renderDuration(m.initialDelay),
      count: m.count,
      failureLimit: m.failureLimit,
      successCondition: m.successCondition,
      failureCondition: m.failureCondition,
      provider: { prometheus: { address: m.address ?? DEFAULT_PROMETHEUS, query: m.query } },
    })),
  });
}

/** Where Argo Rollouts moves the weights: the VirtualServices' weighted routes, and the subsets or Services. */
export interface IstioTrafficRouting {
  /** Each VirtualService (in the Rollout's namespace) and the names of its routes that carry the split. */
  readonly virtualServices: ReadonlyArray<{ readonly name: string; readonly routes: readonly string[] }>;
  /** Subset-level: the DestinationRule with the `stable` and `canary` subsets. */
  readonly destinationRule?: string;
}

/** What the canary strategy renders from. */
export interface CanaryStrategyInput {
  readonly steps: readonly RolloutStep[];
  readonly templates: readonly AnalysisTemplate[];
  readonly analysis?: BackgroundAnalysis;
  readonly defaultArgs: Readonly<Record<string, string>>;
  readonly trafficRouting: IstioTrafficRouting;
  /** Host-level: the stable and canary Services' names. */
  readonly services?: { readonly stable: string; readonly canary: string };
  readonly maxSurge?: string | number;
  readonly maxUnavailable?: string | number;
  readonly abortScaleDownDelay?: Duration;
}

/** The Rollout's `spec.strategy.canary`. */
export function renderCanaryStrategy(input: CanaryStrategyInput): Record<string, any> {
  const routes = managedRoutes(input.steps);
  const args = (names: readonly string[], given: Readonly<Record<string, string>>) => {
    const list = analysisArgs(input.templates, names, given, input.defaultArgs);
    return list.length > 0 ? list : undefined;
  };
  return dropUndefined({
    stableService: input.services?.stable,
    canaryService: input.services?.canary,
    maxSurge: input.maxSurge,
    maxUnavailable: input.maxUnavailable,
    abortScaleDownDelaySeconds: input.abortScaleDownDelay?.toSeconds(),
    analysis: input.analysis && dropUndefined({
      templates: input.analysis.templates.map((templateName) => ({ templateName })),
      startingStep: input.analysis.startingStep,
      args: args(input.analysis.templates, input.analysis.args ?? {}),
    }),
    steps: input.steps.map((step) => renderStep(step, args)),
    trafficRouting: dropUndefined({
      managedRoutes: routes.length > 0 ? routes.map((name) => ({ name })) : undefined,
      istio: dropUndefined({
        virtualServices: input.trafficRouting.virtualServices.map((vs) => ({ name: vs.name, routes: [...vs.routes] })),
        destinationRule: input.trafficRouting.destinationRule !== undefined
          ? { name: input.trafficRouting.destinationRule, stableSubsetName: STABLE, canarySubsetName: CANARY }
          : undefined,
      }),
    }),
  });
}

type ArgsOf = (names: readonly string[], given: Readonly<Record<string, string>>) => Array<{ name: string; value: string }> | undefined;

function renderStep({ spec: s }: RolloutStep, args: ArgsOf): Record<string, any> {
  switch (s.kind) {
    case 'setWeight': return { setWeight: s.weight };
    case 'pause': return { pause: s.duration ? { duration: renderDuration(s.duration) } : {} };
    case 'analysis': return { analysis: dropUndefined({ templates: s.templates.map((templateName) => ({ templateName })), args: args(s.templates, s.args) }) };
    case 'setHeaderRoute': return { setHeaderRoute: dropUndefined({ name: s.name, match: s.match?.map(renderHeaderRouteMatch) }) };
    default: return { setMirrorRoute: dropUndefined({ name: s.name, match: s.match?.map(renderMirrorRouteMatch), percentage: s.percentage }) };
  }
}

/** `{ headerName, headerValue: { exact | prefix | regex } }`; the checks allow one header per match. */
function renderHeaderRouteMatch(match: Match): Record<string, any> {
  const [[headerName, headerValue]] = Object.entries(match.conditions.headers!);
  return { headerName, headerValue };
}

/** `{ method, path, headers }`, each an Istio string match. */
function renderMirrorRouteMatch(match: Match): Record<string, any> {
  const { method, uri, headers } = match.conditions;
  // One string match per field: a path prefix by whole path elements as one regex (see Match.uriPrefix).
  return dropUndefined({ method, path: uri && elementPrefixUri(uri), headers });
}
