/**
 * The Gateway API conformance cases (issue 25, item 2): the requests and expectations of the Gateway API v1.5.1
 * conformance tests (conformance/tests/*.go and tests/mesh/*.go upstream; transcribed with their Go test names and
 * source lines in test/fixtures/gateway-api-conformance.json) asked of `explain` over the YAML those tests apply,
 * read from shared/upstream/gateway-api-1.5.1. Each case compares what explain says with what the conformance test
 * expects: status (404 for no route, 500 for an invalid backendRef, 3xx for a redirect), backend and namespace, weights,
 * redirect location (scheme, host, port, path), the path and host the backend sees, request and response headers, and
 * mirrors. The test prints the agreement per conformance test and asserts the overall figure.
 *
 * Left out: ListenerSet (ListenerSetAllowedRoutesNamespaces, ListenerSetHTTPRouting), which Istio 1.30 does not
 * support; HTTPRouteHTTPSListenerDetectMisdirectedRequests (a 421 decided by the TLS SNI, not by the manifests'
 * routing) and MeshFrontend's request to a pod IP are not transcribed.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { TrafficExplanation, explain, formatExplanation } from '../src/analysis';

const UPSTREAM = path.join(__dirname, '..', '..', 'shared', 'upstream', 'gateway-api-1.5.1', 'conformance');
const available = fs.existsSync(UPSTREAM);
if (!available && process.env.CI) throw new Error(`conformance manifests not found at ${UPSTREAM}: CI must run with ../shared beside the repository`);

/** Istio 1.30 does not support ListenerSet: its cases are left out of the measure. */
const EXCLUDED: Record<string, string> = {
  ListenerSetAllowedRoutesNamespaces: 'ListenerSet (experimental) is not supported by Istio 1.30',
  ListenerSetHTTPRouting: 'ListenerSet (experimental) is not supported by Istio 1.30',
};

/**
 * The overall agreement explain must reach over the routing cases (a share of them): the issue asks for 95%, explain
 * agrees with all of them, so any disagreement is a regression and fails with its case listed.
 */
const TARGET = 1;

/** The address a conformance client sends to when a case names no host (the Gateway's, or the Service's in the mesh). */
const GATEWAY_ADDRESS = '192.0.2.10';

interface ConformanceCase {
  readonly source: string;
  /** Why the case is left out of the measure, when it is. */
  readonly excluded?: string;
  /** Objects the Go test deletes before this request (e.g. a ReferenceGrant). */
  readonly deleteObjects?: Array<{ kind: string; namespace: string; name: string }>;
  readonly name?: string;
  readonly gateway?: string;
  readonly from?: string;
  readonly request: {
    readonly host: string;
    readonly path: string;
    readonly method: string;
    readonly headers: Record<string, string>;
    readonly port?: number;
    readonly grpc?: boolean;
    readonly backendResponseHeaders?: Record<string, string>;
  };
  readonly expect: {
    readonly status?: number | number[];
    readonly grpcStatus?: string;
    readonly backend?: string;
    readonly namespace?: string;
    readonly weights?: Record<string, number>;
    readonly path?: string;
    readonly host?: string;
    readonly requestHeaders?: Record<string, string>;
    readonly absentRequestHeaders?: string[];
    readonly responseHeaders?: Record<string, string>;
    readonly absentResponseHeaders?: string[];
    readonly redirect?: { scheme?: string; host?: string; port?: string; path?: string };
    readonly mirrors?: Array<{ backend: string; namespace: string; percent?: number }>;
    readonly perBackendRequestHeader?: string;
  };
}

interface ConformanceTest {
  readonly test: string;
  readonly manifests: string[];
  readonly cases: ConformanceCase[];
}

const FIXTURE: { tests: ConformanceTest[] } = JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'gateway-api-conformance.json'), 'utf8'));

function load(file: string): any[] {
  return parseAllDocuments(fs.readFileSync(path.join(UPSTREAM, file), 'utf8')).map((d) => d.toJS()).filter((o) => o && typeof o === 'object');
}

/** The objects a conformance test runs with: the base manifests (Gateway or mesh) and the test's own. */
function objectsOf(t: ConformanceTest, mesh: boolean): any[] {
  return [...load(mesh ? 'mesh/manifests.yaml' : 'base/manifests.yaml'), ...t.manifests.flatMap((m) => load(m))];
}

/** `host[:port]` split; the port is the mesh destination's (a gateway's port is the case's own). */
function hostAndPort(host: string): [string, number | undefined] {
  const m = /^(.*):(\d+)$/.exec(host);
  return m ? [m[1], Number(m[2])] : [host, undefined];
}

function ask(all: any[], c: ConformanceCase): TrafficExplanation {
  const [host, hostPort] = hostAndPort(c.request.host);
  const deleted = (o: any) => (c.deleteObjects ?? [])
    .some((d) => o.kind === d.kind && o.metadata?.namespace === d.namespace && o.metadata?.name === d.name);
  const objects = all.filter((o) => !deleted(o));
  return explain(objects, {
    host: host || (c.from ? 'echo' : GATEWAY_ADDRESS),
    path: c.request.path || '/',
    method: c.request.method,
    headers: c.request.headers,
    port: c.gateway ? c.request.port ?? 80 : hostPort ?? 80,
    gateway: c.gateway,
    from: c.from ? { namespace: c.from } : undefined,
  });
}

/** The HTTP status a client would see. */
function statusOf(e: TrafficExplanation): number | undefined {
  if (e.outcome === 'routed') return 200;
  if (e.outcome === 'redirect') return e.redirect?.statusCode ?? Number(/^(\d{3})/.exec(e.response ?? '')?.[1]);
  const m = /^(\d{3})/.exec(e.outcome);
  return m ? Number(m[1]) : undefined;
}

/** Response headers after the route's modifier applied to what the backend set. */
function responseHeaders(e: TrafficExplanation, backend: Record<string, string>): Record<string, string> {
  const out = { ...backend };
  const mod = e.responseHeaders;
  for (const [k, v] of Object.entries(mod?.set ?? {})) out[k.toLowerCase()] = v;
  for (const [k, v] of Object.entries(mod?.add ?? {})) out[k.toLowerCase()] = out[k.toLowerCase()] === undefined ? v : `${out[k.toLowerCase()]},${v}`;
  for (const k of mod?.remove ?? []) delete out[k.toLowerCase()];
  return out;
}

/** Where explain and the conformance test disagree, in words (none when they agree). */
function disagreements(c: ConformanceCase, e: TrafficExplanation): string[] {
  const out: string[] = [];
  const x = c.expect;
  // The mesh client (tests/mesh) checks the status, the backend and the headers; not the path, host, namespace or redirect location.
  const mesh = c.from !== undefined;
  const want = x.grpcStatus === 'Unimplemented' ? [404] : x.status === undefined ? [200] : ([] as number[]).concat(x.status);
  const status = statusOf(e);
  if (status === undefined || !want.includes(status)) return [`status ${status ?? e.outcome}, expected ${want.join(' or ')}`];
  if (status === 200) {
    const reached = e.destinations.filter((d) => d.probability > 0);
    // The conformance tests check the pod that answers (its name starts with the backend's): the workloads serving it.
    const names = reached.flatMap((d) => (d.workloads.length > 0 ? d.workloads.map((w) => w.name) : [d.host.split('.')[0]]));
    const namespaces = reached.map((d) => d.host.split('.')[1]);
    if (x.backend && (names.length === 0 || names.some((n) => !n.startsWith(x.backend!)))) out.push(`backend ${names.join(', ')}, expected ${x.backend}`);
    if (!mesh && x.namespace && namespaces.some((n) => n !== x.namespace)) out.push(`namespace ${namespaces.join(', ')}, expected ${x.namespace}`);
    if (x.weights) {
      for (const [name, share] of Object.entries(x.weights)) {
        const got = reached.filter((d) => d.workloads.some((w) => w.name === name) || d.host.split('.')[0] === name).reduce((s, d) => s + d.probability, 0);
        if (Math.abs(got - share) > 0.01) out.push(`${name} gets ${got}, expected ${share}`);
      }
    }
    if (!c.request.grpc && !mesh) {
      const pathSeen = e.rewrittenPath ?? c.request.path;
      const wantPath = x.path ?? c.request.path;
      if (pathSeen !== wantPath) out.push(`backend sees path ${pathSeen}, expected ${wantPath}`);
      if (x.host && (e.rewrittenHost ?? hostAndPort(c.request.host)[0]) !== x.host) out.push(`backend sees host ${e.rewrittenHost}, expected ${x.host}`);
    }
    const only = reached.length === 1 ? reached[0] : undefined;
    const forwarded = only?.requestHeaders ?? e.requestHeaders ?? c.request.headers;
    for (const [k, v] of Object.entries(x.requestHeaders ?? {})) {
      if (forwarded[k] !== v) out.push(`request header ${k}: ${forwarded[k]}, expected ${v}`);
    }
    for (const k of x.absentRequestHeaders ?? []) if (forwarded[k] !== undefined) out.push(`request header ${k} still sent`);
    if (x.perBackendRequestHeader) {
      for (const d of reached) {
        const v = (d.requestHeaders ?? {})[x.perBackendRequestHeader];
        if (v !== d.host.split('.')[0]) out.push(`${d.host} gets ${x.perBackendRequestHeader}: ${v}`);
      }
    }
    if (x.responseHeaders || x.absentResponseHeaders) {
      const seen = responseHeaders(e, c.request.backendResponseHeaders ?? {});
      for (const [k, v] of Object.entries(x.responseHeaders ?? {})) if (seen[k] !== v) out.push(`response header ${k}: ${seen[k]}, expected ${v}`);
      for (const k of x.absentResponseHeaders ?? []) if (seen[k] !== undefined) out.push(`response header ${k} still returned`);
    }
    if (!x.mirrors) return out;
    const mirrors = (e.mirrors ?? []).map((m) => `${m.host.split('.').slice(0, 2).join('/')}${m.percent !== undefined && m.percent !== 100 ? ` ${m.percent}%` : ''}`).sort();
    const wantMirrors = (x.mirrors ?? []).map((m) => `${m.backend}/${m.namespace}${m.percent !== undefined && m.percent !== 100 ? ` ${m.percent}%` : ''}`).sort();
    if (mirrors.join(', ') !== wantMirrors.join(', ')) out.push(`mirrors [${mirrors.join(', ')}], expected [${wantMirrors.join(', ')}]`);
  } else if (status >= 300 && status < 400 && x.redirect && !mesh) {
    const r = e.redirect;
    if (!r) return ['no redirect location'];
    const requestScheme = c.request.port === 443 ? 'https' : 'http';
    const scheme = x.redirect.scheme ?? requestScheme;
    if (r.scheme !== scheme) out.push(`redirect scheme ${r.scheme}, expected ${scheme}`);
    if (x.redirect.host !== undefined && r.host !== x.redirect.host) out.push(`redirect host ${r.host}, expected ${x.redirect.host}`);
    const wellKnown = r.scheme === 'https' ? 443 : 80;
    if (x.redirect.port !== undefined ? String(r.port) !== x.redirect.port : r.port !== undefined && r.port !== wellKnown) {
      out.push(`redirect port ${r.port}, expected ${x.redirect.port ?? 'none or the scheme\'s'}`);
    }
    const wantPath = x.redirect.path ?? c.request.path.split('?')[0];
    if (r.path !== wantPath) out.push(`redirect path ${r.path}, expected ${wantPath}`);
  }
  return out;
}

const withUpstream = available ? test : test.skip;

describe('Gateway API v1.5.1 conformance cases through explain', () => {
  withUpstream('explain agrees with the conformance expectations', () => {
    let agreed = 0;
    let total = 0;
    const lines: string[] = [];
    const failures: string[] = [];
    for (const t of FIXTURE.tests) {
      if (EXCLUDED[t.test]) {
        lines.push(`${t.test}: ${t.cases.length} cases left out (${EXCLUDED[t.test]})`);
        continue;
      }
      const mesh = t.cases.some((c) => c.from !== undefined);
      const objects = objectsOf(t, mesh);
      let ok = 0;
      const measured = t.cases.filter((c) => !c.excluded);
      for (const c of t.cases.filter((x) => x.excluded)) lines.push(`${t.test} ${c.source} ${c.request.path}: left out (${c.excluded})`);
      for (const c of measured) {
        const e = ask(objects, c);
        const wrong = disagreements(c, e);
        if (wrong.length === 0) {
          ok++;
        } else {
          failures.push(`${t.test} ${c.source} ${c.request.method} ${c.request.host}${c.request.path}: ${wrong.join('; ')}\n${formatExplanation(e)}`);
        }
      }
      agreed += ok;
      total += measured.length;
      lines.push(`${t.test}: ${ok}/${measured.length}`);
    }
    const share = agreed / total;
    // eslint-disable-next-line no-console
    console.log(`explain agrees with ${agreed} of ${total} conformance routing cases (${(share * 100).toFixed(1)}%)\n${lines.join('\n')}`
      + (failures.length ? `\n\ndisagreements:\n${failures.join('\n\n')}` : ''));
    expect(total).toBeGreaterThan(300);
    expect(share).toBeGreaterThanOrEqual(TARGET);
  });

  withUpstream('formatExplanation says what explain modeled: redirect location, rewrites, headers sent, response headers, mirrors', () => {
    let checked = 0;
    for (const t of FIXTURE.tests.filter((x) => !EXCLUDED[x.test])) {
      const mesh = t.cases.some((c) => c.from !== undefined);
      const objects = objectsOf(t, mesh);
      for (const c of t.cases.filter((x) => !x.excluded && !x.from)) {
        const text = formatExplanation(ask(objects, c));
        const x = c.expect;
        if (x.redirect?.host) expect(text).toMatch(new RegExp(`redirect: \\d{3}, location https?://${x.redirect.host.replace(/\./g, '\\.')}`));
        if (x.redirect?.path) expect(text).toContain(`${x.redirect.path}`);
        if (x.path && x.path !== c.request.path) expect(text).toContain(`rewritten path: ${x.path}`);
        if (x.host) expect(text).toContain(`rewritten host: ${x.host}`);
        for (const [k, v] of Object.entries(x.requestHeaders ?? {})) expect(text).toContain(`${k}: ${v}`);
        for (const mirror of x.mirrors ?? []) expect(text).toContain(`copied to ${mirror.backend}.${mirror.namespace}.svc.cluster.local`);
        if (x.responseHeaders) expect(text).toMatch(/response headers: (set|add|remove) /);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(200);
  });
});

describe('the same outputs for an Istio VirtualService', () => {
  const service = (name: string) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'shop' }, spec: { selector: { app: name }, ports: [{ port: 80 }] } });
  const deployment = (name: string) => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'shop' },
    spec: { replicas: 1, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name, image: `${name}:1` }] } } },
  });
  const objects = [service('web'), deployment('web'), service('shadow'), deployment('shadow'), {
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name: 'web', namespace: 'shop' },
    spec: {
      hosts: ['web'],
      http: [
        { match: [{ uri: { prefix: '/old' } }], redirect: { uri: '/new', authority: 'example.org', redirectCode: 308, scheme: 'https' } },
        {
          match: [{ uri: { prefix: '/api/' } }],
          rewrite: { uri: '/v2/', authority: 'api.internal' },
          headers: { request: { set: { 'X-Stage': 'canary' }, remove: ['X-Debug'] }, response: { add: { 'X-Served-By': 'web' } } },
          mirror: { host: 'shadow' },
          mirrorPercentage: { value: 25 },
          route: [{ destination: { host: 'web' } }],
        },
      ],
    },
  }];

  test('a redirect gives its location', () => {
    const e = explain(objects, { host: 'web', path: '/old', from: { namespace: 'shop' } });
    expect(e.redirect).toEqual({ statusCode: 308, scheme: 'https', host: 'example.org', port: undefined, path: '/new' });
    expect(formatExplanation(e)).toContain('redirect: 308, location https://example.org/new');
  });

  test('rewrite, header operations and mirror are reported', () => {
    const e = explain(objects, { host: 'web', path: '/api/items?x=1', headers: { 'x-debug': '1', 'accept': 'json' }, from: { namespace: 'shop' } });
    expect(e.rewrittenPath).toBe('/v2/items?x=1');
    expect(e.rewrittenHost).toBe('api.internal');
    expect(e.requestHeaders).toEqual({ 'accept': 'json', 'x-stage': 'canary' });
    expect(e.responseHeaders).toEqual({ set: {}, add: { 'x-served-by': 'web' }, remove: [] });
    expect(e.mirrors).toEqual([{ host: 'shadow.shop.svc.cluster.local', port: undefined, percent: 25 }]);
    const text = formatExplanation(e);
    expect(text).toContain('rewritten path: /v2/items?x=1');
    expect(text).toContain('mirror: 25% copied to shadow.shop.svc.cluster.local');
    expect(text).toContain('response headers: add x-served-by: web');
  });
});
