/** Kubernetes Gateway API objects as ApiObjects of the generated kinds, with our wire-format spec. */
import { ApiObject, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { registerAnalysisView } from './analysis-view';
import * as gatewayApi from '../../imports/gateway.networking.k8s.io';
import { gatewayApiLimitProblems } from '../model/gateway-api-limits';

/** The generated class of each Gateway API kind we synthesize (all `gateway.networking.k8s.io/v1`). */
const CLASSES = {
  Gateway: gatewayApi.Gateway,
  HTTPRoute: gatewayApi.HttpRoute,
  GRPCRoute: gatewayApi.GrpcRoute,
  ReferenceGrant: gatewayApi.ReferenceGrant,
};

/** A Gateway API kind we synthesize. */
export type GatewayApiKind = keyof typeof CLASSES;

/**
 * Creates a Gateway API object of `kind`. As for Istio objects, the spec is written in the wire format and passed
 * through: the generated classes' `toJson` would rename and drop fields it does not know (the experimental `retry`).
 */
export function createGatewayApiObject(kind: GatewayApiKind, scope: Construct, id: string, props: {
  metadata: { name: string; namespace: string; labels?: Record<string, string> };
  spec: unknown;
}): ApiObject {
  const object = new ApiObject(scope, id, { ...CLASSES[kind].GVK, metadata: props.metadata, spec: props.spec });
  // Lists grow with addRoute(), exposeVia() and hosts after the object is made: their CRD limits are checked at synth.
  object.node.addValidation({
    validate: () => gatewayApiLimitProblems(kind, `${props.metadata.namespace}/${props.metadata.name}`,
      props.spec instanceof Lazy ? props.spec.produce() : props.spec),
  });
  registerAnalysisView(object, () => ({
    apiVersion: object.apiVersion,
    kind: object.kind,
    metadata: { name: object.name, namespace: object.metadata.namespace, labels: props.metadata.labels },
    spec: props.spec instanceof Lazy ? props.spec.produce() : props.spec,
  }));
  return object;
}
