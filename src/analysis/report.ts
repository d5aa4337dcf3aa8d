/**
 * Traffic in a pull request: a Markdown report of every VirtualService (versions, rules in order, the default split,
 * a Mermaid flowchart), and the traffic changes between two sets of manifests. Plain functions over plain objects;
 * the `istio-canary report` and `diff` commands print them.
 */
import { Severity, analyze } from './analyze';
import { matchesInOrder } from './gateway-api';
import { K8sObject, Manifests, Workload, destinationsOf, formatLabels, namespaceOf, resolveHost, routeShares } from './manifest';

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
  /** The route's request timeout as written (`2s`), when it sets one. */
  readonly timeout?: string;
  /** The route's retries in words (`2 attempts, per try 1s, on 5xx`), when it sets them. */
  readonly retries?: string;
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
      ...gatewayApiTimeouts(x.rule),
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
        ...istioTimeouts(route),
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

/** An Istio http route's `timeout` and `retries`, in words, when it sets them. */
function istioTimeouts(route: any): { timeout?: string; retries?: string } {
  const r = route?.retries;
  return dropEmpty({
    timeout: route?.timeout !== undefined ? String(route.timeout) : undefined,
    retries: r && typeof r === 'object'
      ? retriesInWords(typeof r.attempts === 'number' ? r.attempts : undefined, r.perTryTimeout, r.retryOn) : undefined,
  });
}

/** A Gateway API rule's `timeouts` and `retry`, in words, when it sets them. */
function gatewayApiTimeouts(rule: any): { timeout?: string; retries?: string } {
  const retry = rule?.retry;
  const perTry = rule?.timeouts?.backendRequest;
  return dropEmpty({
    timeout: rule?.timeouts?.request !== undefined ? String(rule.timeouts.request) : undefined,
    retries: retry || perTry !== undefined
      ? retriesInWords(retry ? retry.attempts ?? 2 : undefined, perTry, Array.isArray(retry?.codes) && retry.codes.length > 0 ? retry.codes.join(',') : undefined)
      : undefined,
  });
}

function retriesInWords(attempts: number | undefined, perTry: unknown, on: unknown): string {
  return [
    attempts !== undefined ? `${attempts} attempt${attempts === 1 ? '' : 's'}` : 'attempts unset',
    ...(perTry !== undefined ? [`per try ${String(perTry)}`] : []),
    ...(on !== undefined ? [`on ${String(on)}`] : []),
  ].join(', ');
}

function dropEmpty<T extends object>(obj: T): T {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as T;
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
  const notes = new Manifests(objects).notes;
  if (notes.length > 0) lines.push('Notes on the input:', '', ...notes.map((n) => `- ${n}`), '');
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
      const options = [...(r.timeout !== undefined ? [`timeout ${r.timeout}`] : []), ...(r.retries !== undefined ? [`retries ${r.retries}`] : [])];
      lines.push(`${r.index + 1}. ${r.name ? `\`${r.name}\`: ` : ''}${r.match} → ${r.response ?? formatSplit(r.split)}${options.length > 0 ? ` (${options.join('; ')})` : ''}`);
    }
    lines.push('', '```mermaid', ...flowchart(s), '```', '');
  }
  return lines.join('\n');
}

/**
 * A label as Mermaid's flowchart parser takes it inside `"..."` and renders it as written: `#`, `"`, `<`, `>` and
 * backquotes (a Markdown string, or the end of the fenced block) as entity codes, `%%` (a comment) broken up, no line breaks.
 */
function mermaidText(text: string): string {
  return text
    .replace(/#/g, '#35;')
    .replace(/"/g, '#quot;')
    .replace(/</g, '#lt;')
    .replace(/>/g, '#gt;')
    .replace(/`/g, '#96;')
    .replace(/%(?=%)/g, '#37;')
    .replace(/[\r\n]+/g, ' ');
}

function flowchart(s: VirtualServiceSummary): string[] {
  // Readable node ids; different texts that read alike (`v1.0`, `v1_0`) get a suffix rather than one node.
  const ids = new Map<string, string>();
  const used = new Set<string>();
  const id = (text: string) => {
    let found = ids.get(text);
    if (found === undefined) {
      const base = text.replace(/[^A-Za-z0-9]/g, '_');
      found = base;
      for (let n = 2; used.has(found); n++) found = `${base}_${n}`;
      ids.set(text, found);
      used.add(found);
    }
    return found;
  };
  const hostNode = id(`vs_${s.ref}`);
  const lines = ['flowchart LR'];
  for (const b of s.bindings) lines.push(`  ${id(`in_${b}`)}(("${mermaidText(b)}")) --> ${hostNode}["${s.hosts.map(mermaidText).join('<br/>')}"]`);
  for (const r of s.routes) {
    for (const t of r.split) {
      const label = mermaidText(`${r.match === 'every request' ? '' : `${r.match}: `}${t.percent}%`);
      lines.push(`  ${hostNode} -->|"${label}"| ${id(`to_${s.ref}_${t.target}`)}["${mermaidText(t.target)}"]`);
    }
  }
  return lines;
}

/** One traffic change between two sets of manifests. Every text starts with the namespace of what changed. */
export interface TrafficChange {
  /**
   * What changed:
   * - `split`: a version's share of a route, `shop/reviews: v3 10% -> 40%`;
   * - `rule-added`, `rule-removed`, `rule-changed` (its match, its position);
   * - `virtual-service-added`, `virtual-service-removed`: a VirtualService, HTTPRoute or GRPCRoute;
   * - `binding`: the hosts or the gateways (parentRefs) of a route object;
   * - `route-options`: an http route's `timeout`, `retries`, `fault`, `mirror`, `mirrors`, `mirrorPercentage`, `rewrite`,
   *   `headers`, `corsPolicy`, `redirect`, `directResponse` (VirtualService), or a rule's `timeouts`, `retry`,
   *   `sessionPersistence` and each filter by type (HTTPRoute, GRPCRoute), `shop/reviews (rule default): timeout 5s -> 10s`
   *   (the rule always named);
   * - `traffic-policy`: a DestinationRule's host, or one field of its `trafficPolicy` (`loadBalancer`, `connectionPool`,
   *   `outlierDetection`, `tls`, `portLevelSettings`, ...), whole or of one subset;
   * - `subset`: a subset added, removed, or selecting other labels;
   * - `destination-rule-added`, `destination-rule-removed`;
   * - `image`: a container of a workload gets another image, or is added or removed,
   *   `shop/checkout-v2 (Deployment): image app:2 -> app:3`;
   * - `replicas`: a workload's replicas; `workload-added`, `workload-removed`;
   * - `broken`: what head breaks that base did not (a routed subset removed, a version scaled to 0, ...);
   * - `two-steps`: a change that cannot be applied at once without failed requests, with the two steps to take
   *   instead: a version that took traffic removed in the same change as its routes (route away first, then remove),
   *   or a new version given traffic in the change that adds its pods (add it at 0% first, then shift).
   */
  readonly kind: string;
  /** The object concerned, `<namespace>/<name>`. */
  readonly ref: string;
  /** The change in words, starting with the namespace, e.g. `bookinfo/reviews: v3 10% -> 40%`. */
  readonly text: string;
}

/** Keys in code-unit order, for output that does not depend on the locale. */
function byKey(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Base and head keys together, sorted. */
function unionKeys(a: ReadonlyMap<string, unknown>, b: ReadonlyMap<string, unknown>): string[] {
  return [...new Set([...a.keys(), ...b.keys()])].sort(byKey);
}

/** JSON with object keys sorted, so equal values print and compare equal. */
function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value).sort(byKey).filter((k) => (value as any)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${stableJson((value as any)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** The fields of either object, sorted. */
function fieldsOf(a: object | undefined, b: object | undefined): string[] {
  return [...new Set([...Object.keys(a ?? {}), ...Object.keys(b ?? {})])].sort(byKey);
}

/** A field's value in a change line: `none` when unset, strings as they are, anything else as compact JSON. */
function formatValue(value: unknown): string {
  if (value === undefined || value === null) return 'none';
  return typeof value === 'string' ? value : stableJson(value);
}

/** `<field> <old> -> <new>` lines for each field of `fields` that differs. */
function fieldChanges(before: Readonly<Record<string, unknown>>, after: Readonly<Record<string, unknown>>, fields: readonly string[]): string[] {
  return fields.filter((f) => stableJson(before[f] ?? null) !== stableJson(after[f] ?? null))
    .map((f) => `${f} ${formatValue(before[f])} -> ${formatValue(after[f])}`);
}

/** The fields of a VirtualService http route that change how a request is served, beyond where it goes. */
const ROUTE_OPTIONS = ['timeout', 'retries', 'fault', 'mirror', 'mirrors', 'mirrorPercentage', 'mirrorPercent', 'rewrite', 'headers', 'corsPolicy',
  'redirect', 'directResponse'];

/** The options of a Gateway API rule: its timeouts, retry and session persistence, and each filter by type. */
function gatewayApiRuleOptions(rule: any): Record<string, unknown> {
  const options: Record<string, unknown> = { timeouts: rule.timeouts, retry: rule.retry, sessionPersistence: rule.sessionPersistence };
  const byType = new Map<string, unknown[]>();
  for (const filter of rule.filters ?? []) {
    const { type, ...rest } = filter ?? {};
    const keys = Object.keys(rest);
    byType.set(`filter ${type}`, [...byType.get(`filter ${type}`) ?? [], keys.length === 1 ? rest[keys[0]] : rest]);
  }
  for (const [name, values] of byType) options[name] = values.length === 1 ? values[0] : values;
  return options;
}

/** Per route object (`<kind> <namespace>/<name>`), per rule key (its name, else `#<position>`), its options. */
function routeOptions(objects: readonly K8sObject[]): Map<string, Map<string, Record<string, unknown>>> {
  const m = new Manifests(objects);
  const out = new Map<string, Map<string, Record<string, unknown>>>();
  for (const vs of m.virtualServices) {
    const rules = new Map<string, Record<string, unknown>>();
    (vs.spec?.http ?? []).forEach((route: any, i: number) => rules.set(route?.name ?? `#${i + 1}`, route ?? {}));
    out.set(`VirtualService ${namespaceOf(vs)}/${vs.metadata?.name}`, rules);
  }
  for (const route of m.gatewayApiRoutes) {
    const rules = new Map<string, Record<string, unknown>>();
    (route.spec?.rules ?? []).forEach((rule: any, i: number) => rules.set(rule?.name ?? `#${i + 1}`, gatewayApiRuleOptions(rule ?? {})));
    out.set(`${route.kind} ${namespaceOf(route)}/${route.metadata?.name}`, rules);
  }
  return out;
}

/**
 * The name a route object goes by in change lines: `<namespace>/<host>`, the host short when it is a Service of that
 * namespace (`shop/reviews`), else as written (`shop/reviews.example.com`).
 */
function routeLabel(s: VirtualServiceSummary): string {
  const ns = s.ref.split('/')[0];
  const host = s.hosts[0];
  if (host === undefined) return s.ref;
  const resolved = s.kind === 'VirtualService' ? resolveHost(host, ns) : host;
  const service = /^([^.]+)\.([^.]+)\.svc\.cluster\.local$/.exec(resolved);
  return `${ns}/${service && service[2] === ns ? service[1] : shortHost(resolved)}`;
}

/** Routes, splits, bindings and route options of every VirtualService, HTTPRoute and GRPCRoute. */
function diffRoutes(base: readonly K8sObject[], head: readonly K8sObject[]): TrafficChange[] {
  const index = (objects: readonly K8sObject[]) => new Map(summarize(objects).map((s) => [`${s.kind} ${s.ref}`, s]));
  const before = index(base);
  const after = index(head);
  const optionsBefore = routeOptions(base);
  const optionsAfter = routeOptions(head);
  // Two route objects of one namespace for one host (one for the mesh, one for a gateway) also name themselves.
  const objectsByLabel = new Map<string, Set<string>>();
  for (const [object, s] of [...before, ...after]) objectsByLabel.set(routeLabel(s), new Set([...objectsByLabel.get(routeLabel(s)) ?? [], object]));
  const label = (s: VirtualServiceSummary) => (objectsByLabel.get(routeLabel(s))!.size > 1 ? `${routeLabel(s)} (${s.kind} ${s.ref.split('/')[1]})` : routeLabel(s));
  const changes: TrafficChange[] = [];
  const keys = unionKeys(before, after).sort((x, y) => byKey((after.get(x) ?? before.get(x))!.ref, (after.get(y) ?? before.get(y))!.ref));
  for (const object of keys) {
    const b = before.get(object);
    const a = after.get(object);
    if (!a) {
      changes.push({ kind: 'virtual-service-removed', ref: b!.ref, text: `${label(b!)}: ${object} removed` });
      continue;
    }
    const ref = a.ref;
    const push = (kind: string, text: string) => changes.push({ kind, ref, text });
    if (!b) {
      push('virtual-service-added', `${label(a)}: new ${object} (${a.routes.map((r) => `${r.match} → ${r.response ?? formatSplit(r.split)}`).join('; ')})`);
      continue;
    }
    if (b.hosts.join(', ') !== a.hosts.join(', ')) push('binding', `${label(a)}: hosts ${b.hosts.join(', ') || 'none'} -> ${a.hosts.join(', ') || 'none'}`);
    if (b.bindings.join(', ') !== a.bindings.join(', ')) push('binding', `${label(a)}: bound to ${b.bindings.join(', ')} -> ${a.bindings.join(', ')}`);
    const at = (k: string) => (k === 'default' ? label(a) : `${label(a)} (rule ${k})`);
    const key = (r: RouteSummary) => r.name ?? `#${r.index + 1}`;
    const oldRoutes = new Map(b.routes.map((r) => [key(r), r]));
    const newRoutes = new Map(a.routes.map((r) => [key(r), r]));
    for (const [k, r] of oldRoutes) {
      if (!newRoutes.has(k)) push('rule-removed', `${label(a)}: rule ${k} removed (${r.match} → ${r.response ?? formatSplit(r.split)})`);
    }
    for (const [k, r] of newRoutes) {
      const old = oldRoutes.get(k);
      if (!old) {
        push('rule-added', `${label(a)}: new rule ${r.match} → ${r.response ?? formatSplit(r.split)} (position ${r.index + 1})`);
        continue;
      }
      if (old.match !== r.match) push('rule-changed', `${label(a)}: rule ${k} now matches ${r.match} (was ${old.match})`);
      const targets = [...new Set([...old.split, ...r.split].map((t) => t.target))];
      for (const t of targets) {
        const from = old.split.find((x) => x.target === t)?.percent ?? 0;
        const to = r.split.find((x) => x.target === t)?.percent ?? 0;
        if (from !== to) push('split', `${at(k)}: ${t} ${from}% -> ${to}%`);
      }
      if (old.index !== r.index && oldRoutes.size === newRoutes.size) {
        push('rule-changed', `${label(a)}: rule ${k} moved from position ${old.index + 1} to ${r.index + 1}`);
      }
    }
    // Route options of the rules in both, rules in head's order.
    const oldOptions = optionsBefore.get(object) ?? new Map();
    const newOptions = optionsAfter.get(object) ?? new Map();
    for (const [k, options] of newOptions) {
      const old = oldOptions.get(k);
      if (!old) continue;
      const fields = a.kind === 'VirtualService' ? ROUTE_OPTIONS : fieldsOf(old, options);
      for (const text of fieldChanges(old, options, fields)) push('route-options', `${label(a)} (rule ${k}): ${text}`);
    }
  }
  return changes;
}

/** DestinationRules: host, traffic policy (whole and per subset), subsets. */
function diffDestinationRules(base: readonly K8sObject[], head: readonly K8sObject[]): TrafficChange[] {
  const index = (objects: readonly K8sObject[]) => new Map(new Manifests(objects).destinationRules.map((dr) => [`${namespaceOf(dr)}/${dr.metadata?.name}`, dr]));
  const before = index(base);
  const after = index(head);
  const changes: TrafficChange[] = [];
  const policyChanges = (old: any, now: any) => fieldChanges(old ?? {}, now ?? {}, fieldsOf(old, now));
  for (const ref of unionKeys(before, after)) {
    const b = before.get(ref);
    const a = after.get(ref);
    const label = `${ref} (DestinationRule)`;
    const push = (kind: string, text: string) => changes.push({ kind, ref, text: `${label}: ${text}` });
    if (!a) {
      push('destination-rule-removed', `removed (host ${b!.spec?.host})`);
      continue;
    }
    const subsetsOf = (dr: K8sObject | undefined) => new Map<string, any>((dr?.spec?.subsets ?? []).map((x: any) => [x?.name ?? '', x ?? {}]));
    const oldSubsets = subsetsOf(b);
    const newSubsets = subsetsOf(a);
    if (!b) {
      push('destination-rule-added', `new, host ${a.spec?.host}${newSubsets.size ? `, subsets ${[...newSubsets.keys()].join(', ')}` : ''}`);
    } else if (b.spec?.host !== a.spec?.host) {
      push('traffic-policy', `host ${b.spec?.host} -> ${a.spec?.host}`);
    }
    for (const text of policyChanges(b?.spec?.trafficPolicy, a.spec?.trafficPolicy)) push('traffic-policy', `trafficPolicy.${text}`);
    for (const name of unionKeys(oldSubsets, newSubsets)) {
      const old = oldSubsets.get(name);
      const now = newSubsets.get(name);
      if (!b) {
        for (const text of policyChanges(undefined, now.trafficPolicy)) push('traffic-policy', `subset ${name} trafficPolicy.${text}`);
        continue;
      }
      if (!now) {
        push('subset', `subset ${name} removed (${formatLabels(old.labels)})`);
        continue;
      }
      if (!old) push('subset', `subset ${name} added (${formatLabels(now.labels)})`);
      else if (stableJson(old.labels ?? {}) !== stableJson(now.labels ?? {})) push('subset', `subset ${name} labels ${formatLabels(old.labels)} -> ${formatLabels(now.labels)}`);
      for (const text of policyChanges(old?.trafficPolicy, now.trafficPolicy)) push('traffic-policy', `subset ${name} trafficPolicy.${text}`);
    }
  }
  return changes;
}

/** Workloads: added, removed, replicas, and the image of each container. */
function diffWorkloads(base: readonly K8sObject[], head: readonly K8sObject[]): TrafficChange[] {
  const index = (objects: readonly K8sObject[]) => new Map(new Manifests(objects).workloads.map((w) => [`${w.namespace}/${w.object.metadata?.name} (${w.object.kind})`, w]));
  const before = index(base);
  const after = index(head);
  const changes: TrafficChange[] = [];
  const containersOf = (w: Workload | undefined) => {
    const spec = w?.object.spec?.template?.spec ?? {};
    const list = (field: string, what: string) => (spec[field] ?? []).map((c: any, i: number): [string, any] => [`${what} ${c?.name ?? `#${i + 1}`}`, c ?? {}]);
    return new Map<string, any>([...list('initContainers', 'init container'), ...list('containers', 'container')]);
  };
  const replicas = (w: Workload) => (w.object.kind === 'DaemonSet' ? 'one per node' : w.replicas === undefined ? 'unset (1)' : String(w.replicas));
  for (const key of unionKeys(before, after)) {
    const b = before.get(key);
    const a = after.get(key);
    const ref = key.replace(/ \(.*\)$/, '');
    const push = (kind: string, text: string) => changes.push({ kind, ref, text: `${key}: ${text}` });
    if (!a) {
      push('workload-removed', 'removed');
      continue;
    }
    const newContainers = containersOf(a);
    const images = () => [...newContainers.values()].map((c) => c.image).filter(Boolean).join(', ') || 'none';
    if (!b) {
      push('workload-added', `new, replicas ${replicas(a)}, image ${images()}`);
      continue;
    }
    if (replicas(b) !== replicas(a)) push('replicas', `replicas ${replicas(b)} -> ${replicas(a)}`);
    const oldContainers = containersOf(b);
    // One container on both sides, under one name: `image a -> b`; else each container by name.
    const single = oldContainers.size === 1 && newContainers.size === 1 && oldContainers.has([...newContainers.keys()][0]);
    for (const name of [...new Set([...oldContainers.keys(), ...newContainers.keys()])]) {
      const old = oldContainers.get(name);
      const now = newContainers.get(name);
      if (!now) push('image', `${name} removed (image ${formatValue(old.image)})`);
      else if (!old) push('image', `${name} added (image ${formatValue(now.image)})`);
      else if (old.image !== now.image) push('image', `${single ? '' : `${name} `}image ${formatValue(old.image)} -> ${formatValue(now.image)}`);
    }
  }
  return changes;
}

/**
 * The changes from `base` to `head`, in a fixed order: route objects (VirtualServices, HTTPRoutes, GRPCRoutes), then
 * DestinationRules, then workloads, each by namespace and name; then what head breaks that base did not.
 */
export function diffTraffic(base: readonly K8sObject[], head: readonly K8sObject[]): TrafficChange[] {
  const changes: TrafficChange[] = [...diffRoutes(base, head), ...diffDestinationRules(base, head), ...diffWorkloads(base, head)];
  // What head breaks that base did not: routes to subsets or ports that are gone, pods scaled to 0.
  const broken = (objects: readonly K8sObject[]) => analyze(objects).filter((f) => f.severity === Severity.ERROR && ['IST0101', 'CANARY004', 'IST0173', 'GWAPI001'].includes(f.code));
  const known = new Set(broken(base).map((f) => `${f.code} ${f.object.namespace}/${f.object.name} ${f.path}`));
  const breaks: TrafficChange[] = [];
  for (const f of broken(head)) {
    if (known.has(`${f.code} ${f.object.namespace}/${f.object.name} ${f.path}`)) continue;
    const ref = `${f.object.namespace}/${f.object.name}`;
    const subsetGone = f.code === 'IST0101' && f.path.endsWith('.subset');
    breaks.push({
      kind: 'broken',
      ref,
      text: subsetGone ? `${ref}: ${f.message.replace(/^subset (\S+) is not defined by/, 'subset $1 removed while still routed; not defined by')}` : `${ref}: ${f.message}`,
    });
  }
  // Array.prototype.sort is stable: one object's findings keep the analysis' order.
  return [...changes, ...breaks.sort((x, y) => byKey(x.ref, y.ref)), ...twoSteps(base, head)];
}

/** A destination a route sends requests to: a host, and a subset of it. */
interface RoutedTarget {
  readonly host: string;
  readonly subset?: string;
}

/** Every destination some route (VirtualService, HTTPRoute, GRPCRoute) sends a share of its requests to, by `host|subset`. */
function routedTargets(m: Manifests): Map<string, RoutedTarget> {
  const out = new Map<string, RoutedTarget>();
  const add = (host: string, subset: string | undefined) => out.set(`${host}|${subset ?? ''}`, { host, subset });
  for (const vs of m.virtualServices) {
    const ns = namespaceOf(vs);
    for (const route of [...(vs.spec?.http ?? []), ...(vs.spec?.tcp ?? []), ...(vs.spec?.tls ?? [])]) {
      for (const d of routeShares(route ?? {})) {
        if (d.share > 0 && typeof d.destination?.host === 'string') add(resolveHost(d.destination.host, ns), d.destination.subset);
      }
    }
  }
  for (const x of matchesInOrder(m.gatewayApiRoutes)) {
    for (const d of routeShares(x.http)) if (d.share > 0 && typeof d.destination?.host === 'string') add(d.destination.host, undefined);
  }
  return out;
}

/**
 * What a destination needs to be served, and which of it is missing: its Service, its subset in a DestinationRule,
 * pods (a workload with replicas) it selects. Hosts that are no Service here (ServiceEntries, other files) are served
 * as far as these manifests can tell.
 */
function missingFor(m: Manifests, target: RoutedTarget, subsetLabels?: Readonly<Record<string, string>>): string[] {
  const service = m.services.get(target.host);
  if (!service) return m.hostKnown(target.host) ? [] : ['its Service'];
  const missing: string[] = [];
  let labels = subsetLabels;
  if (target.subset !== undefined) {
    const subset = subsetOf(m, target);
    if (!subset) missing.push(`subset ${target.subset}`);
    labels = subset?.labels ?? labels;
    // Without the subset's labels (here or on the other side) its pods cannot be told apart.
    if (labels === undefined) return missing;
  }
  const workloads = m.workloadsSelecting(namespaceOf(service), { ...service.spec?.selector, ...labels }).filter((w) => w.replicas !== 0);
  if (workloads.length === 0) missing.push('its pods');
  return missing;
}

/** The subset a target names, in the DestinationRules of its host. */
function subsetOf(m: Manifests, target: RoutedTarget): any {
  return m.destinationRulesFor(target.host).flatMap((dr) => dr.spec?.subsets ?? []).find((x: any) => x?.name === target.subset);
}

/** `shop/reviews version v1` for a subset, `shop/reviews-v1` for a host of its own. */
function targetLabel(target: RoutedTarget): string {
  const service = /^([^.]+)\.([^.]+)\.svc\.cluster\.local$/.exec(target.host);
  const name = service ? `${service[2]}/${service[1]}` : target.host;
  return target.subset !== undefined ? `${name} version ${target.subset}` : name;
}

/**
 * Changes that fail requests unless applied in two steps, whatever the applier's order: a destination that took
 * traffic in base and is gone in head together with its routes (the routes may go last, the subset or pods first:
 * 503 NC / UH), and a destination that gets traffic in the change that creates it (its pods are not ready when the
 * route arrives: 503 UH, and 503 NC when the route lands before the subset).
 */
function twoSteps(base: readonly K8sObject[], head: readonly K8sObject[]): TrafficChange[] {
  const before = new Manifests(base);
  const after = new Manifests(head);
  const routedBefore = routedTargets(before);
  const routedAfter = routedTargets(after);
  const out: TrafficChange[] = [];
  for (const [key, target] of [...routedBefore].sort(([a], [b]) => byKey(a, b))) {
    if (routedAfter.has(key) || missingFor(before, target).length > 0) continue;
    const gone = missingFor(after, target, subsetOf(before, target)?.labels);
    if (gone.length === 0) continue;
    const label = targetLabel(target);
    const name = target.subset ?? label;
    out.push({
      kind: 'two-steps',
      ref: label.replace(/ version .*$/, ''),
      text: `${label}: removed (${gone.join(', ')}) in the same change as the routes that send it traffic; an applier that removes `
        + 'it before the routes change (Argo CD and Flux prune, kubectl applies the DestinationRule before the VirtualService) fails those requests (503 NC / UH). '
        + `Apply in two steps: first shift traffic away from ${name} (weights, rules; keep it as a draining version), then remove ${name}`,
    });
  }
  for (const [key, target] of [...routedAfter].sort(([a], [b]) => byKey(a, b))) {
    if (routedBefore.has(key) || missingFor(after, target).length > 0) continue;
    const missing = missingFor(before, target, subsetOf(after, target)?.labels);
    if (missing.length === 0) continue;
    const label = targetLabel(target);
    const name = target.subset ?? label;
    out.push({
      kind: 'two-steps',
      ref: label.replace(/ version .*$/, ''),
      text: `${label}: gets traffic in the same change that adds ${missing.join(' and ')}; applied in file order (kubectl apply -f) the route `
        + 'comes last, but the new pods are not ready yet (503 UH until they are), and an applier that orders by kind (Argo CD) may apply the route before the subset (503 NC). '
        + `Apply in two steps: first add ${name} at 0%, then shift traffic to it once its pods are ready`,
    });
  }
  return out;
}

/** The changes as Markdown for a pull-request comment: what breaks traffic first. */
export function renderDiff(changes: readonly TrafficChange[]): string {
  if (changes.length === 0) return '# Traffic changes\n\nNo traffic changes.\n';
  const broken = changes.filter((c) => c.kind === 'broken');
  const twoStep = changes.filter((c) => c.kind === 'two-steps');
  const rest = changes.filter((c) => c.kind !== 'broken' && c.kind !== 'two-steps');
  return ['# Traffic changes', '',
    ...(broken.length ? ['**Breaks traffic:**', '', ...broken.map((c) => `- ⚠️ ${c.text}`), ''] : []),
    ...(twoStep.length ? ['**Two steps needed** (this change cannot be applied at once without failed requests):', '',
      ...twoStep.map((c) => `- ⚠️ ${c.text}`), ''] : []),
    ...rest.map((c) => `- ${c.text}`), ''].join('\n');
}
