/**
 * The benchmark's workload: N CanaryServices, each with three versions (80/15/5), one header rule, exposed through a
 * MeshGateway; the mesh analysis runs as in every synth. Two layouts: all services in one chart, and a chart
 * (namespace) per team of TEAM_SIZE services with the team's own gateway, as larger teams lay out their apps.
 */
import { App, Chart } from 'cdk8s';
import { CanaryService, MeshGateway } from '../src';

export const VERSIONS = ['v1', 'v2', 'v3'];
export const WEIGHTS = { v1: 80, v2: 15, v3: 5 };
/** Services per chart in the chart-per-team layout. */
export const TEAM_SIZE = 10;

/** How the services are spread over charts. */
export type Layout = 'one-chart' | 'chart-per-team';
export const LAYOUTS: readonly Layout[] = ['one-chart', 'chart-per-team'];

/** Builds the benchmark app in `app`. */
export function buildScenario(app: App, n: number, layout: Layout = 'one-chart'): void {
  if (layout === 'one-chart') {
    addServices(app, 'bench', 0, n);
    return;
  }
  for (let first = 0; first < n; first += TEAM_SIZE) {
    addServices(app, `team-${first / TEAM_SIZE}`, first, Math.min(n, first + TEAM_SIZE));
  }
}

/** A chart (namespace) with services `from` to `to` (exclusive) behind one gateway of its own. */
function addServices(app: App, namespace: string, from: number, to: number): void {
  const chart = new Chart(app, namespace, { namespace });
  const gateway = new MeshGateway(chart, 'gateway', { hosts: [`*.${namespace}.example.com`] });
  for (let i = from; i < to; i++) {
    const name = `svc-${i}`;
    const service = new CanaryService(chart, name, {
      port: 8080,
      versions: VERSIONS.map((v) => ({ name: v, image: `registry.example.com/${name}:${v}`, replicas: 1 })),
      weights: WEIGHTS,
    });
    service.routeHeader('x-canary', 'always', 'v3');
    service.exposeVia(gateway, { hosts: [`${name}.${namespace}.example.com`] });
  }
}
