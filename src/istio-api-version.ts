import { ApiObject, JsonPatch } from 'cdk8s';
import { Construct } from 'constructs';
import * as istio from '../imports/networking.istio.io';

/** The `networking.istio.io` API version our Istio objects are written in. */
export enum IstioApiVersion {
  /** Served from Istio 1.22 on. */
  V1 = 'networking.istio.io/v1',
  /** Served from Istio 1.5 on: for older clusters (such as Rancher's Istio 1.5.9). */
  V1BETA1 = 'networking.istio.io/v1beta1',
}

/** The networking kinds we synthesize; their v1 and v1beta1 schemas are the same. */
type NetworkingKind = typeof istio.VirtualService | typeof istio.DestinationRule | typeof istio.Gateway | typeof istio.ServiceEntry;

/**
 * Creates an Istio networking object with the generated v1 class and writes it in `apiVersion`.
 * The v1 and v1beta1 schemas are identical, so one typed class serves both.
 */
export function createNetworkingObject<K extends NetworkingKind>(
  kind: K,
  scope: Construct,
  id: string,
  apiVersion: IstioApiVersion,
  props: ConstructorParameters<K>[2],
): ApiObject {
  const obj = new kind(scope, id, props as any);
  if (apiVersion !== IstioApiVersion.V1) {
    obj.addJsonPatch(JsonPatch.replace('/apiVersion', apiVersion));
  }
  return obj;
}
