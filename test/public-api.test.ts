import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';

/**
 * The public API, pinned: every name an entry exports, with its kind. A change to what users can import shows up
 * here as a reviewed diff; helpers stay unexported.
 */
function exportsOf(entry: string): string[] {
  const file = path.join(__dirname, '..', entry);
  const program = ts.createProgram([file], { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS, skipLibCheck: true, noEmit: true });
  const checker = program.getTypeChecker();
  const moduleSymbol = checker.getSymbolAtLocation(program.getSourceFile(file)!)!;
  return checker.getExportsOfModule(moduleSymbol).map((exported) => {
    const symbol = has(exported.flags, ts.SymbolFlags.Alias) ? checker.getAliasedSymbol(exported) : exported;
    return `${kindOf(symbol.flags)} ${exported.getName()}`;
  }).sort();
}

/** True when `flags` has `flag` set (symbol flags are a bit set). */
function has(flags: ts.SymbolFlags, flag: ts.SymbolFlags): boolean {
  return (flags & flag) !== 0; // eslint-disable-line no-bitwise
}

function kindOf(flags: ts.SymbolFlags): string {
  if (has(flags, ts.SymbolFlags.Class)) return 'class';
  if (has(flags, ts.SymbolFlags.Function)) return 'function';
  if (has(flags, ts.SymbolFlags.Enum)) return 'enum';
  if (has(flags, ts.SymbolFlags.Interface)) return 'interface';
  if (has(flags, ts.SymbolFlags.TypeAlias)) return 'type';
  if (has(flags, ts.SymbolFlags.Variable)) return 'const';
  return 'other';
}

const MAIN = [
  'class AnalysisTemplate', 'class CanaryService', 'class ExternalService', 'class LoadBalancer',
  'class DeploymentStrategy', 'class Match', 'class MeshAnalysis', 'class MeshAuthorizationPolicy', 'class MeshGateway',
  'class MeshNamespace', 'class MeshPeerAuthentication', 'class MeshSidecar', 'class Metric',
  'class PodCount', 'class Probe', 'class ProgressiveService', 'class ReleaseLane', 'class RolloutService', 'class RolloutStep', 'class RoutedRelease', 'class Source', 'class TrafficSplit',
  'class Webhook',
  'enum ClientTlsMode', 'enum DefaultRoute', 'enum ExternalProtocol', 'enum GatewaySpecServersTlsMaxProtocolVersion',
  'enum GatewaySpecServersTlsMinProtocolVersion', 'enum GatewaySpecServersTlsMode', 'enum IstioApiVersion',
  'enum MtlsMode', 'enum Protocol', 'enum Resolution', 'enum RoutingApi', 'enum Split', 'enum UserIdFormat',

  'interface Abort', 'interface Analysis', 'interface AnalysisMetric', 'interface BackgroundAnalysis', 'interface Backend', 'interface CanaryServiceProps',
  'interface ClientTls', 'interface ConnectionPool', 'interface CorsPolicy', 'interface Delay',
  'interface EdgeIngress', 'interface EgressGatewayOptions', 'interface ExposeOptions', 'interface ExternalPort',
  'interface ExternalServiceProps', 'interface Fault', 'interface GatewayRouteOptions',
  'interface GatewaySpecServers', 'interface GatewaySpecServersPort', 'interface GatewaySpecServersTls',
  'interface GatewaySpecServersTlsTlsCertificates', 'interface GatewayTls', 'interface HeaderOperations',
  'interface HeaderPolicy', 'interface HeaderRouteOptions', 'interface IAuthorizationTarget',
  'interface IExternalService', 'interface IGatewayRouteTarget', 'interface ILaneMember',
  'interface IMeshGateway', 'interface IPolicyTarget', 'interface IReleaseLane', 'interface ISourceWorkload',
  'interface Lane', 'interface LaneHeader',
  'interface MeshAuthorizationPolicyProps', 'interface MeshGatewayProps', 'interface MeshNamespaceProps',
  'interface MeshPeerAuthenticationProps', 'interface MeshSidecarProps', 'interface MetricThreshold',
  'interface Mirror', 'interface OutlierDetection', 'interface PortProps', 'interface ProgressiveServiceProps',
  'interface PrometheusOptions', 'interface RampOptions', 'interface RateTemplateOptions', 'interface Redirect', 'interface Release', 'interface ReleaseLaneProps',
  'interface ReleasePort', 'interface Retries', 'interface Rewrite', 'interface RolloutServiceProps', 'interface RouteOptions',
  'interface RoutePolicy', 'interface RouteRule', 'interface ServiceTarget', 'interface StickyCanary', 'interface TrafficPolicy',
  'interface TrafficSplitProps', 'interface VersionHost', 'interface VersionPolicy', 'interface VersionProps',
  'interface WorkloadProps',
  // Issue 28: the workload's own plain-data types in place of cdk8s-plus's
  'interface ContainerResources', 'interface ContainerSecurityContext', 'interface DeploymentOptions', 'interface ProbeOptions',
  'interface ResourceRange', 'interface RollingUpdateOptions', 'interface ScratchVolume', 'interface WorkloadOptions',
  'type Weights',
  // Issue 28 (jsii): named structs where options were inline object types, the context key as a class, and what
  // MeshAnalysis finds (also in the analysis entry)
  'class RoutingApiContext', 'interface CookieHashOptions', 'interface GateWebhookOptions', 'interface GatewayListener',
  'interface ImportedGatewayOptions', 'interface IngressGatewaySourceOptions', 'interface LoadTestOptions', 'interface SessionAffinity',
  'enum Severity', 'interface AnalysisOptions', 'interface Finding', 'interface ObjectRef',
];

const PLUGIN = ['class IstioCanaryValidation', 'const CRDS_ENV', 'interface IstioCanaryValidationProperties'];

const ANALYSIS = [
  'enum Severity',
  'function analyze', 'function diffTraffic', 'function explain', 'function formatExplanation',
  'function formatFinding', 'function renderDiff', 'function renderReport', 'function summarize',
  'const CHECKS',
  'interface AnalysisOptions', 'interface Finding', 'interface HeaderChanges', 'interface K8sObject', 'interface MirroredTo', 'interface ObjectRef',
  'interface RedirectLocation', 'interface RouteSummary', 'interface ServingWorkload', 'interface SplitTarget', 'interface TrafficChange',
  'interface TrafficDestination', 'interface TrafficExplanation', 'interface TrafficRequest',
  'interface VersionSummary', 'interface VirtualServiceSummary',
  // Issue 27: a sticky service's cookie cases and the effective retries of a route in explain
  'interface CookieCase', 'interface RouteRetries',
];

describe('public API', () => {
  test('the main entry exports exactly the constructs, their props, enums and factories', () => {
    expect(exportsOf('src/index.ts')).toEqual([...MAIN].sort());
  });

  test('the main entry stays small, with at most 3 free functions', () => {
    // "at most about 90" (issue 15), the 8 names of Argo Rollouts (issue 17), EdgeIngress, RoutingApi and its context
    // key (issue 16), the 11 workload types replacing cdk8s-plus's and 12 jsii names for inline option types, the
    // context key and MeshAnalysis's findings (issue 28)
    expect(MAIN.length).toBeLessThanOrEqual(125);
    expect(MAIN.filter((name) => name.startsWith('function ')).length).toBeLessThanOrEqual(3);
  });

  test('the analysis entry exports the programmatic analysis, explain, report and diff', () => {
    expect(exportsOf('src/analysis/index.ts')).toEqual([...ANALYSIS].sort());
  });

  test('the plugin entry exports the validation plugin cdk8s-cli loads', () => {
    expect(exportsOf('src/validation/plugin.ts').filter((name) => !name.startsWith('interface ValidationContext'))).toEqual(PLUGIN);
  });

  test('the main module carries the validation plugin at run time, where cdk8s-cli looks for it, out of the jsii API', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    expect(require('../src').IstioCanaryValidation).toBe(require('../src/validation/plugin').IstioCanaryValidation);
    expect(exportsOf('src/index.ts')).not.toContain('class IstioCanaryValidation');
  });

  test('package.json exports the three entries, compiled from these sources', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8'));
    expect(Object.keys(pkg.exports)).toEqual(['.', './analysis', './plugin', './package.json']);
    expect(pkg.main).toBe(pkg.exports['.'].default.replace('./', ''));
    expect(pkg.types).toBe(pkg.exports['.'].types.replace('./', ''));
    const source = (compiled: string) => compiled.replace('./lib/', '').replace(/\.d\.ts$|\.js$/, '.ts');
    expect(source(pkg.exports['.'].default)).toBe('src/index.ts');
    expect(source(pkg.exports['.'].types)).toBe('src/index.ts');
    expect(source(pkg.exports['./analysis'].default)).toBe('src/analysis/index.ts');
    expect(source(pkg.exports['./analysis'].types)).toBe('src/analysis/index.ts');
    expect(pkg.typesVersions['*'].analysis).toEqual([pkg.exports['./analysis'].types.replace('./', '')]);
    expect(source(pkg.exports['./plugin'].default)).toBe('src/validation/plugin.ts');
    expect(pkg.typesVersions['*'].plugin).toEqual([pkg.exports['./plugin'].types.replace('./', '')]);
  });
});
