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

/** An exposure of a service at a gateway: the hosts it routes there and the path prefix it is limited to. */
interface GatewayClaim {
  readonly scope: IConstruct;
  readonly subject: string;
  readonly hosts: readonly string[];
  readonly pathPrefix?: string;
}

/** Per app: the exposures at each gateway (`namespace/name`). */
const GATEWAY_CLAIMS = new WeakMap<IConstruct, Map<string, GatewayClaim[]>>();

/**
 * Records that `scope` routes `hosts` at `gateway` (under `pathPrefix`, or every path), and fails the synth when
 * another exposure at that gateway routes one of the hosts and no path tells the two apart. Istio's API merges the
 * routes of VirtualServices for one gateway host, oldest first, so a route of every path shadows the other
 * exposure's routes whichever path that one has; Gateway API orders them by path (longest prefix first), so only
 * an equal path (or none on both) leaves the younger route without a request.
 */
export function claimGatewayHosts(scope: IConstruct, gateway: string, claim: Omit<GatewayClaim, 'scope'>, gatewayApi: boolean): void {
  const root = scope.node.root;
  let byGateway = GATEWAY_CLAIMS.get(root);
  if (!byGateway) {
    byGateway = new Map();
    GATEWAY_CLAIMS.set(root, byGateway);
  }
  const mine: GatewayClaim = { ...claim, scope };
  byGateway.set(gateway, [...byGateway.get(gateway) ?? [], mine]);
  const registry = byGateway;
  const clash = (other: GatewayClaim) => other.pathPrefix === mine.pathPrefix
    || (!gatewayApi && (other.pathPrefix === undefined || mine.pathPrefix === undefined));
  scope.node.addValidation({
    // Reported by the later exposure only, once per pair.
    validate: () => (registry.get(gateway) ?? []).slice(0, (registry.get(gateway) ?? []).indexOf(mine)).filter(clash).flatMap((other) => {
      const shared = mine.hosts.filter((h) => other.hosts.includes(h));
      if (shared.length === 0) return [];
      const path = (c: GatewayClaim) => (c.pathPrefix === undefined ? 'every path' : `path prefix ${JSON.stringify(c.pathPrefix)}`);
      return [`${mine.subject}: at gateway ${gateway}, host ${shared[0]} is also routed by ${other.subject} (${other.scope.node.path}), and no path `
        + `tells the two apart, so one of them gets no request (got ${path(mine)} and ${path(other)}); `
        + 'give each exposeVia() its own hosts, or (Gateway API) its own pathPrefix; or route the host with the gateway\'s addRoute()'];
    }),
  });
}
