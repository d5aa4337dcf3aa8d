/**
 * The checks `istioctl analyze` runs that need no cluster, and ours, over a list of plain Kubernetes objects: the
 * mistakes that show up in a cluster as 503s and 404s. Pure functions; `MeshAnalysis` runs them on a cdk8s app and
 * the validation plugin on any manifests.
 */
import { hasMeshRoutes, listenersAdmitting, referenceGranted, serviceParentHost } from './gateway-api';
import {
  HostEntry, K8sObject, Manifests, ObjectRef, RouteDestination, Workload, bindsToMesh, destinationsOf, formatLabels, namespaceOf,
  isIstioSystemHost, refOf, resolveGateway, resolveHost, selects,
} from './manifest';
import { canonicalJson } from '../model/data';
import { hostsIntersect, parseServerHost } from '../model/hosts';
import { IstioPrefixView, istioPrefixCovers, istioPrefixView } from '../model/istio-overlap';

/** How bad a finding is: errors fail the synth, warnings are reported. */
export enum Severity {
  /** Istio would reject the object, or traffic would fail (404, 503): the synth fails. */
  ERROR = 'error',
  /** Likely a mistake, or something the manifests alone cannot settle: reported, the synth goes on. */
  WARNING = 'warning',
}

/** One problem found in the manifests. */
export interface Finding {
  /** Istio's message code where one exists (`IST0101`), else ours (`CANARY001`). */
  readonly code: string;
  /** Error or warning. */
  readonly severity: Severity;
  /** The object at fault. */
  readonly object: ObjectRef;
  /** Field path in the object, e.g. `spec.http[0].route[1].destination`. */
  readonly path: string;
  /** What is wrong. */
  readonly message: string;
  /** How to fix it. */
  readonly fix: string;
}

/** Every check, by code: its severity (where it has a single one) and what it finds. */
export const CHECKS: Readonly<Record<string, string>> = {
  IST0101: 'referenced host, subset, gateway or destination port not found',
  IST0102: 'namespace not labelled for sidecar injection',
  IST0109: 'two VirtualServices bound to the mesh claim one host',
  IST0112: 'destination without a port while the Service has several',
  IST0116: 'a workload behind Services that give one port different protocols',
  IST0118: 'Service port name outside Istio\'s naming convention (and no appProtocol)',
  IST0123: 'namespace with both injection labels',
  IST0130: 'route that can never match',
  IST0131: 'match that can never be used',
  IST0132: 'VirtualService host admitted by none of its gateways',
  IST0140: 'gateway route without subsets while the mesh routes the host by subsets',
  IST0145: 'gateways with the same selector, port and host',
  IST0173: 'subset that selects no pods',
  IST0174: 'DestinationRule host that is no Service or ServiceEntry',
  CANARY001: 'Service that selects no workload',
  CANARY002: 'workload no Service selects',
  CANARY003: 'subset whose labels select pods of several versions',
  CANARY004: 'traffic sent to a version scaled to 0 replicas',
  ROLLOUT001: 'Argo Rollout whose Istio traffic routing names a VirtualService, route, subset or Service that does not exist',
  GWAPI001: 'Gateway API backendRef to a Service that does not exist, a port it lacks, or another namespace without a ReferenceGrant',
  GWAPI002: 'Gateway API route that no listener of its Gateway admits, or whose parent does not exist',
  GWAPI003: 'a VirtualService and a Gateway API route for the same Service in the mesh',
  GWAPI004: 'Gateway API route using a field of the experimental channel (retry)',
  AMBIENT001: 'L7 routes for a Service in an ambient namespace without a waypoint (ztunnel ignores them), or a waypoint that does not exist',
  AMBIENT002: 'VirtualService for a Service in an ambient namespace (Alpha there; HTTPRoute is the supported way)',
};

/** Options of an analysis. */
export interface AnalysisOptions {
  /**
   * Codes to skip, e.g. `['IST0118']`.
   * @default none
   */
  readonly disable?: string[];
  /**
   * Hosts that exist outside these manifests (in the cluster or another app), as FQDNs or wildcards. Hosts in
   * `istio-system` (the gateways, istiod) are always taken as present.
   * @default none
   */
  readonly knownHosts?: string[];
}

/** Analyzes manifests; findings in a stable order (by group of checks, then object order). */
export function analyze(objects: readonly K8sObject[], options: AnalysisOptions = {}): Finding[] {
  const m = new Manifests(objects);
  /** Hosts the analysis takes as present: the manifests' (unless `outside` only), istio-system's and the options'. */
  const known = (host: string, outside = false) => (!outside && m.hostKnown(host)) || isIstioSystemHost(host)
    || (options.knownHosts ?? []).some((k) => hostsIntersect(k, host));
  const findings = [
    ...checkDestinations(m, known),
    ...checkVirtualServices(m),
    ...checkGateways(m),
    ...checkDestinationRules(m, known),
    ...checkServicesAndWorkloads(m),
    ...checkNamespaces(m),
    ...checkRollouts(m),
    ...checkGatewayApiRoutes(m, known),
    ...checkAmbient(m),
  ];
  const disabled = new Set(options.disable ?? []);
  return findings.filter((f) => !disabled.has(f.code));
}

/** One line: `IST0101 error VirtualService shop/reviews spec.http[0]...: <message>; <fix>`. */
export function formatFinding(f: Finding): string {
  const where = f.object.namespace ? `${f.object.namespace}/${f.object.name}` : f.object.name;
  return `${f.code} ${f.severity} ${f.object.kind} ${where} ${f.path}: ${f.message}; ${f.fix}`;
}

type Emit = (code: string, severity: Severity, obj: K8sObject, path: string, message: string, fix: string) => void;

function collector(): { findings: Finding[]; emit: Emit } {
  const findings: Finding[] = [];
  return { findings, emit: (code, severity, obj, path, message, fix) => findings.push({ code, severity, object: refOf(obj), path, message, fix }) };
}

/** The labels a subset's pods carry: the Service's selector and the subset's own labels. */
function subsetSelector(m: Manifests, host: string, subset: string): Record<string, string> | undefined {
  for (const dr of m.destinationRulesFor(host)) {
    const found = (dr.spec?.subsets ?? []).find((s: any) => s.name === subset);
    if (found) return { ...m.services.get(host)?.spec?.selector, ...found.labels };
  }
  return undefined;
}

function checkDestinations(m: Manifests, known: (host: string, outside?: boolean) => boolean): Finding[] {
  const { findings, emit } = collector();
  const subsetPods = new Map<string, Workload[]>(); // by `<host> <subset>`: many routes name the same subset
  for (const vs of m.virtualServices) {
    const ns = namespaceOf(vs);
    for (const d of destinationsOf(vs)) {
      const written = d.destination.host ?? '';
      if (typeof written !== 'string' || written === '') {
        emit('IST0101', Severity.ERROR, vs, `${d.path}.host`, 'the destination names no host', 'set destination.host');
        continue;
      }
      const host = resolveHost(written, ns);
      const service = m.services.get(host);
      const entry = m.lookupHost(written, ns, vs.spec?.exportTo);
      // A Service a Flagger Canary generates is there at run time.
      if (!entry && !isIstioSystemHost(host) && !known(host, true) && !m.generatedHosts.get(host)?.service) {
        // Istio checks the subset apart from the host (DestinationRuleAnalyzer): against the rules that are here.
        if (d.destination.subset !== undefined && m.destinationRulesFor(host).length > 0) checkSubset(m, emit, vs, d, host);
        if (m.hostKnown(host)) {
          emit('IST0101', Severity.WARNING, vs, `${d.path}.host`, `destination host ${host} is defined in these manifests, but not exported to namespace ${ns}`
            + `${vs.spec?.exportTo ? ` (or the VirtualService's exportTo ${vs.spec.exportTo.join(', ')})` : ''}`, 'export the Service or ServiceEntry here (exportTo)');
        } else {
          emit('IST0101', Severity.WARNING, vs, `${d.path}.host`, `destination host ${host} is no Service or ServiceEntry in these manifests`,
            'fix the host, create the Service, or add a ServiceEntry for a host outside the mesh (ignore this if it exists in the cluster)');
        }
        continue;
      }
      if (d.destination.subset !== undefined) checkSubset(m, emit, vs, d, host);
      if (entry) checkDestinationPort(emit, vs, d, entry);
      if (d.destination.subset !== undefined && (d.weight === undefined || d.weight > 0) && !d.path.endsWith('mirror')) {
        const key = `${host} ${d.destination.subset}`;
        let pods = subsetPods.get(key);
        if (!pods) {
          const selector = subsetSelector(m, host, d.destination.subset);
          pods = selector && service ? m.workloadsSelecting(namespaceOf(service), selector) : [];
          subsetPods.set(key, pods);
        }
        if (pods.length > 0 && pods.every((w) => w.replicas === 0)) {
          emit('CANARY004', Severity.ERROR, vs, d.path, `traffic goes to subset ${d.destination.subset} of ${host}, whose workloads `
            + `(${pods.map((w) => w.object.metadata?.name).join(', ')}) are scaled to 0 replicas, so it would fail with 503`,
          'give the version replicas, or set its weight to 0');
        }
      }
    }
  }
  return findings;
}

function checkSubset(m: Manifests, emit: Emit, vs: K8sObject, d: RouteDestination, host: string): void {
  const rules = m.destinationRulesFor(host);
  const subsets = rules.flatMap((dr) => (dr.spec?.subsets ?? []).map((s: any) => s.name));
  if (rules.length === 0) {
    emit('IST0101', Severity.ERROR, vs, `${d.path}.subset`, `subset ${d.destination.subset} of ${host} is used, but no DestinationRule for that host is in these manifests`,
      `add a DestinationRule for ${host} with subset ${d.destination.subset}`);
  } else if (!subsets.includes(d.destination.subset)) {
    emit('IST0101', Severity.ERROR, vs, `${d.path}.subset`,
      `subset ${d.destination.subset} is not defined by DestinationRule ${rules.map((r) => `${namespaceOf(r)}/${r.metadata?.name}`).join(', ')} `
      + `(its subsets: ${subsets.join(', ') || 'none'})`, 'route to a defined subset, or add it to the DestinationRule');
  }
}

/** IST0101 / IST0112 on a destination's port, against the ports of the Service or ServiceEntry it finds (checkServiceEntryPorts). */
function checkDestinationPort(emit: Emit, vs: K8sObject, d: RouteDestination, entry: HostEntry): void {
  const ports = entry.ports;
  const what = `${entry.object.kind} ${namespaceOf(entry.object)}/${entry.object.metadata?.name}`;
  const number = d.destination.port?.number;
  if (d.destination.port !== undefined && d.destination.port !== null && !ports.includes(number as number)) {
    emit('IST0101', Severity.ERROR, vs, `${d.path}.port`, `port ${number} is not a port of ${what} (its ports: ${ports.join(', ')})`, 'route to one of its ports');
  }
  if ((d.destination.port === undefined || d.destination.port === null) && ports.length > 1) {
    emit('IST0112', Severity.ERROR, vs, d.path, `${what} has several ports (${ports.join(', ')}) and the destination names none`, 'set destination.port.number');
  }
}

/**
 * IST0109 as Istio's ConflictingMeshGatewayHostsAnalyzer finds it: mesh VirtualServices grouped by (namespace they
 * are exported to, host); a group with several, or a group of a namespace with those exported everywhere whose host
 * overlaps it, is a conflict, reported on each VirtualService in it.
 */
function checkMeshHostConflicts(m: Manifests, emit: Emit): void {
  const groups = new Map<string, Array<{ vs: K8sObject; scope: string; host: string; index: number }>>();
  for (const vs of m.virtualServices.filter((v) => bindsToMesh(v.spec?.gateways))) {
    const ns = namespaceOf(vs);
    const exportTo: string[] = vs.spec?.exportTo ?? [];
    const scopes = exportTo.length === 0 || exportTo.includes('*') ? ['*'] : [...new Set(exportTo.map((e) => (e === '.' ? ns : e)))];
    for (const scope of scopes) {
      (vs.spec?.hosts ?? []).forEach((h: string, index: number) => {
        const host = resolveHost(String(h), ns);
        const key = `${scope}/${host}`;
        groups.set(key, [...groups.get(key) ?? [], { vs, scope, host, index }]);
      });
    }
  }
  const everywhere = [...groups.values()].flat().filter((x) => x.scope === '*');
  const reported = new Set<K8sObject>();
  for (const group of groups.values()) {
    const { scope, host } = group[0];
    const list = scope === '*' ? group : [...group, ...everywhere.filter((x) => hostsIntersect(host, x.host))];
    if (list.length < 2) continue;
    for (const x of list.filter((y) => !reported.has(y.vs))) {
      reported.add(x.vs);
      const others = [...new Set(list.filter((y) => y.vs !== x.vs).map((y) => `${namespaceOf(y.vs)}/${y.vs.metadata?.name}`))];
      emit('IST0109', Severity.ERROR, x.vs, `spec.hosts[${x.index}]`, `host ${host} is routed in the mesh${scope === '*' ? '' : ` of namespace ${scope}`} `
        + `by several VirtualServices (${others.length > 0 ? `also ${others.join(', ')}` : 'this one lists it twice'})`,
      'route each host in one VirtualService (merge the routes)');
    }
  }
}

function checkVirtualServices(m: Manifests): Finding[] {
  const { findings, emit } = collector();
  checkMeshHostConflicts(m, emit);
  const meshHosts = new Map<string, K8sObject>();
  for (const vs of m.virtualServices) {
    const ns = namespaceOf(vs);
    const gateways: string[] = vs.spec?.gateways ?? [];
    const hosts: string[] = vs.spec?.hosts ?? [];
    if (bindsToMesh(gateways)) {
      hosts.forEach((h) => {
        const host = resolveHost(h, ns);
        if (!meshHosts.has(host)) meshHosts.set(host, vs);
      });
    }
    // A reference to the Gateway Istio generates for a Gateway API Gateway (`<ns>/<name>~istio-autogenerated-k8s-gateway~...`) is
    // Istio's IST0165, not checked here.
    const found = gateways.map((g, index) => ({ ref: resolveGateway(g, ns), index, name: g }))
      .filter((r) => r.name !== 'mesh' && !r.name.includes('~istio-autogenerated-k8s-gateway~'))
      .map((r) => ({ ...r, gateway: m.gateways.get(r.ref) }));
    let gatewayFindings = 0;
    for (const r of found) {
      if (!r.gateway) {
        emit('IST0101', Severity.WARNING, vs, `spec.gateways[${r.index}]`, `gateway ${r.ref} is not in these manifests`,
          'fix the reference (`<namespace>/<name>`), or ignore this if the gateway exists in the cluster');
      }
      // Istio's GatewayAnalyzer: each gateway must admit one of the hosts (a missing gateway admits none).
      if (!hosts.some((host) => r.gateway && m.gatewayAdmits(r.gateway, host, ns))) {
        gatewayFindings++;
        emit('IST0132', Severity.WARNING, vs, `spec.gateways[${r.index}]`, `gateway ${r.ref} ${r.gateway ? 'admits' : 'is not in these manifests, so it admits'} `
          + `none of the hosts (${hosts.join(', ')}), so binding to it serves nothing`, 'use a host the gateway serves, or add it to the gateway\'s servers');
      }
    }
    // Hosts no gateway admits, where every gateway admits some other host (else the finding above says it).
    if (found.length > 0 && gatewayFindings === 0) {
      hosts.forEach((host, i) => {
        if (!found.some((x) => m.gatewayAdmits(x.gateway!, host, ns))) {
          emit('IST0132', Severity.WARNING, vs, `spec.hosts[${i}]`, `host ${host} is admitted by none of its gateways (${found.map((x) => x.ref).join(', ')}), `
            + 'so gateway requests for it get 404', 'use a host the gateway serves, or add it to the gateway\'s servers');
        }
      });
    }
    checkRuleOrder(emit, vs, 'http');
    checkRuleOrder(emit, vs, 'tcp');
    checkRuleOrder(emit, vs, 'tls');
  }
  // Gateway routes that skip the subsets the mesh routes by.
  for (const vs of m.virtualServices.filter((v) => !bindsToMesh(v.spec?.gateways))) {
    for (const d of destinationsOf(vs).filter((x) => x.destination.subset === undefined)) {
      const host = resolveHost(d.destination.host ?? '', namespaceOf(vs));
      const mesh = meshHosts.get(host);
      const bySubset = (x: RouteDestination) => x.destination.subset !== undefined && resolveHost(x.destination.host, namespaceOf(mesh!)) === host;
      if (mesh && destinationsOf(mesh).some(bySubset)) {
        emit('IST0140', Severity.WARNING, vs, d.path, `gateway traffic to ${host} goes to all its pods, while VirtualService `
          + `${namespaceOf(mesh)}/${mesh.metadata?.name} splits that host by subsets`, 'route to the subsets here too (CanaryService.exposeVia does)');
      }
    }
  }
  return findings;
}

/**
 * IST0130 / IST0131 as Istio's validation finds them (pkg/config/validation/validation.go analyzeUnreachable*Rules):
 * a rule after one without matches, a rule whose every match an earlier rule has, each match an earlier rule has,
 * and (HTTP) a `uri.prefix` match an earlier prefix match covers.
 */
function checkRuleOrder(emit: Emit, vs: K8sObject, protocol: 'http' | 'tcp' | 'tls'): void {
  const routes: any[] = vs.spec?.[protocol] ?? [];
  const seen = new Map<string, number>();
  const prefixes: Array<IstioPrefixView & { index: number; path: string }> = [];
  let catchAll: number | undefined;
  routes.forEach((route, index) => {
    if (!route) return;
    const path = `spec.${protocol}[${index}]`;
    const matches: any[] = route.match ?? [];
    if (matches.length === 0) {
      if (catchAll !== undefined) {
        emit('IST0130', Severity.WARNING, vs, path, `route ${index} can never match: route ${catchAll} before it has no match and takes every request`,
          'only the last route can have no match: move the catch-all route last');
      }
      catchAll = index;
      return;
    }
    if (catchAll !== undefined) {
      emit('IST0130', Severity.WARNING, vs, path, `route ${index} can never match: route ${catchAll} before it matches every request`,
        'move the catch-all route last, or give it a match');
      return;
    }
    let duplicates = 0;
    matches.forEach((mt, i) => {
      const key = canonicalJson({ ...mt, name: undefined });
      const e = seen.get(key);
      if (e !== undefined) {
        duplicates++;
        emit('IST0131', Severity.WARNING, vs, `${path}.match[${i}]`, `this match is never used: route ${e} before it has the same match`, 'remove the match');
        return;
      }
      seen.set(key, index);
      const prefix = protocol === 'http' ? istioPrefixView(mt) : undefined;
      if (prefix) prefixes.push({ ...prefix, index, path: `${path}.match[${i}]` });
    });
    if (duplicates === matches.length) {
      emit('IST0130', Severity.WARNING, vs, path, `route ${index} can never match: the routes before it have all its matches`,
        'remove the route, or change its match');
    }
  });
  prefixes.forEach((a, i) => {
    for (const b of prefixes.slice(i + 1)) {
      if (istioPrefixCovers(a, b)) {
        emit('IST0131', Severity.WARNING, vs, b.path, `this match is never used: the match of route ${a.index} on prefix ${a.prefix} `
          + `before it covers its prefix ${b.prefix}`, 'order the longer prefix first, or remove the match');
      }
    }
  });
}

/** True when two Gateway server hosts can serve the same request host (their namespace parts aside). */
function overlap(a: string, b: string): boolean {
  return hostsIntersect(parseServerHost(a).host, parseServerHost(b).host);
}

/**
 * True when two gateway selectors pick the same pods, as Istio's ConflictingGatewayAnalyzer decides: equal selectors,
 * or one within the other and some pod in the manifests carrying both.
 */
function sameGatewayPods(m: Manifests, a: Record<string, string>, b: Record<string, string>): boolean {
  if (canonicalJson(a) === canonicalJson(b)) return true;
  if (!selects(a, b) && !selects(b, a)) return false;
  return m.podLabels().some((labels) => selects(a, labels) && selects(b, labels));
}

/** IST0145: every gateway with a server whose port and host another gateway on the same pods serves too. */
function checkGateways(m: Manifests): Finding[] {
  const { findings, emit } = collector();
  const gateways = [...m.gateways.values()];
  gateways.forEach((gw) => {
    const others = gateways.filter((other) => other !== gw && sameGatewayPods(m, gw.spec?.selector ?? {}, other.spec?.selector ?? {}));
    (gw.spec?.servers ?? []).forEach((server: any, s: number) => {
      const clashing = others.filter((other) => (other.spec?.servers ?? []).some((o: any) => o.port?.number === server.port?.number
        && (o.bind ?? '') === (server.bind ?? '') && (o.hosts ?? []).some((a: string) => (server.hosts ?? []).some((b: string) => overlap(a, b)))));
      if (clashing.length > 0) {
        emit('IST0145', Severity.ERROR, gw, `spec.servers[${s}]`, `gateway ${clashing.map((o) => `${namespaceOf(o)}/${o.metadata?.name}`).join(', ')} also serves port `
          + `${server.port?.number} for an overlapping host (${(server.hosts ?? []).join(', ')}) on the same pods`,
        'serve each host once per port: merge the gateways or make the hosts distinct');
      }
    });
  });
  return findings;
}

/**
 * The labels of the pods of a Service as Istio matches subsets against them (destinationrule/subset.go): the pod
 * templates of its workloads and its bare Pods, with the topology labels of a Pod's Node (region, zone, subzone and
 * hostname, the empty ones left out: pilot/pkg/serviceregistry/util/label/label.go AugmentLabels).
 */
function podsOfService(m: Manifests, service: K8sObject): Array<{ name: string; labels: Record<string, string>; workload?: Workload }> {
  const selector = service.spec?.selector;
  if (!selector || Object.keys(selector).length === 0) return [];
  const nodes = new Map(m.objects.filter((o) => o.kind === 'Node').map((n) => [n.metadata?.name, n.metadata?.labels ?? {}]));
  const pods = m.objects.filter((o) => o.kind === 'Pod' && namespaceOf(o) === namespaceOf(service) && selects(selector, o.metadata?.labels))
    .map((pod) => {
      const nodeName = pod.spec?.nodeName;
      const node: Record<string, string> = nodes.get(nodeName) ?? {};
      const topology = Object.fromEntries(['topology.kubernetes.io/region', 'topology.kubernetes.io/zone', 'topology.istio.io/subzone']
        .filter((k) => node[k]).map((k) => [k, node[k]]));
      return { name: pod.metadata?.name ?? '', labels: { ...pod.metadata?.labels, ...topology, ...(nodeName ? { 'kubernetes.io/hostname': nodeName } : {}) } };
    });
  return [...m.workloadsOf(service).map((w) => ({ name: w.object.metadata?.name ?? '', labels: { ...w.podLabels }, workload: w })), ...pods];
}

/** IST0174 / IST0173 (PodNotSelectedAnalyzer) and CANARY003. */
function checkDestinationRules(m: Manifests, known: (host: string, outside?: boolean) => boolean): Finding[] {
  const { findings, emit } = collector();
  for (const dr of m.destinationRules) {
    const written = String(dr.spec?.host ?? '');
    const host = resolveHost(written, namespaceOf(dr));
    const entry = m.lookupHost(written, namespaceOf(dr), dr.spec?.exportTo);
    if (!entry && !known(host, true)) {
      emit('IST0174', Severity.WARNING, dr, 'spec.host', `host ${host} is no Service or ServiceEntry visible from namespace ${namespaceOf(dr)} in these manifests`,
        'fix the host, or ignore this if the Service exists in the cluster');
      continue;
    }
    const service = m.services.get(host);
    if (!service) continue; // a ServiceEntry's endpoints are not judged here
    const pods = podsOfService(m, service);
    const workloads = pods.flatMap((p) => (p.workload ? [p.workload] : []));
    if (pods.length === 0) {
      if (Object.keys(service.spec?.selector ?? {}).length > 0 && (dr.spec?.subsets ?? []).length > 0) {
        emit('IST0173', Severity.WARNING, dr, 'spec.subsets', `no pods of ${host} are in these manifests (selector ${formatLabels(service.spec.selector)}), `
          + `so its subsets (${(dr.spec.subsets as any[]).map((x) => x?.name).join(', ')}) select none here`,
        'add the workloads, or ignore this if they are deployed elsewhere');
      }
      continue;
    }
    (dr.spec?.subsets ?? []).forEach((subset: any, i: number) => {
      if (!pods.some((p) => selects(subset?.labels, p.labels))) {
        emit('IST0173', Severity.ERROR, dr, `spec.subsets[${i}]`, `subset ${subset?.name} (${formatLabels(subset?.labels)}) selects none of the pods of ${host} `
          + `(${pods.map((p) => `${p.name}: ${formatLabels(p.labels)}`).join('; ')})`, 'fix the subset labels or the pod labels');
      }
      const selected = workloads.filter((w) => selects(subset?.labels, w.podLabels));
      const versions = [...new Set(selected.map((w) => w.podLabels.version).filter((v) => v !== undefined))];
      if (subset.labels && Object.keys(subset.labels).length > 0 && versions.length > 1) {
        emit('CANARY003', Severity.ERROR, dr, `spec.subsets[${i}]`, `subset ${subset.name} (${formatLabels(subset.labels)}) selects pods of several versions (${versions.join(', ')})`,
          'select one version, e.g. with its version label');
      }
    });
  }
  return findings;
}

function checkServicesAndWorkloads(m: Manifests): Finding[] {
  const { findings, emit } = collector();
  const flaggerTargets = new Set(m.objects.filter((o) => o.kind === 'Canary' && o.apiVersion?.startsWith('flagger.app/'))
    .map((c) => `${namespaceOf(c)}/${c.spec?.targetRef?.name}`));
  const servicesOf = new Map<Workload, K8sObject[]>();
  for (const service of m.services.values()) {
    const selector = service.spec?.selector;
    const workloads = m.workloadsOf(service);
    if (selector && Object.keys(selector).length > 0 && workloads.length === 0) {
      emit('CANARY001', Severity.WARNING, service, 'spec.selector', `selects no workload in these manifests (${formatLabels(selector)})`,
        'fix the selector or the pod labels, or ignore this if the pods are deployed elsewhere');
    }
    workloads.forEach((w) => servicesOf.set(w, [...servicesOf.get(w) ?? [], service]));
    if (!portNamesChecked(service)) continue;
    (service.spec?.ports ?? []).forEach((port: any, i: number) => {
      if (port?.protocol === 'UDP' || declaredProtocol(port) !== undefined) return;
      emit('IST0118', Severity.WARNING, service, `spec.ports[${i}].name`, `port ${port?.port} is named ${JSON.stringify(port?.name ?? '')}, which does not tell Istio `
        + 'its protocol, so Istio detects it by sniffing the first bytes of each connection (protocol selection), which fails for server-first '
        + 'protocols and adds a delay', 'name it <protocol>[-<suffix>] (http, grpc, tcp, ...) or set appProtocol');
    });
  }
  for (const w of m.workloads) {
    const services = servicesOf.get(w) ?? [];
    if (services.length === 0 && !flaggerTargets.has(`${w.namespace}/${w.object.metadata?.name}`)) {
      emit('CANARY002', Severity.WARNING, w.object, 'spec.template.metadata.labels', `no Service selects these pods (${formatLabels(w.podLabels)})`,
        'add a Service, or fix its selector');
    }
    if (outOfMesh(m, w)) continue; // Istio's ServiceAssociationAnalyzer checks the workloads in the mesh only
    const byPort = new Map<number, { transport: Set<string>; protocols: Set<string> }>();
    for (const service of services) {
      for (const port of service.spec?.ports ?? []) {
        const entry = byPort.get(port.port) ?? { transport: new Set<string>(), protocols: new Set<string>() };
        entry.transport.add(String(port.protocol ?? 'TCP').toUpperCase());
        entry.protocols.add(String(port.appProtocol ?? protocolOfPortName(port.name) ?? 'tcp').toLowerCase());
        byPort.set(port.port, entry);
      }
    }
    for (const [port, { transport, protocols: named }] of byPort) {
      // Istio compares the Kubernetes protocols (TCP, UDP, SCTP); a port given different application protocols is as wrong.
      const protocols = transport.size > 1 ? transport : named;
      if (protocols.size > 1) {
        emit('IST0116', Severity.WARNING, w.object, 'spec.template', `Services ${services.map((s) => s.metadata?.name).join(', ')} give port ${port} `
          + `different protocols (${[...protocols].join(', ')})`, 'give the port one protocol in every Service');
      }
    }
  }
  return findings;
}

/** Istio's own namespace. */
const ISTIO_SYSTEM = 'istio-system';

/** The namespaces istioctl leaves out of an analysis (pkg/kube/inject/initializer.go IgnoredNamespaces). */
const IGNORED_NAMESPACES = new Set(['kube-system', 'kube-public', 'kube-node-lease', 'local-path-storage']);

/** The protocols Istio reads from a port name's prefix or appProtocol (pkg/config/protocol/instance.go Parse). */
const PORT_PROTOCOLS = ['http', 'http2', 'https', 'http_proxy', 'grpc', 'grpc-web', 'tcp', 'tls', 'mongo', 'mysql', 'redis', 'udp', 'doublehbone'];

/** Ports Istio takes as TCP whatever their name: SMTP, DNS, MySQL, MongoDB (pkg/config/kube/conversion.go). */
const WELL_KNOWN_TCP_PORTS = new Set([25, 53, 3306, 27017]);

/** The protocol a port name declares by Istio's convention, `<protocol>[-<suffix>]`. */
function protocolOfPortName(name: string | undefined): string | undefined {
  if (!name || typeof name !== 'string') return undefined;
  const lower = name.toLowerCase();
  if (lower.startsWith('grpc-web')) return 'grpc-web';
  const prefix = lower.split('-')[0];
  return PORT_PROTOCOLS.find((p) => p === prefix);
}

/** The protocol Istio gives a Service port from its appProtocol or name (pkg/config/kube/conversion.go ConvertProtocol), if any. */
function declaredProtocol(port: any): string | undefined {
  const app = port?.appProtocol;
  if (['kubernetes.io/h2c', 'kubernetes.io/ws', 'kubernetes.io/wss'].includes(app)) return app;
  return protocolOfPortName(app ?? port?.name) ?? (WELL_KNOWN_TCP_PORTS.has(port?.port) ? 'tcp' : undefined);
}

/**
 * True for a Service whose port names Istio's PortNameAnalyzer checks: not in a namespace istioctl ignores, not part
 * of the control plane (an `istio` label, or `release: istio`), not a gateway Istio deploys, not an ExternalName
 * Service (IST0150 there).
 */
function portNamesChecked(service: K8sObject): boolean {
  const labels = service.metadata?.labels ?? {};
  return !IGNORED_NAMESPACES.has(namespaceOf(service)) && labels.istio === undefined && labels.release !== 'istio'
    && !String(labels['gateway.istio.io/managed'] ?? '').startsWith('istio.io-') && service.spec?.type !== 'ExternalName';
}

/**
 * True for a workload the manifests take out of the mesh: its pods say `sidecar.istio.io/inject: "false"`, or its
 * namespace is in the manifests and neither injects sidecars nor is ambient.
 */
function outOfMesh(m: Manifests, w: Workload): boolean {
  const template = w.object.spec?.template?.metadata ?? {};
  const inject = template.labels?.['sidecar.istio.io/inject'] ?? template.annotations?.['sidecar.istio.io/inject'];
  if (inject !== undefined) return String(inject) !== 'true';
  const ns = m.namespaces.get(w.namespace);
  if (!ns) return false;
  const labels = ns.metadata?.labels ?? {};
  return labels['istio-injection'] !== 'enabled' && labels['istio.io/rev'] === undefined && labels['istio.io/dataplane-mode'] !== 'ambient';
}

/** IST0102 / IST0123 as Istio's injection analyzer (pkg/config/analysis/analyzers/injection/injection.go) finds them. */
function checkNamespaces(m: Manifests): Finding[] {
  const { findings, emit } = collector();
  for (const ns of m.namespaces.values()) {
    if (ns.metadata?.name === ISTIO_SYSTEM) continue;
    const labels = ns.metadata?.labels ?? {};
    const injection = labels['istio-injection'];
    const revision = labels['istio.io/rev'];
    // The labels that choose a data plane: istio.io/rev and the ambient mode count unless istio-injection disables injection.
    const chosen = [
      ...(injection !== undefined ? [`istio-injection=${injection}`] : []),
      ...['istio.io/rev', 'istio.io/dataplane-mode'].filter((l) => labels[l] !== undefined && (injection === undefined || injection === 'enabled'))
        .map((l) => `${l}=${labels[l]}`),
    ];
    if (chosen.length > 1) {
      emit('IST0123', Severity.WARNING, ns, 'metadata.labels', `has several labels that choose its data plane (${chosen.join(', ')}); the first wins`,
        'keep one of them');
    }
    if (labels['istio.io/dataplane-mode'] === 'ambient') continue; // ztunnel, not sidecars
    if (!injection && revision === undefined) {
      emit('IST0102', Severity.WARNING, ns, 'metadata.labels', 'has no istio-injection or istio.io/rev label, so its pods get no sidecar',
        'label it istio-injection=enabled (or istio.io/rev=<revision>), or istio-injection=disabled if that is intended');
    }
  }
  return findings;
}

/**
 * ROLLOUT001: what an Argo Rollout's `trafficRouting.istio` names must exist as Argo Rollouts reads it: each
 * VirtualService (`<name>` or `<name>.<namespace>`) with the routes it lists (or exactly one route when it lists
 * none), each such route sending to both the stable and the canary subset (or Service), the DestinationRule with
 * both subsets, the stable and canary Services; and no managed route may take the name of a route already there.
 */
function checkRollouts(m: Manifests): Finding[] {
  const { findings, emit } = collector();
  const rollouts = m.objects.filter((o) => o.kind === 'Rollout' && (o.apiVersion ?? '').startsWith('argoproj.io/'));
  for (const rollout of rollouts) {
    const ns = namespaceOf(rollout);
    const canary = rollout.spec?.strategy?.canary ?? {};
    const istio = canary.trafficRouting?.istio;
    if (!istio) continue;
    const base = 'spec.strategy.canary';
    const missing = (path: string, what: string, fix: string) => emit('ROLLOUT001', Severity.ERROR, rollout, path, `${what}, so Argo Rollouts cannot shift traffic`, fix);
    const findIn = (objects: readonly K8sObject[], name: string, namespace: string) =>
      objects.find((o) => o.metadata?.name === name && namespaceOf(o) === namespace);
    for (const role of ['stableService', 'canaryService'] as const) {
      const name = canary[role];
      if (name !== undefined && !m.services.has(resolveHost(name, ns))) {
        missing(`${base}.${role}`, `${role} ${name} is not a Service in namespace ${ns}`, 'add the Service, or fix the name');
      }
    }
    const dr = istio.destinationRule;
    const subsets = dr ? [dr.stableSubsetName, dr.canarySubsetName] : [];
    if (dr) {
      const found = findIn(m.destinationRules, dr.name, ns);
      if (!found) {
        missing(`${base}.trafficRouting.istio.destinationRule`, `DestinationRule ${ns}/${dr.name} does not exist`, 'add it, or fix the name');
      } else {
        for (const subset of subsets.filter((x) => !(found.spec?.subsets ?? []).some((s: any) => s.name === x))) {
          missing(`${base}.trafficRouting.istio.destinationRule`, `DestinationRule ${ns}/${dr.name} has no subset ${subset}`, 'add the subset');
        }
      }
    }
    const refs: any[] = istio.virtualServices ?? (istio.virtualService ? [istio.virtualService] : []);
    const managed: string[] = (canary.trafficRouting?.managedRoutes ?? []).map((r: any) => r.name);
    refs.forEach((ref, i) => {
      const path = `${base}.trafficRouting.istio.${istio.virtualServices ? `virtualServices[${i}]` : 'virtualService'}`;
      const [name, namespace = ns] = String(ref.name ?? '').split('.');
      const vs = findIn(m.virtualServices, name, namespace);
      if (!vs) {
        missing(path, `VirtualService ${namespace}/${name} does not exist`, 'add it, or fix the name');
        return;
      }
      const http: any[] = vs.spec?.http ?? [];
      const routeNames: string[] = ref.routes ?? [];
      const routes = routeNames.length > 0 ? routeNames.map((r) => ({ name: r, route: http.find((h) => h.name === r) })) : [{ name: '(unnamed)', route: http.length === 1 ? http[0] : undefined }];
      for (const { name: routeName, route } of routes) {
        if (!route) {
          missing(`${path}.routes`, routeNames.length > 0 ? `VirtualService ${namespace}/${name} has no http route ${routeName}`
            : `VirtualService ${namespace}/${name} has ${http.length} http routes and the Rollout names none`, 'name the route the split is in, in routes');
          continue;
        }
        const destinations: any[] = (route.route ?? []).map((d: any) => d.destination ?? {});
        const wanted = dr ? subsets.map((s) => ({ what: `subset ${s}`, ok: destinations.some((d) => d.subset === s) }))
          : (['stableService', 'canaryService'] as const).filter((r) => canary[r] !== undefined)
            .map((r) => ({ what: `Service ${canary[r]}`, ok: destinations.some((d) => String(d.host ?? '').split('.')[0] === canary[r]) }));
        for (const w of wanted.filter((x) => !x.ok)) {
          missing(`${path}.routes`, `route ${routeName} of VirtualService ${namespace}/${name} sends nothing to the ${w.what}`,
            'list both the stable and the canary destination in the route, the canary with weight 0');
        }
      }
      for (const clash of managed.filter((r) => http.some((h) => h.name === r))) {
        emit('ROLLOUT001', Severity.ERROR, rollout, `${base}.trafficRouting.managedRoutes`, `managed route ${clash} has the name of a route of VirtualService `
          + `${namespace}/${name}, which Argo Rollouts would replace`, 'rename the managed route');
      }
    });
  }
  return findings;
}

/** HTTPRoutes and GRPCRoutes: their backends, their parents, and a VirtualService beside them for one Service. */
function checkGatewayApiRoutes(m: Manifests, known: (host: string) => boolean): Finding[] {
  const { findings, emit } = collector();
  for (const route of m.gatewayApiRoutes) {
    const ns = namespaceOf(route);
    (route.spec?.rules ?? []).forEach((rule: any, r: number) => {
      const refs: Array<{ ref: any; path: string }> = [
        ...(rule.backendRefs ?? []).map((ref: any, i: number) => ({ ref, path: `spec.rules[${r}].backendRefs[${i}]` })),
        ...(rule.filters ?? []).flatMap((f: any, i: number) => (f.requestMirror?.backendRef
          ? [{ ref: f.requestMirror.backendRef, path: `spec.rules[${r}].filters[${i}].requestMirror.backendRef` }] : [])),
      ];
      for (const { ref, path } of refs) {
        if ((ref.group ?? '') !== '' || (ref.kind ?? 'Service') !== 'Service') continue;
        const namespace = ref.namespace ?? ns;
        const host = `${ref.name}.${namespace}.svc.cluster.local`;
        const service = m.services.get(host);
        if (!service) {
          if (!known(host)) {
            emit('GWAPI001', Severity.WARNING, route, path, `backend Service ${namespace}/${ref.name} is not in these manifests`,
              'fix the name, or create the Service (ignore this if it exists in the cluster)');
          }
        } else if (ref.port !== undefined && !(service.spec?.ports ?? []).some((p: any) => p.port === ref.port)) {
          emit('GWAPI001', Severity.ERROR, route, `${path}.port`, `port ${ref.port} is not a port of Service ${namespace}/${ref.name} `
            + `(its ports: ${(service.spec?.ports ?? []).map((p: any) => p.port).join(', ')})`, 'send to one of its ports');
        }
        if (namespace !== ns && !referenceGranted(m, route, namespace, '', 'Service', ref.name)) {
          emit('GWAPI001', Severity.ERROR, route, `${path}.namespace`, `backend ${namespace}/${ref.name} is in another namespace and no ReferenceGrant there `
            + `lets ${route.kind}s from ${ns} refer to its Services, so the reference is refused (500)`, `add a ReferenceGrant in ${namespace} from ${route.kind} in ${ns} to Service`);
        }
      }
      if (rule.retry !== undefined) {
        emit('GWAPI004', Severity.WARNING, route, `spec.rules[${r}].retry`, 'retry is a field of Gateway API\'s experimental channel: '
          + 'with the standard-channel CRDs the API server rejects the route', 'install the experimental-channel CRDs, or drop the retries');
      }
    });
    (route.spec?.parentRefs ?? []).forEach((ref: any, i: number) => {
      const path = `spec.parentRefs[${i}]`;
      const namespace = ref.namespace ?? ns;
      const serviceHost = serviceParentHost(route, ref);
      if (serviceHost) {
        if (!m.services.has(serviceHost)) {
          emit('GWAPI002', Severity.WARNING, route, path, `parent Service ${namespace}/${ref.name} is not in these manifests`,
            'bind the route to an existing Service (ignore this if it exists in the cluster: the route binds to nothing otherwise)');
        }
        return;
      }
      if ((ref.kind ?? 'Gateway') !== 'Gateway') return;
      const gateway = m.gatewayApiGateways.get(`${namespace}/${ref.name}`);
      if (!gateway) {
        emit('GWAPI002', Severity.WARNING, route, path, `Gateway ${namespace}/${ref.name} is not in these manifests`,
          'fix the parentRef (ignore this if the Gateway exists in the cluster)');
      } else if (listenersAdmitting(gateway, route, ref).length === 0) {
        emit('GWAPI002', Severity.ERROR, route, path, `no listener of Gateway ${namespace}/${ref.name} admits this route `
          + `(section ${ref.sectionName ?? 'any'}, namespace ${ns}, hostnames ${(route.spec?.hostnames ?? ['any']).join(', ')}), so it serves no request (404)`,
        'match a listener\'s name, hostname and allowedRoutes');
      }
    });
  }
  for (const vs of m.virtualServices.filter((v) => bindsToMesh(v.spec?.gateways))) {
    (vs.spec?.hosts ?? []).forEach((h: string, i: number) => {
      const host = resolveHost(h, namespaceOf(vs));
      if (hasMeshRoutes(m, host)) {
        emit('GWAPI003', Severity.ERROR, vs, `spec.hosts[${i}]`, `${host} is routed by this VirtualService and by a Gateway API route bound to its Service; `
          + 'Istio does not define which one applies', 'route the service with one API: drop the VirtualService or the HTTPRoute');
      }
    });
  }
  return findings;
}

/**
 * Ambient namespaces: L7 routes need a waypoint, since ztunnel is L4 and ignores them silently (AMBIENT001); a
 * VirtualService is Alpha there (AMBIENT002). Read from the Namespace objects of the manifests.
 */
function checkAmbient(m: Manifests): Finding[] {
  const { findings, emit } = collector();
  const ambient = (namespace: string) => m.namespaces.get(namespace)?.metadata?.labels?.['istio.io/dataplane-mode'] === 'ambient';
  /** The waypoint a Service uses: its own label, else its namespace's; `none` opts out. */
  const waypointOf = (service: K8sObject) => {
    const namespace = m.namespaces.get(namespaceOf(service));
    const name = service.metadata?.labels?.['istio.io/use-waypoint'] ?? namespace?.metadata?.labels?.['istio.io/use-waypoint'];
    const waypointNamespace = service.metadata?.labels?.['istio.io/use-waypoint-namespace']
      ?? namespace?.metadata?.labels?.['istio.io/use-waypoint-namespace'] ?? namespaceOf(service);
    return name === undefined || name === 'none' ? undefined : `${waypointNamespace}/${name}`;
  };
  const checkL7 = (obj: K8sObject, path: string, host: string, what: string) => {
    const service = m.services.get(host);
    if (!service || !ambient(namespaceOf(service))) return;
    const waypoint = waypointOf(service);
    if (!waypoint) {
      emit('AMBIENT001', Severity.ERROR, obj, path, `${what} ${host}, whose namespace ${namespaceOf(service)} is ambient with no waypoint: `
        + 'ztunnel handles L4 only and ignores these routes (got istio.io/dataplane-mode=ambient and no istio.io/use-waypoint label)', 'deploy a waypoint and label the namespace istio.io/use-waypoint (MeshNamespace ambient with waypoint), or drop the L7 routes');
    } else if (!m.gatewayApiGateways.has(waypoint)) {
      emit('AMBIENT001', Severity.WARNING, obj, path, `${host} uses waypoint ${waypoint}, which is not in these manifests`,
        'deploy the waypoint (ignore this if it exists in the cluster)');
    }
  };
  for (const route of m.gatewayApiRoutes) {
    (route.spec?.parentRefs ?? []).forEach((ref: any, i: number) => {
      const host = serviceParentHost(route, ref);
      if (host) checkL7(route, `spec.parentRefs[${i}]`, host, `${route.kind} routes`);
    });
  }
  for (const vs of m.virtualServices.filter((v) => bindsToMesh(v.spec?.gateways))) {
    (vs.spec?.hosts ?? []).forEach((h: string, i: number) => {
      const host = resolveHost(h, namespaceOf(vs));
      const service = m.services.get(host);
      if (!service || !ambient(namespaceOf(service))) return;
      checkL7(vs, `spec.hosts[${i}]`, host, 'the VirtualService routes');
      emit('AMBIENT002', Severity.WARNING, vs, `spec.hosts[${i}]`, `${host} is in the ambient namespace ${namespaceOf(service)}, where VirtualService is Alpha`,
        'route it with an HTTPRoute (RoutingApi.GATEWAY_API)');
    });
  }
  return findings;
}
