// The public API: what users write. Constructs with their props and option types, enums, and the factories they
// call. Helpers stay in their modules; programmatic analysis is the `cdk8s-istio-canary/analysis` entry.
// test/public-api.test.ts pins these names, so a change here is a reviewed diff.

import { IstioCanaryValidation } from './validation/plugin';

// Releases of one service
export { CanaryService } from './canary-service';
export type { CanaryServiceProps, PortProps, VersionProps } from './canary-service';
export { TrafficSplit } from './traffic-split';
export type { Backend, TrafficSplitProps } from './traffic-split';
export { RoutedRelease } from './routed-release';
export type { ExposeOptions } from './routed-release';
export type { WorkloadOptions, WorkloadProps } from './workload';
export { Probe } from './model/probe';
export type { ProbeOptions } from './model/probe';
export type { ContainerResources, ResourceRange } from './model/container-resources';
export type { ContainerSecurityContext } from './model/container-security-context';
export type { ScratchVolume } from './model/scratch-volume';
export { DeploymentStrategy, PodCount } from './model/deployment-options';
export type { DeploymentOptions, RollingUpdateOptions } from './model/deployment-options';
export { Protocol } from './model/protocol';
export { DefaultRoute, Split } from './model/release';
export type { Release, ReleasePort, RouteRule, VersionHost, VersionPolicy, Weights } from './model/release';
export { Match } from './model/match';
export { UserIdFormat } from './model/cohort';
export type { HeaderRouteOptions, RouteOptions } from './model/route-options';
export type { StickyCanary } from './model/sticky';
export type {
  Abort, CorsPolicy, Delay, Fault, HeaderOperations, HeaderPolicy, Mirror, Redirect, Retries, Rewrite, RoutePolicy,
} from './model/route-policy';
export { ClientTlsMode, LoadBalancer } from './model/traffic-policy';
export type { ClientTls, ConnectionPool, CookieHashOptions, OutlierDetection, TrafficPolicy } from './model/traffic-policy';
export { IstioApiVersion } from './istio/api-version';
export { RoutingApi } from './model/gateway-api';
export { RoutingApiContext } from './routing-api-context';

// Gateways
export { MeshGateway } from './mesh-gateway';
export type { EdgeIngress, GatewayRouteOptions, GatewayTls, ImportedGatewayOptions, MeshGatewayProps, ServiceTarget } from './mesh-gateway';
// Istio types that appear in MeshGateway's props (generated from the pinned CRDs).
export {
  GatewaySpecServersTlsMaxProtocolVersion, GatewaySpecServersTlsMinProtocolVersion, GatewaySpecServersTlsMode,
} from '../imports/networking.istio.io';
export type {
  GatewaySpecServers, GatewaySpecServersPort, GatewaySpecServersTls, GatewaySpecServersTlsTlsCertificates,
} from '../imports/networking.istio.io';

// Full-link gray lanes
export { ReleaseLane } from './release-lane';
export type { ReleaseLaneProps } from './release-lane';
export type { Lane, LaneHeader } from './model/lane';

// Egress
export { ExternalService } from './external-service';
export type { ExternalServiceProps } from './external-service';
export { MeshSidecar } from './mesh-sidecar';
export type { MeshSidecarProps } from './mesh-sidecar';
export { ExternalProtocol, Resolution } from './model/egress';
export type { EgressGatewayOptions, ExternalPort } from './model/egress';

// Namespaces and security
export { MeshNamespace } from './mesh-namespace';
export type { MeshNamespaceProps } from './mesh-namespace';
export { MeshPeerAuthentication, MtlsMode } from './peer-authentication';
export type { MeshPeerAuthenticationProps } from './peer-authentication';
export { MeshAuthorizationPolicy, Source } from './authorization-policy';
export type { IngressGatewaySourceOptions, MeshAuthorizationPolicyProps } from './authorization-policy';

// Progressive delivery with Flagger
export { ProgressiveService } from './progressive-service';
export type { ProgressiveServiceProps } from './progressive-service';
export { Metric, Webhook } from './model/flagger';
export type { Analysis, GateWebhookOptions, LoadTestOptions, MetricThreshold, PrometheusOptions, SessionAffinity } from './model/flagger';

// Progressive delivery with Argo Rollouts
export { RolloutService } from './rollout-service';
export type { RolloutServiceProps } from './rollout-service';
export { AnalysisTemplate, RolloutStep } from './model/rollout';
export type { AnalysisMetric, BackgroundAnalysis, RampOptions, RateTemplateOptions } from './model/rollout';

// What constructs take from one another
export type {
  GatewayListener, IAuthorizationTarget, IExternalService, IGatewayRouteTarget, ILaneMember, IMeshGateway, IPolicyTarget, IReleaseLane,
  ISourceWorkload,
} from './targets';

// Checks of the whole app at synth time, and the cdk8s validation plugin
export { MeshAnalysis } from './mesh-analysis';
// What MeshAnalysis finds (plain data, also in the `cdk8s-istio-canary/analysis` entry).
export { Severity } from './analysis/analyze';
export type { AnalysisOptions, Finding } from './analysis/analyze';
export type { ObjectRef } from './analysis/manifest';

// The validation plugin is Node code that cdk8s-cli loads from this package's main module by class name, whatever
// language the app is written in; its `validate` takes cdk8s-cli's context, which has no jsii shape. So it is
// attached here at run time, out of sight of jsii, and typed in the `cdk8s-istio-canary/plugin` entry.
Object.defineProperty(exports, 'IstioCanaryValidation', { enumerable: true, get: () => IstioCanaryValidation });
