/**
 * The whole public API under random programs: a mechanism, not a list of cases.
 *
 * A program is a random sequence of what users write: constructs created in one or two charts of an App (every
 * construct of the package), their mutators called (addRoute, routeHeader, shiftWeights, exposeVia, addLane, include,
 * a gateway's addRoute), with values built by the factories (Match, RolloutStep, AnalysisTemplate, Metric, Webhook,
 * Source, LoadBalancer, Probe, DeploymentStrategy, PodCount, and cdk8s' Duration). The values are mostly valid, with edge cases mixed in (names that
 * overflow 63 characters once suffixed, duplicates, Unicode, boundary numbers), and a program may carry mutations
 * that put untyped JavaScript values anywhere in its arguments (null, undefined, NaN, Infinity, huge and negative
 * numbers, strings for numbers, objects for lists, an element twice, a factory's product where another is expected).
 *
 * The property: every program either
 *   (a) throws an Error in our format (expectOurError's rule in robustness.test.ts: never a TypeError or RangeError,
 *       never "undefined" or "[object Object]", no "NaN" or "Infinity" unless the program wrote one) and writes
 *       nothing to the App's outdir, or
 *   (b) synthesizes objects that pass the pinned CRD schemas (CrdSchemas), no two of which are one object to the API
 *       server with different contents; and, collected across all runs and checked once at the end, objects that the
 *       verification tool's `validate` (the API server's and istiod's admission code) admits with neither problem nor
 *       warning.
 * Some programs catch the refusals of mutator calls and go on (a refused call must leave the construct usable).
 *
 * A failure prints the program as TypeScript, after fast-check's shrinking and a minimizer that leaves out ops,
 * arguments, properties and list elements while the failure keeps its class (verify failures are minimized the same
 * way, with one verify call for all candidates of a round). FC_RUNS sets the runs (1000 by default, as CI runs it);
 * FC_SEED replays a seed, which every failure prints.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Chart, Duration } from 'cdk8s';
import * as fc from 'fast-check';
import { parseAllDocuments } from 'yaml';
import {
  AnalysisTemplate, CanaryService, ClientTlsMode, DefaultRoute, DeploymentStrategy, ExternalProtocol, ExternalService, GatewaySpecServersTlsMode,
  IstioApiVersion, LoadBalancer, Match, MeshAnalysis, MeshAuthorizationPolicy, MeshGateway, MeshNamespace, MeshPeerAuthentication, MeshSidecar,
  Metric, MtlsMode, PodCount, Probe, ProgressiveService, Protocol, RoutingApiContext, ReleaseLane, Resolution, RolloutService, RolloutStep,
  RoutingApi, Source, Split, TrafficSplit, Webhook,
} from '../src';
import { CRD_DIR, runVerify } from './verify-tool';
import { CHECKS } from '../src/analysis';
import { CrdSchemas } from '../src/validation/crd-schema';

const RUNS = Number(process.env.FC_RUNS ?? 1000);
// eslint-disable-next-line no-bitwise
// A fixed seed by default, so that CI is deterministic; FC_SEED explores others (the issue note lists what they find).
const SEED = process.env.FC_SEED !== undefined ? Number(process.env.FC_SEED) : 26;
const EXPERIMENTAL_DIR = path.join(CRD_DIR, '..', 'crds-experimental');
const HAVE_CRDS = fs.existsSync(CRD_DIR);
const standardSchemas = HAVE_CRDS ? CrdSchemas.fromPaths([CRD_DIR]) : undefined;
const experimentalSchemas = HAVE_CRDS && fs.existsSync(EXPERIMENTAL_DIR)
  ? CrdSchemas.fromPaths([
    ...fs.readdirSync(CRD_DIR).filter((f) => f.endsWith('.yaml') && !f.includes('gateway-api-standard')).map((f) => path.join(CRD_DIR, f)),
    EXPERIMENTAL_DIR,
  ])
  : undefined;

// ---------------------------------------------------------------------------------------------------------------
// Programs as plain data. Special nodes: a factory call, a reference to a construct made earlier, a version (or a
// split) of the target resolved when the call runs, a value put there by a mutation (rendered `as any`), and a
// construct variable (after resolution).
// ---------------------------------------------------------------------------------------------------------------

type Data = unknown;
type RefKind = 'canary' | 'routed' | 'weighted' | 'exposable' | 'gateway' | 'meshGateway' | 'lane' | 'external' | 'policyTarget';
interface CallNode { readonly $call: string; readonly args: Data[] }
interface RefNode { readonly $ref: RefKind; readonly i: number }
interface VersionNode { readonly $version: number }
interface WeightsNode { readonly $weights: number[] }
interface JunkNode { readonly $junk: Data }
interface VarNode { readonly $var: string }

const call = (f: string, ...args: Data[]): CallNode => ({ $call: f, args });
const ref = (kind: RefKind, i: number): RefNode => ({ $ref: kind, i });
const isObj = (d: Data): d is Record<string, any> => typeof d === 'object' && d !== null && !Array.isArray(d);
const isCall = (d: Data): d is CallNode => isObj(d) && '$call' in d;
const isRef = (d: Data): d is RefNode => isObj(d) && '$ref' in d;
const isVersion = (d: Data): d is VersionNode => isObj(d) && '$version' in d;
const isWeights = (d: Data): d is WeightsNode => isObj(d) && '$weights' in d;
const isJunk = (d: Data): d is JunkNode => isObj(d) && '$junk' in d;
const isVar = (d: Data): d is VarNode => isObj(d) && '$var' in d;

/** What a factory name calls: `Class.method` on these, or `.method` on the first argument. */
const SCOPE: Record<string, any> = {
  Match,
  RolloutStep,
  AnalysisTemplate,
  Metric,
  Webhook,
  Source,
  LoadBalancer,
  Duration,
  Probe,
  DeploymentStrategy,
  PodCount,
};
/** Factories of other libraries: a mutation never reaches into their arguments (their refusals are not ours). */
const FOREIGN = /^(Duration)\./;

type OpKind =
  | 'CanaryService' | 'TrafficSplit' | 'MeshGateway' | 'MeshGateway.fromName' | 'ReleaseLane' | 'ExternalService' | 'MeshSidecar'
  | 'MeshNamespace' | 'MeshPeerAuthentication' | 'MeshAuthorizationPolicy' | 'ProgressiveService' | 'RolloutService'
  | 'routeHeader' | 'addRoute' | 'shiftWeights' | 'exposeVia' | 'addLane' | 'include' | 'gateway.addRoute'
  | 'MeshAnalysis.disable' | 'MeshAnalysis.addKnownHosts';

interface Op {
  readonly k: OpKind;
  /** Constructors: the chart (mod the number of charts) and the construct id. */
  readonly chart?: number;
  readonly id?: string;
  /** Mutators: the construct called. */
  readonly target?: RefNode;
  readonly args: Data[];
}

interface Mutation {
  /** The op (mod the number of ops) and the node of its arguments (mod their number, preorder). */
  readonly op: number;
  readonly node: number;
  readonly how: 'replace' | 'delete' | 'wrap' | 'unwrap' | 'duplicate';
  readonly junk: Data;
}

interface Program {
  readonly context?: { readonly on: 'app' | 'chart0'; readonly value: Data };
  readonly charts: ReadonlyArray<{ readonly namespace?: Data }>;
  readonly ops: readonly Op[];
  readonly mutations: readonly Mutation[];
  /** Catch the refusals of mutator calls and go on. */
  readonly tolerant: boolean;
  /** Edge cases and wrong values mixed in. */
  readonly edgy: boolean;
}

const CONSTRUCTORS: Partial<Record<OpKind, { cls: any; refs: RefKind[]; prefix: string }>> = {
  'CanaryService': { cls: CanaryService, refs: ['canary', 'routed', 'weighted', 'exposable', 'policyTarget'], prefix: 'svc' },
  'TrafficSplit': { cls: TrafficSplit, refs: ['routed', 'weighted'], prefix: 'split' },
  'MeshGateway': { cls: MeshGateway, refs: ['gateway', 'meshGateway'], prefix: 'gw' },
  'MeshGateway.fromName': { cls: undefined, refs: ['gateway'], prefix: 'imported' },
  'ReleaseLane': { cls: ReleaseLane, refs: ['lane'], prefix: 'lane' },
  'ExternalService': { cls: ExternalService, refs: ['external'], prefix: 'ext' },
  'MeshSidecar': { cls: MeshSidecar, refs: [], prefix: 'sidecar' },
  'MeshNamespace': { cls: MeshNamespace, refs: [], prefix: 'ns' },
  'MeshPeerAuthentication': { cls: MeshPeerAuthentication, refs: [], prefix: 'peer' },
  'MeshAuthorizationPolicy': { cls: MeshAuthorizationPolicy, refs: [], prefix: 'authz' },
  'ProgressiveService': { cls: ProgressiveService, refs: [], prefix: 'flagger' },
  'RolloutService': { cls: RolloutService, refs: ['routed', 'exposable', 'policyTarget'], prefix: 'rollout' },
};
const MUTATORS: Partial<Record<OpKind, { method: string; spread?: boolean }>> = {
  'routeHeader': { method: 'routeHeader' },
  'addRoute': { method: 'addRoute' },
  'shiftWeights': { method: 'shiftWeights' },
  'exposeVia': { method: 'exposeVia' },
  'addLane': { method: 'addLane' },
  'include': { method: 'include', spread: true },
  'gateway.addRoute': { method: 'addRoute' },
};

// ---------------------------------------------------------------------------------------------------------------
// Arbitraries. Each is built twice: clean (valid values only, so that programs reach the synth and the judges of
// the output) and edgy (edge cases and wrong values mixed in, and mutations on top).
// ---------------------------------------------------------------------------------------------------------------

type Weighted<T> = { weight: number; arbitrary: fc.Arbitrary<T> };
const w = <T>(weight: number, arbitrary: fc.Arbitrary<T>): Weighted<T> => ({ weight, arbitrary });
const pick = <T>(...values: T[]): fc.Arbitrary<T> => fc.constantFrom(...values);
const ABSENT = Symbol('absent');

/** An object with `required` keys and each optional key present with the given percent chance. */
type Optional = Record<string, [fc.Arbitrary<Data>, number]>;
function props(required: Record<string, fc.Arbitrary<Data>>, optional: Optional = {}): fc.Arbitrary<Record<string, Data>> {
  const opt: Record<string, fc.Arbitrary<Data>> = {};
  for (const [key, [arb, percent]] of Object.entries(optional)) {
    opt[key] = fc.oneof(w(100 - percent, fc.constant(ABSENT)), w(percent, arb));
  }
  return fc.record({ ...required, ...opt }).map((o) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== ABSENT)));
}

/** Values an untyped caller or a careless config passes: wrong types, non-finite and huge numbers, odd text. */
const junk: fc.Arbitrary<Data> = fc.oneof(
  w(6, pick<Data>(null, undefined, NaN, Infinity, -Infinity, -1, 0, -0, 0.5, 1.5, 2 ** 31, 2 ** 32, 2 ** 53 + 2, 1e21, -1e21, Number.MAX_VALUE)),
  w(6, pick<Data>('', ' ', '0', '80', '8080', 'NaN', 'null', '-', '*', '/', 'a'.repeat(64), 'A', 'é', '日本', '😀', 'a b', 'a\nb', 'a.b', 'a/b', 'v1', 'http', '100')),
  w(3, pick<Data>(true, false, {}, [], [null], [[]], { length: 1 }, { 0: 'a' }, [1, 2])),
  w(2, pick<Data>(call('Match.headerPresent', 'x-user'), call('Duration.seconds', 5), call('RolloutStep.pause'), call('Source.namespace', 'shop'), call('LoadBalancer.random'))),
  w(2, fc.string({ unit: 'binary', maxLength: 6 })),
  w(1, fc.double()),
  w(1, fc.integer()),
);

function arbitraries(edgy: boolean): fc.Arbitrary<Program> {
  /** Mostly `good`; when edgy, sometimes one of `bad`. */
  const g = (good: fc.Arbitrary<any>, ...bad: Array<fc.Arbitrary<any>>): fc.Arbitrary<any> => (edgy && bad.length > 0
    ? (fc.oneof as any)(w(10, good), ...bad.map((b) => w(Math.max(1, Math.round(2 / bad.length)), b)))
    : good);
  const label = fc.stringMatching(/^[a-z][a-z0-9-]{0,8}[a-z0-9]$/);
  const longLabel = fc.integer({ min: 50, max: 70 }).map((n) => `l${'o'.repeat(n - 2)}g`);
  const unicode = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 5 });
  const badLabel = fc.oneof(pick('Web', 'a_b', 'a.b', '-a', 'a-', ' ', '1a', 'web!', 'ß', 'a--b'), unicode, longLabel);
  /** A name: from a small pool (so that names collide), a random label, or an edge case. */
  const nameFrom = (...pool: string[]) => g(fc.oneof(w(4, pick(...pool)), w(1, label)), longLabel, badLabel);
  const serviceName = nameFrom('web', 'api', 'shop', 'reviews', 'a');
  const versionName = nameFrom('v1', 'v2', 'v3', 'canary', 'stable', 'gray');
  const namespaceName = nameFrom('shop', 'default', 'team-a', 'istio-system');
  const constructId = g(fc.oneof(w(4, pick('web', 'api', 'gw', 'gray', 'db', 'a', 'b')), w(1, label)), pick('Web', '服务', 'a.b', 'a b', 'x'.repeat(64)));

  const anyPort = fc.integer({ min: 1, max: 65535 }).filter((p) => p < 15000 || p > 15090); // not the sidecar's
  const portNumber = g(fc.oneof(w(6, pick(80, 8080, 9080, 3000, 443, 5000, 9090)), w(1, anyPort)),
    pick(15001, 15006, 15021, 15090, 0, 65535, 65536, -1, 8080.5, 2 ** 31));
  const percent = g(fc.integer({ min: 0, max: 100 }), pick(0.5, 12.5, -1, 101, 1e-9, 100.0001));
  const count = g(fc.integer({ min: 1, max: 100 }), pick(0, -1, 1.5, 2 ** 31 - 1, 2 ** 31, 2 ** 32, 1e21));
  const bool = fc.boolean();

  const duration: fc.Arbitrary<CallNode> = g(
    fc.oneof(
      w(8, pick(1, 5, 10, 30, 40, 60).map((n) => call('Duration.seconds', n))),
      w(2, pick(1, 100, 250, 1500).map((n) => call('Duration.millis', n))),
      w(1, pick(1, 5).map((n) => call('Duration.minutes', n))),
      w(1, pick(1, 12).map((n) => call('Duration.hours', n))),
      w(1, pick(1).map((n) => call('Duration.days', n))),
    ),
    pick(0, NaN, Infinity, 1e12, 0.0001, 2 ** 31, 1.5).map((n) => call('Duration.seconds', n)),
    pick(0.5, 0).map((n) => call('Duration.millis', n)),
    pick(24 * 365 * 20000).map((n) => call('Duration.hours', n)),
  );

  const headerName = g(pick('x-user', 'end-user', 'env', 'x-canary', 'x-lane', 'cookie', 'user-agent'),
    pick('X-User', 'a b', ':authority', '', 'host', 'x_y', 'ä', `x-${'a'.repeat(300)}`, 'x"y'));
  const headerValue = g(pick('jason', 'gray', '1', 'insider', 'v2'), fc.string({ unit: 'grapheme', maxLength: 8 }), pick('', 'a"b', ' ', 'a\nb'));
  const uriPath = g(pick('/api', '/', '/v1/', '/login', '/static'), pick('/a?b=c', 'api', '', '/日本', '/a b', '//', '/%zz'));
  const regex = g(pick('.*', '[a-z]+', '^/api(/.*)?$', 'v[0-9]+', '(.*; ?)?canary=v2(;.*)?'),
    pick('(a', '(?=a)b', '\\pL+', '[[:alpha:]]+', '(?P<n>a)', '(?<n>a)', '\\Qa.b\\E', '\\C', 'a{1001}', 'x{2,1}', '\\8', '(?i)abc',
      '((a{100}){100}){100}', 'a{1000}', '[^\\x{10FFFF}]', '\\z', '\\Z', '(?U)a+', 'a**', ''));
  const labels = g(pick({ team: 'shop' }, { 'example.com/team': 'a' }, { tier: 'backend', team: 'x' }),
    pick({ app: 'x' }, { version: 'x' }, { team: '' }, { 'Bad Key': 'x' }, { team: 'a'.repeat(64) }, { team: 'x y' }, {}, { 'a/b/c': 'x' }));
  const annotations = g(pick({ 'sidecar.istio.io/proxyCPU': '100m' }, { note: 'x' }), pick({ 'a/b/c': 'x' }, { '': 'x' }, { note: '' }));
  const env = g(pick({ LOG_LEVEL: 'info' }, { A: '1', B: '' }), pick({ '1X': 'a' }, { 'A B': 'x' }, { 'a.b-c': 'x' }));
  const hostName = g(
    fc.oneof(w(8, pick('shop.example.com', 'web.example.com', 'api.example.com', '*.example.com', '*')),
      w(2, pick('ns/shop.example.com', 'shop/web.example.com', './web.example.com', '*/web.example.com', 'web'))),
    pick('https://x.example.com', 'x.example.com:80', '10.0.0.1', 'Shop.Example.com', 'a..b', '日本.jp',
      `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}.com`, '', '*.*.com', 'x/y/z'),
  );

  const matchFactory: fc.Arbitrary<CallNode> = fc.oneof(
    w(5, fc.tuple(headerName, headerValue).map(([n, v]) => call('Match.headerExact', n, v))),
    w(1, fc.tuple(headerName, headerValue).map(([n, v]) => call('Match.headerPrefix', n, v))),
    w(1, fc.tuple(headerName, regex).map(([n, r]) => call('Match.headerRegex', n, r))),
    w(1, headerName.map((n) => call('Match.headerPresent', n))),
    w(3, uriPath.map((p) => call('Match.uriPrefix', p))),
    w(1, uriPath.map((p) => call('Match.uriExact', p))),
    w(1, regex.map((r) => call('Match.uriRegex', r))),
    w(1, fc.tuple(g(pick('helloworld.Greeter', 'pkg.Svc'), pick('a/b', '')), g(pick('SayHello', 'Get'), pick('', 'a b'))).map(([s, m]) => call('Match.grpcMethod', s, m))),
    w(1, g(pick('GET', 'POST', 'PATCH'), pick('get', 'BREW', '')).map((m) => call('Match.method', m))),
    w(1, fc.tuple(g(pick('q', 'user'), pick('', 'a b')), headerValue).map(([n, v]) => call('Match.queryParam', n, v))),
    w(1, fc.tuple(pick('q', 'user'), regex).map(([n, r]) => call('Match.queryParamRegex', n, r))),
    w(1, labels.map((l) => call('Match.sourceLabels', l))),
    w(1, portNumber.map((p) => call('Match.port', p))),
  );
  const match: fc.Arbitrary<CallNode> = fc.oneof(
    w(8, matchFactory),
    w(1, fc.tuple(matchFactory, matchFactory).map(([a, b]) => call('.and', a, b))),
    w(1, fc.tuple(matchFactory, matchFactory).map(([a, b]) => call('Match.all', a, b))),
  );
  const matches = g(fc.array(match, { minLength: 1, maxLength: 2 }), fc.constant([]));
  const headerMatch = fc.tuple(headerName, headerValue).map(([n, v]) => call('Match.headerExact', n, v));

  /** A version of the construct called (resolved when the call runs), or a literal name. */
  const versionSel: fc.Arbitrary<Data> = g(fc.nat(5).map(($version): VersionNode => ({ $version })), versionName);
  const cutPoints = fc.array(fc.integer({ min: 0, max: 100 }), { maxLength: 3 });
  const weightsSel: fc.Arbitrary<Data> = g(cutPoints.map(($weights): WeightsNode => ({ $weights })),
    pick({ v1: 50 }, { v1: 100, v9: 0 }, { v1: '100' }, {}, { stable: 100 }));

  const headerOps = props({}, {
    set: [fc.dictionary(g(pick('x-version', 'x-canary', 'set-cookie'), pick('host', 'Host', 'a b', ':path', '')), headerValue, { maxKeys: 2 }), 50],
    add: [fc.dictionary(g(pick('x-trace', 'set-cookie'), pick('x_y')), headerValue, { maxKeys: 2 }), 40],
    remove: [fc.array(g(pick('x-internal', 'server'), pick('host', 'a b')), { maxLength: 2 }), 30],
  });
  const headerPolicy = props({}, { request: [headerOps, 50], response: [headerOps, 60] });
  /** Edgy: any subset of the optional keys; clean: at least the first of them. */
  const someOf = (required: Record<string, fc.Arbitrary<Data>>, optional: Record<string, [fc.Arbitrary<Data>, number]>) => (edgy
    ? props({}, { ...Object.fromEntries(Object.entries(required).map(([k, a]) => [k, [a, 60]])), ...optional })
    : props(required, optional));
  const rewrite = fc.oneof(
    someOf({ uri: g(pick('/', '/v2', '/api/'), pick('x', '')) }, { authority: [g(pick('x.example.com', 'web'), pick('', 'Web.Example')), 30] }),
    someOf({ authority: g(pick('x.example.com', 'web'), pick('', 'Web.Example')) }, {}),
  );
  const redirect = someOf({ uri: g(pick('/new', '/'), pick('new')) }, {
    authority: [g(pick('new.example.com'), pick('')), 40],
    scheme: [g(pick('https', 'http'), pick('ftp')), 40],
    port: [portNumber, 20],
    code: [g(pick(301, 302, 307, 308), pick(200, 399, 301.5)), 30],
  });
  const retries = props({ attempts: g(fc.integer({ min: 0, max: 5 }), pick(-1, 1.5, NaN, 2 ** 31, 1e9)) }, {
    perTryTimeout: [duration, 30],
    retryOn: [fc.subarray(edgy ? ['5xx', 'connect-failure', '503', 'gateway-error', 'retriable-status-codes', 'reset', 'bogus', '600', '5XX']
      : ['5xx', 'connect-failure', '503', 'gateway-error', 'retriable-status-codes', 'reset'], { minLength: 1, maxLength: 3 }), 40],
  });
  const abort = fc.oneof(
    someOf({ httpStatus: g(pick(500, 503, 404), pick(200, 99, 600, 503.5)) }, { grpcStatus: [g(pick('UNAVAILABLE', 'OK'), pick('unavailable', '14')), edgy ? 30 : 0], percent: [percent, 50] }),
    someOf({ grpcStatus: g(pick('UNAVAILABLE', 'OK'), pick('unavailable', '14')) }, { percent: [percent, 50] }),
  );
  const fault = fc.oneof(
    someOf({ delay: props({ fixed: duration }, { percent: [percent, 50] }) }, { abort: [abort, 40] }),
    someOf({ abort }, {}),
  );
  const mirror = (version: fc.Arbitrary<Data>) => fc.oneof(
    someOf({ version }, { host: [g(pick('mirror.shop.svc.cluster.local', 'httpbin'), pick('', 'x.example.com')), edgy ? 30 : 0], percent: [percent, 40] }),
    someOf({ host: g(pick('mirror.shop.svc.cluster.local', 'httpbin'), pick('', 'x.example.com')) }, { port: [portNumber, 20], percent: [percent, 40] }),
  );
  const cors = props({ allowOrigins: g(fc.subarray(['*', 'https://shop.example.com', 'http://a.b'], { minLength: 1 }), pick([], [''], ['a b'])) }, {
    allowMethods: [fc.subarray(edgy ? ['GET', 'POST', 'get', 'BREW'] : ['GET', 'POST'], { maxLength: 2 }), 40],
    allowHeaders: [fc.subarray(edgy ? ['x-user', 'a b', 'content-type'] : ['x-user', 'content-type'], { maxLength: 2 }), 30],
    exposeHeaders: [fc.subarray(edgy ? ['x-version', 'x_y'] : ['x-version', 'x-trace']), 30],
    maxAge: [duration, 30],
    allowCredentials: [bool, 30],
  });
  /** The route options (RoutePolicy), each rarely set. */
  const routePolicy = (version: fc.Arbitrary<Data>, pct = 6) => props({}, {
    timeout: [duration, pct],
    retries: [retries, pct],
    fault: [fault, pct],
    mirror: [mirror(version), pct],
    rewrite: [rewrite, pct],
    headers: [headerPolicy, pct],
    corsPolicy: [cors, pct],
  });

  const loadBalancer = fc.oneof(
    pick(call('LoadBalancer.roundRobin'), call('LoadBalancer.leastRequest'), call('LoadBalancer.random'), call('LoadBalancer.consistentHashBySourceIp')),
    headerName.map((h) => call('LoadBalancer.consistentHashByHeader', h)),
    fc.tuple(g(pick('session'), pick('', ' ', 'a b')), props({}, { ttl: [duration, 50], path: [g(pick('/'), pick('x', '')), 30] }))
      .map(([n, o]) => call('LoadBalancer.consistentHashByCookie', n, o)),
  );
  const tlsMode = g(pick(ClientTlsMode.DISABLE, ClientTlsMode.SIMPLE, ClientTlsMode.MUTUAL, ClientTlsMode.ISTIO_MUTUAL), pick('bogus'));
  const clientTls = tlsMode.chain((mode) => {
    const certificates = edgy || mode === ClientTlsMode.SIMPLE || mode === ClientTlsMode.MUTUAL;
    return props({ mode: fc.constant(mode) }, {
      sni: [g(pick('web.example.com'), pick('', 'a b')), edgy ? 60 : certificates ? 100 : 0],
      caCertificates: [pick('/etc/certs/ca.pem'), certificates ? 20 : 0],
      subjectAltNames: [g(pick(['web.example.com']), pick([])), certificates ? 20 : 0],
      credentialName: [g(pick('client-cred'), pick('')), certificates ? 20 : 0],
      ...(mode === ClientTlsMode.MUTUAL && !edgy
        ? { clientCertificate: [pick('/etc/certs/cert.pem'), 100], privateKey: [pick('/etc/certs/key.pem'), 100] } as Record<string, [fc.Arbitrary<Data>, number]>
        : { clientCertificate: [pick('/etc/certs/cert.pem'), edgy ? 20 : 0], privateKey: [pick('/etc/certs/key.pem'), edgy ? 20 : 0] } as Record<string, [fc.Arbitrary<Data>, number]>),
    });
  });
  const trafficPolicy = props({}, {
    loadBalancer: [loadBalancer, 40],
    connectionPool: [props({}, {
      maxConnections: [count, 30],
      connectTimeout: [duration, 30],
      http1MaxPendingRequests: [count, 30],
      http2MaxRequests: [count, 30],
      maxRequestsPerConnection: [fc.oneof(count, pick(0)), 30],
      maxRetries: [count, 30],
      idleTimeout: [duration, 30],
    }), 40],
    outlierDetection: [props({}, {
      consecutive5xxErrors: [fc.oneof(count, pick(0)), 40],
      consecutiveGatewayErrors: [fc.oneof(count, pick(0)), 30],
      interval: [duration, 30],
      baseEjectionTime: [duration, 30],
      maxEjectionPercent: [percent, 30],
      minHealthPercent: [percent, 30],
    }), 40],
    tls: [clientTls, 25],
  });

  const image = g(pick('app:1', 'nginx:1.27', 'registry.example.com/team/app@sha256:0123'), pick('', ' ', 'UPPER:1', 'a b', 'x:'));
  const replicas = g(fc.integer({ min: 0, max: 3 }), pick(-1, 1.5, 2 ** 31, 2 ** 31 - 1, NaN));
  const probeSeconds = g(pick(1, 5, 10).map((n) => call('Duration.seconds', n)), duration);
  const probeOptions = props({}, {
    port: [portNumber, 40],
    initialDelay: [probeSeconds, 15],
    period: [probeSeconds, 15],
    timeout: [probeSeconds, 15],
    failureThreshold: [count, 15],
    successThreshold: [g(pick(1), pick(2, 0)), 10],
  });
  const probe = fc.oneof(
    w(4, fc.tuple(g(pick('/healthz', '/ready'), pick('health', '', '/a b')), probeOptions).map(([p, o]) => call('Probe.httpGet', p, o))),
    w(2, probeOptions.map((o) => call('Probe.tcpSocket', o))),
    w(1, fc.tuple(g(pick(['cat', '/tmp/ready'], ['true']), pick([], [''])), edgy ? probeOptions : pick({})).map(([c, o]) => call('Probe.exec', c, o))),
  );
  const quantity = (...good: string[]) => g(pick(...good), pick('0', '1.5m', '-1', '1 GB', 'abc', ''));
  const podCount = fc.oneof(g(fc.integer({ min: 0, max: 3 }), pick(-1, 1.5)).map((n) => call('PodCount.absolute', n)),
    g(pick(0, 25, 50), pick(101, -5)).map((n) => call('PodCount.percent', n)));
  const deploymentStrategy = fc.oneof(pick(call('DeploymentStrategy.recreate')),
    props({}, { maxSurge: [podCount, 60], maxUnavailable: [podCount, 60] }).map((o) => call('DeploymentStrategy.rollingUpdate', o)));
  /** What every workload takes (CanaryService versions, ProgressiveService, RolloutService). */
  const workload = (deploymentOptions: boolean) => ({
    required: { image },
    optional: {
      replicas: [replicas, 40],
      args: [g(pick(['--port', '8080'], []), pick(['a b'])), 10],
      command: [pick(['/app'], []), 10],
      env: [env, 15],
      labels: [labels, 15],
      annotations: [annotations, 10],
      resources: [props({}, {
        cpu: [props({}, { request: [quantity('100m', '250m', '0.5'), 60], limit: [pick('500m', '1'), 40] }), 60],
        memory: [props({}, { request: [quantity('64Mi', '100M'), 30], limit: [quantity('128Mi', '512Mi', '1Gi'), 60] }), 40],
        ephemeralStorage: [props({}, { limit: [quantity('1Gi'), 60] }), 10],
      }), 8],
      readiness: [probe, 8],
      liveness: [probe, 5],
      startup: [probe, 3],
      securityContext: [props({}, {
        runAsNonRoot: [bool, 60],
        readOnlyRootFilesystem: [bool, 60],
        runAsUser: [g(pick(65532, 1000), pick(0, -1, 1.5)), 20],
        privileged: [g(pick(false), pick(true)), 5],
      }), 10],
      workingDir: [g(pick('/app'), pick('rel')), 5],
      scratchVolumes: [g(pick([{ name: 'tmp', path: '/tmp' }], [{ name: 'tmp', path: '/tmp' }, { name: 'cache', path: '/var/cache' }]),
        pick([{ name: 'Tmp', path: '/tmp' }], [{ name: 'tmp', path: 'tmp' }], [{ name: 'a', path: '/x' }, { name: 'a', path: '/y' }])), 8],
      ...(deploymentOptions ? {
        deploymentOptions: [edgy
          ? props({}, { minReady: [duration, 40], progressDeadline: [duration, 40], strategy: [deploymentStrategy, 30] })
          : fc.oneof(props({ minReady: duration }), props({ progressDeadline: duration }), props({ strategy: deploymentStrategy })), 8],
      } : {}),
    } as Record<string, [fc.Arbitrary<Data>, number]>,
  });

  const protocol = g(fc.oneof(w(3, pick(Protocol.HTTP)), w(1, pick(...Object.values(Protocol)))), pick('HTTP', 'udp', ''));
  const httpProtocol = g(fc.oneof(w(3, pick(Protocol.HTTP)), w(1, pick(Protocol.HTTP2, Protocol.GRPC, Protocol.GRPC_WEB))), pick(Protocol.TCP, 'HTTP', ''));
  const routingApi = g(pick(RoutingApi.ISTIO, RoutingApi.GATEWAY_API), pick('Istio', 'bogus'));
  const apiVersion = g(pick(IstioApiVersion.V1, IstioApiVersion.V1BETA1), pick('networking.istio.io/v1alpha3'));
  const refs = (kind: RefKind, max: number) => fc.array(fc.nat(4).map((i) => ref(kind, i)), { minLength: 1, maxLength: max });

  const canaryServiceArgs = fc.uniqueArray(versionName, { minLength: 1, maxLength: 3 }).chain((versions) => {
    const wl = workload(true);
    const version = (name: string) => props({ name: fc.constant(name), ...wl.required }, {
      ...wl.optional, trafficPolicy: [trafficPolicy, 8], headers: [headerPolicy, 8], draining: [g(bool, fc.constantFrom<unknown>('yes', 1)), 5],
    });
    const portProps = props({ number: portNumber }, {
      protocol: [protocol, 50], containerPort: [portNumber, 15], name: [g(pick('http-web', 'http-a'), pick('http', 'grpc', 'tcp-db', 'web', 'http--x', 'http-very-long-name')), 15],
    });
    const portSpec = g(
      fc.oneof(
        w(8, props({ port: portNumber }, { protocol: [protocol, 30], containerPort: [portNumber, 10] })),
        w(3, (edgy ? fc.array(portProps, { minLength: 1, maxLength: 3 })
          : fc.uniqueArray(portProps, { minLength: 1, maxLength: 3, selector: (p) => p.number }))
          .map((ports) => ({ ports }))),
      ),
      pick({}, { port: 8080, ports: [{ number: 8080 }] }, { ports: [], protocol: Protocol.GRPC }),
    );
    const weights = g(
      fc.oneof(w(1, fc.constant(ABSENT)), w(1, fc.array(fc.integer({ min: 0, max: 100 }), { maxLength: 3 }).map((cuts) => splitOf(versions, cuts)))),
      pick({ [versions[0]]: 50 }, { [versions[0]]: '100' }, { nope: 100 }, { [versions[0]]: 100.5 }, [100]),
    );
    return fc.tuple(
      fc.tuple(...versions.map(version)),
      portSpec,
      weights,
      props({}, {
        name: [serviceName, 50],
        namespace: [namespaceName, 20],
        stable: [g(pick(...versions), versionName), 10],
        defaultRoute: [g(pick(DefaultRoute.WEIGHTS, DefaultRoute.EVEN, DefaultRoute.ALL_PODS), pick('bogus')), 10],
        stickyCanary: [props({}, { version: [g(pick(...versions), versionName), 40], cookieName: [g(pick('canary', 'sess'), pick('c o', '')), 40], maxAge: [duration, 30] }), 8],
        trafficPolicy: [trafficPolicy, 10],
        split: [g(pick(Split.SUBSET, Split.HOST), pick('bogus')), 15],
        apiVersion: [apiVersion, 10],
        routingApi: [routingApi, 12],
        gatewayApiExperimental: [bool, 8],
        serviceAccountName: [serviceName, 8],
        mesh: [bool, edgy ? 10 : 3],
        lanes: [refs('lane', 2), edgy ? 10 : 5],
      }),
      routePolicy(g(pick(...versions), versionName)),
    ).map(([vs, ports, split, rest, policy]) => {
      if (!edgy) {
        // Clean: a port name that fits its protocol, and no subsets under Gateway API.
        const fits = ({ name, ...p }: any) => (name && p.protocol && p.protocol !== Protocol.HTTP ? p : { ...p, ...(name ? { name } : {}) });
        if (Array.isArray(ports.ports)) ports = { ports: ports.ports.map(fits) };
        if (rest.routingApi === RoutingApi.GATEWAY_API && rest.split === Split.SUBSET) delete rest.split;
      }
      return [{ ...rest, ...ports, versions: vs, ...(split === ABSENT ? {} : { weights: split }), ...policy }];
    });
  });

  const trafficSplitArgs = fc.uniqueArray(serviceName, { minLength: 1, maxLength: 3 }).chain((services) => fc.tuple(
    fc.tuple(...services.map((service) => props({ service: fc.constant(service) }, { namespace: [namespaceName, 15], port: [portNumber, 15] }))),
    g(fc.oneof(w(1, fc.constant(undefined)), w(1, fc.array(fc.integer({ min: 0, max: 100 }), { maxLength: 3 }))), pick<Data[]>([50, 60], [NaN], ['100'])),
    props({ host: g(pick('web-svc', 'front', 'front.shop.svc.cluster.local'), pick('web', 'web.shop.svc.cluster.local', 'x.example.com', '')), port: portNumber }, {
      name: [serviceName, 40], namespace: [namespaceName, 20], protocol: [protocol, 20], apiVersion: [apiVersion, 10], routingApi: [routingApi, 12],
    }),
    routePolicy(pick(...services)),
  ).map(([backends, cuts, rest, policy]) => {
    const numeric = Array.isArray(cuts) && cuts.every((c) => Number.isInteger(c));
    const weights = numeric ? splitOf(services, cuts as number[]) : undefined;
    return [{
      ...rest,
      ...policy,
      backends: backends.map((b, i) => {
        if (cuts === undefined) return b;
        if (weights) return services[i] in weights ? { ...b, weight: weights[services[i]] } : b;
        return { ...b, weight: (cuts as Data[])[i] };
      }),
    }];
  }));

  const gatewayTls = props({ credentialName: g(pick('shop-cert'), pick('', 'a b')) }, {
    httpsRedirect: [bool, 40],
    mode: [g(pick(GatewaySpecServersTlsMode.SIMPLE, GatewaySpecServersTlsMode.MUTUAL), pick(...Object.values(GatewaySpecServersTlsMode))), 30],
  });
  const server = fc.tuple(
    g(pick({ number: 80, name: 'http', protocol: 'HTTP' }, { number: 8080, name: 'http-alt', protocol: 'HTTP' }, { number: 443, name: 'https', protocol: 'HTTPS' }),
      props({ number: portNumber, name: pick('http', 'https', 'tls', 'http-2', 'HTTP', ''), protocol: pick('HTTP', 'HTTPS', 'TLS', 'TCP', 'http', 'GRPC', 'BOGUS') })),
    fc.array(hostName, { minLength: 1, maxLength: 2 }),
    g(pick(GatewaySpecServersTlsMode.SIMPLE, GatewaySpecServersTlsMode.MUTUAL), pick(...Object.values(GatewaySpecServersTlsMode))),
    fc.option(props({}, { credentialName: [g(pick('cert'), pick('')), 80], httpsRedirect: [bool, 30], serverCertificate: [pick('/etc/cert.pem'), edgy ? 10 : 0], privateKey: [pick('/etc/key.pem'), edgy ? 10 : 0] }), { nil: undefined }),
  ).map(([port, hosts, mode, tls]) => {
    const secure = /^(HTTPS|TLS)$/i.test(String((port as any).protocol));
    if (secure && !edgy) return { port, hosts, tls: { mode, credentialName: 'cert' } };
    return tls === undefined ? { port, hosts } : { port, hosts, tls: secure || edgy ? { mode, ...tls } : tls };
  });
  const meshGatewayArgs = fc.tuple(
    g(
      fc.oneof(
        w(8, props({ hosts: edgy ? fc.array(hostName, { minLength: 1, maxLength: 3 }) : fc.uniqueArray(hostName, { minLength: 1, maxLength: 3, selector: (h) => String(h).split('/').pop() }) },
          { port: [portNumber, 20], tls: [gatewayTls, 25] })),
        w(2, (edgy ? fc.array(server, { minLength: 1, maxLength: 2 })
          : fc.uniqueArray(server, { minLength: 1, maxLength: 2, selector: (x) => (x.port as any).name }))
          .map((servers) => ({ servers }))),
      ),
      pick({}, { hosts: [] }, { hosts: ['shop.example.com'], servers: [] }),
    ),
    props({}, {
      name: [nameFrom('gw', 'gateway', 'ingress'), 40],
      namespace: [namespaceName, 20],
      selector: [g(pick({ istio: 'ingressgateway' }, { app: 'gw' }), pick({}, { 'a b': 'x' })), 10],
      apiVersion: [apiVersion, 10],
      routingApi: [routingApi, 15],
      gatewayClassName: [g(pick('istio'), pick('Bad Class', '')), 8],
      edgeIngress: [props({ className: g(pick('nginx'), pick('', 'a b')) }, {
        namespace: [namespaceName, 20], serviceName: [serviceName, 20], annotations: [fc.oneof(annotations, pick({ 'nginx.ingress.kubernetes.io/backend-protocol': 'HTTPS' })), 30],
      }), 10],
    }),
  ).map(([shape, rest]) => {
    if (edgy) return [{ ...rest, ...shape }];
    // Clean: the options of the gateway's API only.
    const { gatewayClassName, selector, apiVersion: version, ...common } = rest;
    if (rest.routingApi === RoutingApi.GATEWAY_API) {
      return [{ ...common, ...(gatewayClassName ? { gatewayClassName } : {}), ...('servers' in shape ? { hosts: ['shop.example.com'] } : shape) }];
    }
    return [{ ...common, ...(selector ? { selector } : {}), ...(version ? { apiVersion: version } : {}), ...shape }];
  });

  const fromNameArgs = fc.tuple(
    g(pick('istio-system/ingress', 'ingress', 'shop/gw'), pick('a.b', 'Bad/gw', '/gw', 'a/b/c', '')),
    props({ hosts: g(fc.array(hostName, { minLength: 1, maxLength: 2 }), fc.constant([])) }, { routingApi: [routingApi, 20] }),
  ).map(([reference, options]) => [reference, options]);

  const releaseLaneArgs = props({ header: props({ name: headerName, value: headerValue }) }, {
    name: [nameFrom('gray', 'blue', 'a'), 40], version: [versionName, 50], sticky: [bool, 30], strict: [bool, 20],
  }).map((p) => [p]);

  const externalHost = g(pick('api.example.com', 'edition.cnn.com', 'db.example.org'), pick('*.example.com'),
    pick('localhost', 'web.shop.svc.cluster.local', '*', '10.0.0.1', 'Bad.Host', 'https://x.com', ''));
  const externalHosts = edgy ? fc.array(externalHost, { minLength: 1, maxLength: 2 }) : fc.uniqueArray(externalHost, { minLength: 1, maxLength: 2 });
  const externalServiceArgs = props({ hosts: externalHosts }, {
    name: [serviceName, 40],
    namespace: [namespaceName, 20],
    ports: [(edgy ? fc.array : fc.uniqueArray)(props({ number: portNumber, protocol: g(pick(...Object.values(ExternalProtocol)), pick('http', 'UDP')) },
      { name: [g(pick('http-a', 'https-b'), pick('Bad', '', 'http')), 15], targetPort: [portNumber, 15] }), { minLength: edgy ? 0 : 1, maxLength: 3, ...(edgy ? {} : { selector: (p: any) => p.number }) } as any), 50],
    resolution: [g(pick(Resolution.DNS, Resolution.DNS_ROUND_ROBIN, Resolution.NONE), pick('STATIC', 'bogus')), 30],
    egressGateway: [fc.oneof(bool, props({}, { namespace: [namespaceName, 40], service: [serviceName, 40], selector: [g(pick({ istio: 'egressgateway' }), pick({}, { 'a b': 'x' })), 30] })), 25],
    originateTls: [bool, 20],
    trafficPolicy: [trafficPolicy, 15],
    apiVersion: [apiVersion, 10],
  }).map((p) => {
    // Clean: TLS origination only with a plain HTTP port to originate from, and not twice.
    const http = [ExternalProtocol.HTTP, ExternalProtocol.HTTP2, ExternalProtocol.GRPC];
    const plain = Array.isArray(p.ports) && p.ports.some((x: any) => http.includes(x.protocol));
    if (!edgy && p.originateTls && (!plain || (p.trafficPolicy as any)?.tls || p.resolution === Resolution.NONE)) delete p.originateTls;
    return [p];
  });

  const meshSidecarArgs = fc.oneof(
    w(1, fc.constant<Data[]>([])),
    w(6, props({}, {
      namespace: [namespaceName, 40],
      externalServices: [refs('external', 2), 50],
      namespaces: [fc.array(namespaceName, { maxLength: 3 }), 50],
      registryOnly: [bool, 30],
      apiVersion: [apiVersion, 10],
    }).map((p) => [p])),
  );
  const meshNamespaceArgs = fc.oneof(w(1, fc.constant<Data[]>([])), w(6, props({}, {
    name: [namespaceName, 70],
    revision: [g(pick('1-30', 'canary'), pick('Bad_rev', '')), 15],
    labels: [g(labels, pick({ 'istio-injection': 'enabled' })), 15],
    ambient: [bool, 30],
    waypoint: [bool, 20],
    ingressUseWaypoint: [bool, 15],
  }).map((p) => {
    if (edgy || p.ambient) return [p];
    const { waypoint, ingressUseWaypoint, ...sidecars } = p;
    return [sidecars];
  })));
  const peerAuthenticationArgs = fc.oneof(w(1, fc.constant<Data[]>([])), w(6, props({}, {
    name: [nameFrom('default', 'strict', 'a'), 40],
    mode: [g(pick(MtlsMode.STRICT, MtlsMode.PERMISSIVE), pick('DISABLE', 'bogus')), 40],
    service: [fc.nat(4).map((i) => ref('policyTarget', i)), 40],
    namespace: [namespaceName, 30],
  }).map((p) => [p])));
  const source = fc.oneof(
    props({}, { namespace: [namespaceName, 30], serviceAccount: [serviceName, 30] }).map((o) => call('Source.ingressGateway', o)),
    fc.tuple(namespaceName, serviceName).map(([n, s]) => call('Source.serviceAccount', n, s)),
    namespaceName.map((n) => call('Source.namespace', n)),
    fc.nat(4).map((i) => call('Source.workload', ref('canary', i))),
  );
  const authorizationPolicyArgs = props({ allowFrom: g(fc.array(source, { minLength: 1, maxLength: 3 }), fc.constant([])) }, {
    name: [nameFrom('allow', 'a'), 40], service: [fc.nat(4).map((i) => ref('policyTarget', i)), 40], namespace: [namespaceName, 30],
  }).map((p) => [p]);

  const threshold = g(
    fc.oneof(props({ min: pick(0, 95, 99, 100) }, { interval: [duration, 20] }), props({ max: pick(5, 500, 1e9) }, { interval: [duration, 20] })),
    props({}, { min: [pick(-1, 101, NaN), 50], max: [pick(-1, 5), 50], interval: [duration, 20] }),
  );
  const metric = fc.oneof(
    (edgy ? threshold : props({ min: pick(0, 95, 99, 100) }, { interval: [duration, 20] })).map((t) => call('Metric.requestSuccessRate', t)),
    threshold.map((t) => call('Metric.requestDuration', t)),
    fc.tuple(g(pick('request error rate', 'latency'), pick('', 'x'.repeat(200), '日本')), g(pick('sum(rate(x[1m]))'), pick('', ' ')),
      fc.tuple(threshold, props({}, { address: [g(pick('http://prometheus.istio-system:9090', 'https://p'), pick('prometheus:9090')), 30] })))
      .map(([n, q, [t, a]]) => call('Metric.prometheus', n, q, { ...t, ...a })),
  );
  const webhook = fc.oneof(
    props({ cmd: g(pick('hey -z 1m -q 10 -c 2 http://ad-canary.weather:3003/'), pick('', ' ')) }, { url: [g(pick('http://flagger-loadtester.test/'), pick('ftp://x', 'x')), 30], timeout: [duration, 30] })
      .map((o) => call('Webhook.loadTest', o)),
    fc.tuple(g(pick('http://gate.test/approve'), pick('gate')), props({}, { timeout: [duration, 30] })).map(([u, o]) => call('Webhook.confirmRollout', u, o)),
    fc.tuple(g(pick('http://tests.test/run'), pick('')), props({}, { name: [g(pick('acceptance', 'pre-rollout'), pick('', 'A B')), 40], metadata: [g(pick({ type: 'bash' }), pick({ cmd: '' })), 20] }))
      .map(([u, o]) => call('Webhook.preRollout', u, o)),
  );
  /** Clean: only what the strategy takes (mirroring and session affinity with weights, mirroring with blue/green). */
  const weightedExtras = props({}, {
    mirror: [fc.constant(true), 20], sessionAffinity: [props({ cookieName: pick('flagger-cookie') }, { maxAge: [duration, 30] }), 15],
  }).chain((o) => (o.mirror ? props({}, { mirrorWeight: [pick(10, 100), 50] }).map((m) => ({ ...o, ...m })) : fc.constant(o)));
  const flaggerAnalysis = fc.tuple(
    g(
      fc.oneof(
        w(4, fc.tuple(props({ stepWeight: pick(10, 20, 50), maxWeight: pick(50, 100) }), weightedExtras).map(([a, b]) => ({ ...a, ...b }))),
        w(2, fc.tuple(props({ stepWeights: pick([1, 2, 10, 80], [5, 10]) }), weightedExtras).map(([a, b]) => ({ ...a, ...b }))),
        w(2, props({ iterations: pick(10, 1) }, { mirror: [fc.constant(true), 20] })),
        w(2, props({ iterations: pick(10, 5), match: fc.array(headerMatch, { minLength: 1, maxLength: 2 }) })),
      ),
      props({ stepWeight: pick(0, 101, 60), maxWeight: pick(50, 30) }),
      props({ stepWeights: pick([10, 5], [], [0.5, 1]) }),
      props({ iterations: pick(0, 1001) }),
      props({ iterations: pick(10), match: fc.array(match, { minLength: 1, maxLength: 2 }) }),
      fc.constant({}),
    ),
    props({}, {
      interval: [duration, 30],
      threshold: [g(pick(1, 3, 5), pick(0, 1001)), 30],
      stepWeightPromotion: [g(pick(10, 100), pick(0)), 10],
      ...(edgy ? {
        mirror: [bool, 15],
        mirrorWeight: [pick(10, 100, 0), 10],
        sessionAffinity: [props({ cookieName: pick('flagger-cookie', 'a b', '') }, { maxAge: [duration, 30] }), 10],
      } as Record<string, [fc.Arbitrary<Data>, number]> : {}),
      metrics: [edgy ? fc.array(metric, { maxLength: 3 }) : fc.uniqueArray(metric, { maxLength: 3, selector: (m) => (m.$call === 'Metric.prometheus' ? m.args[0] : m.$call) }), 40],
      webhooks: [edgy ? fc.array(webhook, { maxLength: 2 }) : fc.uniqueArray(webhook, { maxLength: 2, selector: (h) => `${h.$call} ${(h.args[1] as any)?.name}` }), 30],
    }),
  ).map(([strategy, rest]) => ({ ...rest, ...strategy }));
  const progressiveServiceArgs = (() => {
    const wl = workload(true);
    return props({ ...wl.required, port: portNumber, analysis: flaggerAnalysis }, {
      ...wl.optional,
      name: [serviceName, 40],
      namespace: [namespaceName, 20],
      containerPort: [portNumber, 10],
      protocol: [httpProtocol, 20],
      hosts: [fc.array(hostName, { maxLength: 2 }), 25],
      gateways: [refs('gateway', 2), 25],
      mesh: [bool, edgy ? 15 : 3],
      timeout: [duration, 10],
      retries: [retries, 10],
      match: [fc.array(match, { maxLength: 2 }), 15],
      trafficPolicy: [trafficPolicy, 10],
      progressDeadline: [duration, 15],
      autoscalerName: [g(pick('web-hpa'), pick('Bad HPA')), 8],
      serviceAccountName: [serviceName, 8],
    }).map((p) => {
      // Clean: a gateway needs hosts; Flagger's Canary takes no maxConnections, connectTimeout or tls credentialName.
      if (!edgy && p.gateways && !(p.hosts as Data[] | undefined)?.length) p.hosts = ['shop.example.com'];
      const policy = p.trafficPolicy as any;
      if (!edgy && policy) p.trafficPolicy = { loadBalancer: policy.loadBalancer, outlierDetection: policy.outlierDetection };
      return [Object.fromEntries(Object.entries(p).filter(([, v]) => v !== undefined))];
    });
  })();

  const templateName = nameFrom('error-rate', 'success-rate', 'custom');
  const rateOptions = props({}, {
    name: [templateName, 30],
    interval: [duration, 30],
    count: [fc.oneof(count, pick(0)), 20],
    failureLimit: [fc.oneof(count, pick(0)), 20],
    address: [g(pick('http://prometheus.istio-system:9090'), pick('prometheus')), 15],
  });
  const analysisMetric = props({
    name: g(pick('errors', 'latency'), pick('', 'a b')),
    query: g(pick('sum(rate(x{svc="{{args.service-name}}"}[1m]))', 'sum(up)'), pick('up{job="{{args.job}}"}', '')),
  }, {
    successCondition: [pick('result[0] <= 5', 'result[0] >= 99'), 80],
    failureCondition: [pick('result[0] > 5'), 30],
    interval: [duration, 30],
    count: [fc.oneof(count, pick(0)), 20],
    failureLimit: [fc.oneof(count, pick(0)), 20],
    initialDelay: [duration, 15],
    address: [g(pick('http://prometheus.istio-system:9090'), pick('p')), 15],
  });
  const analysisTemplate = fc.oneof(
    fc.tuple(g(pick(5, 1, 0), pick(-1, NaN, 101)), rateOptions).map(([n, o]) => call('AnalysisTemplate.errorRate', n, o)),
    fc.tuple(g(pick(99, 95, 100), pick(101)), rateOptions).map(([n, o]) => call('AnalysisTemplate.successRate', n, o)),
    fc.tuple(templateName,
      g(fc.uniqueArray(analysisMetric, { minLength: 1, maxLength: 2, selector: (m) => m.name }), fc.array(analysisMetric, { maxLength: 2 })),
      edgy ? fc.subarray(['service-name', 'job', 'a b']) : fc.constant(['service-name']))
      .map(([n, m, a]) => call('AnalysisTemplate.prometheus', n, m, a)),
  );
  /** The name a template call gives its template. */
  const templateNameOf = (t: CallNode): Data => (t.$call === 'AnalysisTemplate.prometheus' ? t.args[0]
    : (t.args[1] as any)?.name ?? (t.$call === 'AnalysisTemplate.errorRate' ? 'error-rate' : 'success-rate'));
  const routeName = g(pick('jason', 'rule-1', 'insider', 'mirror', 'a', 'gray'), pick('default', 'lane-gray', 'sticky-v2', 'A B', '', ' ', 'x'.repeat(300)));
  /** A step; clean analysis steps name the templates given. */
  const rolloutStep = (names: Data[]) => fc.oneof(
    w(4, percent.map((p) => call('RolloutStep.weight', p))),
    w(3, fc.option(duration, { nil: undefined }).map((d) => (d ? call('RolloutStep.pause', d) : call('RolloutStep.pause')))),
    ...(edgy || names.length > 0 ? [w(1, fc.tuple(edgy ? fc.array(templateName, { maxLength: 2 }) : fc.subarray(names, { minLength: 1 }),
      edgy ? props({}, { 'service-name': [pick('web-canary.shop.svc.cluster.local'), 30], 'job': [pick<Data>('web', 5), 30] }) : fc.constant({}))
      .map(([t, a]) => call('RolloutStep.analysis', t, a)))] : []),
    w(1, fc.tuple(routeName, fc.array(g(headerMatch, match), { maxLength: 2 })).map(([n, m]) => call('RolloutStep.headerRoute', n, m))),
    w(1, routeName.map((n) => call('RolloutStep.removeHeaderRoute', n))),
    w(1, fc.tuple(routeName, fc.array(match, { maxLength: 2 }), fc.option(percent, { nil: undefined }))
      .map(([n, m, p]) => (p === undefined ? call('RolloutStep.mirrorRoute', n, m) : call('RolloutStep.mirrorRoute', n, m, p)))),
    w(1, routeName.map((n) => call('RolloutStep.removeMirrorRoute', n))),
  );
  /** Clean: a first weight above 0 (the canary has pods before a managed route), and the last at 100. */
  const steps = (names: Data[]) => fc.oneof(
    w(3, props({ stepWeight: g(pick(20, 25, 50, 33), pick(0, 101, 1.5)), pause: duration }, { maxWeight: [g(pick(100), pick(50, 0)), 30] }).map((o) => call('RolloutStep.ramp', o))),
    w(5, fc.tuple(fc.array(rolloutStep(names), { maxLength: 5 }), edgy ? fc.boolean() : fc.constant(true))
      .map(([s, finish]) => [...(edgy ? [] : [call('RolloutStep.weight', 20)]), ...s, ...(finish ? [call('RolloutStep.weight', 100)] : [])])),
  );
  const rolloutServiceArgs = (() => {
    const wl = workload(false);
    const templates = fc.oneof(w(2, fc.constant(ABSENT)), w(1, edgy ? fc.array(analysisTemplate, { maxLength: 2 })
      : fc.uniqueArray(analysisTemplate, { minLength: 1, maxLength: 2, selector: templateNameOf })));
    return templates.chain((ts) => {
      const names = ts === ABSENT ? [] : (ts as CallNode[]).map(templateNameOf);
      const background = edgy
        ? props({ templates: fc.array(templateName, { minLength: 1, maxLength: 2 }) }, {
          startingStep: [pick(0, 1, 5, -1, 1.5), 30], args: [pick({ 'service-name': 'x' }, { job: 'web' }, { job: 5 }), 20],
        })
        : props({ templates: names.length > 0 ? fc.subarray(names, { minLength: 1 }) : fc.constant([]) }, { startingStep: [pick(0), 30] });
      return fc.tuple(props({ ...wl.required, port: portNumber, steps: steps(names) }, {
        ...wl.optional,
        name: [serviceName, 40],
        namespace: [namespaceName, 20],
        containerPort: [portNumber, 10],
        protocol: [httpProtocol, 20],
        split: [g(pick(Split.HOST, Split.SUBSET), pick('bogus')), 25],
        allowJumpToFull: [bool, 20],
        analysis: [background, edgy || names.length > 0 ? 50 : 0],
        maxSurge: [g(podCount, pick<Data>('1', 1, '25%')), 15],
        maxUnavailable: [g(podCount, pick<Data>(0, 'x%')), 15],
        abortScaleDownDelay: [duration, 10],
        trafficPolicy: [trafficPolicy, 10],
        apiVersion: [apiVersion, 10],
        serviceAccountName: [serviceName, 8],
        mesh: [bool, edgy ? 10 : 3],
        deploymentOptions: [pick({}), edgy ? 2 : 0],
      }), routePolicy(g(pick('stable', 'canary'), versionName)))
        .map(([p, policy]) => [{ ...p, ...policy, ...(ts === ABSENT ? {} : { analysisTemplates: ts }) }]);
    });
  })();

  const exposeOptions = props({}, {
    hosts: [fc.array(hostName, { minLength: 1, maxLength: 2 }), 60], pathPrefix: [g(pick('/api', '/'), pick('api', '')), 20], rewrite: [rewrite, 15], port: [portNumber, 20],
  });
  const routeOptions = fc.tuple(
    props({ match: matches }, {
      name: [routeName, 40], to: [fc.oneof(w(3, versionSel), w(1, weightsSel)), edgy ? 85 : 100], redirect: [redirect, edgy ? 8 : 0],
    }),
    routePolicy(versionSel, 8),
  ).map(([o, policy]) => ({ ...o, ...policy }));
  const redirectRoute = props({ match: matches, redirect: props({ uri: pick('/new') }, { scheme: [pick('https'), 50] }) }, { name: [routeName, 40] });

  const chart = fc.nat(1);
  const ctor = (k: OpKind, args: fc.Arbitrary<Data[]>) => fc.tuple(chart, constructId, args).map(([c, id, a]): Op => ({ k, chart: c, id, args: a }));
  const constructorOp: fc.Arbitrary<Op> = fc.oneof(
    w(8, ctor('CanaryService', canaryServiceArgs)),
    w(2, ctor('TrafficSplit', trafficSplitArgs)),
    w(4, ctor('MeshGateway', meshGatewayArgs)),
    w(1, ctor('MeshGateway.fromName', fromNameArgs)),
    w(2, ctor('ReleaseLane', releaseLaneArgs)),
    w(2, ctor('ExternalService', externalServiceArgs)),
    w(1, ctor('MeshSidecar', meshSidecarArgs)),
    w(1, ctor('MeshNamespace', meshNamespaceArgs)),
    w(1, ctor('MeshPeerAuthentication', peerAuthenticationArgs)),
    w(1, ctor('MeshAuthorizationPolicy', authorizationPolicyArgs)),
    w(2, ctor('ProgressiveService', progressiveServiceArgs)),
    w(3, ctor('RolloutService', rolloutServiceArgs)),
  );
  const mutatorOp: fc.Arbitrary<Op> = fc.oneof(
    w(1, fc.tuple(chart, fc.subarray(edgy ? [...Object.keys(CHECKS), 'IST9999', 'ist0101'] : Object.keys(CHECKS), { minLength: 1, maxLength: 3 }))
      .map(([c, codes]): Op => ({ k: 'MeshAnalysis.disable', chart: c, args: codes }))),
    w(1, fc.tuple(chart, fc.array(g(pick('db.example.org', 'legacy.shop.svc.cluster.local'), pick('', '*', 'a b')), { minLength: 1, maxLength: 2 }))
      .map(([c, hosts]): Op => ({ k: 'MeshAnalysis.addKnownHosts', chart: c, args: hosts }))),
    w(4, fc.tuple(fc.nat(4), headerName, headerValue, versionSel,
      fc.option(fc.tuple(props({}, { name: [routeName, 30] }), routePolicy(versionSel, 8)), { nil: undefined }))
      .map(([i, n, v, version, options]): Op => ({ k: 'routeHeader', target: ref('routed', i), args: options ? [n, v, version, { ...options[0], ...options[1] }] : [n, v, version] }))),
    w(4, fc.tuple(fc.nat(4), fc.oneof(w(8, routeOptions), w(1, redirectRoute))).map(([i, o]): Op => ({ k: 'addRoute', target: ref('routed', i), args: [o] }))),
    w(2, fc.tuple(fc.nat(4), weightsSel).map(([i, weights]): Op => ({ k: 'shiftWeights', target: ref(edgy ? 'routed' : 'weighted', i), args: [weights] }))),
    w(4, fc.tuple(fc.nat(4), fc.nat(4), fc.option(exposeOptions, { nil: undefined }))
      .map(([i, gw, o]): Op => ({ k: 'exposeVia', target: ref('exposable', i), args: o ? [ref('gateway', gw), o] : [ref('gateway', gw)] }))),
    w(2, fc.tuple(fc.nat(4), fc.nat(4)).map(([i, l]): Op => ({ k: 'addLane', target: ref('canary', i), args: [ref('lane', l)] }))),
    w(2, fc.tuple(fc.nat(4), refs('canary', 2)).map(([l, members]): Op => ({ k: 'include', target: ref('lane', l), args: members }))),
    w(3, fc.tuple(fc.nat(4), props({
      match: matches,
      to: fc.oneof(w(3, fc.nat(4).map((i) => ref('canary', i))),
        w(2, props({ host: g(pick('web', 'web.shop.svc.cluster.local', 'static.assets.svc.cluster.local'), pick('', 'x.example.com')) }, { port: [portNumber, 60] }))),
    }, { name: [routeName, 40], rewrite: [rewrite, 15], port: [portNumber, 15] }))
      .map(([i, o]): Op => ({ k: 'gateway.addRoute', target: ref('meshGateway', i), args: [o] }))),
  );

  const mutation: fc.Arbitrary<Mutation> = fc.record({
    op: fc.nat(20),
    node: fc.nat(200),
    how: fc.oneof(w(6, pick('replace' as const)), w(2, pick('delete' as const)), w(1, pick('wrap' as const, 'unwrap' as const)), w(2, pick('duplicate' as const))),
    junk,
  });
  return fc.record({
    context: fc.oneof(w(8, fc.constant(undefined)), w(2, fc.record({ on: pick('app' as const, 'chart0' as const), value: g(pick<Data>(RoutingApi.GATEWAY_API, RoutingApi.ISTIO), junk) }))),
    charts: fc.array(fc.record({ namespace: fc.oneof(w(5, fc.constant(undefined)), w(4, g(pick<Data>('shop', 'default', 'team-a'), badLabel))) }), { minLength: 1, maxLength: 2 }),
    // Constructors, then the calls on them; sometimes interleaved (sorted by random keys, stable).
    ops: fc.tuple(fc.array(constructorOp, { minLength: 1, maxLength: 5 }), fc.array(mutatorOp, { maxLength: 5 }),
      fc.option(fc.array(fc.nat(9), { minLength: 10, maxLength: 10 }), { nil: undefined, freq: 4 }))
      .map(([made, called, keys]) => {
        const all = [...made, ...called];
        return keys === undefined ? all : all.map((op, i) => ({ op, key: keys[i] })).sort((a, b) => a.key - b.key).map(({ op }) => op);
      }),
    mutations: edgy ? fc.oneof(w(1, fc.constant([])), w(2, fc.array(mutation, { minLength: 1, maxLength: 2 }))) : fc.constant([]),
    tolerant: fc.oneof(w(4, fc.constant(false)), w(1, fc.constant(true))),
  }).map((p) => {
    // Clean: every lane gets members (a lane without any fails the synth), after the services were made.
    const withServices = edgy || p.ops.some((op) => op.k === 'CanaryService');
    p = { ...p, ops: p.ops.filter((op) => withServices || op.k !== 'ReleaseLane') };
    const lanes = edgy ? [] : p.ops.filter((op) => op.k === 'ReleaseLane').map((_, j): Op => ({ k: 'include', target: ref('lane', j), args: [ref('canary', j)] }));
    const ops = [...p.ops, ...lanes];
    return p.context === undefined ? { charts: p.charts, ops, mutations: p.mutations, tolerant: p.tolerant, edgy } : { ...p, ops, edgy };
  });
}

/** Half the programs clean (valid values only), half edgy. */
const programArb: fc.Arbitrary<Program> = fc.oneof(arbitraries(false), arbitraries(true));

/** Percent per version adding up to 100 (cut points), with some versions left out. */
function splitOf(versions: readonly string[], cuts: readonly number[]): Record<string, number> {
  const points = [0, ...versions.slice(1).map((_, i) => (cuts[i] ?? 0) % 101).sort((a, b) => a - b), 100];
  return Object.fromEntries(versions.map((v, i) => [v, points[i + 1] - points[i]]).filter(([, share], i) => share !== 0 || i % 2 === 0));
}

// ---------------------------------------------------------------------------------------------------------------
// Running a program.
// ---------------------------------------------------------------------------------------------------------------

function clone(d: Data): Data {
  if (Array.isArray(d)) return d.map(clone);
  if (isObj(d)) return Object.fromEntries(Object.entries(d).map(([k, v]) => [k, clone(v)]));
  return d;
}

/** The op's argument slots in preorder, not inside foreign factories and special nodes. */
function slots(root: Data[]): Array<{ parent: any; key: string | number }> {
  const out: Array<{ parent: any; key: string | number }> = [];
  const walk = (parent: any, key: string | number) => {
    out.push({ parent, key });
    const d = parent[key];
    if (isCall(d)) {
      if (!FOREIGN.test(d.$call)) d.args.forEach((_, i) => walk(d.args, i));
    } else if (Array.isArray(d)) {
      d.forEach((_, i) => walk(d, i));
    } else if (isObj(d) && !isRef(d) && !isVersion(d) && !isWeights(d) && !isJunk(d)) {
      Object.keys(d).forEach((k) => walk(d, k));
    }
  };
  root.forEach((_, i) => walk(root, i));
  return out;
}

/** The ops with the mutations applied. */
function mutatedOps(program: Program): Op[] {
  const ops = program.ops.map((op) => ({ ...op, args: clone(op.args) as Data[] }));
  for (const m of program.mutations) {
    const op = ops[m.op % ops.length];
    const all = slots(op.args);
    if (all.length === 0) continue;
    const { parent, key } = all[m.node % all.length];
    const value = parent[key];
    switch (m.how) {
      case 'replace': parent[key] = { $junk: clone(m.junk) }; break;
      case 'delete': if (Array.isArray(parent)) parent.splice(key as number, 1); else delete parent[key]; break;
      case 'wrap': parent[key] = { $junk: [value] }; break;
      case 'unwrap': parent[key] = { $junk: Array.isArray(value) ? value[0] : { 0: value } }; break;
      case 'duplicate':
        if (Array.isArray(value) && value.length > 0) value.push(clone(value[m.node % value.length]));
        else if (Array.isArray(parent)) parent.splice(key as number, 0, clone(value));
        else parent[key] = { $junk: [value, clone(value)] };
        break;
    }
  }
  return ops;
}

/** True when a value somewhere in the data passes `test` (a NaN, an Infinity written by the program), so a message may echo it. */
function mentions(d: Data, test: (x: unknown) => boolean): boolean {
  if (test(d)) return true;
  if (Array.isArray(d)) return d.some((x) => mentions(x, test));
  if (isObj(d)) return Object.values(d).some((x) => mentions(x, test));
  return false;
}

interface Ctx {
  readonly charts: Chart[];
  readonly refs: Record<RefKind, Array<{ name: string; value: any }>>;
  readonly vars: Map<string, any>;
  readonly lines: string[];
  experimental: boolean;
  counter: number;
}

const SKIP = Symbol('skip');

/** Resolves references, versions and splits to literal data (constructs as variables); SKIP when a reference has nothing to name. */
function resolve(d: Data, ctx: Ctx, target: any): Data | typeof SKIP {
  if (isRef(d)) {
    const list = ctx.refs[d.$ref];
    return list.length === 0 ? SKIP : { $var: list[d.i % list.length].name };
  }
  if (isVersion(d)) {
    const versions: string[] = target?.release?.versions ?? [];
    return versions.length === 0 ? 'v1' : versions[d.$version % versions.length];
  }
  if (isWeights(d)) return splitOf(target?.release?.versions ?? ['v1'], d.$weights);
  if (isJunk(d)) {
    const inner = resolve(d.$junk, ctx, target);
    return inner === SKIP ? SKIP : { $junk: inner };
  }
  if (isCall(d)) {
    const args = d.args.map((a) => resolve(a, ctx, target));
    return args.includes(SKIP) ? SKIP : { $call: d.$call, args };
  }
  if (Array.isArray(d)) return d.map((x) => resolve(x, ctx, target)).filter((x) => x !== SKIP);
  if (isObj(d)) {
    const entries = Object.entries(d).map(([k, v]) => [k, resolve(v, ctx, target)] as const);
    // A missing reference leaves an optional property out; a gateway route's `to` is not optional.
    if (entries.some(([k, v]) => k === 'to' && v === SKIP)) return SKIP;
    return Object.fromEntries(entries.filter(([, v]) => v !== SKIP));
  }
  return d;
}

/** The values the data stands for. */
function build(d: Data, ctx: Ctx): any {
  if (isVar(d)) return ctx.vars.get(d.$var);
  if (isJunk(d)) return build(d.$junk, ctx);
  if (isCall(d)) {
    const args = d.args.map((a) => build(a, ctx));
    if (d.$call.startsWith('.')) {
      // A mutation that replaced the receiver with junk replaces the call: calling a method on a number is the
      // caller's own TypeError, not the library's.
      const method = args[0]?.[d.$call.slice(1)];
      return typeof method === 'function' ? method.apply(args[0], args.slice(1)) : args[0];
    }
    const [cls, method] = d.$call.split('.');
    return SCOPE[cls][method](...args);
  }
  if (Array.isArray(d)) return d.map((x) => build(x, ctx));
  if (isObj(d)) return Object.fromEntries(Object.entries(d).map(([k, v]) => [k, build(v, ctx)]));
  return d;
}

/** The data as TypeScript. */
function lit(d: Data): string {
  if (d === undefined) return 'undefined';
  if (typeof d === 'number') return Object.is(d, -0) ? '-0' : String(d);
  if (typeof d === 'string') return JSON.stringify(d);
  if (typeof d !== 'object' || d === null) return String(d);
  if (isVar(d)) return d.$var;
  if (isJunk(d)) return `(${lit(d.$junk)} as any)`;
  if (isCall(d)) {
    const args = d.args.map(lit);
    if (d.$call.startsWith('.')) return `${args[0]}${d.$call}(${args.slice(1).join(', ')})`;
    return `${d.$call}(${args.join(', ')})`;
  }
  if (Array.isArray(d)) return `[${d.map(lit).join(', ')}]`;
  const entries = Object.entries(d).map(([k, v]) => `${/^[A-Za-z_$][\w$]*$/.test(k) ? k : JSON.stringify(k)}: ${lit(v)}`);
  return entries.length === 0 ? '{}' : `{ ${entries.join(', ')} }`;
}

interface Run {
  /** The program as TypeScript, up to where it stopped. */
  readonly source: string;
  /** The refusal that ended it, if any; files written before it was thrown. */
  readonly error?: unknown;
  readonly leftovers: string[];
  /** The refusals of mutator calls it caught and went on after. */
  readonly caught: unknown[];
  /** Files written, by name, when it synthesized. */
  readonly files: Record<string, string>;
  readonly experimental: boolean;
  readonly executed: OpKind[];
}

function runProgram(program: Program): Run {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'api-property-'));
  const ctx: Ctx = {
    charts: [],
    refs: { canary: [], routed: [], weighted: [], exposable: [], gateway: [], meshGateway: [], lane: [], external: [], policyTarget: [] },
    vars: new Map(),
    lines: ['const app = new App({ outdir });'],
    experimental: false,
    counter: 0,
  };
  const caught: unknown[] = [];
  const executed: OpKind[] = [];
  try {
    try {
      const app = new App({ outdir });
      if (program.context?.on === 'app') {
        ctx.lines.push(`app.node.setContext(RoutingApiContext.KEY, ${lit(program.context.value)});`);
        app.node.setContext(RoutingApiContext.KEY, build(program.context.value, ctx));
      }
      program.charts.forEach((c, i) => {
        const options = c.namespace === undefined ? '' : `, { namespace: ${lit(c.namespace)} }`;
        ctx.lines.push(`const chart${i} = new Chart(app, 'chart${i}'${options});`);
        const chart = new Chart(app, `chart${i}`, c.namespace === undefined ? undefined : { namespace: c.namespace as string });
        if (i === 0 && program.context?.on === 'chart0') {
          ctx.lines.push(`chart0.node.setContext(RoutingApiContext.KEY, ${lit(program.context.value)});`);
          chart.node.setContext(RoutingApiContext.KEY, build(program.context.value, ctx));
        }
        ctx.charts.push(chart);
      });
      mutatedOps(program).forEach((op, index) => execute(op, index, ctx, program.tolerant, caught, executed));
      ctx.lines.push('app.synth();');
      app.synth();
    } catch (error) {
      return { source: ctx.lines.join('\n'), error, leftovers: fs.readdirSync(outdir), caught, files: {}, experimental: ctx.experimental, executed };
    }
    const files = Object.fromEntries(fs.readdirSync(outdir).sort().map((f) => [f, fs.readFileSync(path.join(outdir, f), 'utf8')]));
    return { source: ctx.lines.join('\n'), leftovers: [], caught, files, experimental: ctx.experimental, executed };
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

function execute(op: Op, index: number, ctx: Ctx, tolerant: boolean, caught: unknown[], executed: OpKind[]): void {
  const constructor = CONSTRUCTORS[op.k];
  if (constructor) {
    const chart = ctx.charts[op.chart! % ctx.charts.length];
    const chartVar = `chart${ctx.charts.indexOf(chart)}`;
    const id = chart.node.tryFindChild(op.id!) ? `${op.id}-${index}` : op.id!;
    const args = op.args.map((a) => resolve(a, ctx, undefined));
    if (args.includes(SKIP)) return;
    const name = `${constructor.prefix}${++ctx.counter}`;
    const callee = op.k === 'MeshGateway.fromName' ? 'MeshGateway.fromName(' : `new ${op.k}(`;
    ctx.lines.push(`const ${name} = ${callee}${[chartVar, JSON.stringify(id), ...args.map(lit)].join(', ')});`);
    executed.push(op.k);
    const built = args.map((a) => build(a, ctx));
    const value = op.k === 'MeshGateway.fromName' ? MeshGateway.fromName(chart, id, built[0], built[1]) : new constructor.cls(chart, id, ...built);
    if (op.k === 'CanaryService' && (built[0] as any)?.gatewayApiExperimental) ctx.experimental = true;
    ctx.vars.set(name, value);
    for (const kind of constructor.refs) ctx.refs[kind].push({ name, value });
    return;
  }
  if (op.k === 'MeshAnalysis.disable' || op.k === 'MeshAnalysis.addKnownHosts') {
    // The app-wide analysis, reached from a chart as users do.
    const c = op.chart! % ctx.charts.length;
    const args = op.args.map((a) => resolve(a, ctx, undefined));
    const method = op.k.split('.')[1];
    const line = `MeshAnalysis.of(chart${c}).${method}(${args.map(lit).join(', ')});`;
    ctx.lines.push(tolerant ? `try { ${line} } catch { /* refused: carry on */ }` : line);
    executed.push(op.k);
    try {
      (MeshAnalysis.of(ctx.charts[c]) as any)[method](...args.map((a) => build(a, ctx)));
    } catch (error) {
      if (!tolerant) throw error;
      caught.push(error);
    }
    return;
  }
  const mutator = MUTATORS[op.k]!;
  const list = ctx.refs[op.target!.$ref];
  if (list.length === 0) return;
  const target = list[op.target!.i % list.length];
  const args = op.args.map((a) => resolve(a, ctx, target.value));
  if (args.includes(SKIP) || (mutator.spread && args.length === 0)) return;
  const line = `${target.name}.${mutator.method}(${args.map(lit).join(', ')});`;
  ctx.lines.push(tolerant ? `try { ${line} } catch { /* refused: carry on */ }` : line);
  executed.push(op.k);
  try {
    target.value[mutator.method](...args.map((a) => build(a, ctx)));
  } catch (error) {
    if (!tolerant) throw error;
    caught.push(error);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The judgement.
// ---------------------------------------------------------------------------------------------------------------

const QUOTED = String.raw`"(?:[^"\\]|\\.)*"`;
/** `<subject>: <problem> (got <value>); <fix>`, the subject a construct (`canary "web"`) or a factory (`Match.headerExact`). */
const OURS = new RegExp(String.raw`^(?:[a-z][a-z ]*[a-z](?: ${QUOTED})?|[A-Z][A-Za-z]*\.[a-zA-Z]+): .+ \(got .+\); .+`, 's');
/** An error finding of the mesh analysis. */
const FINDING = /^mesh analysis: [A-Z]+[0-9]+ error \S+ \S+ \S+: .+; .+/s;
/** cdk8s's list of validation errors, each ours or a finding. */
const SYNTH_LIST = /^Validation failed with the following errors:\n(( {2}\[[^\]]*\] .+)\n?)+$/;

/** What is wrong with a refusal, or undefined when it is ours. */
function refusalProblem(error: unknown, program: Data): string | undefined {
  if (!(error instanceof Error)) return `threw a non-Error: ${String(error)}`;
  if (error.constructor !== Error) return `threw a ${error.constructor.name}: ${error.message}`;
  const message = error.message;
  const lines = SYNTH_LIST.test(message) ? message.split('\n').slice(1).map((l) => l.replace(/^ {2}\[[^\]]*\] /, '')) : [message];
  for (const line of lines) {
    if (!OURS.test(line) && !FINDING.test(line)) return `a message not in our format: ${message}`;
  }
  // What the user wrote may be echoed, quoted; nothing else may say undefined, NaN, Infinity or [object Object].
  const unquoted = message.replace(new RegExp(QUOTED, 'g'), '""');
  const wroteNaN = mentions(program, (x) => typeof x === 'number' && Number.isNaN(x));
  const wroteInfinity = mentions(program, (x) => x === Infinity || x === -Infinity || (typeof x === 'number' && Math.abs(x) > 1e300));
  if (/\bundefined\b/.test(unquoted)) return `a message saying "undefined": ${message}`;
  if (/\[object Object\]/.test(message)) return `a message saying "[object Object]": ${message}`;
  if (/NaN/.test(unquoted) && !wroteNaN) return `a message saying "NaN", which the program never wrote: ${message}`;
  if (/Infinity/.test(unquoted) && !wroteInfinity) return `a message saying "Infinity", which the program never wrote: ${message}`;
  return undefined;
}

/** The objects of YAML files. */
function objectsOf(files: Record<string, string>): any[] {
  return Object.values(files).flatMap((text) => parseAllDocuments(text).map((doc) => doc.toJS())).filter((o) => o);
}

/** What is wrong with a synthesized output: schema findings, or two objects the API server takes for one. */
function outputProblems(run: Run): string[] {
  const schemas = run.experimental ? experimentalSchemas : standardSchemas;
  const problems: string[] = [];
  const seen = new Map<string, string>();
  for (const obj of objectsOf(run.files)) {
    const id = `${obj.kind} ${obj.metadata?.namespace ? `${obj.metadata.namespace}/` : ''}${obj.metadata?.name}`;
    for (const f of schemas?.validate(obj) ?? []) problems.push(`${obj.apiVersion} ${id}: ${f.path}: ${f.message}`);
    const group = String(obj.apiVersion).includes('/') ? String(obj.apiVersion).split('/')[0] : '';
    const key = `${group} ${id}`;
    const json = JSON.stringify(obj);
    if (seen.has(key) && seen.get(key) !== json) problems.push(`two different objects are one to the API server (the last applied wins): ${key}`);
    seen.set(key, json);
  }
  return problems;
}

/** The verdict of one program: undefined when it holds, else what broke it, with the program. */
function judge(program: Program, run: Run): string | undefined {
  const written = { ...program, ops: mutatedOps(program) };
  const problems: string[] = [];
  for (const error of run.caught) {
    const p = refusalProblem(error, written);
    if (p) problems.push(`a refused call (caught): ${p}`);
  }
  if (run.error !== undefined) {
    const p = refusalProblem(run.error, written);
    if (p) problems.push(p);
    if (run.leftovers.length > 0) problems.push(`refused, and yet wrote ${run.leftovers.join(', ')} (${(run.error as Error)?.message})`);
  } else {
    problems.push(...outputProblems(run));
  }
  return problems.length === 0 ? undefined : `${problems.join('\n')}\n--- the program (seed ${SEED}) ---\n${run.source}`;
}

interface VerifyProblem { file: string; object: string; check: string; message: string }

/** Runs `verify validate` over files by name; its problems and warnings. */
function verifyFiles(files: Record<string, string>, experimental: boolean): VerifyProblem[] {
  if (Object.keys(files).length === 0) return [];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'api-property-verify-'));
  try {
    for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
    const r = runVerify(['validate', dir, '--crds', CRD_DIR, '--json', ...(experimental ? ['--experimental'] : [])]);
    if (r.status !== 0 && r.status !== 1) throw new Error(`verify validate failed (${r.status}): ${r.stderr}`);
    const result = JSON.parse(r.stdout);
    return [...result.problems, ...result.warnings.map((p: VerifyProblem) => ({ ...p, check: `warning ${p.check}` }))];
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** A problem's class: its check and message with names and numbers left out. */
function problemClass(p: VerifyProblem): string {
  // Of Istio's `N errors occurred: * a * b`, the first; hosts, names and numbers left out.
  const first = /errors? occurred:\s*\*\s*([^\n]*)/.exec(p.message)?.[1] ?? p.message;
  const message = p.message.replace(/\d+ errors? occurred:[\s\S]*/, first);
  return `${p.check}: ${message.replace(/"[^"]*"/g, '"…"').replace(/(\*|[a-z0-9*-]+)(\.[a-z0-9-]+)+|\*/g, 'H').replace(/\d+/g, 'N')}`;
}

// ---------------------------------------------------------------------------------------------------------------
// Minimizing a failing program: fast-check's shrinker cannot see through the chained arbitraries, so a failure is
// reduced by leaving things out of its data (delta debugging), keeping its class of failure. Verify takes a second
// a call, so the candidates of a round are judged together in one call.
// ---------------------------------------------------------------------------------------------------------------

/** The program with its mutations written into its ops. */
function baked(program: Program): Program {
  return { ...program, ops: mutatedOps(program), mutations: [] };
}

/** Programs one edit smaller: without an op, the second chart, a chart's namespace, the context, or an argument, property or element. */
function smaller(program: Program): Program[] {
  const out: Program[] = [];
  const { context, ...noContext } = program;
  if (context !== undefined) out.push(noContext);
  if (program.tolerant) out.push({ ...program, tolerant: false });
  if (program.charts.length > 1) out.push({ ...program, charts: program.charts.slice(0, 1) });
  program.charts.forEach((c, i) => {
    if (c.namespace !== undefined) out.push({ ...program, charts: program.charts.map((d, j) => (j === i ? {} : d)) });
  });
  program.ops.forEach((_, i) => {
    if (program.ops.length > 1) out.push({ ...program, ops: program.ops.filter((__, j) => j !== i) });
  });
  program.ops.forEach((op, i) => {
    slots(op.args).forEach((_, k) => {
      const args = clone(op.args) as Data[];
      const { parent, key } = slots(args)[k];
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else delete parent[key];
      out.push({ ...program, ops: program.ops.map((o, j) => (j === i ? { ...o, args } : o)) });
    });
  });
  return out;
}

/**
 * Reduces `program` while `firstFailing` (the index of a candidate that still fails the same way, or -1) finds a
 * smaller one, for at most `timeLimit` ms.
 */
function minimize(program: Program, firstFailing: (candidates: Program[]) => number, timeLimit: number): Program {
  const deadline = Date.now() + timeLimit;
  let current = baked(program);
  for (;;) {
    if (Date.now() > deadline) return current;
    const candidates = smaller(current);
    const i = firstFailing(candidates);
    if (i < 0) return current;
    current = candidates[i];
  }
}

/** A failure's class: its first line, names and numbers left out. */
function failureClass(problem: string): string {
  return problem.split('\n')[0].replace(/"(?:[^"\\]|\\.)*"/g, '"…"').replace(/\d+(\.\d+)?(e[-+]?\d+)?/g, 'N');
}

/** The smallest program failing the property as `program` does, as TypeScript with its problem. */
function minimizeFailure(program: Program, timeLimit = 60_000): string {
  const cls = failureClass(judge(program, runProgram(program)) ?? '');
  const smallest = minimize(program, (candidates) => candidates.findIndex((c) => {
    const problem = judge(c, runProgram(c));
    return problem !== undefined && failureClass(problem) === cls;
  }), timeLimit);
  return judge(smallest, runProgram(smallest)) ?? '(the minimized program no longer fails)';
}

/** The smallest program whose output verify refuses as `program`'s (problem class `cls`), as TypeScript with its problems. */
function minimizeVerifyFailure(program: Program, cls: string, experimental: boolean, timeLimit = 120_000): string {
  const smallest = minimize(program, (candidates) => {
    const files: Record<string, string> = {};
    candidates.forEach((c, i) => {
      // Only candidates that hold the rest of the property: synthesized, schema-valid output.
      const run = runProgram(c);
      if (run.error !== undefined || run.experimental !== experimental || judge(c, run) !== undefined) return;
      for (const [file, text] of Object.entries(run.files)) files[`c${i}-${file}`] = text;
    });
    const failing = verifyFiles(files, experimental).filter((p) => problemClass(p) === cls)
      .map((p) => Number(/^c(\d+)-/.exec(path.basename(p.file.split('#')[0]))![1]));
    return failing.length === 0 ? -1 : Math.min(...failing);
  }, timeLimit);
  const run = runProgram(smallest);
  const problems = verifyFiles(run.files, experimental).map((p) => `  ${p.object}: ${p.check}: ${p.message.replace(/\n/g, ' ')}`);
  return `${problems.join('\n')}\n--- the program, minimized (seed ${SEED}) ---\n${run.source}`;
}

describe('the public API under random programs', () => {
  test('every program is refused in our format and writes nothing, or synthesizes output the API server and istiod admit', () => {
    const outputs: Array<Record<string, string>> = [{}, {}]; // standard, experimental: file -> text
    const programOfFile = new Map<string, Program>();
    let index = -1;
    let synthesized = 0;
    fc.assert(fc.property(programArb, (program) => {
      index += 1;
      const run = runProgram(program);
      const problem = judge(program, run);
      if (problem) throw new Error(problem);
      if (run.error === undefined) {
        synthesized += 1;
        for (const [file, text] of Object.entries(run.files)) {
          outputs[run.experimental ? 1 : 0][`run${index}-${file}`] = text;
          programOfFile.set(`run${index}-${file}`, program);
        }
      }
    }), {
      numRuns: RUNS,
      seed: SEED,
      // fast-check's shrinking, then the minimizer's, and the program as TypeScript.
      reporter: (details) => {
        if (!details.failed) return;
        const minimized = details.counterexample ? `\n\nMinimized:\n${minimizeFailure(details.counterexample[0])}` : '';
        throw new Error(`${fc.defaultReportMessage(details)}${minimized}`);
      },
    });
    // A property that nothing synthesizes under would hold vacuously.
    if (RUNS >= 200) expect(synthesized).toBeGreaterThan(RUNS * 0.05);
    if (!HAVE_CRDS) return;
    // The judge nobody here wrote, once for all runs: the admission code of the API server and istiod. A problem's
    // program is minimized too (a minute for each of the first three classes).
    const failures: string[] = [];
    [false, true].forEach((experimental) => {
      const byClass = new Map<string, VerifyProblem>();
      for (const p of verifyFiles(outputs[experimental ? 1 : 0], experimental)) if (!byClass.has(problemClass(p))) byClass.set(problemClass(p), p);
      for (const [cls, p] of byClass) {
        const file = path.basename(p.file.split('#')[0]);
        const program = programOfFile.get(file)!;
        failures.push(`verify validate${experimental ? ' --experimental' : ''}: ${cls}\n  (${file}: ${p.object})\n${failures.length < 3
          ? minimizeVerifyFailure(program, cls, experimental, 60_000)
          : `--- the program (seed ${SEED}) ---\n${runProgram(program).source}`}`);
      }
    });
    if (failures.length > 0) throw new Error(`${failures.length} classes of output that verify validate refuses:\n\n${failures.join('\n\n')}`);
  }, Math.max(600_000, RUNS * 400));
});
