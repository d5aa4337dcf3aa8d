/**
 * The seed scenarios routed with the Kubernetes Gateway API: the same charts with `RoutingApiContext` set to
 * `RoutingApi.GATEWAY_API` for the chart, each in a namespace of its own (`<namespace>-gwapi`). What Gateway API
 * cannot express (ratings delayed for jason: fault injection) is refused at synth; test/gateway-api-scenarios.test.ts
 * asserts the message.
 */
import { Construct } from 'constructs';
import { WebSplitHeaderChart, WebSplitWeightedChart } from './host-split';
import {
  BookinfoGatewayChart, BookinfoReviewsChart, CatMouseGatewayChart, GrpcHeaderChart, GrpcWeightedChart, NginxGatewayCanaryChart,
} from './scenarios';
import { Protocol, RoutingApi } from '../src';

const GATEWAY_API = RoutingApi.GATEWAY_API;

/** nginx v1/v2 90/10 through a Gateway API Gateway, ingress only. */
export class NginxGatewayCanaryGatewayApiChart extends NginxGatewayCanaryChart {
  constructor(scope: Construct, id: string) {
    super(scope, id, { namespace: 'canary-gateway-gwapi', routingApi: GATEWAY_API });
  }
}

/** cat and mouse with `env` header routes at the gateway (cat) and in the mesh (mouse). */
export class CatMouseGatewayApiChart extends CatMouseGatewayChart {
  constructor(scope: Construct, id: string) {
    super(scope, id, { namespace: 'gray-gwapi', routingApi: GATEWAY_API });
  }
}

/** Bookinfo's path routing at the gateway, reviews 50/10/40 with `end-user: jason` in the mesh. */
export class BookinfoGatewayApiChart extends BookinfoGatewayChart {
  constructor(scope: Construct, id: string) {
    super(scope, id, { namespace: 'bookinfo-gwapi', routingApi: GATEWAY_API });
  }
}

/** Bookinfo reviews alone, in the mesh. */
export class BookinfoReviewsGatewayApiChart extends BookinfoReviewsChart {
  constructor(scope: Construct, id: string) {
    super(scope, id, { namespace: 'bookinfo-reviews-gwapi', routingApi: GATEWAY_API });
  }
}

/** web-svc 80/20 between tomcat-svc and httpd-svc. */
export class WebSplitWeightedGatewayApiChart extends WebSplitWeightedChart {
  constructor(scope: Construct, id: string) {
    super(scope, id, { namespace: 'web-weighted-gwapi', routingApi: GATEWAY_API });
  }
}

/** web-svc: `end-user: zyx` to tomcat-svc, everyone else to httpd-svc. */
export class WebSplitHeaderGatewayApiChart extends WebSplitHeaderChart {
  constructor(scope: Construct, id: string) {
    super(scope, id, { namespace: 'web-header-gwapi', routingApi: GATEWAY_API });
  }
}

/** gRPC greeter with `version: 100/200` headers, as a GRPCRoute. */
export class GrpcHeaderGatewayApiChart extends GrpcHeaderChart {
  constructor(scope: Construct, id: string) {
    super(scope, id, { namespace: 'grpc-gwapi', routingApi: GATEWAY_API });
  }
}

/**
 * gRPC greeter, `SayHello` 10/90 with a 5s timeout. GRPCRoute has no timeouts (Gateway API 1.5.1), so the port is
 * HTTP/2 and the route an HTTPRoute on the method's path (gRPC is HTTP/2); as a GRPCRoute it is refused.
 */
export class GrpcWeightedGatewayApiChart extends GrpcWeightedChart {
  constructor(scope: Construct, id: string) {
    super(scope, id, { namespace: 'grpc-weighted-gwapi', routingApi: GATEWAY_API, protocol: Protocol.HTTP2 });
  }
}

/**
 * Bookinfo in an ambient namespace (no sidecars): a waypoint applies the reviews HTTPRoute, gateway traffic goes
 * through it too, and productpage is reached through a Gateway API Gateway.
 */
export class BookinfoAmbientChart extends BookinfoGatewayChart {
  constructor(scope: Construct, id: string) {
    super(scope, id, { namespace: 'bookinfo-ambient', routingApi: GATEWAY_API, ambient: true });
  }
}

/** The charts of this file, by output file name. */
export const GATEWAY_API_CHARTS = {
  'nginx-gateway-canary-gwapi': NginxGatewayCanaryGatewayApiChart,
  'cat-mouse-gateway-gwapi': CatMouseGatewayApiChart,
  'bookinfo-gateway-gwapi': BookinfoGatewayApiChart,
  'bookinfo-reviews-gwapi': BookinfoReviewsGatewayApiChart,
  'web-split-weighted-gwapi': WebSplitWeightedGatewayApiChart,
  'web-split-header-gwapi': WebSplitHeaderGatewayApiChart,
  'grpc-header-gwapi': GrpcHeaderGatewayApiChart,
  'grpc-weighted-gwapi': GrpcWeightedGatewayApiChart,
  'bookinfo-ambient': BookinfoAmbientChart,
} as const;
