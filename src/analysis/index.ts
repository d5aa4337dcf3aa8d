// The `cdk8s-istio-canary/analysis` entry: the mesh analysis, explain, report and diff over plain Kubernetes
// objects (parsed manifests or `chart.toJson()`), for tools and tests. It imports no construct.
// test/public-api.test.ts pins these names.
export { CHECKS, Severity, analyze, formatFinding } from './analyze';
export type { AnalysisOptions, Finding } from './analyze';
export { explain, formatExplanation } from './explain';
export type {
  CookieCase, HeaderChanges, MirroredTo, RedirectLocation, RouteRetries, ServingWorkload, TrafficDestination, TrafficExplanation,
  TrafficRequest,
} from './explain';
export type { K8sObject, ObjectRef } from './manifest';
export { diffTraffic, renderDiff, renderReport, summarize } from './report';
export type { RouteSummary, SplitTarget, TrafficChange, VersionSummary, VirtualServiceSummary } from './report';
