import { IConstruct } from 'constructs';
import { ROUTING_API_CONTEXT, RoutingApi, checkRoutingApi } from './model/gateway-api';

/**
 * The routing API of every construct under a scope (an app or a chart), for constructs whose own `routingApi` prop is
 * not given: `RoutingApiContext.applyTo(app, RoutingApi.GATEWAY_API)` before adding constructs. A construct's own prop
 * wins. It is a cdk8s context value (key {@link RoutingApiContext.KEY}), so `cdk8s.yaml` or `app.node.setContext`
 * can set it too.
 */
export class RoutingApiContext {
  /** The context key: `cdk8s-istio-canary/routingApi`. */
  public static readonly KEY = ROUTING_API_CONTEXT;

  /** Makes `api` the routing API of the constructs added under `scope` from now on. */
  public static applyTo(scope: IConstruct, api: RoutingApi): void {
    scope.node.setContext(ROUTING_API_CONTEXT, checkRoutingApi(`RoutingApiContext.applyTo(${scope.node.path || 'app'})`, api));
  }

  private constructor() {}
}
