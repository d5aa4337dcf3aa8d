/**
 * A release walked from reviews v1 alone to v2 alone, one pull request per step (docs/lifecycle.md): each step is
 * the chart as that pull request leaves it, and every step can be applied in any order without a failed request.
 * `RELEASE_STEP=<0-6> npx cdk8s synth` synthesizes one step; the app synthesizes step 2 (v2 at 10%) by default.
 */
import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { CanaryService, MeshNamespace, Split, VersionProps } from '../src';

const V1: VersionProps = { name: 'v1', image: 'registry.example.com/reviews:1' };
const V2: VersionProps = { name: 'v2', image: 'registry.example.com/reviews:2' };

/** The steps of the walk, in order: what each pull request changes. */
export const RELEASE_WALK_STEPS = ['v1 100%', 'add v2 at 0%', 'v2 10%', 'v2 50%', 'v2 100%', 'drain v1', 'remove v1'] as const;

export interface ReleaseWalkProps {
  /**
   * The step of the walk, an index into RELEASE_WALK_STEPS.
   * @default the RELEASE_STEP environment variable, else 2 (v2 at 10%)
   */
  readonly step?: number;
  /**
   * How the versions are told apart.
   * @default Split.SUBSET
   */
  readonly split?: Split;
}

/** reviews in namespace `walk`, at one step of the walk. */
export class ReleaseWalkChart extends Chart {
  public readonly reviews: CanaryService;

  constructor(scope: Construct, id: string, props: ReleaseWalkProps = {}) {
    super(scope, id, { namespace: 'walk' });
    new MeshNamespace(this, 'walk');
    const step = props.step ?? Number(process.env.RELEASE_STEP ?? 2);
    if (!Number.isInteger(step) || step < 0 || step >= RELEASE_WALK_STEPS.length) {
      throw new Error(`release walk: step must be 0 to ${RELEASE_WALK_STEPS.length - 1} (got ${JSON.stringify(step)}); set RELEASE_STEP to one of them`);
    }
    const reviews = (versions: VersionProps[], weights?: Record<string, number>) =>
      new CanaryService(this, 'reviews', { port: 9080, split: props.split, versions, weights });
    switch (RELEASE_WALK_STEPS[step]) {
      case 'v1 100%':
        this.reviews = reviews([V1]);
        break;
      case 'add v2 at 0%': // v2's pods and subset, no route to them yet
        this.reviews = reviews([V1, V2], { v1: 100 });
        break;
      case 'v2 10%': // once v2's pods are ready; testers pin a version with x-version
        this.reviews = reviews([V1, V2], { v1: 90, v2: 10 });
        this.pin('v1', 'v2');
        break;
      case 'v2 50%':
        this.reviews = reviews([V1, V2], { v1: 50, v2: 50 });
        this.pin('v1', 'v2');
        break;
      case 'v2 100%':
        this.reviews = reviews([V1, V2], { v2: 100 });
        this.pin('v1', 'v2');
        break;
      case 'drain v1': // routes leave v1, its pods and subset stay: the synth refuses any route still reaching it
        this.reviews = reviews([{ ...V1, draining: true }, V2], { v2: 100 });
        this.pin('v2');
        break;
      case 'remove v1':
        this.reviews = reviews([V2]);
        this.pin('v2');
        break;
    }
  }

  /** `x-version: <v>` goes to version v, for each version given. */
  private pin(...versions: string[]): void {
    for (const v of versions) this.reviews.routeHeader('x-version', v, v);
  }
}

/** The release walk chart, by output file name. */
export const RELEASE_WALK_CHARTS = {
  'release-walk': ReleaseWalkChart,
} as const;
