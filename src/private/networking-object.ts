/** Istio networking objects as ApiObjects of the generated kinds, with our wire-format spec. */
import { ApiObject, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { registerAnalysisView } from './analysis-view';
import * as istio from '../../imports/networking.istio.io';
import { IstioApiVersion } from '../istio/api-version';
import { refuse, show } from '../model/errors';

/** The generated classes of each networking kind we synthesize, per API version. */
const CLASSES = {
  VirtualService: { [IstioApiVersion.V1]: istio.VirtualService, [IstioApiVersion.V1BETA1]: istio.VirtualServiceV1Beta1 },
  DestinationRule: { [IstioApiVersion.V1]: istio.DestinationRule, [IstioApiVersion.V1BETA1]: istio.DestinationRuleV1Beta1 },
  Gateway: { [IstioApiVersion.V1]: istio.Gateway, [IstioApiVersion.V1BETA1]: istio.GatewayV1Beta1 },
  ServiceEntry: { [IstioApiVersion.V1]: istio.ServiceEntry, [IstioApiVersion.V1BETA1]: istio.ServiceEntryV1Beta1 },
  Sidecar: { [IstioApiVersion.V1]: istio.Sidecar, [IstioApiVersion.V1BETA1]: istio.SidecarV1Beta1 },
};

/** Props shared by the generated classes (typed as v1: Istio serves the same schema in every version). */
type PropsOf<K extends keyof typeof CLASSES> = ConstructorParameters<(typeof CLASSES)[K][IstioApiVersion.V1]>[2];

/**
 * Creates an Istio networking object of `kind` in `apiVersion` (the GVK of that version's generated class).
 * The spec is written in Istio's wire format and passed through as is: the generated classes' `toJson` renames
 * fields to their TypeScript names and silently drops any other key (it would drop `consecutive5xxErrors`,
 * which it knows as `consecutive5XxErrors`).
 */
export function createNetworkingObject<K extends keyof typeof CLASSES>(
  kind: K,
  scope: Construct,
  id: string,
  apiVersion: IstioApiVersion,
  props: PropsOf<K>,
): ApiObject {
  if (!Object.values(IstioApiVersion).includes(apiVersion)) {
    // From an untyped caller: an apiVersion prop that is not one of the enum's.
    const words = kind.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase(); // VirtualService: "virtual service"
    refuse(`${words} ${show(props?.metadata?.name ?? id)}`, 'apiVersion must be one of IstioApiVersion', show(apiVersion), `use one of ${Object.values(IstioApiVersion).join(', ')}`);
  }
  const object = new ApiObject(scope, id, { ...CLASSES[kind][apiVersion].GVK, ...props });
  const spec: unknown = props?.spec;
  registerAnalysisView(object, () => ({
    apiVersion: object.apiVersion,
    kind: object.kind,
    metadata: { name: object.name, namespace: object.metadata.namespace },
    spec: spec instanceof Lazy ? spec.produce() : spec,
  }));
  return object;
}
