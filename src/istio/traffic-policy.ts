/** Rendering traffic policies to Istio's DestinationRule `trafficPolicy`, as plain data. */
import { dropUndefined, renderDuration } from '../model/data';
import { TrafficPolicy } from '../model/traffic-policy';

/** Istio's `TrafficPolicy`; undefined when nothing is set. */
export function renderTrafficPolicy(policy: TrafficPolicy | undefined): Record<string, any> | undefined {
  if (!policy) return undefined;
  const pool = policy.connectionPool;
  const tcp = pool && dropUndefined({
    maxConnections: pool.maxConnections,
    connectTimeout: pool.connectTimeout && renderDuration(pool.connectTimeout),
  });
  const http = pool && dropUndefined({
    http1MaxPendingRequests: pool.http1MaxPendingRequests,
    http2MaxRequests: pool.http2MaxRequests,
    maxRequestsPerConnection: pool.maxRequestsPerConnection,
    maxRetries: pool.maxRetries,
    idleTimeout: pool.idleTimeout && renderDuration(pool.idleTimeout),
  });
  const outlier = policy.outlierDetection;
  const rendered = dropUndefined({
    loadBalancer: policy.loadBalancer?.spec,
    connectionPool: pool && dropUndefined({
      tcp: tcp && Object.keys(tcp).length ? tcp : undefined,
      http: http && Object.keys(http).length ? http : undefined,
    }),
    outlierDetection: outlier && dropUndefined({
      consecutive5xxErrors: outlier.consecutive5xxErrors,
      consecutiveGatewayErrors: outlier.consecutiveGatewayErrors,
      interval: outlier.interval && renderDuration(outlier.interval),
      baseEjectionTime: outlier.baseEjectionTime && renderDuration(outlier.baseEjectionTime),
      maxEjectionPercent: outlier.maxEjectionPercent,
      minHealthPercent: outlier.minHealthPercent,
    }),
    tls: policy.tls && dropUndefined({ ...policy.tls }),
  });
  return Object.keys(rendered).length ? rendered : undefined;
}
