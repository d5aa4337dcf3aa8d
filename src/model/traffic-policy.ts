/**
 * DestinationRule traffic policy: how the caller's sidecar picks a pod, limits connections, ejects failing pods
 * and speaks TLS to them. Plain data with pure checks; set service-wide or per version (subset). `LoadBalancer`
 * keeps Istio's own field names, since every routing API we target takes Istio's load balancer settings.
 */
import { Duration } from 'cdk8s';
import { dropUndefined, renderDuration } from './data';
import { checkList, checkObject, refuse, show } from './errors';
import { checkDuration, checkPercent } from './route-policy';

/** The cookie of {@link LoadBalancer.consistentHashByCookie}. */
export interface CookieHashOptions {
  /**
   * Lifetime of the cookie Envoy sets when a request has none.
   * @default none: the cookie must already exist
   */
  readonly ttl?: Duration;
  /**
   * Path of the cookie Envoy sets.
   * @default none
   */
  readonly path?: string;
}

/** How the caller picks one pod of a version (Istio's `LoadBalancerSettings`). */
export class LoadBalancer {
  /** Each pod in turn. */
  public static roundRobin(): LoadBalancer {
    return new LoadBalancer(() => ({ simple: 'ROUND_ROBIN' }));
  }

  /** The pod with the fewest outstanding requests (Istio's default). */
  public static leastRequest(): LoadBalancer {
    return new LoadBalancer(() => ({ simple: 'LEAST_REQUEST' }));
  }

  /** A random pod. */
  public static random(): LoadBalancer {
    return new LoadBalancer(() => ({ simple: 'RANDOM' }));
  }

  /**
   * Sticky sessions by request header: requests with the same value go to the same pod of a version, for as long
   * as the pods stay. Consistent hashing picks a pod within a version; it does not pin a client to a version under
   * a weighted split (use a header or cookie match rule for that).
   */
  public static consistentHashByHeader(name: string): LoadBalancer {
    return new LoadBalancer(() => ({ consistentHash: { httpHeaderName: name } }), { header: name });
  }

  /**
   * Sticky sessions by cookie: requests with the same cookie go to the same pod of a version. Without a `ttl`
   * the cookie must already exist; with one, Envoy sets it when missing.
   */
  public static consistentHashByCookie(name: string, options: CookieHashOptions = {}): LoadBalancer {
    checkObject('LoadBalancer.consistentHashByCookie', 'options', options, '{ ttl: Duration.hours(1), path: "/" }');
    const { ttl, path } = options;
    // Rendered when read, after check(): a ttl cdk8s cannot render (0.5ms, NaN, a number) is refused there first.
    return new LoadBalancer(() => ({
      consistentHash: { httpCookie: dropUndefined({ name, path, ttl: ttl && renderDuration(ttl) }) },
    }), { cookie: name, ttl, path });
  }

  /** Sticky sessions by the caller's IP address. */
  public static consistentHashBySourceIp(): LoadBalancer {
    return new LoadBalancer(() => ({ consistentHash: { useSourceIp: true } }));
  }

  private constructor(
    private readonly render: () => Record<string, any>,
    private readonly inputs: { header?: string; cookie?: string; ttl?: Duration; path?: string } = {},
  ) {}

  /** Istio's `loadBalancer` object. */
  public get spec(): Record<string, any> {
    return this.render();
  }

  /** Checks the factory's inputs, naming the construct that uses it. */
  public check(subject: string, where: string): void {
    const { header, cookie, ttl, path } = this.inputs;
    if ('header' in this.inputs && (typeof header !== 'string' || header.trim() === '')) {
      refuse(subject, `${where}: consistent hashing by header needs the header name`, show(header), 'e.g. LoadBalancer.consistentHashByHeader("x-user")');
    }
    if ('cookie' in this.inputs && (typeof cookie !== 'string' || cookie.trim() === '')) {
      refuse(subject, `${where}: consistent hashing by cookie needs the cookie name`, show(cookie), 'e.g. LoadBalancer.consistentHashByCookie("session")');
    }
    if (path !== undefined && typeof path !== 'string') {
      refuse(subject, `${where}: the cookie path must be a string`, show(path), 'e.g. { path: "/" }');
    }
    if (ttl !== undefined) checkDuration(subject, `${where} cookie ttl`, ttl);
  }
}

/** Connection limits per caller sidecar and version (Istio's `ConnectionPoolSettings`); requests over them fail with 503. */
export interface ConnectionPool {
  /**
   * Most TCP connections to the version.
   * @default 2^32-1 (no limit)
   */
  readonly maxConnections?: number;
  /**
   * TCP connect timeout.
   * @default 10s
   */
  readonly connectTimeout?: Duration;
  /**
   * Most requests waiting for a connection.
   * @default 2^32-1 (no limit)
   */
  readonly http1MaxPendingRequests?: number;
  /**
   * Most concurrent requests.
   * @default 2^32-1 (no limit)
   */
  readonly http2MaxRequests?: number;
  /**
   * Most requests per connection; 1 turns keep-alive off.
   * @default 0 (no limit)
   */
  readonly maxRequestsPerConnection?: number;
  /**
   * Most concurrent retries.
   * @default 2^32-1 (no limit)
   */
  readonly maxRetries?: number;
  /**
   * Idle time after which a connection is closed.
   * @default 1h
   */
  readonly idleTimeout?: Duration;
}

/** Ejection of failing pods from the pool (Istio's `OutlierDetection`): the circuit breaker. */
export interface OutlierDetection {
  /**
   * Consecutive 5xx responses (or connection failures) that eject a pod.
   * @default 5
   */
  readonly consecutive5xxErrors?: number;
  /**
   * Consecutive 502, 503 and 504 responses that eject a pod.
   * @default off
   */
  readonly consecutiveGatewayErrors?: number;
  /**
   * Time between ejection sweeps.
   * @default 10s
   */
  readonly interval?: Duration;
  /**
   * Minimum ejection time; it grows with each ejection of the same pod.
   * @default 30s
   */
  readonly baseEjectionTime?: Duration;
  /**
   * Most pods ejected at once, in percent.
   * @default 10
   */
  readonly maxEjectionPercent?: number;
  /**
   * Ejection stops while fewer pods than this percent are healthy.
   * @default 0 (always on)
   */
  readonly minHealthPercent?: number;
}

/** TLS from the caller's sidecar to the version (Istio's `ClientTLSSettings.TLSmode`). */
export enum ClientTlsMode {
  /** Plain text. */
  DISABLE = 'DISABLE',
  /** TLS to a server that presents a certificate (the application terminates TLS itself). */
  SIMPLE = 'SIMPLE',
  /** TLS with a client certificate too. */
  MUTUAL = 'MUTUAL',
  /** Istio's mTLS with workload certificates. */
  ISTIO_MUTUAL = 'ISTIO_MUTUAL',
}

/** TLS settings of the connection to the version. */
export interface ClientTls {
  /** The TLS mode. */
  readonly mode: ClientTlsMode;
  /**
   * Server name sent in the TLS handshake, which the server's certificate must be issued for. Required for
   * SIMPLE and MUTUAL: without it Envoy could only use the Host header, which TCP ports do not have.
   * @default none (ISTIO_MUTUAL and DISABLE need none)
   */
  readonly sni?: string;
  /**
   * Path of the CA bundle in the sidecar that verifies the server's certificate (SIMPLE, MUTUAL).
   * @default the system's CA bundle
   */
  readonly caCertificates?: string;
  /**
   * Names the server's certificate must carry (SIMPLE, MUTUAL).
   * @default the sni
   */
  readonly subjectAltNames?: string[];
  /**
   * Secret holding the client certificate, key and CA (MUTUAL; gateways only) or the CA (SIMPLE).
   * @default none
   */
  readonly credentialName?: string;
  /**
   * Path of the client certificate in the sidecar (MUTUAL, with privateKey).
   * @default none
   */
  readonly clientCertificate?: string;
  /**
   * Path of the client key in the sidecar (MUTUAL, with clientCertificate).
   * @default none
   */
  readonly privateKey?: string;
}

/** A DestinationRule traffic policy, service-wide or for one version. */
export interface TrafficPolicy {
  /**
   * How a pod is picked.
   * @default LoadBalancer.leastRequest() (Istio's default)
   */
  readonly loadBalancer?: LoadBalancer;
  /**
   * Connection and request limits.
   * @default no limits
   */
  readonly connectionPool?: ConnectionPool;
  /**
   * Ejection of failing pods.
   * @default none
   */
  readonly outlierDetection?: OutlierDetection;
  /**
   * TLS to the pods.
   * @default none: Istio's automatic mTLS (ISTIO_MUTUAL to pods with a sidecar, plain text to pods without)
   */
  readonly tls?: ClientTls;
}

/** Checks a traffic policy. */
export function checkTrafficPolicy(subject: string, where: string, policy: TrafficPolicy): void {
  checkObject(subject, where, policy, '{ loadBalancer: LoadBalancer.roundRobin() }');
  if (policy.loadBalancer !== undefined) {
    if (!(policy.loadBalancer instanceof LoadBalancer)) {
      refuse(subject, `${where} loadBalancer must come from a LoadBalancer factory`, show(policy.loadBalancer), 'use e.g. LoadBalancer.roundRobin()');
    }
    policy.loadBalancer.check(subject, `${where} loadBalancer`);
  }
  const pool = policy.connectionPool;
  if (pool !== undefined) {
    checkObject(subject, `${where} connectionPool`, pool, '{ maxConnections: 100 }');
    // istio pkg/config/validation/validation.go (validateConnectionPool): "connection pool must have at least one field".
    if (CONNECTION_POOL_KEYS.every((key) => pool[key] === undefined)) {
      refuse(subject, `${where} connectionPool sets no field, and Istio refuses an empty connection pool`, show(pool),
        `set at least one of ${CONNECTION_POOL_KEYS.join(', ')}, or leave connectionPool out`);
    }
    for (const key of ['maxConnections', 'http1MaxPendingRequests', 'http2MaxRequests', 'maxRetries'] as const) {
      checkCount(subject, `${where} connectionPool.${key}`, pool[key], 1);
    }
    checkCount(subject, `${where} connectionPool.maxRequestsPerConnection`, pool.maxRequestsPerConnection, 0);
    if (pool.connectTimeout !== undefined) checkDuration(subject, `${where} connectionPool.connectTimeout`, pool.connectTimeout);
    if (pool.idleTimeout !== undefined) checkDuration(subject, `${where} connectionPool.idleTimeout`, pool.idleTimeout);
  }
  const outlier = policy.outlierDetection;
  if (outlier !== undefined) {
    checkObject(subject, `${where} outlierDetection`, outlier, '{ consecutive5xxErrors: 5 }');
    checkCount(subject, `${where} outlierDetection.consecutive5xxErrors`, outlier.consecutive5xxErrors, 0);
    checkCount(subject, `${where} outlierDetection.consecutiveGatewayErrors`, outlier.consecutiveGatewayErrors, 0);
    if (outlier.interval !== undefined) checkDuration(subject, `${where} outlierDetection.interval`, outlier.interval);
    if (outlier.baseEjectionTime !== undefined) checkDuration(subject, `${where} outlierDetection.baseEjectionTime`, outlier.baseEjectionTime);
    for (const key of ['maxEjectionPercent', 'minHealthPercent'] as const) {
      checkPercent(subject, `${where} outlierDetection.${key}`, outlier[key]);
      if (outlier[key] !== undefined && !Number.isInteger(outlier[key])) {
        refuse(subject, `${where} outlierDetection.${key} must be a whole percentage`, show(outlier[key]), 'use e.g. 100');
      }
    }
  }
  if (policy.tls !== undefined) {
    checkObject(subject, `${where} tls`, policy.tls, '{ mode: ClientTlsMode.SIMPLE, sni: "api.example.com" }');
    checkClientTls(subject, `${where} tls`, policy.tls);
  }
}

const CONNECTION_POOL_KEYS = [
  'maxConnections', 'connectTimeout', 'http1MaxPendingRequests', 'http2MaxRequests', 'maxRequestsPerConnection', 'maxRetries', 'idleTimeout',
] as const;


function checkCount(subject: string, what: string, value: number | undefined, min: number): void {
  if (value === undefined) return;
  if (!Number.isInteger(value) || value < min || value > 2 ** 31 - 1) {
    refuse(subject, `${what} must be a whole number, ${min} or more`, show(value), `use e.g. ${Math.max(min, 1)}`);
  }
}

function checkClientTls(subject: string, where: string, tls: ClientTls): void {
  if (!Object.values(ClientTlsMode).includes(tls.mode)) {
    refuse(subject, `${where}: unknown mode`, show(tls.mode), `use one of ${Object.values(ClientTlsMode).join(', ')}`);
  }
  const certificateFields = (['caCertificates', 'subjectAltNames', 'credentialName', 'clientCertificate', 'privateKey'] as const)
    .filter((key) => tls[key] !== undefined);
  for (const key of ['sni', 'caCertificates', 'credentialName', 'clientCertificate', 'privateKey'] as const) {
    if (tls[key] !== undefined && typeof tls[key] !== 'string') {
      refuse(subject, `${where} ${key} must be a string`, show(tls[key]), `write it in quotes, or leave ${key} out`);
    }
  }
  if (tls.subjectAltNames !== undefined) {
    checkList(subject, `${where} subjectAltNames`, tls.subjectAltNames, '["api.example.com"]').forEach((name) => {
      if (typeof name !== 'string' || name.trim() === '') {
        refuse(subject, `${where} subjectAltNames entries must be names`, show(name), 'e.g. ["api.example.com"]');
      }
    });
  }
  if (tls.mode === ClientTlsMode.DISABLE || tls.mode === ClientTlsMode.ISTIO_MUTUAL) {
    if (certificateFields.length > 0) {
      refuse(subject, `${where}: ${tls.mode} uses no certificates of yours, so these would be ignored`, certificateFields.join(', '),
        'drop them, or use SIMPLE or MUTUAL');
    }
    return;
  }
  if (!tls.sni || tls.sni.trim() === '') {
    refuse(subject, `${where}: ${tls.mode} needs the server name (sni) its certificate is issued for`, show(tls.sni),
      'set sni, e.g. "reviews.example.com"');
  }
  // istio pkg/config/validation/agent/validation.go (ValidateTLS, SIMPLE or MUTUAL with credentialName):
  // "cannot specify client certificates or CA certificate or CA CRL If credentialName is set".
  if (tls.credentialName !== undefined) {
    const files = (['caCertificates', 'clientCertificate', 'privateKey'] as const).filter((key) => tls[key] !== undefined);
    if (files.length > 0) {
      refuse(subject, `${where}: credentialName brings the certificates from a Secret, and Istio refuses certificate files beside it`,
        `credentialName with ${files.join(', ')}`, 'drop the files (put the CA in the Secret as ca.crt), or drop credentialName');
    }
  }
  if (tls.mode === ClientTlsMode.MUTUAL) {
    const files = [tls.clientCertificate, tls.privateKey].filter((file) => file !== undefined).length;
    if (tls.credentialName === undefined && files !== 2) {
      refuse(subject, `${where}: MUTUAL needs a client certificate`, files === 0 ? 'none' : 'only one of clientCertificate and privateKey',
        'set credentialName, or both clientCertificate and privateKey');
    }
  } else if (tls.clientCertificate !== undefined || tls.privateKey !== undefined) {
    refuse(subject, `${where}: SIMPLE sends no client certificate, so clientCertificate and privateKey would be ignored`,
      'a client certificate', 'drop them, or use MUTUAL');
  }
}
