// Sticky per user (issue 27): N users send 20 requests each and keep their cookies; every request is decided by
// `explain` on the synthesized manifests (the first route that matches, a weighted choice by a seeded PRNG among its
// destinations, the Set-Cookie of the chosen destination or route kept in the user's jar). The share of users on each
// version must be its weight, and no user may change version.
import { Chart } from 'cdk8s';
import { CanaryService, MeshGateway, ReleaseLane, RoutingApi } from '../src';
import { newChart, synth } from './util';
import { TrafficExplanation, TrafficRequest, explain, formatExplanation } from '../src/analysis';

const USERS = 5000;
const REQUESTS = 20;

/** Park and Miller's minimal standard generator: seeded, so the run is the same every time. */
function prng(seed: number): () => number {
  let state = seed % 2147483647 || 1;
  return () => {
    state = (state * 16807) % 2147483647;
    return (state - 1) / 2147483646;
  };
}

interface Outcome {
  /** Percent of users on each version after their last request. */
  readonly shares: Record<string, number>;
  /** Users whose version changed between two of their requests. */
  readonly flipped: number;
}

/** Runs the users against the manifests; `base` is the request without cookies. */
function simulate(objects: any[], base: TrafficRequest, seed = 27): Outcome {
  const random = prng(seed);
  // explain is a pure function of the manifests and the request: one answer per cookie header.
  const answers = new Map<string, TrafficExplanation>();
  const ask = (cookie: string) => {
    let e = answers.get(cookie);
    if (!e) {
      e = explain(objects, { ...base, headers: { ...base.headers, ...(cookie ? { cookie } : {}) } });
      expect({ cookie, outcome: e.outcome }).toEqual({ cookie, outcome: 'routed' });
      answers.set(cookie, e);
    }
    return e;
  };
  const last: Record<string, number> = {};
  let flipped = 0;
  for (let user = 0; user < USERS; user++) {
    const jar = new Map<string, string>();
    const seen = new Set<string>();
    let version = '';
    for (let request = 0; request < REQUESTS; request++) {
      const e = ask([...jar].map(([k, v]) => `${k}=${v}`).join('; '));
      let r = random();
      const chosen = e.destinations.find((d) => (r -= d.probability) < 0) ?? e.destinations[e.destinations.length - 1];
      version = chosen.subset ?? chosen.host.split('.')[0].replace(/^checkout-/, '');
      seen.add(version);
      for (const ops of [e.responseHeaders, chosen.responseHeaders]) {
        const setCookie = ops?.add?.['set-cookie'] ?? ops?.set?.['set-cookie'];
        if (setCookie) {
          const [pair] = setCookie.split(';');
          jar.set(pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1));
        }
      }
    }
    last[version] = (last[version] ?? 0) + 1;
    if (seen.size > 1) flipped++;
  }
  return { shares: Object.fromEntries(Object.entries(last).map(([v, n]) => [v, (100 * n) / USERS])), flipped };
}

function expectShares(outcome: Outcome, weights: Record<string, number>): void {
  if (process.env.SHOW_SHARES) process.stdout.write(`${JSON.stringify(weights)} -> ${JSON.stringify(outcome)}\n`);
  for (const [version, weight] of Object.entries(weights)) {
    const share = outcome.shares[version] ?? 0;
    expect({ version, share, withinTwoPoints: Math.abs(share - weight) <= 2 }).toEqual({ version, share, withinTwoPoints: true });
  }
  expect(outcome.flipped).toBe(0);
}

function checkout(chart: Chart, weights: Record<string, number>, extra: Record<string, unknown> = {}): CanaryService {
  return new CanaryService(chart, 'checkout', {
    port: 8080,
    versions: Object.keys(weights).map((name) => ({ name, image: `checkout:${name}` })),
    weights,
    stickyCanary: { cookieName: 'checkout-version' },
    ...extra,
  });
}

const inMesh: TrafficRequest = { host: 'checkout', from: { namespace: 'shop', labels: { app: 'web' } } };

describe('sticky per user: the share of users on each version is its weight, and no user flips', () => {
  test('90/10 in the mesh', () => {
    const chart = newChart('shop');
    checkout(chart, { v1: 90, v2: 10 });
    const outcome = simulate(synth(chart), inMesh);
    expectShares(outcome, { v1: 90, v2: 10 });
  });

  test('50/30/20 at a gateway', () => {
    const chart = newChart('shop');
    const gateway = new MeshGateway(chart, 'gw', { name: 'shop-gw', hosts: ['shop.example.com'] });
    checkout(chart, { v1: 50, v2: 30, v3: 20 }).exposeVia(gateway);
    const outcome = simulate(synth(chart), { host: 'shop.example.com', gateway: 'shop/shop-gw' });
    expectShares(outcome, { v1: 50, v2: 30, v3: 20 });
  });

  test('50/30/20 under the Gateway API (HTTPRoute: cookie by RegularExpression, Set-Cookie by ResponseHeaderModifier)', () => {
    const chart = newChart('shop');
    checkout(chart, { v1: 50, v2: 30, v3: 20 }, { routingApi: RoutingApi.GATEWAY_API });
    const outcome = simulate(synth(chart), inMesh, 28);
    expectShares(outcome, { v1: 50, v2: 30, v3: 20 });
  });

  test('the old sticky canary (only the canary set the cookie) made most users canary users', () => {
    const chart = newChart('shop');
    checkout(chart, { v1: 90, v2: 10 });
    // The manifests as the old sticky canary wrote them: no rule for v1, no cookie from v1.
    const old = synth(chart).map((o) => (o.kind !== 'VirtualService' ? o : {
      ...o,
      spec: {
        ...o.spec,
        http: o.spec.http.filter((r: any) => r.name !== 'sticky-v1').map((r: any) => ({
          ...r, route: r.route.map((d: any) => (d.destination.subset === 'v1' ? { destination: d.destination, weight: d.weight } : d)),
        })),
      },
    }));
    const outcome = simulate(old, inMesh);
    if (process.env.SHOW_SHARES) process.stdout.write(`old sticky canary, {"v1":90,"v2":10} -> ${JSON.stringify(outcome)}\n`);
    // 1 - 0.9^20 = 88% of users end on the canary (measured 88.0), and every user who started on v1 and left it
    // changed version: 0.9 - 0.9^20 = 78% (measured 3902 of 5000). The sticky service above: 90.04/9.96, no flip.
    expect(Math.round(outcome.shares.v2)).toBe(88);
    expect(Math.round((100 * outcome.flipped) / USERS)).toBe(78);
  });
});

describe('explain on a sticky service', () => {
  test('lists the three cases: no cookie (the split), and each cookie value (its version)', () => {
    const chart = newChart('shop');
    checkout(chart, { v1: 90, v2: 10 });
    const e = explain(synth(chart), inMesh);
    expect(e.rule?.name).toBe('default');
    expect(e.destinations.map((d) => [d.subset, d.probability, d.responseHeaders?.add?.['set-cookie']])).toEqual([
      ['v1', 0.9, 'checkout-version=v1; Max-Age=86400; Path=/'], ['v2', 0.1, 'checkout-version=v2; Max-Age=86400; Path=/'],
    ]);
    expect(e.cookies?.map((c) => [c.cookie, c.rule?.name, c.destinations.map((d) => [d.subset, d.probability])])).toEqual([
      ['checkout-version=v1', 'sticky-v1', [['v1', 1]]],
      ['checkout-version=v2', 'sticky-v2', [['v2', 1]]],
    ]);
    expect(formatExplanation(e).split('\n').slice(-3)).toEqual([
      'with a cookie the responses set:',
      '  cookie checkout-version=v1: rule 1 "sticky-v1" -> 100% checkout.shop.svc.cluster.local subset v1',
      '  cookie checkout-version=v2: rule 2 "sticky-v2" -> 100% checkout.shop.svc.cluster.local subset v2',
    ]);
  });

  test('in a lane: the lane header wins over the cookie, and the lane\'s route sets no cookie', () => {
    const chart = newChart('shop');
    const service = checkout(chart, { v1: 90, v2: 10 });
    new ReleaseLane(chart, 'gray', { header: { name: 'env', value: 'gray' }, version: 'v2' }).include(service);
    const objects = synth(chart);
    const e = explain(objects, { ...inMesh, headers: { env: 'gray', cookie: 'checkout-version=v1' } });
    expect([e.rule?.name, e.destinations.map((d) => d.subset), e.responseHeaders, e.cookies]).toEqual(['lane-gray', ['v2'], undefined, undefined]);
    expect(explain(objects, { ...inMesh, headers: { cookie: 'checkout-version=v2' } }).rule?.name).toBe('sticky-v2');
  });
});
