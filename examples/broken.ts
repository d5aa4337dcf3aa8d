/**
 * A deliberately broken mesh, written as plain objects, with one of each mistake the synth-time analysis finds.
 * It is kept out of the example app (it would fail the synth); test/analysis.test.ts checks that every check fires.
 */
import { ApiObject, Chart } from 'cdk8s';
import { Construct } from 'constructs';

const NETWORKING = 'networking.istio.io/v1';

export class BrokenMeshChart extends Chart {
  constructor(scope: Construct, id: string) {
    super(scope, id, { namespace: 'broken' });
    const add = (name: string, object: Record<string, any>) => new ApiObject(this, name, object as any);
    const namespace = (name: string, labels: Record<string, string>) => add(`ns-${name}`, { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } });
    namespace('broken', { 'istio-injection': 'enabled' });
    namespace('plain', {}); // IST0102
    namespace('both', { 'istio-injection': 'enabled', 'istio.io/rev': 'canary' }); // IST0123
    const service = (name: string, app: string, ports: Array<Record<string, any>>) =>
      add(`svc-${name}`, { apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { selector: { app }, ports } });
    const deployment = (name: string, labels: Record<string, string>, replicas = 1) => add(`deploy-${name}`, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name },
      spec: { replicas, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: 'app', image: 'app:1' }] } } },
    });

    // reviews: two ports, v2 scaled to 0, subsets that select nothing or everything.
    service('reviews', 'reviews', [{ name: 'http', port: 9080 }, { name: 'grpc', port: 9090 }]);
    deployment('reviews-v1', { app: 'reviews', version: 'v1' });
    deployment('reviews-v2', { app: 'reviews', version: 'v2' }, 0);
    add('dr-reviews', {
      apiVersion: NETWORKING,
      kind: 'DestinationRule',
      metadata: { name: 'reviews' },
      spec: {
        host: 'reviews',
        subsets: [
          { name: 'v1', labels: { version: 'v1' } },
          { name: 'v2', labels: { version: 'v2' } },
          { name: 'v3', labels: { version: 'v3' } }, // IST0173
          { name: 'all', labels: { app: 'reviews' } }, // CANARY003
        ],
      },
    });
    const to = (subset: string, weight?: number, port: number | undefined = 9080) => ({
      destination: { host: 'reviews', subset, ...(port ? { port: { number: port } } : {}) }, ...(weight !== undefined ? { weight } : {}),
    });
    const jason = { headers: { 'end-user': { exact: 'jason' } } };
    add('vs-reviews', {
      apiVersion: NETWORKING,
      kind: 'VirtualService',
      metadata: { name: 'reviews' },
      spec: {
        hosts: ['reviews'],
        http: [
          { name: 'jason', match: [jason], route: [to('v9')] }, // IST0101: no such subset
          { name: 'jason-or-beta', match: [jason, { uri: { prefix: '/beta' } }], route: [to('v1', undefined, 0)] }, // IST0131, IST0112
          { name: 'default', route: [to('v1', 90), to('v2', 10)] }, // CANARY004
          { name: 'never', match: [{ uri: { prefix: '/late' } }], route: [to('v1')] }, // IST0130
        ],
      },
    });
    add('vs-reviews-again', { // IST0109
      apiVersion: NETWORKING,
      kind: 'VirtualService',
      metadata: { name: 'reviews-again' },
      spec: { hosts: ['reviews.broken.svc.cluster.local'], http: [{ route: [to('v1')] }] },
    });
    const gateway = (name: string) => add(`gw-${name}`, {
      apiVersion: NETWORKING,
      kind: 'Gateway',
      metadata: { name },
      spec: { selector: { istio: 'ingressgateway' }, servers: [{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['reviews.example.com'] }] },
    });
    gateway('public');
    gateway('public-copy'); // IST0145
    add('vs-reviews-public', {
      apiVersion: NETWORKING,
      kind: 'VirtualService',
      metadata: { name: 'reviews-public' },
      spec: {
        hosts: ['reviews.example.org'], // IST0132
        gateways: ['public'],
        http: [{ route: [{ destination: { host: 'reviews', port: { number: 9080 } } }] }], // IST0140
      },
    });

    // ratings: one port with a name Istio cannot read, and another Service giving it another protocol.
    service('ratings', 'ratings', [{ name: 'web', port: 9080 }]); // IST0118
    service('ratings-grpc', 'ratings', [{ name: 'grpc', port: 9080 }]); // IST0116
    deployment('ratings', { app: 'ratings' });

    service('details', 'details', [{ name: 'http', port: 9080 }]); // CANARY001
    deployment('orphan', { app: 'orphan' }); // CANARY002
    add('dr-payments', { apiVersion: NETWORKING, kind: 'DestinationRule', metadata: { name: 'payments' }, spec: { host: 'payments' } }); // IST0174

    // An Argo Rollout whose traffic routing names a route the VirtualService does not have (ROLLOUT001).
    service('ratings-stable', 'ratings', [{ name: 'http', port: 9080 }]);
    service('ratings-canary', 'ratings', [{ name: 'http', port: 9080 }]);
    add('vs-ratings', {
      apiVersion: NETWORKING,
      kind: 'VirtualService',
      metadata: { name: 'ratings' },
      spec: { hosts: ['ratings'], http: [{ name: 'primary', route: [{ destination: { host: 'ratings-stable' }, weight: 100 }, { destination: { host: 'ratings-canary' }, weight: 0 }] }] },
    });
    add('rollout-ratings', {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Rollout',
      metadata: { name: 'ratings' },
      spec: {
        selector: { matchLabels: { app: 'ratings' } },
        template: { metadata: { labels: { app: 'ratings' } }, spec: { containers: [{ name: 'app', image: 'ratings:1' }] } },
        strategy: {
          canary: {
            stableService: 'ratings-stable',
            canaryService: 'ratings-canary',
            trafficRouting: { istio: { virtualServices: [{ name: 'ratings', routes: ['default'] }] } },
            steps: [{ setWeight: 20 }, { pause: {} }],
          },
        },
      },
    });

    // Gateway API: a backend without the port, a backend in another namespace without a ReferenceGrant, the
    // experimental retry, a route no listener admits, and profile served by a VirtualService and an HTTPRoute at once.
    const GATEWAY_API = 'gateway.networking.k8s.io/v1';
    service('profile', 'profile', [{ name: 'http', port: 9080 }]);
    deployment('profile-v1', { app: 'profile', version: 'v1' });
    add('vs-profile', { apiVersion: NETWORKING, kind: 'VirtualService', metadata: { name: 'profile' }, spec: { hosts: ['profile'], http: [{ route: [{ destination: { host: 'profile' } }] }] } });
    add('route-profile', {
      apiVersion: GATEWAY_API,
      kind: 'HTTPRoute',
      metadata: { name: 'profile' },
      spec: {
        parentRefs: [{ group: '', kind: 'Service', name: 'profile', port: 9080 }], // GWAPI003 (with vs-profile)
        rules: [{
          backendRefs: [{ name: 'profile', port: 8080 }, { name: 'profile', namespace: 'other', port: 9080 }], // GWAPI001 twice
          retry: { attempts: 2 }, // GWAPI004
        }],
      },
    });
    add('gateway-edge', {
      apiVersion: GATEWAY_API,
      kind: 'Gateway',
      metadata: { name: 'edge' },
      spec: { gatewayClassName: 'istio', listeners: [{ name: 'http', port: 80, protocol: 'HTTP', hostname: 'shop.example.com' }] },
    });
    add('route-edge', {
      apiVersion: GATEWAY_API,
      kind: 'HTTPRoute',
      metadata: { name: 'edge' },
      spec: { parentRefs: [{ name: 'edge' }], hostnames: ['blog.example.com'], rules: [{ backendRefs: [{ name: 'profile', port: 9080 }] }] }, // GWAPI002
    });

    // Ambient: namespace lab has no waypoint, so ztunnel would ignore the L7 routes of echo; and a VirtualService there.
    add('ns-lab', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'lab', labels: { 'istio.io/dataplane-mode': 'ambient' } } });
    add('svc-echo', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'echo', namespace: 'lab' }, spec: { selector: { app: 'echo' }, ports: [{ name: 'http', port: 80 }] } });
    add('deploy-echo', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'echo', namespace: 'lab' },
      spec: { selector: { matchLabels: { app: 'echo' } }, template: { metadata: { labels: { app: 'echo' } }, spec: { containers: [{ name: 'app', image: 'echo:1' }] } } },
    });
    add('route-echo', {
      apiVersion: GATEWAY_API,
      kind: 'HTTPRoute',
      metadata: { name: 'echo', namespace: 'lab' },
      spec: { parentRefs: [{ group: '', kind: 'Service', name: 'echo', port: 80 }], rules: [{ backendRefs: [{ name: 'echo', port: 80 }] }] }, // AMBIENT001
    });
    add('vs-echo', { apiVersion: NETWORKING, kind: 'VirtualService', metadata: { name: 'echo-vs', namespace: 'lab' }, spec: { hosts: ['echo'], http: [{ route: [{ destination: { host: 'echo' } }] }] } }); // AMBIENT002
  }
}
