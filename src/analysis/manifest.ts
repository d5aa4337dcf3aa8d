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
  const text = (v: unknown, none: string) => (typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : none);
  const metadata = typeof obj.metadata === 'object' && obj.metadata !== null ? obj.metadata : {};
  const namespace = obj.kind === 'Namespace' ? '' : text(metadata.namespace, fallback);
  return { kind: text(obj.kind, '<no kind>'), namespace, name: text(metadata.name, '<no name>') };
}

/** `Kind namespace/name` (`Kind name` for a cluster-scoped object). */
export function formatRef(obj: K8sObject): string {
  const ref = refOf(obj);
  return `${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}`;
}

/**
 * A host as Istio resolves it from an object in `namespace` (pilot/pkg/model/config.go ResolveShortnameToFQDN): a
 * name without a dot is a Service of that namespace, `reviews` -> `reviews.<namespace>.svc.cluster.local`; a host
 * with a dot (`reviews.shop`, `google.com`, an FQDN) and wildcards stay as written.
 */
export function resolveHost(host: string, namespace: string): string {
  if (typeof host !== 'string') return '';
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
  // A destination without a host is refused by Istio's validation: it takes no share.
  const all = (route.route ?? []).filter((d) => typeof d?.destination?.host === 'string');
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
  /** Every object, in input order (Lists flattened, one version of each object, objects of a wrong shape left out). */
  public readonly objects: readonly K8sObject[];
  /** What reading the input left out or resolved: objects skipped for a field of the wrong type, objects defined twice. */
  public readonly notes: readonly string[];
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
  /**
   * Hosts a progressive-delivery controller routes at run time, by FQDN: a Flagger Canary's generated Services and
   * VirtualService hosts, an Argo Rollout's stable and canary Services. `service` is set for a Service the controller
   * generates (Flagger's), which the analysis then takes as present.
   */
  public readonly generatedHosts = new Map<string, { owner: string; versions: string; object: K8sObject; service: boolean }>();
  /** DestinationRules by resolved host. */
  private readonly rulesByHost = new Map<string, K8sObject[]>();
  /** Workloads by `<namespace> <label>=<value>`, so selectors are matched against few candidates. */
  private readonly workloadsByLabel = new Map<string, Workload[]>();
  private readonly serviceEntryCache = new Map<string, K8sObject[]>();
  private entries?: HostEntry[];

  public constructor(objects: readonly K8sObject[]) {
    const input = normalizeObjects(objects);
    this.objects = input.objects;
    this.notes = input.notes;
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
    for (const canary of this.objects.filter((o) => o.kind === 'Canary' && (o.apiVersion ?? '').startsWith('flagger.app/'))) {
      // Flagger generates the Services <name>, <name>-primary, <name>-canary and the VirtualService <name> (hosts: <name>
      // and service.hosts), where <name> is service.name, else targetRef.name.
      const name = canary.spec?.service?.name ?? canary.spec?.targetRef?.name;
      if (typeof name !== 'string' || name === '') continue;
      const ns = namespaceOf(canary);
      const owner = { owner: `Flagger Canary ${ns}/${canary.metadata?.name}`, versions: 'primary/canary at weights Flagger moves at run time', object: canary };
      for (const suffix of ['', '-primary', '-canary']) this.generatedHosts.set(resolveHost(`${name}${suffix}`, ns), { ...owner, service: true });
      for (const h of canary.spec?.service?.hosts ?? []) {
        if (typeof h === 'string' && !this.generatedHosts.has(resolveHost(h, ns))) this.generatedHosts.set(resolveHost(h, ns), { ...owner, service: false });
      }
    }
    for (const w of this.workloads.filter((x) => x.object.kind === 'Rollout')) {
      // Argo Rollouts moves the weights between its stable and canary Services (which it does not create).
      const canary = w.object.spec?.strategy?.canary;
      const owner = { owner: `Argo Rollout ${w.namespace}/${w.object.metadata?.name}`, versions: 'stable/canary at weights Argo Rollouts moves at run time' };
      for (const name of [canary?.stableService, canary?.canaryService]) {
        const host = typeof name === 'string' && name !== '' ? resolveHost(name, w.namespace) : undefined;
        if (host && !this.generatedHosts.has(host)) this.generatedHosts.set(host, { ...owner, object: w.object, service: false });
      }
    }
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

  /**
   * The controller that rewrites a VirtualService's weights at run time: the Argo Rollout naming it in
   * `trafficRouting.istio`, or the Flagger Canary it is generated for (same namespace and name); undefined for none.
   */
  public managerOf(vs: K8sObject): string | undefined {
    const ns = namespaceOf(vs);
    const name = vs.metadata?.name;
    for (const w of this.workloads) {
      if (w.object.kind !== 'Rollout' || w.namespace !== ns) continue;
      const istio = w.object.spec?.strategy?.canary?.trafficRouting?.istio;
      const named = [istio?.virtualService, ...istio?.virtualServices ?? []].some((v: any) => v?.name === name);
      if (named) return `Argo Rollout ${ns}/${w.object.metadata?.name}`;
    }
    const canary = this.objects.find((o) => o.kind === 'Canary' && (o.apiVersion ?? '').startsWith('flagger.app/') && namespaceOf(o) === ns
      && (o.spec?.service?.name ?? o.spec?.targetRef?.name) === name);
    return canary ? `Flagger Canary ${ns}/${canary.metadata?.name}` : undefined;
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
    return this.services.has(host) || this.serviceEntriesFor(host).length > 0 || this.generatedHosts.get(host)?.service === true;
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

/** Where each object was read from (`<file>`, `<file> document N`); the CLI sets it, notes name it. */
const SOURCES = new WeakMap<object, string>();

/** Records where `obj` was read from, for the notes that name it. */
export function setSource(obj: object, source: string): void {
  SOURCES.set(obj, source);
}

/** Where `obj` was read from, if known. */
export function sourceOf(obj: object): string | undefined {
  return SOURCES.get(obj);
}

/**
 * The types of the fields the analysis reads, per kind: `s` string, `n` number, `b` boolean, `sn` string or number,
 * `o` any object, `*` anything; `[t]` a list of `t`; `{ field: t }` an object (`'*'` as a field: every value). A null
 * is taken as the field left out, as Kubernetes reads it.
 */
type Shape = 's' | 'n' | 'b' | 'sn' | 'o' | '*' | readonly [Shape] | { readonly [field: string]: Shape };

const STRINGS: Shape = ['s'];
const LABELS: Shape = { '*': 's' };
const STRING_MATCH: Shape = { exact: 's', prefix: 's', regex: 's' };
const HEADER_OPS: Shape = { set: { '*': 's' }, add: { '*': 's' }, remove: STRINGS };
const HEADERS: Shape = { request: HEADER_OPS, response: HEADER_OPS };
const DESTINATION: Shape = { host: 's', subset: 's', port: { number: 'n' } };
const ROUTE_DESTINATION: Shape = { destination: DESTINATION, weight: 'n', headers: HEADERS };
const HTTP_MATCH: Shape = {
  name: 's',
  uri: STRING_MATCH,
  scheme: STRING_MATCH,
  method: STRING_MATCH,
  authority: STRING_MATCH,
  headers: { '*': STRING_MATCH },
  queryParams: { '*': STRING_MATCH },
  withoutHeaders: { '*': STRING_MATCH },
  port: 'n',
  sourceLabels: LABELS,
  gateways: STRINGS,
  sourceNamespace: 's',
  ignoreUriCase: 'b',
};
const HTTP_ROUTE: Shape = {
  name: 's',
  match: [HTTP_MATCH],
  route: [ROUTE_DESTINATION],
  headers: HEADERS,
  mirror: DESTINATION,
  mirrorPercentage: { value: 'n' },
  mirrors: [{ destination: DESTINATION, percentage: { value: 'n' } }],
  rewrite: { uri: 's', uriRegexRewrite: { match: 's', rewrite: 's' }, authority: 's' },
  redirect: { uri: 's', authority: 's', port: 'n', scheme: 's', redirectCode: 'n', derivePort: 's' },
  directResponse: { status: 'n', body: 'o' },
  delegate: { name: 's', namespace: 's' },
  fault: {
    delay: { percentage: { value: 'n' }, percent: 'n', fixedDelay: 's' },
    abort: { percentage: { value: 'n' }, httpStatus: 'n', grpcStatus: 's' },
  },
  retries: { attempts: 'n', perTryTimeout: 's', retryOn: 's' },
  timeout: 's',
  corsPolicy: 'o',
};
const L4_ROUTE: Shape = {
  match: [{ port: 'n', sniHosts: STRINGS, destinationSubnets: STRINGS, gateways: STRINGS, sourceLabels: LABELS, sourceNamespace: 's' }],
  route: [ROUTE_DESTINATION],
};
const POD_TEMPLATE: Shape = {
  metadata: { labels: LABELS, annotations: { '*': 's' } },
  spec: { containers: [{ name: 's', image: 's', ports: [{ containerPort: 'n', name: 's' }] }], initContainers: [{ name: 's', image: 's' }] },
};
const WORKLOAD: Shape = { replicas: 'n', selector: { matchLabels: LABELS }, template: POD_TEMPLATE };
const PARENT_REF: Shape = { group: 's', kind: 's', name: 's', namespace: 's', sectionName: 's', port: 'n' };
const HEADER_MODIFIER: Shape = { set: [{ name: 's', value: 's' }], add: [{ name: 's', value: 's' }], remove: STRINGS };
const PATH_MODIFIER: Shape = { type: 's', replaceFullPath: 's', replacePrefixMatch: 's' };
const BACKEND: Shape = { group: 's', kind: 's', name: 's', namespace: 's', port: 'n', weight: 'n' };
const FILTER: Shape = {
  type: 's',
  requestHeaderModifier: HEADER_MODIFIER,
  responseHeaderModifier: HEADER_MODIFIER,
  requestRedirect: { scheme: 's', hostname: 's', port: 'n', statusCode: 'n', path: PATH_MODIFIER },
  urlRewrite: { hostname: 's', path: PATH_MODIFIER },
  requestMirror: { backendRef: BACKEND, percent: 'n', fraction: { numerator: 'n', denominator: 'n' } },
};
const NAME_VALUE_MATCH: Shape = [{ type: 's', name: 's', value: 's' }];
const ROUTE_RULE = (match: Shape): Shape => ({
  name: 's',
  matches: [match],
  filters: [FILTER],
  backendRefs: [{ ...BACKEND as object, filters: [FILTER] }],
  timeouts: { request: 's', backendRequest: 's' },
  retry: { attempts: 'n', backoff: 's', codes: ['n'] },
});
const GATEWAY_API_ROUTE = (match: Shape): Shape => ({ parentRefs: [PARENT_REF], hostnames: STRINGS, rules: [ROUTE_RULE(match)] });
const SELECTOR: Shape = { matchLabels: LABELS, matchExpressions: [{ key: 's', operator: 's', values: STRINGS }] };

/** The spec shapes, by kind (a Gateway by its API group). */
const SPEC_SHAPES: Record<string, Shape> = {
  'VirtualService': { hosts: STRINGS, gateways: STRINGS, exportTo: STRINGS, http: [HTTP_ROUTE], tcp: [L4_ROUTE], tls: [L4_ROUTE] },
  'DestinationRule': {
    host: 's', exportTo: STRINGS, subsets: [{ name: 's', labels: LABELS, trafficPolicy: 'o' }], trafficPolicy: 'o', workloadSelector: { matchLabels: LABELS },
  },
  'Gateway': { selector: LABELS, servers: [{ port: { number: 'n', protocol: 's', name: 's' }, hosts: STRINGS, tls: { httpsRedirect: 'b', mode: 's' }, bind: 's' }] },
  'Gateway gateway.networking.k8s.io': {
    gatewayClassName: 's',
    listeners: [{
      name: 's',
      hostname: 's',
      port: 'n',
      protocol: 's',
      tls: 'o',
      allowedRoutes: { namespaces: { from: 's', selector: SELECTOR }, kinds: [{ group: 's', kind: 's' }] },
    }],
  },
  'Service': { selector: LABELS, ports: [{ name: 's', port: 'n', targetPort: 'sn', protocol: 's', appProtocol: 's' }], type: 's' },
  'ServiceEntry': {
    hosts: STRINGS,
    addresses: STRINGS,
    exportTo: STRINGS,
    location: 's',
    resolution: 's',
    ports: [{ number: 'n', name: 's', protocol: 's', targetPort: 'n' }],
    workloadSelector: { labels: LABELS },
    endpoints: [{ address: 's', labels: LABELS }],
  },
  'Deployment': WORKLOAD,
  'StatefulSet': WORKLOAD,
  'DaemonSet': WORKLOAD,
  'ReplicaSet': WORKLOAD,
  'Rollout': {
    ...WORKLOAD as object,
    strategy: {
      canary: {
        canaryService: 's',
        stableService: 's',
        steps: '*',
        trafficRouting: {
          istio: {
            virtualService: { name: 's', routes: STRINGS },
            virtualServices: [{ name: 's', routes: STRINGS }],
            destinationRule: { name: 's', canarySubsetName: 's', stableSubsetName: 's' },
          },
        },
      },
    },
  },
  'Canary': { targetRef: { name: 's', kind: 's' }, service: { name: 's', port: 'n', hosts: STRINGS, gateways: STRINGS } },
  'HTTPRoute': GATEWAY_API_ROUTE({ path: { type: 's', value: 's' }, headers: NAME_VALUE_MATCH, queryParams: NAME_VALUE_MATCH, method: 's' }),
  'GRPCRoute': GATEWAY_API_ROUTE({ method: { type: 's', service: 's', method: 's' }, headers: NAME_VALUE_MATCH }),
  'ReferenceGrant': { from: [{ group: 's', kind: 's', namespace: 's' }], to: [{ group: 's', kind: 's', name: 's' }] },
};

const METADATA: Shape = { name: 's', namespace: 's', labels: LABELS, annotations: { '*': 's' } };

function describeValue(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value)}`;
  return `${typeof value === 'number' ? 'the number' : 'the value'} ${String(value)}`;
}

const EXPECTED: Record<string, string> = { s: 'a string', n: 'a number', b: 'true or false', sn: 'a string or a number', o: 'an object' };

/**
 * The first field of `value` whose type is not the one of `shape`, as `<path> is <what>, not <expected>`; undefined
 * when it fits. `nulls` is set when a null was found (taken as left out).
 */
function misfit(value: unknown, shape: Shape, at: string, nulls: { found: boolean }): string | undefined {
  if (value === null || value === undefined) {
    if (value === null) nulls.found = true;
    return undefined;
  }
  const wrong = (expected: string) => `${at} is ${describeValue(value)}, not ${expected}`;
  if (typeof shape === 'string') {
    if (shape === '*') return undefined;
    const ok = shape === 's' ? typeof value === 'string'
      : shape === 'n' ? typeof value === 'number' && Number.isFinite(value)
        : shape === 'b' ? typeof value === 'boolean'
          : shape === 'sn' ? typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value))
            : typeof value === 'object' && !Array.isArray(value);
    return ok ? undefined : wrong(EXPECTED[shape]);
  }
  if (Array.isArray(shape)) {
    if (!Array.isArray(value)) return wrong('a list');
    for (let i = 0; i < value.length; i++) {
      if (value[i] === null) return `${at}[${i}] is null, not ${typeof shape[0] === 'string' ? EXPECTED[shape[0]] ?? 'a value' : 'an object'}`;
      const problem = misfit(value[i], shape[0], `${at}[${i}]`, nulls);
      if (problem) return problem;
    }
    return undefined;
  }
  if (typeof value !== 'object' || Array.isArray(value)) return wrong('an object');
  const fields = shape as Record<string, Shape>;
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    const fieldShape = fields[k] ?? fields['*'];
    if (!fieldShape) continue;
    const problem = misfit(v, fieldShape, /^[A-Za-z_][\w]*$/.test(k) ? `${at}.${k}` : `${at}[${JSON.stringify(k)}]`, nulls);
    if (problem) return problem;
  }
  return undefined;
}

/** A copy of `value` without the fields set to null (Kubernetes reads them as left out). */
function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null).map(([k, v]) => [k, withoutNulls(v)]));
  }
  return value;
}

/** The shape of an object's spec, by its kind and API group. */
function specShape(o: K8sObject): Shape | undefined {
  if (o.kind === 'Gateway' && isGatewayApi(o)) return SPEC_SHAPES['Gateway gateway.networking.k8s.io'];
  return Object.prototype.hasOwnProperty.call(SPEC_SHAPES, o.kind ?? '') ? SPEC_SHAPES[o.kind!] : undefined;
}

/** Where an object was read from, for a note: ` (<source>)`, or nothing. */
function from(o: object): string {
  const source = sourceOf(o);
  return source ? ` (${source})` : '';
}

/** The input as read: objects, and notes on what was left out or resolved. */
export interface NormalizedObjects {
  /** The objects. */
  readonly objects: K8sObject[];
  /** The notes. */
  readonly notes: string[];
}

/**
 * The objects as the analysis reads them, as `kubectl apply` would take them:
 * - a `kind: List` stands for its items; empty documents (null) are dropped, and so are scalars and lists (with a note);
 * - an object whose kind or apiVersion is not a string, or whose metadata or a field the analysis reads has the wrong
 *   type, is skipped with a note naming the object and the field (a field set to null counts as left out);
 * - several versions of one object (API group, kind, namespace, name): the last one wins, as `kubectl apply` applies
 *   them in order, at the place of the first; a note says so.
 */
export function normalizeObjects(input: readonly unknown[]): NormalizedObjects {
  const notes: string[] = [];
  const flat: K8sObject[] = [];
  const visit = (o: unknown, where: string, parent?: object) => {
    if (o === null || o === undefined) return;
    if (typeof o !== 'object' || Array.isArray(o)) {
      notes.push(`${where}${parent ? from(parent) : ''} is ${describeValue(o)}, not a Kubernetes object; skipped`);
      return;
    }
    if (parent && !sourceOf(o) && sourceOf(parent)) setSource(o, `${sourceOf(parent)}, ${where}`);
    const obj = o as K8sObject;
    if (obj.kind === 'List' || (typeof obj.kind === 'string' && /^[A-Z]\w*List$/.test(obj.kind) && Array.isArray(obj.items))) {
      if (obj.items === null || obj.items === undefined) return;
      if (!Array.isArray(obj.items)) {
        notes.push(`${formatRef(obj)}${from(obj)}: items is ${describeValue(obj.items)}, not a list; skipped`);
        return;
      }
      obj.items.forEach((item: unknown, i: number) => visit(item, `item ${i + 1} of ${formatRef(obj)}`, obj));
      return;
    }
    flat.push(obj);
  };
  input.forEach((o, i) => visit(o, `object ${i + 1}`));

  const checked: K8sObject[] = [];
  for (const o of flat) {
    const skip = (problem: string) => notes.push(`${formatRef(o)}${from(o)}: ${problem}; skipped`);
    if (o.kind !== undefined && typeof o.kind !== 'string') { skip(`kind is ${describeValue(o.kind)}, not a string`); continue; }
    if (o.apiVersion !== undefined && typeof o.apiVersion !== 'string') { skip(`apiVersion is ${describeValue(o.apiVersion)}, not a string`); continue; }
    const nulls = { found: false };
    const shape = specShape(o);
    const problem = misfit(o.metadata, METADATA, 'metadata', nulls)
      ?? (shape ? misfit(o.spec, shape, 'spec', nulls) : undefined)
      ?? (shape && o.spec !== undefined && o.spec !== null && (typeof o.spec !== 'object' || Array.isArray(o.spec)) ? `spec is ${describeValue(o.spec)}, not an object` : undefined);
    if (problem) { skip(problem); continue; }
    if (!nulls.found) { checked.push(o); continue; }
    const copy = withoutNulls(o) as K8sObject;
    const source = sourceOf(o);
    if (source) setSource(copy, source);
    checked.push(copy);
  }

  // Several versions of one object: the last wins, as kubectl apply would, at the place of the first.
  const keyOf = (o: K8sObject): string | undefined => {
    const name = o.metadata?.name;
    if (typeof name !== 'string' || typeof o.kind !== 'string') return undefined;
    const group = (o.apiVersion ?? '').includes('/') ? o.apiVersion!.split('/')[0] : '';
    return `${group} ${o.kind} ${o.kind === 'Namespace' ? '' : namespaceOf(o)} ${name}`;
  };
  const versions = new Map<string, K8sObject[]>();
  for (const o of checked) {
    const key = keyOf(o);
    if (key) versions.set(key, [...versions.get(key) ?? [], o]);
  }
  const objects: K8sObject[] = [];
  for (const o of checked) {
    const key = keyOf(o);
    const all = key ? versions.get(key)! : [o];
    if (all.length === 1) { objects.push(o); continue; }
    if (all[0] !== o) continue;
    const last = all[all.length - 1];
    const source = sourceOf(last);
    notes.push(`${formatRef(last)} is defined ${all.length} times; the last one (${source ?? 'the last in the input'}) is used, as kubectl apply would`);
    objects.push(last);
  }
  return { objects, notes };
}
