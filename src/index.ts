export * from './canary-service';
export * from './errors';
export * from './istio-api-version';
export * from './match';
export * from './names';
export * from './protocol';
export * from './release';
