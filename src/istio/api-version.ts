/** The `networking.istio.io` API version our Istio objects are written in. */
export enum IstioApiVersion {
  /** Served from Istio 1.22 on. */
  V1 = 'networking.istio.io/v1',
  /** Served from Istio 1.5 on: for older clusters (such as Rancher's Istio 1.5.9). */
  V1BETA1 = 'networking.istio.io/v1beta1',
}
