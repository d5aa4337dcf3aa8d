import { Testing, Yaml } from 'cdk8s';
import * as fc from 'fast-check';
import { CanaryService, Match, Protocol } from '../src';
import { newChart, only } from './util';
import { isHttpProtocol } from '../src/model/protocol';

const label = fc.stringMatching(/^[a-z][a-z0-9]{0,7}$/);

/** Splits 100 into `n` whole percentages. */
function percentages(n: number): fc.Arbitrary<number[]> {
  return fc.array(fc.integer({ min: 0, max: 100 }), { minLength: n - 1, maxLength: n - 1 }).map((cuts) => {
    const sorted = [0, ...cuts.sort((a, b) => a - b), 100];
    return sorted.slice(1).map((c, i) => c - sorted[i]);
  });
}

/** A random valid release: 1-4 versions, a default split, up to 3 header rules with their own splits. */
const releaseArb = fc.uniqueArray(label, { minLength: 1, maxLength: 4 }).chain((versions) => fc.record({
  name: label,
  versions: fc.constant(versions),
  weights: percentages(versions.length),
  rules: fc.uniqueArray(fc.record({ value: label, weights: percentages(versions.length) }), { maxLength: 3, selector: (r) => r.value }),
}));

type ReleaseInput = typeof releaseArb extends fc.Arbitrary<infer T> ? T : never;
const toWeights = (versions: string[], weights: number[]) => Object.fromEntries(versions.map((v, i) => [v, weights[i]]));

function build(input: ReleaseInput) {
  const chart = newChart('prop');
  const service = new CanaryService(chart, input.name, {
    port: 8080,
    versions: input.versions.map((name) => ({ name, image: `app:${name}` })),
    weights: toWeights(input.versions, input.weights),
  });
  for (const rule of input.rules) {
    service.addRoute({ name: `lane-${rule.value}`, match: [Match.headerExact('x-lane', rule.value)], to: toWeights(input.versions, rule.weights) });
  }
  return { chart, objects: Testing.synth(chart) };
}

describe('random valid releases', () => {
  test('routes, subsets, Deployments and the Service always fit together', () => {
    fc.assert(fc.property(releaseArb, (input) => {
      const { objects } = build(input);
      const dr = only(objects, 'DestinationRule');
      const vs = only(objects, 'VirtualService');
      const service = only(objects, 'Service');
      const deployments = objects.filter((o) => o.kind === 'Deployment');
      const podLabels = deployments.map((d) => d.spec.template.metadata.labels);
      const selects = (selector: Record<string, string>, labels: Record<string, string>) =>
        Object.entries(selector).every(([k, v]) => labels[k] === v);

      // Every destination subset exists in the DestinationRule, on the same host.
      const subsetNames = dr.spec.subsets.map((s: any) => s.name);
      for (const route of vs.spec.http) {
        for (const d of route.route) {
          expect(subsetNames).toContain(d.destination.subset);
          expect(d.destination.host).toBe(dr.spec.host);
        }
      }
      // Every subset selects exactly one Deployment's pods, and that Deployment selects its own pods.
      for (const subset of dr.spec.subsets) {
        expect(podLabels.filter((labels) => selects(subset.labels, labels))).toHaveLength(1);
      }
      for (const d of deployments) expect(selects(d.spec.selector.matchLabels, d.spec.template.metadata.labels)).toBe(true);
      // The Service selects every version.
      for (const labels of podLabels) expect(selects(service.spec.selector, labels)).toBe(true);
      // The default route is last, and its weights add up to 100.
      const last = vs.spec.http[vs.spec.http.length - 1];
      expect(last.match).toBeUndefined();
      const total = last.route.reduce((sum: number, d: any) => sum + (d.weight ?? 100), 0);
      expect(total).toBe(100);
      expect(vs.spec.http).toHaveLength(input.rules.length + 1);
    }), { numRuns: 200 });
  });

  test('synthesizing twice gives byte-identical YAML', () => {
    fc.assert(fc.property(releaseArb, (input) => {
      expect(Yaml.stringify(...build(input).objects)).toBe(Yaml.stringify(...build(input).objects));
    }), { numRuns: 100 });
  });
});

describe('random port sets', () => {
  const portsArb = fc.uniqueArray(
    // Valid ports: the sidecar's own (15000-15090) are refused as container ports (test/input-checks.test.ts).
    fc.record({
      number: fc.integer({ min: 1, max: 65535 }).filter((n) => n < 15000 || n > 15090),
      protocol: fc.constantFrom(...Object.values(Protocol)),
    }),
    { minLength: 1, maxLength: 4, selector: (p) => p.number },
  );

  test('every port gets exactly one default route, and destinations name their route\'s port when there are several', () => {
    fc.assert(fc.property(portsArb, (ports) => {
      const chart = newChart('prop');
      new CanaryService(chart, 'app', { ports, versions: [{ name: 'v1', image: 'a' }, { name: 'v2', image: 'b' }], weights: { v1: 70, v2: 30 } });
      const objects = Testing.synth(chart);
      const vs = only(objects, 'VirtualService').spec;
      const httpPorts = ports.filter((p) => isHttpProtocol(p.protocol));
      const tcpPorts = ports.filter((p) => !isHttpProtocol(p.protocol));
      const routes = [...(vs.http ?? []).map((r: any) => ({ ...r, kind: 'http' })), ...(vs.tcp ?? []).map((r: any) => ({ ...r, kind: 'tcp' }))];
      expect(routes).toHaveLength(ports.length); // no rules: one default route per port
      for (const port of ports) {
        const kind = isHttpProtocol(port.protocol) ? 'http' : 'tcp';
        const sameKind = kind === 'http' ? httpPorts : tcpPorts;
        const mine = routes.filter((r) => r.kind === kind && (sameKind.length === 1 || r.match?.[0]?.port === port.number));
        expect(mine).toHaveLength(1);
        for (const d of mine[0].route) {
          expect(d.destination.port).toEqual(ports.length > 1 ? { number: port.number } : undefined);
        }
      }
      const service = only(objects, 'Service').spec.ports;
      const container = only(objects, 'Deployment', 'app-v1').spec.template.spec.containers[0].ports;
      expect(service.map((p: any) => p.name)).toEqual(container.map((p: any) => p.name));
      for (const p of service) expect(p.name === p.appProtocol || p.name.startsWith(`${p.appProtocol}-`)).toBe(true);
    }), { numRuns: 300 });
  });
});
