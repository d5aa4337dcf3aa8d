/**
 * Requests that exercise every rule and split of a set of manifests: for each VirtualService and HTTPRoute, in each
 * place it binds (the mesh or a gateway), one request per host without conditions and one per match of each rule.
 * Read from plain objects, so any manifests (ours or hand-written) get their requests.
 */
import { VerifyRequest } from './verify-tool';
import { K8sObject } from '../src/analysis';

const nsOf = (o: K8sObject, fallback = 'default'): string => o.metadata?.namespace ?? fallback;

/** A value a string match accepts, or undefined for a regex we cannot invert. */
function valueFor(m: any): string | undefined {
  if (m === undefined || m === null) return undefined;
  if (m.exact !== undefined) return String(m.exact);
  if (m.prefix !== undefined) return `${m.prefix}x`;
  // A sticky canary's cookie rule, `(.*; ?)?<name>=<version>(;.*)?`: the cookie between two others.
  const cookie = m.regex !== undefined ? /^\(\.\*; \?\)\?([\w-]+=[\w-]+)\(;\.\*\)\?$/.exec(m.regex) : null;
  if (cookie) return `a=1; ${cookie[1]}; b=2`;
  if (m.regex !== undefined) return /^[\w\-./]*$/.test(m.regex) ? m.regex : undefined;
  return undefined;
}

/** The request conditions of an Istio HTTPMatchRequest. */
function fromIstioMatch(match: any): Partial<VerifyRequest> {
  const headers: Record<string, string> = {};
  for (const [name, m] of Object.entries<any>(match.headers ?? {})) {
    const v = valueFor(m);
    if (v !== undefined) headers[name.toLowerCase()] = v;
  }
  let path = valueFor(match.uri) ?? '/';
  if (!path.startsWith('/')) path = '/';
  const query = Object.entries<any>(match.queryParams ?? {}).map(([k, m]) => [k, valueFor(m)]).filter(([, v]) => v !== undefined);
  if (query.length > 0) path += `?${query.map(([k, v]) => `${k}=${v}`).join('&')}`;
  const method = valueFor(match.method);
  return { path, headers, ...(method ? { method } : {}), ...(match.port ? { port: match.port } : {}) };
}

/** The request conditions of a Gateway API HTTPRouteMatch. */
function fromGatewayApiMatch(match: any): Partial<VerifyRequest> {
  const headers: Record<string, string> = {};
  for (const h of match.headers ?? []) {
    const v = (h.type ?? 'Exact') === 'Exact' ? h.value : valueFor({ regex: h.value });
    if (v !== undefined) headers[h.name.toLowerCase()] = v;
  }
  let path = '/';
  if (match.path && (match.path.type ?? 'PathPrefix') !== 'RegularExpression') path = match.path.value;
  const query = (match.queryParams ?? []).filter((q: any) => (q.type ?? 'Exact') === 'Exact');
  if (query.length > 0) path += `?${query.map((q: any) => `${q.name}=${q.value}`).join('&')}`;
  return { path, headers, ...(match.method ? { method: match.method } : {}) };
}

/** A concrete host for a (possibly wildcard) host. */
function concrete(host: string): string | undefined {
  if (host === '*') return undefined;
  return host.startsWith('*.') ? `x${host.slice(1)}` : host;
}

/** Requests for every rule of every route object in `objects`. */
export function requestsFor(objects: readonly K8sObject[]): VerifyRequest[] {
  const out: VerifyRequest[] = [];
  const services = objects.filter((o) => o.kind === 'Service');
  const servicePort = (host: string, ns: string): number | undefined => {
    const [name, svcNs] = host.split('.');
    const svc = services.find((s) => s.metadata?.name === name && nsOf(s) === (svcNs ?? ns));
    const ports: any[] = svc?.spec?.ports ?? [];
    const http = ports.find((p) => /^(http|grpc)/.test(p.name ?? '') || p.appProtocol === 'http');
    return (http ?? ports[0])?.port;
  };
  const istioGateways = objects.filter((o) => o.kind === 'Gateway' && o.apiVersion?.startsWith('networking.istio.io'));
  const gatewayPort = (gw: string, host: string): number | undefined => {
    const g = istioGateways.find((o) => `${nsOf(o)}/${o.metadata?.name}` === gw);
    if (!g) return undefined;
    const plain = (g.spec?.servers ?? []).filter((s: any) => !s.tls || s.tls.httpsRedirect);
    const fits = (h: string) => { const bare = h.includes('/') ? h.split('/')[1] : h; return bare === '*' || bare === host || (bare.startsWith('*.') && host.endsWith(bare.slice(1))); };
    return plain.find((s: any) => (s.hosts ?? []).some(fits))?.port?.number;
  };

  const entries = objects.filter((o) => o.kind === 'ServiceEntry');
  const entryPort = (host: string): number | undefined => {
    const se = entries.find((o) => (o.spec?.hosts ?? []).includes(host));
    return (se?.spec?.ports ?? []).find((p: any) => /^HTTP/i.test(p.protocol ?? ''))?.number;
  };
  // TCP and TLS routes are not explained; HTTP routes are.
  for (const vs of objects.filter((o) => o.kind === 'VirtualService' && (o.spec?.http ?? []).length > 0)) {
    const ns = nsOf(vs);
    for (const g of vs.spec?.gateways ?? ['mesh']) {
      const gateway = g === 'mesh' ? undefined : g.includes('/') ? g : `${ns}/${g}`;
      for (const h of vs.spec?.hosts ?? []) {
        const host = concrete(h);
        if (!host) continue;
        const port = gateway ? gatewayPort(gateway, host) : servicePort(host, ns) ?? entryPort(host);
        if (gateway && port === undefined) continue; // served over TLS only: the tool sends plaintext
        const base: VerifyRequest = gateway ? { host, port, gateway } : { host, port, from: { namespace: ns } };
        out.push({ ...base, name: `${vs.metadata?.name} ${g} ${host}` });
        for (const [i, rule] of (vs.spec?.http ?? []).entries()) {
          for (const match of rule.match ?? []) {
            if (match.gateways && !match.gateways.includes(g)) continue;
            const labels = match.sourceLabels;
            const conditions = fromIstioMatch(match);
            out.push({
              ...base,
              ...conditions,
              ...(!gateway && labels ? { from: { namespace: match.sourceNamespace ?? ns, labels } } : {}),
              name: `${vs.metadata?.name} ${g} ${host} rule ${i + 1}`,
            });
          }
        }
      }
    }
  }

  for (const route of objects.filter((o) => o.kind === 'HTTPRoute')) {
    const ns = nsOf(route);
    for (const parent of route.spec?.parentRefs ?? []) {
      const parentNs = parent.namespace ?? ns;
      let base: VerifyRequest;
      if (parent.kind === 'Service') {
        const host = `${parent.name}.${parentNs}`;
        base = { host, port: parent.port ?? servicePort(host, parentNs), from: { namespace: ns } };
        out.push({ ...base, name: `${route.metadata?.name} ${host}` });
      } else {
        const gw = objects.find((o) => o.kind === 'Gateway' && o.apiVersion?.startsWith('gateway.networking.k8s.io')
          && o.metadata?.name === parent.name && nsOf(o) === parentNs);
        const listeners: any[] = (gw?.spec?.listeners ?? []).filter((l: any) => l.protocol === 'HTTP' && (!parent.sectionName || l.name === parent.sectionName));
        const host = concrete(route.spec?.hostnames?.[0] ?? listeners[0]?.hostname ?? 'example.com');
        if (!host || listeners.length === 0) continue;
        base = { host, port: listeners[0].port, gateway: `${parentNs}/${parent.name}` };
        out.push({ ...base, name: `${route.metadata?.name} ${base.gateway} ${host}` });
      }
      for (const [i, rule] of (route.spec?.rules ?? []).entries()) {
        for (const match of rule.matches ?? []) {
          out.push({ ...base, ...fromGatewayApiMatch(match), name: `${route.metadata?.name} rule ${i + 1}` });
        }
      }
    }
  }
  return out;
}
