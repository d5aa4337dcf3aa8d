/**
 * The application protocol of a service port. Istio selects the protocol from the port's `appProtocol` and its
 * name (`<protocol>[-<suffix>]`); a port it cannot classify is treated as opaque TCP, so header routes silently
 * stop working. CanaryService sets both.
 */
export enum Protocol {
  /** HTTP/1.1 (and HTTP/2 when negotiated). Routes are `http` routes. */
  HTTP = 'http',
  /** HTTP/2 cleartext. Routes are `http` routes. */
  HTTP2 = 'http2',
  /** gRPC (HTTP/2). Routes are `http` routes; match methods with `Match.grpcMethod()`. */
  GRPC = 'grpc',
  /** gRPC-Web. Routes are `http` routes. */
  GRPC_WEB = 'grpc-web',
  /** Opaque TCP. Routes are `tcp` routes: weights only, no header or path matches. */
  TCP = 'tcp',
  /** MongoDB, routed as TCP. */
  MONGO = 'mongo',
  /** MySQL, routed as TCP. */
  MYSQL = 'mysql',
  /** Redis, routed as TCP. */
  REDIS = 'redis',
}

/** True when Istio routes this protocol with `http` routes (matches, headers, timeouts). */
export function isHttpProtocol(protocol: Protocol): boolean {
  return protocol === Protocol.HTTP || protocol === Protocol.HTTP2 || protocol === Protocol.GRPC || protocol === Protocol.GRPC_WEB;
}

/** Gateway server protocols that carry TLS (Istio's `Server.port.protocol`). */
export const TLS_SERVER_PROTOCOLS: readonly string[] = ['HTTPS', 'TLS'];
