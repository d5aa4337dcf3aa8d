/** The app-wide rule that no two objects share a kind, namespace and name. */
import { ApiObject } from 'cdk8s';
import { IConstruct } from 'constructs';

/** Kinds of objects without a namespace (for these, two objects of one name clash whatever namespace they carry). */
const CLUSTER_SCOPED = new Set([
  'Namespace', 'GatewayClass', 'IngressClass', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition', 'PriorityClass',
  'StorageClass', 'PersistentVolume', 'MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration', 'ClusterAnalysisTemplate',
]);

/**
 * The messages for objects of the app under `root` that share API group, kind, namespace and name: the API server
 * keeps one object per such key, so `kubectl apply` of the output keeps the one applied last and the other is lost
 * without a word (two gateways named alike, a waypoint beside a Gateway named `waypoint`, a Service `reviews-v2` of a
 * host split beside a CanaryService `reviews-v2`).
 */
export function duplicateObjects(root: IConstruct): string[] {
  const byKey = new Map<string, ApiObject[]>();
  for (const object of root.node.findAll()) {
    if (!ApiObject.isApiObject(object)) continue;
    const group = object.apiVersion.includes('/') ? object.apiVersion.split('/')[0] : '';
    const namespace = CLUSTER_SCOPED.has(object.kind) ? '' : object.metadata.namespace ?? 'default';
    const key = `${object.kind}.${group} ${namespace ? `${namespace}/` : ''}${object.name}`;
    byKey.set(key, [...byKey.get(key) ?? [], object]);
  }
  return [...byKey.entries()].filter(([, objects]) => objects.length > 1).map(([key, objects]) => {
    const [kind, name] = key.split(' ');
    return `duplicate object: ${objects.length} objects of the app are ${kind.replace(/\.$/, '')} "${name}", and the API server keeps only the one `
      + `applied last (got ${objects.map((o) => o.node.path).join(', ')}); give each its own name or namespace`;
  });
}
