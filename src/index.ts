export * from './canary-service';
export * from './errors';
export * from './istio-api-version';
export * from './match';
export * from './names';
export * from './protocol';
export * from './release';
export * from './route-policy';
export * from './traffic-policy';
export * from './hosts';
export * from './mesh-gateway';
export * from './mesh-namespace';
export * from './peer-authentication';
export * from './authorization-policy';
// Istio types that appear in our props (generated from the pinned CRDs).
export type { GatewaySpecServers, GatewaySpecServersTls, GatewaySpecServersPort } from '../imports/networking.istio.io';
export { GatewaySpecServersTlsMode } from '../imports/networking.istio.io';
