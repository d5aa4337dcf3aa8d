/**
 * The benchmark's workload: N CanaryServices, each with three versions (80/15/5), one header rule, exposed through
 * one shared MeshGateway; the mesh analysis runs as in every synth.
 */
import { App, Chart } from 'cdk8s';
import { CanaryService, MeshGateway } from '../src';

export const VERSIONS = ['v1', 'v2', 'v3'];
export const WEIGHTS = { v1: 80, v2: 15, v3: 5 };

/** Builds the benchmark app in `app`. */
export function buildScenario(app: App, n: number): void {
  const chart = new Chart(app, 'bench', { namespace: 'bench' });
  const gateway = new MeshGateway(chart, 'gateway', { hosts: ['*.bench.example.com'] });
  for (let i = 0; i < n; i++) {
    const name = `svc-${i}`;
    const service = new CanaryService(chart, name, {
      port: 8080,
      versions: VERSIONS.map((v) => ({ name: v, image: `registry.example.com/${name}:${v}`, replicas: 1 })),
      weights: WEIGHTS,
    });
    service.routeHeader('x-canary', 'always', 'v3');
    service.exposeVia(gateway, { hosts: [`${name}.bench.example.com`] });
  }
}
