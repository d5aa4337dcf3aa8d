/** What constructs routing with the Gateway API share: the routing API they resolve, and the ReferenceGrants they need. */
import { ApiObject } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { createGatewayApiObject } from './gateway-api-object';
import { ROUTING_API_CONTEXT, RoutingApi, checkRoutingApi } from '../model/gateway-api';

/** A construct's routing API: its prop, else the app's or chart's `ROUTING_API_CONTEXT`, else Istio's API. */
export function routingApiOf(scope: IConstruct, subject: string, prop: RoutingApi | undefined): RoutingApi {
  return checkRoutingApi(subject, prop ?? scope.node.tryGetContext(ROUTING_API_CONTEXT) ?? RoutingApi.ISTIO);
}

/** Per app: the ReferenceGrants made, by `<to namespace> <from namespace>`. */
const GRANTS = new WeakMap<IConstruct, Map<string, ApiObject>>();

/**
 * A ReferenceGrant in `toNamespace` that lets HTTPRoutes in `fromNamespace` send to its Services (Gateway API refuses
 * a backendRef across namespaces without one). One per pair of namespaces in the app, made by the first route that
 * needs it; none within a namespace.
 */
export function grantServiceReferences(scope: Construct, fromNamespace: string, toNamespace: string): void {
  if (fromNamespace === toNamespace) return;
  const root = scope.node.root;
  let grants = GRANTS.get(root);
  if (!grants) {
    grants = new Map();
    GRANTS.set(root, grants);
  }
  const key = `${toNamespace} ${fromNamespace}`;
  if (grants.has(key)) return;
  grants.set(key, createGatewayApiObject('ReferenceGrant', scope, `ReferenceGrant-${fromNamespace}-to-${toNamespace}`, {
    metadata: { name: `httproutes-from-${fromNamespace}`, namespace: toNamespace },
    spec: {
      from: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: fromNamespace }],
      to: [{ group: '', kind: 'Service' }],
    },
  }));
}
