// The public API: what users write. Constructs with their props and option types, enums, and the factories they
// call. Helpers stay in their modules; programmatic analysis is the `cdk8s-istio-canary/analysis` entry.
// test/public-api.test.ts pins these names, so a change here is a reviewed diff.

// Releases of one service
export { CanaryService } from './canary-service';
export type { CanaryServiceProps, PortProps, VersionProps } from './canary-service';
export { TrafficSplit } from './traffic-split';
export type { Backend, TrafficSplitProps } from './traffic-split';
export { RoutedRelease } from './routed-release';
export type { ExposeOptions } from './routed-release';
export type { WorkloadProps } from './workload';
export { Protocol } from './model/protocol';
export { DefaultRoute, Split } from './model/release';
export type { Release, ReleasePort, RouteRule, VersionHost, VersionPolicy, Weights } from './model/release';
export { Match } from './model/match';
export type { HeaderRouteOptions, RouteOptions } from './model/route-options';
export type { StickyCanary } from './model/sticky';
export type {
  Abort, CorsPolicy, Delay, Fault, HeaderOperations, HeaderPolicy, Mirror, Redirect, Retries, Rewrite, RoutePolicy,
} from './model/route-policy';
export { ClientTlsMode, LoadBalancer } from './model/traffic-policy';
export type { ClientTls, ConnectionPool, OutlierDetection, TrafficPolicy } from './model/traffic-policy';
export { IstioApiVersion } from './istio/api-version';
export { ROUTING_API_CONTEXT, RoutingApi } from './model/gateway-api';

// Gateways
export { MeshGateway } from './mesh-gateway';
export type { EdgeIngress, GatewayRouteOptions, GatewayTls, MeshGatewayProps, ServiceTarget } from './mesh-gateway';
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
export type { MeshAuthorizationPolicyProps } from './authorization-policy';

// Progressive delivery with Flagger
export { ProgressiveService } from './progressive-service';
export type { ProgressiveServiceProps } from './progressive-service';
export { Metric, Webhook } from './model/flagger';
export type { Analysis, MetricThreshold, PrometheusOptions } from './model/flagger';

// Progressive delivery with Argo Rollouts
export { RolloutService } from './rollout-service';
export type { RolloutServiceProps } from './rollout-service';
export { AnalysisTemplate, RolloutStep } from './model/rollout';
export type { AnalysisMetric, BackgroundAnalysis, RampOptions, RateTemplateOptions } from './model/rollout';

// What constructs take from one another
export type {
  IAuthorizationTarget, IExternalService, IGatewayRouteTarget, ILaneMember, IMeshGateway, IPolicyTarget, IReleaseLane, ISourceWorkload,
} from './targets';

// Checks of the whole app at synth time, and the cdk8s validation plugin
export { MeshAnalysis } from './mesh-analysis';
export { IstioCanaryValidation } from './validation/plugin';
export type { IstioCanaryValidationProperties } from './validation/plugin';
