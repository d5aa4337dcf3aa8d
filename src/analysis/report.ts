/**
 * Traffic in a pull request: a Markdown report of every VirtualService (versions, rules in order, the default split,
 * a Mermaid flowchart), and the traffic changes between two sets of manifests. Plain functions over plain objects;
 * the `istio-canary report` and `diff` commands print them.
 */
import { Severity, analyze } from './analyze';
import { matchesInOrder } from './gateway-api';
import { K8sObject, Manifests, destinationsOf, formatLabels, namespaceOf, resolveHost, routeShares } from './manifest';

/** One target of a route and its share. */
export interface SplitTarget {
  /** `v2` for a subset of the VirtualService's own service, else `host[/subset]`. */
  readonly target: string;
  /** Percent of the route's requests, 0 to 100. */
  readonly percent: number;
}

/** One route of a VirtualService, in order. */
export interface RouteSummary {
  /** Position in the VirtualService, counting from 1. */
  readonly index: number;
  /** The route's name, if it has one. */
  readonly name?: string;
  /** The route's matches in words (`every request` for a catch-all). */
  readonly match: string;
  /** Where it sends requests. */
  readonly split: SplitTarget[];
  /** A redirect or direct response instead. */
  readonly response?: string;
}

/** A version of a service: its subset, its workloads. */
export interface VersionSummary {
  /** The subset name. */
  readonly subset: string;
  /** The subset's labels, as `key=value` pairs. */
  readonly labels: string;
  /** The workloads whose pods the subset selects. */
  readonly workloads: ReadonlyArray<{
    /** The workload's name. */
    readonly name: string;
    /** Its replicas. */
    readonly replicas: number;
    /** The images of its pod template. */
    readonly images: string[];
  }>;
}

/** One VirtualService (or Gateway API route) and what it routes. */
export interface VirtualServiceSummary {
  /** `VirtualService`, `HTTPRoute` or `GRPCRoute`. */
  readonly kind: string;
  /** `<namespace>/<name>`. */
  readonly ref: string;
  /** The hosts it routes. */
  readonly hosts: string[];
  /** `mesh` and/or the gateways it is bound to. */
  readonly bindings: string[];
  /** The host its routes mostly go to (the first destination's). */
  readonly service?: string;
  /** The versions (subsets) of that host; for a Gateway API route, its backend Services. */
  readonly versions: VersionSummary[];
  /** Its routes, in order (for a Gateway API route: each match of its rules, in Gateway API's precedence order). */
  readonly routes: RouteSummary[];
}

/** Summaries of every VirtualService, then every HTTPRoute and GRPCRoute, in input order. */
export function summarize(objects: readonly K8sObject[]): VirtualServiceSummary[] {
  const m = new Manifests(objects);
  return [...summarizeVirtualServices(m), ...m.gatewayApiRoutes.map((route) => summarizeGatewayApiRoute(m, route))];
}

/** A Gateway API route: its parents, its backend Services as versions, its matches in precedence order. */
function summarizeGatewayApiRoute(m: Manifests, route: K8sObject): VirtualServiceSummary {
  const ns = namespaceOf(route);
  const parents: any[] = route.spec?.parentRefs ?? [];
  const serviceParents = parents.filter((p) => p.kind === 'Service').map((p) => `${p.name}.${p.namespace ?? ns}.svc.cluster.local`);
  const matches = matchesInOrder([route]);
  const backends = [...new Set(matches.flatMap((x) => (x.http.route ?? []).map((d: any) => d.destination.host as string)))];
  const versions = backends.map((host): VersionSummary => {
    const service = m.services.get(host);
    return {
      subset: shortHost(host),
      labels: formatLabels(service?.spec?.selector),
      workloads: service ? m.workloadsOf(service).map((w) => ({
        name: w.object.metadata?.name ?? '',
        replicas: w.replicas ?? 1,
        images: (w.object.spec?.template?.spec?.containers ?? []).map((c: any) => c.image).filter(Boolean),
      })) : [],
    };
  });
  return {
    kind: route.kind ?? 'HTTPRoute',
    ref: `${ns}/${route.metadata?.name}`,
    hosts: [...(route.spec?.hostnames ?? []), ...serviceParents],
    bindings: parents.map((p) => (p.kind === 'Service' ? `Service ${p.namespace ?? ns}/${p.name}${p.port ? `:${p.port}` : ''}`
      : `Gateway ${p.namespace ?? ns}/${p.name}${p.sectionName ? `#${p.sectionName}` : ''}`)),
    service: serviceParents[0],
    versions,
    routes: matches.map((x, index): RouteSummary => ({
      index,
      name: x.http.name,
      match: describeMatches(x.http.match.length === 1 && Object.keys(x.http.match[0]).length === 0 ? undefined : x.http.match),
      split: routeShares(x.http).map((d) => ({ target: shortHost(d.destination.host), percent: Math.round(d.share * 1000) / 10 })),
      response: x.http.redirect ? `redirect ${x.http.redirect.redirectCode} to ${x.http.redirect.uri ?? '(same path)'}` : undefined,
    })),
  };
}

function summarizeVirtualServices(m: Manifests): VirtualServiceSummary[] {
  return m.virtualServices.map((vs) => {
    const ns = namespaceOf(vs);
    const service = destinationsOf(vs).map((d) => resolveHost(d.destination.host ?? '', ns))[0];
    const short = (host: string, subset?: string) => (host === service && subset ? subset : `${shortHost(host)}${subset ? `/${subset}` : ''}`);
    const routes = [...(vs.spec?.http ?? []), ...(vs.spec?.tcp ?? []), ...(vs.spec?.tls ?? [])].map((route: any, index: number): RouteSummary => {
      return {
        index,
        name: route.name,
        match: describeMatches(route.match),
        split: routeShares(route).map((d) => ({
          target: short(resolveHost(d.destination.host, ns), d.destination.subset),
          percent: Math.round(d.share * 1000) / 10,
        })),
        response: route.redirect ? `redirect ${route.redirect.redirectCode ?? 301} to ${route.redirect.uri ?? '(same path)'}` : route.directResponse ? `status ${route.directResponse.status}` : undefined,
      };
    });
    const serviceObject = service ? m.services.get(service) : undefined;
    const versions = service ? m.destinationRulesFor(service).flatMap((dr) => dr.spec?.subsets ?? []).map((subset: any): VersionSummary => ({
      subset: subset.name,
      labels: formatLabels(subset.labels),
      workloads: serviceObject ? m.workloadsSelecting(namespaceOf(serviceObject), { ...serviceObject.spec?.selector, ...subset.labels }).map((w) => ({
        name: w.object.metadata?.name ?? '',
        replicas: w.replicas ?? 1,
        images: (w.object.spec?.template?.spec?.containers ?? []).map((c: any) => c.image).filter(Boolean),
      })) : [],
    })) : [];
    return {
      kind: 'VirtualService',
      ref: `${ns}/${vs.metadata?.name}`,
      hosts: [...(vs.spec?.hosts ?? [])],
      bindings: vs.spec?.gateways?.length ? [...vs.spec.gateways] : ['mesh'],
      service,
      versions,
      routes,
    };
  });
}

function shortHost(host: string): string {
  return host.replace(/\.svc\.cluster\.local$/, '');
}

/** A route's matches in words: conditions ANDed within a match, matches ORed. */
export function describeMatches(matches: any[] | undefined): string {
  if (!matches || matches.length === 0) return 'every request';
  return matches.map((match: any) => {
    const parts: string[] = [];
    const sm = (v: any) => (v?.exact !== undefined ? `=${v.exact}` : v?.prefix !== undefined ? ` starts with ${v.prefix}` : v?.regex !== undefined ? ` ~ /${v.regex}/` : ' present');
    for (const [name, v] of Object.entries<any>(match.headers ?? {})) parts.push(`${name}${sm(v)}`);
    if (match.uri) parts.push(`path${sm(match.uri)}`);
    if (match.method) parts.push(`method${sm(match.method)}`);
    for (const [name, v] of Object.entries<any>(match.queryParams ?? {})) parts.push(`?${name}${sm(v)}`);
    if (match.sourceLabels) parts.push(`from ${formatLabels(match.sourceLabels)}`);
    if (match.port !== undefined) parts.push(`port ${match.port}`);
    if (match.gateways) parts.push(`via ${match.gateways.join('|')}`);
    if (match.sniHosts) parts.push(`sni ${match.sniHosts.join('|')}`);
    return parts.length === 0 ? 'every request' : parts.join(' and ');
  }).join(' or ');
}

function formatSplit(split: SplitTarget[]): string {
  return split.map((s) => `${s.target} ${s.percent}%`).join(', ') || 'nothing';
}

/** The Markdown report: per VirtualService its versions, rules in order and a flowchart. */
export function renderReport(objects: readonly K8sObject[]): string {
  const summaries = summarize(objects);
  const lines = ['# Traffic report', ''];
  if (summaries.length === 0) lines.push('No VirtualService, HTTPRoute or GRPCRoute in these manifests.', '');
  for (const s of summaries) {
    lines.push(`## ${s.hosts.join(', ') || 'any host'}`, '', `${s.kind} \`${s.ref}\`, bound to ${s.bindings.join(', ')}.`, '');
    if (s.versions.length > 0) {
      lines.push('| version | selects | pods | image |', '|---|---|---|---|');
      for (const v of s.versions) {
        const pods = v.workloads.map((w) => `${w.name} × ${w.replicas}`).join(', ') || '**none**';
        lines.push(`| ${v.subset} | ${v.labels} | ${pods} | ${[...new Set(v.workloads.flatMap((w) => w.images))].join(', ')} |`);
      }
      lines.push('');
    }
    lines.push(s.kind === 'VirtualService' ? 'Rules, first match wins:' : 'Matches in Gateway API\'s precedence order, first match wins:', '');
    for (const r of s.routes) {
      lines.push(`${r.index + 1}. ${r.name ? `\`${r.name}\`: ` : ''}${r.match} → ${r.response ?? formatSplit(r.split)}`);
    }
    lines.push('', '```mermaid', ...flowchart(s), '```', '');
  }
  return lines.join('\n');
}

function flowchart(s: VirtualServiceSummary): string[] {
  const id = (text: string) => text.replace(/[^A-Za-z0-9]/g, '_');
  const hostNode = id(`vs_${s.ref}`);
  const lines = ['flowchart LR'];
  for (const b of s.bindings) lines.push(`  ${id(`in_${b}`)}(("${b}")) --> ${hostNode}["${s.hosts.join('<br/>')}"]`);
  for (const r of s.routes) {
    for (const t of r.split) {
      const label = `${r.match === 'every request' ? '' : `${r.match}: `}${t.percent}%`.replace(/"/g, "'");
      lines.push(`  ${hostNode} -->|"${label}"| ${id(`to_${s.ref}_${t.target}`)}["${t.target}"]`);
    }
  }
  return lines;
}

/** One traffic change between two sets of manifests. */
export interface TrafficChange {
  /** What changed: `split`, `rule-added`, `rule-removed`, `rule-changed`, `virtual-service-added`, `virtual-service-removed`, `broken`. */
  readonly kind: string;
  /** The VirtualService (or object) concerned. */
  readonly ref: string;
  /** The change in words, e.g. `reviews: v3 10% -> 40%`. */
  readonly text: string;
}

/** The traffic changes from `base` to `head`. */
export function diffTraffic(base: readonly K8sObject[], head: readonly K8sObject[]): TrafficChange[] {
  const byKey = (objects: readonly K8sObject[]) => new Map(summarize(objects).map((s) => [`${s.kind} ${s.ref}`, s]));
  const before = byKey(base);
  const after = byKey(head);
  const changes: TrafficChange[] = [];
  const label = (s: VirtualServiceSummary) => shortHost(s.hosts[0] ?? s.ref).split('.')[0];
  for (const [object, b] of before) {
    if (!after.has(object)) changes.push({ kind: 'virtual-service-removed', ref: b.ref, text: `${label(b)}: ${object} removed` });
  }
  for (const [object, a] of after) {
    const ref = a.ref;
    const b = before.get(object);
    if (!b) {
      changes.push({ kind: 'virtual-service-added', ref, text: `${label(a)}: new ${object} (${a.routes.map((r) => `${r.match} → ${formatSplit(r.split)}`).join('; ')})` });
      continue;
    }
    const key = (r: RouteSummary) => r.name ?? `#${r.index + 1}`;
    const oldRoutes = new Map(b.routes.map((r) => [key(r), r]));
    const newRoutes = new Map(a.routes.map((r) => [key(r), r]));
    for (const [k, r] of oldRoutes) {
      if (!newRoutes.has(k)) changes.push({ kind: 'rule-removed', ref, text: `${label(a)}: rule ${k} removed (${r.match} → ${formatSplit(r.split)})` });
    }
    for (const [k, r] of newRoutes) {
      const old = oldRoutes.get(k);
      if (!old) {
        changes.push({ kind: 'rule-added', ref, text: `${label(a)}: new rule ${r.match} → ${r.response ?? formatSplit(r.split)} (position ${r.index + 1})` });
        continue;
      }
      if (old.match !== r.match) changes.push({ kind: 'rule-changed', ref, text: `${label(a)}: rule ${k} now matches ${r.match} (was ${old.match})` });
      const targets = [...new Set([...old.split, ...r.split].map((t) => t.target))];
      for (const t of targets) {
        const from = old.split.find((x) => x.target === t)?.percent ?? 0;
        const to = r.split.find((x) => x.target === t)?.percent ?? 0;
        if (from !== to) changes.push({ kind: 'split', ref, text: `${label(a)}${k === 'default' ? '' : ` (rule ${k})`}: ${t} ${from}% -> ${to}%` });
      }
      if (old.index !== r.index && oldRoutes.size === newRoutes.size) {
        changes.push({ kind: 'rule-changed', ref, text: `${label(a)}: rule ${k} moved from position ${old.index + 1} to ${r.index + 1}` });
      }
    }
  }
  // What head breaks that base did not: routes to subsets or ports that are gone, pods scaled to 0.
  const broken = (objects: readonly K8sObject[]) => analyze(objects).filter((f) => f.severity === Severity.ERROR && ['IST0101', 'CANARY004', 'IST0173', 'GWAPI001'].includes(f.code));
  const known = new Set(broken(base).map((f) => `${f.code} ${f.object.namespace}/${f.object.name} ${f.path}`));
  for (const f of broken(head)) {
    if (known.has(`${f.code} ${f.object.namespace}/${f.object.name} ${f.path}`)) continue;
    const subsetGone = f.code === 'IST0101' && f.path.endsWith('.subset');
    changes.push({
      kind: 'broken',
      ref: `${f.object.namespace}/${f.object.name}`,
      text: subsetGone ? `${f.object.name}: ${f.message.replace(/^subset (\S+) is not defined by/, 'subset $1 removed while still routed; not defined by')}` : `${f.object.name}: ${f.message}`,
    });
  }
  return changes;
}

/** The changes as Markdown for a pull-request comment. */
export function renderDiff(changes: readonly TrafficChange[]): string {
  if (changes.length === 0) return '# Traffic changes\n\nNo traffic changes.\n';
  const broken = changes.filter((c) => c.kind === 'broken');
  const rest = changes.filter((c) => c.kind !== 'broken');
  return ['# Traffic changes', '',
    ...(broken.length ? ['**Breaks traffic:**', '', ...broken.map((c) => `- ⚠️ ${c.text}`), ''] : []),
    ...rest.map((c) => `- ${c.text}`), ''].join('\n');
}
