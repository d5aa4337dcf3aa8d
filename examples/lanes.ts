/**
 * Full-link gray lanes (全链路灰度): the cat -> mouse chain, where `env: gray` at the ingress reaches cat-gray and
 * cat-gray's call reaches mouse-gray, and a chart with two lanes side by side.
 */
import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { CanaryService, MeshGateway, MeshNamespace, ReleaseLane } from '../src';

function service(scope: Construct, name: string, versions: string[]): CanaryService {
  return new CanaryService(scope, name, {
    port: 8080,
    versions: versions.map((version) => ({ name: version, image: `registry.example.com/${name}:${version}`, replicas: version === 'prod' ? 2 : 1 })),
  });
}

/**
 * The cat -> mouse gray lane: requests with `env: gray` at `cat.lane.gray.com` go to cat-gray, and cat-gray's
 * calls to mouse go to mouse-gray, by header and (sticky) by the caller's version; everything else stays on prod.
 */
export class CatMouseLaneChart extends Chart {
  public readonly cat: CanaryService;
  public readonly mouse: CanaryService;
  public readonly lane: ReleaseLane;

  constructor(scope: Construct, id: string) {
    super(scope, id, { namespace: 'lane' });
    new MeshNamespace(this, 'lane');
    // Its own host, so that it shares the ingress gateway with the cat-mouse-gateway chart's *.istio.gray.com.
    const gateway = new MeshGateway(this, 'gray-gateway', { hosts: ['*.lane.gray.com'] });
    this.lane = new ReleaseLane(this, 'gray', { header: { name: 'env', value: 'gray' }, sticky: true });
    this.cat = service(this, 'cat', ['prod', 'gray']);
    this.mouse = service(this, 'mouse', ['prod', 'gray']);
    this.lane.include(this.cat, this.mouse);
    this.cat.exposeVia(gateway, { hosts: ['cat.lane.gray.com'] });
  }
}

/**
 * Two lanes on one chain: `env: gray` and `env: daily`. mouse has no daily version, so the daily lane's calls to it
 * go to mouse's stable version (prod), not to its gray one; dog is in the gray lane only.
 */
export class TwoLanesChart extends Chart {
  public readonly cat: CanaryService;
  public readonly mouse: CanaryService;
  public readonly dog: CanaryService;

  constructor(scope: Construct, id: string) {
    super(scope, id, { namespace: 'lanes' });
    new MeshNamespace(this, 'lanes');
    const gray = new ReleaseLane(this, 'gray', { header: { name: 'env', value: 'gray' } });
    const daily = new ReleaseLane(this, 'daily', { header: { name: 'env', value: 'daily' } });
    this.cat = service(this, 'cat', ['prod', 'gray', 'daily']);
    this.mouse = service(this, 'mouse', ['prod', 'gray']);
    this.dog = service(this, 'dog', ['prod', 'gray']);
    gray.include(this.cat, this.mouse, this.dog);
    daily.include(this.cat, this.mouse);
  }
}

/** The lane charts, by output file name. */
export const LANE_CHARTS = {
  'cat-mouse-lane': CatMouseLaneChart,
  'two-lanes': TwoLanesChart,
} as const;
