/**
 * A release walked from v1 alone to v2 alone, one pull request per step, applied the way kubectl, Argo CD and Flux
 * apply: after every object applied or pruned (a Deployment the change creates has no ready pod until the change is
 * applied), every request to the service must be served (no 503 NC, no 503 UH).
 * The walk with a draining step passes for every applier; the shortcuts (v1 removed while routed, v2 added with
 * traffic) fail for some applier, and `diff` says which two steps to take instead.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Testing } from 'cdk8s';
import { stringify } from 'yaml';
import { ReleaseWalkChart, RELEASE_WALK_STEPS } from '../examples/release-walk';
import { CanaryService, DefaultRoute, Split, VersionProps } from '../src';
import { newChart, only } from './util';
import { CRD_DIR, compareWithPilot, describeDisagreement } from './verify-tool';
import { K8sObject, TrafficRequest, diffTraffic, explain, renderDiff } from '../src/analysis';
import { main } from '../src/cli/main';

const HOST = 'reviews.walk.svc.cluster.local';
const V1: VersionProps = { name: 'v1', image: 'registry.example.com/reviews:1' };
const V2: VersionProps = { name: 'v2', image: 'registry.example.com/reviews:2' };

/** The names of the walk's steps, and the objects of each (examples/release-walk.ts). */
const STEPS = RELEASE_WALK_STEPS.map((name) => ({ name }));

function walkStates(split?: Split): K8sObject[][] {
  return RELEASE_WALK_STEPS.map((_name, step) => Testing.synth(new ReleaseWalkChart(Testing.app(), 'release-walk', { step, split })));
}

const STATES = walkStates();

/** The requests a client sends: plain, and asking for each version by header. */
const REQUESTS: TrafficRequest[] = [
  { host: HOST },
  { host: HOST, headers: { 'x-version': 'v1' } },
  { host: HOST, headers: { 'x-version': 'v2' } },
];

const keyOf = (o: K8sObject) => `${o.kind} ${o.metadata?.namespace ?? ''}/${o.metadata?.name}`;

/** The requests not served in `objects`: each with the failure its client sees. */
function failures(objects: readonly K8sObject[]): string[] {
  return REQUESTS.flatMap((request) => {
    const e = explain(objects, request);
    const failing = e.destinations.filter((d) => d.probability > 0 && d.failure);
    if (e.outcome !== 'routed' || failing.length > 0) {
      const failed = failing.map((d) => d.failure).join('; ') || e.outcome;
      return [`${JSON.stringify(request.headers ?? {})}: ${e.outcome === 'partly failing' ? 'partly failing: ' : ''}${failed}`];
    }
    return [];
  });
}

/** One action of an applier: objects applied together, or one object pruned. */
type Action = { apply: K8sObject[] } | { prune: string };

/** Argo CD's kind order (gitops-engine pkg/sync/sync_tasks.go); kinds not listed (custom resources) come after these. */
const ARGO_KIND_ORDER = ['Namespace', 'NetworkPolicy', 'ResourceQuota', 'LimitRange', 'PodSecurityPolicy', 'PodDisruptionBudget',
  'ServiceAccount', 'Secret', 'SecretList', 'ConfigMap', 'StorageClass', 'PersistentVolume', 'PersistentVolumeClaim',
  'CustomResourceDefinition', 'ClusterRole', 'ClusterRoleList', 'ClusterRoleBinding', 'ClusterRoleBindingList', 'Role', 'RoleList',
  'RoleBinding', 'RoleBindingList', 'Service', 'DaemonSet', 'Pod', 'ReplicationController', 'ReplicaSet', 'Deployment',
  'HorizontalPodAutoscaler', 'StatefulSet', 'Job', 'CronJob', 'IngressClass', 'Ingress', 'APIService'];

const argoRank = (o: K8sObject) => {
  const i = ARGO_KIND_ORDER.indexOf(o.kind ?? '');
  return i < 0 ? 0 : i - ARGO_KIND_ORDER.length;
};
const wave = (o: K8sObject) => Number(o.metadata?.annotations?.['argocd.argoproj.io/sync-wave'] ?? 0);

/**
 * Argo CD sorts by sync wave, then kind, then name; objects equal on all three (a DestinationRule and a VirtualService
 * both named `reviews`, both custom resources) come in no fixed order, so both orders are tried. Removed objects are
 * pruned after the sync.
 */
function argoOrders(objects: readonly K8sObject[]): K8sObject[][] {
  const sorted = (tieBreak: number) => objects.map((o, i) => ({ o, i })).sort((a, b) => wave(a.o) - wave(b.o) || argoRank(a.o) - argoRank(b.o)
    || (a.o.metadata?.name ?? '').localeCompare(b.o.metadata?.name ?? '') || tieBreak * (a.i - b.i)).map((x) => x.o);
  return [sorted(1), sorted(-1)];
}

/** The applier's actions from one state to the next, in each order it may take. */
const APPLIERS: Record<string, (from: readonly K8sObject[], to: readonly K8sObject[]) => Action[][]> = {
  // kubectl apply -f <file> --prune: each object in file order, then each object no longer in the file.
  'kubectl': (from, to) => [[...to.map((o) => ({ apply: [o] })), ...pruned(from, to)]],
  'Argo CD': (from, to) => argoOrders(to).flatMap((order) => [
    [...order.map((o): Action => ({ apply: [o] })), ...pruned(from, to)],
    // Without PruneLast, a removed object may go in its wave, before the objects applied after it.
    [...pruned(from, to), ...order.map((o): Action => ({ apply: [o] }))],
  ]),
  // Flux: one server-side apply of everything, then garbage collection of what is gone.
  'Flux': (from, to) => [[{ apply: [...to] }, ...pruned(from, to)]],
};

function pruned(from: readonly K8sObject[], to: readonly K8sObject[]): Action[] {
  const kept = new Set(to.map(keyOf));
  return from.filter((o) => !kept.has(keyOf(o))).map((o) => ({ prune: keyOf(o) }));
}

/**
 * A Deployment the change creates has no ready pod while the change is being applied: its pods start after it is
 * created, and no applier waits for them between the objects of one change (Argo CD waits between waves; we write none).
 */
function notReadyYet(o: K8sObject, existing: ReadonlyMap<string, K8sObject>): K8sObject {
  return o.kind === 'Deployment' && !existing.has(keyOf(o)) ? { ...o, spec: { ...o.spec, replicas: 0 } } : o;
}

/** Every intermediate state of `actions` applied to `from` that fails a request, named by the action that led there. */
function walk(from: readonly K8sObject[], actions: readonly Action[]): string[] {
  const before = new Map(from.map((o) => [keyOf(o), o]));
  const live = new Map(before);
  const problems: string[] = [];
  for (const action of actions) {
    if ('prune' in action) live.delete(action.prune);
    else for (const o of action.apply) live.set(keyOf(o), notReadyYet(o, before));
    const failed = failures([...live.values()]);
    const what = 'prune' in action ? `pruned ${action.prune}` : `applied ${action.apply.map(keyOf).join(', ')}`;
    problems.push(...failed.map((f) => `after ${what}: ${f}`));
  }
  return problems;
}

/** The failures of each applier going from one state to the next. */
function transition(from: readonly K8sObject[], to: readonly K8sObject[]): Record<string, string[]> {
  return Object.fromEntries(Object.entries(APPLIERS).map(([name, applier]) => [name, applier(from, to).flatMap((actions) => walk(from, actions))]));
}

describe('the release walk, one pull request per step', () => {
  test('every state serves every request', () => {
    expect(STATES.map((state, i) => ({ step: STEPS[i].name, failures: failures(state) })))
      .toEqual(STEPS.map((step) => ({ step: step.name, failures: [] })));
  });

  const transitions = STEPS.slice(1).map((step, i) => [STEPS[i].name, step.name, i] as const);
  test.each(transitions)('%s -> %s: served after each object, for kubectl, Argo CD and Flux', (_from, _to, i) => {
    expect(transition(STATES[i], STATES[i + 1])).toEqual({ 'kubectl': [], 'Argo CD': [], 'Flux': [] });
  });

  test('diff of each step asks for no second step', () => {
    for (let i = 0; i + 1 < STATES.length; i++) {
      expect(diffTraffic(STATES[i], STATES[i + 1]).filter((c) => c.kind === 'two-steps')).toEqual([]);
    }
  });

  test('the draining version keeps its Deployment and subset, and no route goes to it', () => {
    const drained = STATES[5];
    expect(only(drained, 'Deployment', 'reviews-v1').spec.replicas).toBe(2);
    expect(only(drained, 'DestinationRule', 'reviews').spec.subsets.map((s: any) => s.name)).toEqual(['v1', 'v2']);
    expect(JSON.stringify(only(drained, 'VirtualService', 'reviews').spec)).not.toContain('"subset":"v1"');
  });
});

describe('shortcuts fail some applier, and diff says which two steps to take', () => {
  test('v1 removed in the change that routes away from it (drain skipped)', () => {
    const [from, to] = [STATES[4], STATES[6]];
    const result = transition(from, to);
    // kubectl applies the DestinationRule (subset v1 gone) before the VirtualService (still sending x-version: v1 there).
    expect(result.kubectl[0]).toMatch(/^after applied DestinationRule walk\/reviews: \{"x-version":"v1"\}: 503 NC/);
    expect(result['Argo CD'].length).toBeGreaterThan(0);
    // One server-side apply changes both at once: Flux passes this one.
    expect(result.Flux).toEqual([]);
    const twoSteps = diffTraffic(from, to).filter((c) => c.kind === 'two-steps');
    expect(twoSteps).toEqual([{
      kind: 'two-steps',
      ref: 'walk/reviews',
      text: expect.stringMatching(/^walk\/reviews version v1: removed \(subset v1, its pods\) in the same change as the routes that send it traffic; .*Apply in two steps: first shift traffic away from v1 .*then remove v1$/),
    }]);
    expect(renderDiff(diffTraffic(from, to))).toContain('**Two steps needed** (this change cannot be applied at once without failed requests):\n\n- ⚠️ walk/reviews version v1: removed');
  });

  test('v2 added with traffic in one change', () => {
    const [from, to] = [STATES[0], STATES[2]];
    const result = transition(from, to);
    // Argo CD may apply the VirtualService before the DestinationRule: both custom resources named reviews.
    expect(result['Argo CD']).toContainEqual(expect.stringMatching(/^after applied VirtualService walk\/reviews: .*503 NC: subset v2/));
    // In file order the route comes last, but v2's pods, created by the same change, are not ready yet.
    expect(result.kubectl).toEqual([
      'after applied VirtualService walk/reviews: {}: partly failing: 503 UH: reviews-v2 scaled to 0 replicas',
      'after applied VirtualService walk/reviews: {"x-version":"v2"}: 503 UH: reviews-v2 scaled to 0 replicas',
    ]);
    // Flux applies everything at once: the same two failures, until v2's pods are ready.
    expect(result.Flux.map((f) => f.replace(/^after applied .*VirtualService walk\/reviews: /, ''))).toEqual([
      '{}: partly failing: 503 UH: reviews-v2 scaled to 0 replicas',
      '{"x-version":"v2"}: 503 UH: reviews-v2 scaled to 0 replicas',
    ]);
    const twoSteps = diffTraffic(from, to).filter((c) => c.kind === 'two-steps');
    expect(twoSteps.map((c) => c.text)).toEqual([expect.stringMatching(
      /^walk\/reviews version v2: gets traffic in the same change that adds subset v2 and its pods; .*Apply in two steps: first add v2 at 0%, then shift traffic to it once its pods are ready$/)]);
  });

  test('istio-canary diff prints the two steps, and --exit-code fails', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lifecycle-'));
    try {
      const write = (name: string, objects: K8sObject[]) => {
        fs.writeFileSync(path.join(dir, name), objects.map((o) => stringify(o)).join('---\n'));
        return path.join(dir, name);
      };
      const out: string[] = [];
      const code = main(['diff', write('base.yaml', STATES[4]), write('head.yaml', STATES[6]), '--exit-code'], { out: (t) => out.push(t), err: (t) => out.push(t) });
      expect(code).toBe(1);
      expect(out.join('')).toMatch(/\*\*Two steps needed\*\* .*\n\n- ⚠️ walk\/reviews version v1: removed \(subset v1, its pods\)/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('with a Service per version (Split.HOST): the walk passes, the shortcut fails and diff asks for two steps', () => {
    const states = walkStates(Split.HOST);
    for (let i = 0; i + 1 < states.length; i++) expect(transition(states[i], states[i + 1])).toEqual({ 'kubectl': [], 'Argo CD': [], 'Flux': [] });
    expect(Object.values(transition(states[4], states[6])).flat().length).toBeGreaterThan(0);
    expect(diffTraffic(states[4], states[6]).filter((c) => c.kind === 'two-steps').map((c) => c.text)).toEqual([
      expect.stringMatching(/^walk\/reviews-v1: removed \(its Service\) in the same change as the routes that send it traffic; .*first shift traffic away from walk\/reviews-v1/),
    ]);
  });

  test('removing a version that takes no traffic, or adding one at 0%, needs one step', () => {
    expect(diffTraffic(STATES[5], STATES[6]).filter((c) => c.kind === 'two-steps')).toEqual([]);
    expect(diffTraffic(STATES[0], STATES[1]).filter((c) => c.kind === 'two-steps')).toEqual([]);
  });
});

describe('the example app', () => {
  afterEach(() => { delete process.env.RELEASE_STEP; });

  test('RELEASE_STEP picks the step it synthesizes (2, v2 at 10%, when unset); a step out of range is refused', () => {
    const weights = () => only(Testing.synth(new ReleaseWalkChart(Testing.app(), 'release-walk')), 'VirtualService', 'reviews')
      .spec.http.at(-1).route.map((r: any) => `${r.destination.subset}=${r.weight ?? 100}`);
    expect(weights()).toEqual(['v1=90', 'v2=10']);
    expect(only(Testing.synth(new ReleaseWalkChart(Testing.app(), 'release-walk')), 'Namespace', 'walk').metadata.labels).toEqual({ 'istio-injection': 'enabled' });
    process.env.RELEASE_STEP = '5';
    expect(weights()).toEqual(['v2=100']);
    expect(Testing.synth(new ReleaseWalkChart(Testing.app(), 'release-walk')).filter((o) => o.kind === 'Deployment').map((o) => o.metadata.name))
      .toEqual(['reviews-v1', 'reviews-v2']);
    process.env.RELEASE_STEP = '7';
    expect(() => new ReleaseWalkChart(Testing.app(), 'release-walk')).toThrow('release walk: step must be 0 to 6 (got 7); set RELEASE_STEP to one of them');
  });
});

describe('a draining version', () => {
  const build = (props: Partial<ConstructorParameters<typeof CanaryService>[2]>) => () => new CanaryService(newChart('shop'), 'reviews', {
    port: 9080, versions: [{ ...V1, draining: true }, V2], ...props,
  });

  test('is not the default stable version: the first version that is not draining is', () => {
    const chart = newChart('shop');
    new CanaryService(chart, 'reviews', { port: 9080, versions: [{ ...V1, draining: true }, V2] });
    const vs = only(Testing.synth(chart), 'VirtualService', 'reviews');
    expect(vs.spec.http).toEqual([expect.objectContaining({ route: [expect.objectContaining({ destination: expect.objectContaining({ subset: 'v2' }) })] })]);
  });

  test('refuses a weight, a rule or a stable version that still sends it traffic', () => {
    expect(build({ weights: { v1: 10, v2: 90 } })).toThrow(
      'canary "reviews": version "v1" is draining but the default route still sends it traffic (got v1=10); give its weight to the other versions '
      + '(e.g. shiftWeights({ v2: 100 })), or drain it in two steps: first send its traffic to v2, then mark it draining');
    expect(build({ stable: 'v1' })).toThrow('canary "reviews": the stable version "v1" is draining (got stable v1); make another version stable, e.g. stable: "v2"');
    expect(build({ defaultRoute: DefaultRoute.EVEN })).toThrow(/version "v1" is draining, and the default route gives every version a share/);
    const reviews = build({})();
    expect(() => reviews.routeHeader('x-version', 'v1', 'v1')).toThrow(
      /^canary "reviews": version "v1" is draining but route "x-version-v1" still sends it traffic \(got x-version-v1 → v1=100\); route it to another version/);
    expect(() => reviews.shiftWeights({ v1: 1, v2: 99 })).toThrow(/version "v1" is draining but the default route still sends it traffic/);
  });

  test('refuses every version draining, and a draining value that is not a boolean', () => {
    expect(() => new CanaryService(newChart('shop'), 'reviews', { port: 9080, versions: [{ ...V1, draining: true }], stable: 'v1' }))
      .toThrow(/every version is draining, so no version would take traffic/);
    expect(() => new CanaryService(newChart('shop'), 'reviews', { port: 9080, versions: [{ ...V1, draining: 'yes' as any }, V2] }))
      .toThrow('canary "reviews": version "v1" draining must be true or false (got "yes"); write draining: true, or leave it out');
  });
});

const describeWithCrds = fs.existsSync(CRD_DIR) ? describe : describe.skip;

describeWithCrds('verify routes: Istio\'s pilot serves (or fails) each state as explain says', () => {
  /** Every state the kubectl walk passes through, object by object. */
  const kubectlStates = (from: readonly K8sObject[], to: readonly K8sObject[]): K8sObject[][] => {
    const live = new Map(from.map((o) => [keyOf(o), o]));
    return APPLIERS.kubectl(from, to)[0].map((action) => {
      if ('prune' in action) live.delete(action.prune);
      else for (const o of action.apply) live.set(keyOf(o), o);
      return [...live.values()];
    });
  };
  const inMesh = REQUESTS.map((r) => ({ ...r, from: { namespace: 'walk' } }));

  test('the seven states of the walk, and every state of the shortcut that skips draining (503 NC included)', () => {
    const states = [...STATES, ...kubectlStates(STATES[4], STATES[6])];
    for (const state of states) {
      expect(describeDisagreement(compareWithPilot(state, inMesh)[0])).toBe('none');
    }
  });
});
