/**
 * What constructs take from one another, as interfaces: a construct that needs a gateway, a lane member or a policy
 * target names it here, so no construct file imports another construct's file for a type.
 */
import { IConstruct } from 'constructs';
import { RoutingApi } from './model/gateway-api';
import { Lane } from './model/lane';
import { Release } from './model/release';

/** A listener of a Gateway API Gateway that service routes attach to. */
export interface GatewayListener {
  /** The listener's name, a route's `sectionName`. */
  readonly name: string;
  /**
   * The listener's hostname.
   * @default none: the listener admits every host
   */
  readonly hostname?: string;
}

/** A Gateway that routes can be bound to: one this app synthesizes, or an existing one (`MeshGateway.fromName`). */
export interface IMeshGateway extends IConstruct {
  /** The Gateway's name. */
  readonly gatewayName: string;
  /** The Gateway's namespace. */
  readonly gatewayNamespace: string;
  /** The hosts of all its servers, as written there (`host`, `ns/host`, `./host`, `*`). */
  readonly serverHosts: string[];
  /** The API the gateway is written in: an Istio Gateway takes VirtualServices, a Gateway API Gateway takes HTTPRoutes. */
  readonly routingApi: RoutingApi;
  /**
   * For a Gateway API Gateway: the listeners service routes attach to (by `sectionName`, those whose hostname fits the
   * route's), when not all of them (the HTTP listeners of a gateway that redirects to HTTPS carry only the redirect).
   * @default every listener (the route names the Gateway only)
   */
  readonly routeListeners?: GatewayListener[];
  /** How a VirtualService in `namespace` names this gateway: `<name>` in the same namespace, else `<namespace>/<name>`. */
  referenceFrom(namespace: string): string;
}

/** A workload that can be named as the target of a security policy: a CanaryService, say. */
export interface IPolicyTarget {
  /** The target's name. */
  readonly name: string;
  /** Namespace of the target's pods; the policy must live there. */
  readonly namespace: string;
  /** Labels selecting every pod of the target. */
  readonly podSelector: Readonly<Record<string, string>>;
}

/** A service that may be exposed through gateways: then the gateway must be admitted too. */
export interface IAuthorizationTarget extends IPolicyTarget {
  /** True when gateways route to the service. */
  readonly exposedViaGateway: boolean;
}

/** A workload that runs under a service account: a CanaryService, say. */
export interface ISourceWorkload {
  /** The workload's name. */
  readonly name: string;
  /** The workload's namespace. */
  readonly namespace: string;
  /** The service account its pods run as. */
  readonly serviceAccountName: string;
}

/**
 * A service a gateway route can send requests to through its own rules and split (a CanaryService), as opposed to
 * a plain Service named by host.
 */
export interface IGatewayRouteTarget extends IConstruct {
  /** The routing model the gateway renders its routes from. */
  readonly release: Release;
  /** Counts changes to the routing, so the gateway re-renders its routes only when they changed. */
  readonly revision: number;
  /** Called by a gateway that routes to the service, for authorization checks. */
  notifyGatewayRoute(): void;
}

/** A full-link gray lane that services join (a ReleaseLane). */
export interface IReleaseLane extends IConstruct {
  /** The lane as plain data. */
  readonly lane: Lane;
}

/** A service that can be a member of release lanes: a CanaryService. */
export interface ILaneMember extends IConstruct {
  /** The service name. */
  readonly name: string;
  /** The routing model, with the lanes' rules. */
  readonly release: Release;
  /** The lanes the service is a member of. */
  readonly lanes: IReleaseLane[];
  /** Makes the service a member of `lane`. */
  addLane(lane: IReleaseLane): void;
}

/** An external service whose hosts a Sidecar's egress can list (an ExternalService). */
export interface IExternalService extends IConstruct {
  /** Hosts as a Sidecar's egress lists them, `<namespace>/<host>`. */
  readonly sidecarHosts: string[];
}

/** True when `target` routes by its own release (a CanaryService) rather than being a plain Service reference. */
export function isGatewayRouteTarget(target: object): target is IGatewayRouteTarget {
  return typeof (target as Partial<IGatewayRouteTarget>).notifyGatewayRoute === 'function';
}

/** True when `construct` can join release lanes. */
export function isLaneMember(construct: IConstruct): construct is ILaneMember {
  const member = construct as Partial<ILaneMember>;
  return typeof member.addLane === 'function' && Array.isArray(member.lanes);
}
