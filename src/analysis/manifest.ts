/**
 * A model of a set of Kubernetes manifests as Istio reads them: Services, ServiceEntries, workloads, DestinationRules,
 * VirtualServices and Gateways, indexed by host and namespace. Plain functions over plain objects, so it works on
 * any YAML, ours or not.
 */
import { hostsIntersect, serverAdmits } from '../model/hosts';

/** A Kubernetes object as plain data. */
export interface K8sObject {
  /** `group/version`, e.g. `networking.istio.io/v1`. */
  readonly apiVersion?: string;
  /** The kind, e.g. `VirtualService`. */
  readonly kind?: string;
  /** Name, namespace and labels (other metadata is kept but not read). */
  readonly metadata?: {
    /** The object's name. */
    readonly name?: string;
    /** The object's namespace; `default` when unset. */
    readonly namespace?: string;
    /** The object's labels. */
    readonly labels?: Record<string, string>;
    readonly [k: string]: any;
  };
  /** The spec, as in the manifest. */
  readonly spec?: any;
  readonly [field: string]: any;
}

/** Where an object is: kind, namespace and name. */
export interface ObjectRef {
  /** The kind. */
  readonly kind: string;
  /** The namespace. */
  readonly namespace: string;
  /** The name. */
  readonly name: string;
}

/** The cluster domain every Service host ends in. */
export const CLUSTER_DOMAIN = 'svc.cluster.local';

/** Istio's own namespace: its gateways and istiod live there, outside an app's manifests, in every mesh. */
const ISTIO_NAMESPACE = 'istio-system';

/** True for a Service host in Istio's own namespace, taken as present by the analysis and by explain. */
export function isIstioSystemHost(host: string): boolean {
  return host.endsWith(`.${ISTIO_NAMESPACE}.${CLUSTER_DOMAIN}`);
}

/** The namespace an object lives in (`default` when it names none, as kubectl applies it). */
export function namespaceOf(obj: K8sObject, fallback = 'default'): string {
  return obj.metadata?.namespace ?? fallback;
}

/** An object's reference. */
export function refOf(obj: K8sObject, fallback = 'default'): ObjectRef {
  // Namespaces are cluster-scoped: a namespace written on one means nothing.
  const namespace = obj.kind === 'Namespace' ? '' : namespaceOf(obj, fallback);
  return { kind: obj.kind ?? '<no kind>', namespace, name: obj.metadata?.name ?? '<no name>' };
}

/**
 * A host as Istio resolves it from an object in `namespace` (pilot/pkg/model/config.go ResolveShortnameToFQDN): a
 * name without a dot is a Service of that namespace, `reviews` -> `reviews.<namespace>.svc.cluster.local`; a host
 * with a dot (`reviews.shop`, `google.com`, an FQDN) and wildcards stay as written.
 */
export function resolveHost(host: string, namespace: string): string {
  if (host.startsWith('*') || host.includes('.') || host === '') return host;
  return `${host}.${namespace}.${CLUSTER_DOMAIN}`;
}

/**
 * The namespaces an object is visible in, from its `exportTo` list: `*` (all, also for an empty list), `.` (its own
 * namespace) or names.
 */
export function exportScopes(exportTo: readonly string[] | undefined, namespace: string): string[] {
  if (!exportTo || exportTo.length === 0) return ['*'];
  return exportTo.map((e) => String(e).trim()).map((e) => (e === '.' ? namespace : e));
}

/** The annotation that sets a Service's `exportTo`. */
export const EXPORT_TO_ANNOTATION = 'networking.istio.io/exportTo';

/** A host a Service or ServiceEntry defines, with the namespaces it is visible in and its ports. */
export interface HostEntry {
  /** The host, resolved in the defining object's namespace. */
  readonly host: string;
  /** `*`, or the namespaces it is exported to. */
  readonly scopes: readonly string[];
  /** Its ports (numbers). */
  readonly ports: readonly number[];
  /** The Service or ServiceEntry. */
  readonly object: K8sObject;
}

/** True when a VirtualService with `gateways` (as written) applies to sidecars: no gateways, or `mesh` among them. */
export function bindsToMesh(gateways: readonly string[] | undefined): boolean {
  return !gateways || gateways.length === 0 || gateways.includes('mesh');
}

/**
 * A gateway reference as Istio reads it from an object in `namespace`: `name` -> `<namespace>/name`,
 * `ns/name` as is, `name.ns.svc.cluster.local` (the legacy form) -> `ns/name`.
 */
export function resolveGateway(reference: string, namespace: string): string {
  if (reference.includes('/')) return reference;
  const labels = reference.split('.');
  if (labels.length > 1) return `${labels[1]}/${labels[0]}`;
  return `${namespace}/${reference}`;
}

/** `a=1,b=2`, or `no labels`. */
export function formatLabels(labels: Readonly<Record<string, string>> | undefined): string {
  const entries = Object.entries(labels ?? {});
  return entries.length === 0 ? 'no labels' : entries.map(([k, v]) => `${k}=${v}`).join(',');
}

/**
 * The destinations of one route with their shares of its requests, as Istio splits them: weights are relative, a
 * zero weight drops the destination, and a route's only destination needs no weight.
 */
export function routeShares(route: { route?: any[] }): Array<{ destination: any; share: number }> {
  const all = route.route ?? [];
  const weighted = all.filter((d) => (d.weight ?? (all.length === 1 ? 100 : 0)) > 0);
  const total = weighted.reduce((sum, d) => sum + (d.weight ?? 100), 0);
  return weighted.map((d) => ({ destination: d.destination, share: (d.weight ?? 100) / total }));
}

/** True when every label in `selector` is among `labels`. */
export function selects(selector: Readonly<Record<string, string>> | undefined, labels: Readonly<Record<string, string>> | undefined): boolean {
  return Object.entries(selector ?? {}).every(([k, v]) => labels?.[k] === v);
}

/** A workload: a Deployment (or StatefulSet, DaemonSet, ReplicaSet, Argo Rollout) and its pod template. */
export interface Workload {
  readonly object: K8sObject;
  readonly namespace: string;
  readonly podLabels: Readonly<Record<string, string>>;
  /** Replicas as written; undefined when the object does not set them (Kubernetes' default is 1). */
  readonly replicas?: number;
}

const WORKLOAD_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet'];

/** True for an object that runs pods from a template: the core workload kinds and Argo Rollouts. */
function isWorkload(o: K8sObject): boolean {
  return WORKLOAD_KINDS.includes(o.kind ?? '') || (o.kind === 'Rollout' && (o.apiVersion ?? '').startsWith('argoproj.io/'));
}

/** The kinds the analysis reads; objects of other kinds need not even be rendered for it. */
export const ANALYZED_KINDS: ReadonlySet<string> = new Set([
  ...WORKLOAD_KINDS, 'Rollout', 'Service', 'Namespace', 'ServiceEntry', 'DestinationRule', 'VirtualService', 'Gateway', 'Canary',
  'HTTPRoute', 'GRPCRoute', 'ReferenceGrant',
]);

/** True for an object of the Kubernetes Gateway API (`gateway.networking.k8s.io`). */
export function isGatewayApi(o: K8sObject): boolean {
  return (o.apiVersion ?? '').startsWith('gateway.networking.k8s.io/');
}

/** The manifests, indexed the way Istio looks things up. */
export class Manifests {
  /** Every object, in input order. */
  public readonly objects: readonly K8sObject[];
  /** Services by FQDN host. */
  public readonly services = new Map<string, K8sObject>();
  /** Workloads, in input order. */
  public readonly workloads: readonly Workload[];
  /** ServiceEntries, in input order. */
  public readonly serviceEntries: readonly K8sObject[];
  /** DestinationRules, in input order. */
  public readonly destinationRules: readonly K8sObject[];
  /** VirtualServices, in input order. */
  public readonly virtualServices: readonly K8sObject[];
  /** Istio Gateways by `<namespace>/<name>`. */
  public readonly gateways = new Map<string, K8sObject>();
  /** Gateway API Gateways by `<namespace>/<name>`. */
  public readonly gatewayApiGateways = new Map<string, K8sObject>();
  /** Gateway API HTTPRoutes and GRPCRoutes, in input order. */
  public readonly gatewayApiRoutes: readonly K8sObject[];
  /** Namespace objects by name. */
  public readonly namespaces = new Map<string, K8sObject>();
  /** DestinationRules by resolved host. */
  private readonly rulesByHost = new Map<string, K8sObject[]>();
  /** Workloads by `<namespace> <label>=<value>`, so selectors are matched against few candidates. */
  private readonly workloadsByLabel = new Map<string, Workload[]>();
  private readonly serviceEntryCache = new Map<string, K8sObject[]>();
  private entries?: HostEntry[];

  public constructor(objects: readonly K8sObject[]) {
    // A `kind: List` stands for its items, as kubectl and istioctl read it.
    this.objects = objects.flatMap((o) => (o?.kind === 'List' && Array.isArray(o.items) ? o.items : [o])).filter((o) => o && typeof o === 'object');
    const ofKind = (kind: string) => this.objects.filter((o) => o.kind === kind);
    for (const service of ofKind('Service')) this.services.set(resolveHost(service.metadata?.name ?? '', namespaceOf(service)), service);
    this.workloads = this.objects.filter(isWorkload).map((object) => ({
      object,
      namespace: namespaceOf(object),
      podLabels: object.spec?.template?.metadata?.labels ?? {},
      replicas: object.kind === 'DaemonSet' ? undefined : object.spec?.replicas,
    }));
    this.serviceEntries = ofKind('ServiceEntry');
    this.destinationRules = ofKind('DestinationRule');
    this.virtualServices = ofKind('VirtualService');
    for (const gateway of ofKind('Gateway')) {
      (isGatewayApi(gateway) ? this.gatewayApiGateways : this.gateways).set(`${namespaceOf(gateway)}/${gateway.metadata?.name}`, gateway);
    }
    this.gatewayApiRoutes = this.objects.filter((o) => (o.kind === 'HTTPRoute' || o.kind === 'GRPCRoute') && isGatewayApi(o));
    for (const namespace of ofKind('Namespace')) this.namespaces.set(namespace.metadata?.name ?? '', namespace);
    for (const dr of this.destinationRules) {
      const host = resolveHost(dr.spec?.host ?? '', namespaceOf(dr));
      this.rulesByHost.set(host, [...this.rulesByHost.get(host) ?? [], dr]);
    }
    for (const w of this.workloads) {
      for (const [k, v] of Object.entries(w.podLabels)) {
        const key = labelKey(w.namespace, k, v);
        const list = this.workloadsByLabel.get(key);
        if (list) list.push(w); else this.workloadsByLabel.set(key, [w]);
      }
    }
  }

  /** The labels of every pod in the manifests: Pods and the pod templates of workloads. */
  public podLabels(): ReadonlyArray<Readonly<Record<string, string>>> {
    return [...this.objects.filter((o) => o.kind === 'Pod').map((p) => p.metadata?.labels ?? {}), ...this.workloads.map((w) => w.podLabels)];
  }

  /** The ServiceEntries whose hosts cover `host` (wildcards included). */
  public serviceEntriesFor(host: string): K8sObject[] {
    let found = this.serviceEntryCache.get(host);
    if (!found) {
      // Istio's validation refuses the host `*` in a ServiceEntry: it covers nothing.
      found = this.serviceEntries.filter((se) => (se.spec?.hosts ?? [])
        .some((h: string) => typeof h === 'string' && h !== '*' && hostsIntersect(resolveHost(h, namespaceOf(se)), host)));
      this.serviceEntryCache.set(host, found);
    }
    return found;
  }

  /** True when a Service or ServiceEntry defines `host`. */
  public hostKnown(host: string): boolean {
    return this.services.has(host) || this.serviceEntriesFor(host).length > 0;
  }

  /** Every host Services and ServiceEntries define, with where it is visible. */
  public hostEntries(): readonly HostEntry[] {
    if (!this.entries) {
      const entries: HostEntry[] = [];
      for (const se of this.serviceEntries) {
        const ns = namespaceOf(se);
        const ports = (se.spec?.ports ?? []).map((p: any) => p?.number);
        // Istio's validation refuses the host `*` in a ServiceEntry: it defines nothing.
        for (const h of (se.spec?.hosts ?? []).filter((x: unknown) => typeof x === 'string' && x !== '*')) {
          entries.push({ host: resolveHost(h, ns), scopes: exportScopes(se.spec?.exportTo, ns), ports, object: se });
        }
      }
      for (const [host, service] of this.services) {
        const annotation: string | undefined = service.metadata?.annotations?.[EXPORT_TO_ANNOTATION];
        entries.push({
          host,
          scopes: exportScopes(annotation ? annotation.split(',') : undefined, namespaceOf(service)),
          ports: (service.spec?.ports ?? []).map((p: any) => p?.port),
          object: service,
        });
      }
      this.entries = entries;
    }
    return this.entries;
  }

  /**
   * The Service or ServiceEntry that a destination `host` of an object in `namespace`, exported to `exportTo`, finds,
   * as Istio's analyzers look it up (pkg/config/analysis/analyzers/util/service_lookup.go GetDestinationHost): an
   * entry visible everywhere, or in the object's namespace (or, when the object has an `exportTo`, in one of those
   * namespaces), then a wildcard entry visible everywhere or in the object's namespace whose suffix ends the host.
   */
  public lookupHost(host: string, namespace: string, exportTo?: readonly string[]): HostEntry | undefined {
    const fqdn = resolveHost(host, namespace);
    const scopes = exportTo && exportTo.length > 0 ? exportTo.map((e) => (e === '.' ? namespace : e)) : [namespace];
    const entries = this.hostEntries();
    const exact = entries.find((e) => e.host === fqdn && e.scopes.includes('*'))
      ?? entries.find((e) => e.host === fqdn && scopes.some((sc) => e.scopes.includes(sc)));
    if (exact) return exact;
    const bare = fqdn.startsWith('*') ? fqdn.slice(1) : fqdn;
    return entries.find((e) => e.host.startsWith('*') && (e.scopes.includes('*') || e.scopes.includes(namespace)) && bare.endsWith(e.host.slice(1)));
  }

  /** The DestinationRules for a host, from any namespace. */
  public destinationRulesFor(host: string): K8sObject[] {
    return this.rulesByHost.get(host) ?? [];
  }

  /** The workloads of `namespace` whose pods carry every label of `selector` (none for an empty selector). */
  public workloadsSelecting(namespace: string, selector: Readonly<Record<string, string>> | undefined): Workload[] {
    const pairs = Object.entries(selector ?? {});
    if (pairs.length === 0) return [];
    const candidates = pairs.map(([k, v]) => this.workloadsByLabel.get(labelKey(namespace, k, v)) ?? [])
      .reduce((fewest, list) => (list.length < fewest.length ? list : fewest));
    return candidates.filter((w) => selects(selector, w.podLabels));
  }

  /** The workloads a Service selects (a Service without a selector selects none). */
  public workloadsOf(service: K8sObject): Workload[] {
    return this.workloadsSelecting(namespaceOf(service), service.spec?.selector);
  }

  /** The hosts a gateway admits, as `<namespace part>/<host>` server hosts. */
  public gatewayServerHosts(gateway: K8sObject): string[] {
    return (gateway.spec?.servers ?? []).flatMap((s: any) => s.hosts ?? []);
  }

  /** True when one of `gateway`'s server hosts admits `host` of a VirtualService in `vsNamespace`. */
  public gatewayAdmits(gateway: K8sObject, host: string, vsNamespace: string): boolean {
    return this.gatewayServerHosts(gateway).some((server) => serverAdmits(server, namespaceOf(gateway), host, vsNamespace));
  }
}

function labelKey(namespace: string, key: string, value: string): string {
  return `${namespace} ${key}=${value}`;
}

/** One route destination of a VirtualService, with where it sits. */
export interface RouteDestination {
  /** The destination as written. */
  readonly destination: { host: string; subset?: string; port?: { number?: number } };
  /** The destination's weight (undefined = the route's only destination). */
  readonly weight?: number;
  /** Field path of the destination. */
  readonly path: string;
  /** `http`, `tcp` or `tls`. */
  readonly protocol: 'http' | 'tcp' | 'tls';
  /** Index of the route in its list. */
  readonly routeIndex: number;
}

/** Every destination of a VirtualService's routes and mirrors. */
export function destinationsOf(vs: K8sObject): RouteDestination[] {
  const cached = DESTINATIONS.get(vs);
  if (cached) return cached;
  const out: RouteDestination[] = [];
  for (const protocol of ['http', 'tcp', 'tls'] as const) {
    (vs.spec?.[protocol] ?? []).forEach((route: any, routeIndex: number) => {
      (route.route ?? []).forEach((d: any, i: number) => {
        if (d?.destination) out.push({ destination: d.destination, weight: d.weight, path: `spec.${protocol}[${routeIndex}].route[${i}].destination`, protocol, routeIndex });
      });
      if (route.mirror) out.push({ destination: route.mirror, weight: 0, path: `spec.${protocol}[${routeIndex}].mirror`, protocol, routeIndex });
    });
  }
  DESTINATIONS.set(vs, out);
  return out;
}

/** Destinations per VirtualService object (analyses treat the objects as read-only). */
const DESTINATIONS = new WeakMap<K8sObject, RouteDestination[]>();
