/**
 * Every example chart, by its output file name: `examples/main.ts` synthesizes them into manifests/, the tests
 * snapshot and check each one.
 */
import { App, Chart } from 'cdk8s';
import { EGRESS_CHARTS } from './egress';
import { GATEWAY_API_CHARTS } from './gateway-api';
import { HOST_SPLIT_CHARTS } from './host-split';
import { LANE_CHARTS } from './lanes';
import { PROGRESSIVE_CHARTS } from './progressive';
import { RELEASE_WALK_CHARTS } from './release-walk';
import { SEED_CHARTS } from './scenarios';
import { TRAFFIC_POLICY_CHARTS } from './traffic-policies';

/** Every example chart, by its output file name. */
export const EXAMPLE_CHARTS = {
  ...SEED_CHARTS,
  ...TRAFFIC_POLICY_CHARTS,
  ...HOST_SPLIT_CHARTS,
  ...LANE_CHARTS,
  ...EGRESS_CHARTS,
  ...PROGRESSIVE_CHARTS,
  ...GATEWAY_API_CHARTS,
  ...RELEASE_WALK_CHARTS,
} as const;

/** Adds every example chart to `app`. */
export function addExampleCharts(app: App): Chart[] {
  return Object.entries(EXAMPLE_CHARTS).map(([id, ChartClass]) => new ChartClass(app, id));
}
