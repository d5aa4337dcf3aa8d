/** The app-wide claim that one host is routed by one construct. */
import { IConstruct } from 'constructs';

/** Per app: who claims each mesh host. */
const HOST_CLAIMS = new WeakMap<IConstruct, Map<string, IConstruct[]>>();

/**
 * Records that `scope` routes `host` in the mesh, and fails the synth when another construct of the app claims the
 * same host: two VirtualServices (or DestinationRules) for one host are Istio's IST0109.
 */
export function claimMeshHost(scope: IConstruct, subject: string, host: string): void {
  const root = scope.node.root;
  let claims = HOST_CLAIMS.get(root);
  if (!claims) {
    claims = new Map();
    HOST_CLAIMS.set(root, claims);
  }
  const claimers = claims.get(host) ?? [];
  claims.set(host, [...claimers, scope]);
  const registry = claims;
  scope.node.addValidation({
    validate: () => {
      const twins = (registry.get(host) ?? []).filter((c) => c !== scope);
      return twins.length === 0 ? [] : [
        `${subject}: another CanaryService, TrafficSplit or ExternalService routes the same host (got ${host} at ${twins.map((t) => t.node.path).join(', ')}); `
        + 'give each its own name or namespace, or route the host in one of them',
      ];
    },
  });
}
