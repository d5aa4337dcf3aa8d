/** Bookinfo's reviews service as the examples deploy it, shared by the subset and host-level split charts. */
import { Construct } from 'constructs';
import { CanaryService, CanaryServiceProps } from '../src';

/** Bookinfo reviews v1/v2/v3 in the mesh: `end-user: jason` to v2, everyone else 50/10/40. */
export function bookinfoReviews(scope: Construct, options: Partial<CanaryServiceProps> = {}): CanaryService {
  const image = (v: string) => `registry.istio.io/release/examples-bookinfo-reviews-${v}:1.20.3`;
  // WebSphere Liberty writes to /tmp and its output folder; the root filesystem stays read-only.
  const writable = {
    scratchVolumes: [{ name: 'tmp', path: '/tmp' }, { name: 'wlp-output', path: '/opt/ibm/wlp/output' }],
    env: { LOG_DIR: '/tmp/logs' },
  };
  const reviews = new CanaryService(scope, 'reviews', {
    port: 9080,
    versions: [
      { name: 'v1', image: image('v1'), ...writable },
      { name: 'v2', image: image('v2'), replicas: 1, ...writable },
      { name: 'v3', image: image('v3'), ...writable },
    ],
    weights: { v1: 50, v2: 10, v3: 40 },
    ...options,
  });
  reviews.routeHeader('end-user', 'jason', 'v2');
  return reviews;
}
