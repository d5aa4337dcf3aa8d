/** The plain views the mesh analysis reads of our objects, instead of rendering them again. */
import { ApiObject } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { K8sObject } from '../analysis/manifest';

const VIEWS = new WeakMap<ApiObject, () => K8sObject>();

/**
 * Lets the analysis read `object` from the plain data it was made from instead of rendering it (rendering every
 * object a second time is most of the cost of an analysis). For objects whose spec holds no tokens.
 */
export function registerAnalysisView(object: ApiObject, view: () => K8sObject): void {
  VIEWS.set(object, view);
}

/**
 * The object as the analysis needs it: our Istio objects from the data they were made from, a cdk8s-plus Deployment
 * from its construct (name, namespace, labels, replicas, pod labels) instead of its whole pod spec, every other
 * object rendered. (So a JSON patch on one of our Istio objects or on a Deployment's labels is not seen.)
 */
export function analysisView(object: ApiObject): K8sObject {
  const view = VIEWS.get(object);
  if (view) return view();
  const owner = object.node.scope;
  if (object.kind === 'Deployment' && owner instanceof kplus.Deployment) {
    return {
      apiVersion: object.apiVersion,
      kind: object.kind,
      metadata: { name: object.name, namespace: object.metadata.namespace, labels: owner.metadata.toJson().labels },
      spec: { replicas: owner.replicas, template: { metadata: { labels: owner.podMetadata.toJson().labels } } },
    };
  }
  return object.toJson();
}
