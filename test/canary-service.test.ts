import { Duration, Testing } from 'cdk8s';
import { CanaryService, CanaryServiceProps, DefaultRoute, DeploymentStrategy, IstioApiVersion, Match, PodCount, Probe, Protocol } from '../src';
import { newChart, only, synth } from './util';
import { explain } from '../src/analysis';

const versions = [
  { name: 'v1', image: 'reviews:v1' },
  { name: 'v2', image: 'reviews:v2', replicas: 1 },
  { name: 'v3', image: 'reviews:v3' },
];

function reviews(props: Partial<CanaryServiceProps> = {}, namespace: string | null = 'bookinfo') {
  const chart = newChart(namespace ?? undefined);
  const service = new CanaryService(chart, 'reviews', { port: 9080, versions, ...props });
  return { chart, service, objects: () => synth(chart) };
}

describe('CanaryService defaults', () => {
  const { service, objects } = reviews();
  const out = objects();

  test('names everything after the construct id, in the chart namespace, with the FQDN host', () => {
    expect(service.name).toBe('reviews');
    expect(service.host).toBe('reviews.bookinfo.svc.cluster.local');
    for (const o of out) expect(o.metadata.namespace).toBe('bookinfo');
  });

  test('one Deployment per version, selecting exactly app and version', () => {
    const deployments = out.filter((o) => o.kind === 'Deployment');
    expect(deployments.map((d) => d.metadata.name)).toEqual(['reviews-v1', 'reviews-v2', 'reviews-v3']);
    for (const d of deployments) {
      const version = d.metadata.name.replace('reviews-', '');
      expect(d.spec.selector).toEqual({ matchLabels: { app: 'reviews', version } });
      expect(d.spec.template.metadata.labels).toMatchObject({ app: 'reviews', version });
      expect(d.spec.template.spec.serviceAccountName).toBe('reviews');
      expect(d.spec.template.spec.containers[0].ports).toEqual([{ containerPort: 9080, name: 'http' }]);
    }
    expect(deployments.map((d) => d.spec.replicas)).toEqual([2, 1, 2]);
  });

  test('cdk8s-plus secure defaults stay on', () => {
    const container = only(out, 'Deployment', 'reviews-v1').spec.template.spec.containers[0];
    expect(container.securityContext).toMatchObject({ runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
    expect(only(out, 'ServiceAccount', 'reviews').automountServiceAccountToken).toBe(false);
  });

  test('one Service selecting app only, with an Istio-readable HTTP port', () => {
    const svc = only(out, 'Service', 'reviews');
    expect(svc.spec.selector).toEqual({ app: 'reviews' });
    expect(svc.spec.ports).toEqual([{ name: 'http', appProtocol: 'http', port: 9080, targetPort: 9080, protocol: 'TCP' }]);
  });

  test('a DestinationRule with one subset per version', () => {
    const dr = only(out, 'DestinationRule', 'reviews');
    expect(dr.apiVersion).toBe('networking.istio.io/v1');
    expect(dr.spec).toEqual({
      host: 'reviews.bookinfo.svc.cluster.local',
      subsets: ['v1', 'v2', 'v3'].map((v) => ({ name: v, labels: { version: v } })),
    });
  });

  test('a mesh VirtualService sending everything to the stable (first) version', () => {
    const vs = only(out, 'VirtualService', 'reviews');
    expect(vs.spec).toEqual({
      hosts: ['reviews.bookinfo.svc.cluster.local'],
      http: [{ name: 'default', route: [{ destination: { host: 'reviews.bookinfo.svc.cluster.local', subset: 'v1' } }] }],
    });
    expect(vs.spec.gateways).toBeUndefined();
  });

  test('make before break: Deployments and the DestinationRule come before the VirtualService', () => {
    const kinds = out.map((o) => o.kind);
    const vs = kinds.indexOf('VirtualService');
    expect(vs).toBe(kinds.length - 1);
    expect(kinds.lastIndexOf('Deployment')).toBeLessThan(kinds.indexOf('DestinationRule'));
  });
});

describe('CanaryService props', () => {
  test('namespace defaults to "default" without a chart namespace; the prop overrides the chart', () => {
    expect(reviews({}, null).service.host).toBe('reviews.default.svc.cluster.local');
    const { service, objects } = reviews({ namespace: 'shop', name: 'ratings' });
    expect(service.host).toBe('ratings.shop.svc.cluster.local');
    expect(new Set(objects().map((o) => o.metadata.namespace))).toEqual(new Set(['shop']));
    expect(objects().map((o) => o.metadata.name)).toContain('ratings-v1');
  });

  test('protocol and containerPort shape the Service and container ports', () => {
    const out = reviews({ protocol: Protocol.GRPC, port: 50051, containerPort: 8080 }).objects();
    expect(only(out, 'Service').spec.ports).toEqual([{ name: 'grpc', appProtocol: 'grpc', port: 50051, targetPort: 8080, protocol: 'TCP' }]);
    expect(only(out, 'Deployment', 'reviews-v1').spec.template.spec.containers[0].ports).toEqual([{ containerPort: 8080, name: 'grpc' }]);
  });

  test('stable and weights set the default route', () => {
    const out = reviews({ stable: 'v3' }).objects();
    expect(only(out, 'VirtualService').spec.http[0].route).toEqual([{ destination: { host: 'reviews.bookinfo.svc.cluster.local', subset: 'v3' } }]);
    const split = reviews({ weights: { v1: 50, v2: 10, v3: 40 }, timeout: Duration.seconds(3) }).objects();
    const route = only(split, 'VirtualService').spec.http[0];
    expect(route.route.map((d: any) => [d.destination.subset, d.weight])).toEqual([['v1', 50], ['v2', 10], ['v3', 40]]);
    expect(route.timeout).toBe('3s');
  });

  test('apiVersion v1beta1 for Istio 1.5 to 1.21', () => {
    const out = reviews({ apiVersion: IstioApiVersion.V1BETA1 }).objects();
    expect(only(out, 'DestinationRule').apiVersion).toBe('networking.istio.io/v1beta1');
    expect(only(out, 'VirtualService').apiVersion).toBe('networking.istio.io/v1beta1');
  });

  test('an existing service account is used, not created', () => {
    const out = reviews({ serviceAccountName: 'bookinfo-reviews' }).objects();
    expect(out.filter((o) => o.kind === 'ServiceAccount')).toEqual([]);
    expect(only(out, 'Deployment', 'reviews-v1').spec.template.spec.serviceAccountName).toBe('bookinfo-reviews');
  });

  test('TCP services get tcp routes', () => {
    const out = reviews({ protocol: Protocol.TCP, weights: { v1: 80, v2: 20 } }).objects();
    const vs = only(out, 'VirtualService');
    expect(vs.spec.http).toBeUndefined();
    expect(vs.spec.tcp[0].route.map((d: any) => d.weight)).toEqual([80, 20]);
    expect(only(out, 'Service').spec.ports[0]).toMatchObject({ name: 'tcp', appProtocol: 'tcp' });
  });

  test('version options reach the container and the pod', () => {
    const chart = newChart('ns');
    const probe = Probe.httpGet('/healthz', { port: 9080 });
    new CanaryService(chart, 'web', {
      port: 80,
      versions: [{
        name: 'v1',
        image: 'nginx:1.27',
        args: ['-g', 'daemon off;'],
        command: ['nginx'],
        env: { MODE: 'canary' },
        resources: { cpu: { request: '100m', limit: '200m' }, memory: { limit: '1Gi' } },
        readiness: probe,
        liveness: probe,
        startup: probe,
        labels: { team: 'web' },
        annotations: { 'sidecar.istio.io/proxyCPU': '50m' },
        securityContext: { runAsNonRoot: false, readOnlyRootFilesystem: false },
        deploymentOptions: { strategy: DeploymentStrategy.recreate() },
      }],
    });
    const d = only(synth(chart), 'Deployment', 'web-v1');
    const c = d.spec.template.spec.containers[0];
    expect(c.args).toEqual(['-g', 'daemon off;']);
    expect(c.command).toEqual(['nginx']);
    expect(c.env).toEqual([{ name: 'MODE', value: 'canary' }]);
    expect(c.resources).toEqual({ requests: { cpu: '100m' }, limits: { cpu: '200m', memory: '1Gi' } });
    expect(c.readinessProbe.httpGet.path).toBe('/healthz');
    expect(c.livenessProbe.httpGet.path).toBe('/healthz');
    expect(c.startupProbe.httpGet.path).toBe('/healthz');
    expect(c.securityContext).toMatchObject({ runAsNonRoot: false, readOnlyRootFilesystem: false });
    expect(d.spec.template.metadata.labels).toMatchObject({ team: 'web', app: 'web', version: 'v1' });
    expect(d.spec.template.metadata.annotations).toEqual({ 'sidecar.istio.io/proxyCPU': '50m' });
    expect(d.spec.strategy.type).toBe('Recreate');
  });

  test('our probes, resources, security context, scratch volumes and Deployment options render as Kubernetes takes them', () => {
    // GIVEN
    const chart = newChart('ns');
    // WHEN
    new CanaryService(chart, 'web', {
      port: 8080,
      versions: [{
        name: 'v1',
        image: 'app:1',
        workingDir: '/app',
        readiness: Probe.httpGet('/ready', {
          initialDelay: Duration.seconds(5),
          period: Duration.seconds(10),
          timeout: Duration.seconds(2),
          successThreshold: 2,
        }),
        liveness: Probe.tcpSocket({ failureThreshold: 5 }),
        startup: Probe.exec(['cat', '/tmp/started'], { period: Duration.seconds(1), failureThreshold: 30 }),
        resources: { cpu: { request: '0.25' }, memory: { request: '100M', limit: '256Mi' }, ephemeralStorage: { limit: '2Gi' } },
        securityContext: { runAsUser: 65532, runAsGroup: 65532 },
        scratchVolumes: [{ name: 'tmp', path: '/tmp' }, { name: 'cache', path: '/var/cache/app' }],
        deploymentOptions: {
          strategy: DeploymentStrategy.rollingUpdate({ maxSurge: PodCount.absolute(1), maxUnavailable: PodCount.percent(0) }),
          minReady: Duration.seconds(10),
          progressDeadline: Duration.minutes(5),
        },
      }],
    });
    // THEN
    const d = only(synth(chart), 'Deployment', 'web-v1');
    const pod = d.spec.template.spec;
    const c = pod.containers[0];
    expect(c.workingDir).toBe('/app');
    expect(c.readinessProbe).toEqual({
      httpGet: { path: '/ready', port: 8080, scheme: 'HTTP' },
      initialDelaySeconds: 5,
      periodSeconds: 10,
      timeoutSeconds: 2,
      failureThreshold: 3,
      successThreshold: 2,
    });
    expect(c.livenessProbe).toEqual({ tcpSocket: { port: 8080 }, failureThreshold: 5 });
    expect(c.startupProbe).toEqual({ exec: { command: ['cat', '/tmp/started'] }, periodSeconds: 1, failureThreshold: 30 });
    expect(c.resources).toEqual({ requests: { cpu: '0.25', memory: '100M' }, limits: { 'memory': '256Mi', 'ephemeral-storage': '2Gi' } });
    expect(c.securityContext).toEqual({
      runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, privileged: false,
    });
    expect(c.volumeMounts).toEqual([{ name: 'tmp', mountPath: '/tmp' }, { name: 'cache', mountPath: '/var/cache/app' }]);
    expect(pod.volumes).toEqual([{ name: 'tmp', emptyDir: {} }, { name: 'cache', emptyDir: {} }]);
    expect(d.spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: '0%' } });
    expect(d.spec.minReadySeconds).toBe(10);
    expect(d.spec.progressDeadlineSeconds).toBe(300);
  });

  test('without resources the container keeps the defaults it always had; empty resources mean none', () => {
    const chart = newChart('ns');
    new CanaryService(chart, 'web', { port: 8080, versions: [{ name: 'v1', image: 'app:1' }, { name: 'v2', image: 'app:2', resources: {} }] });
    const out = synth(chart);
    expect(only(out, 'Deployment', 'web-v1').spec.template.spec.containers[0].resources).toEqual({
      requests: { cpu: '1000m', memory: '512Mi' }, limits: { cpu: '1500m', memory: '2048Mi' },
    });
    expect(only(out, 'Deployment', 'web-v2').spec.template.spec.containers[0].resources).toBeUndefined();
  });
});

describe('CanaryService routes', () => {
  test('the issue example: header route, a two-match rule, then the changed default split', () => {
    const { service, objects } = reviews({ weights: { v1: 50, v2: 10, v3: 40 } });
    service.routeHeader('end-user', 'jason', 'v2');
    service.addRoute({ name: 'beta', match: [Match.headerPrefix('version', '2'), Match.headerPresent('x-beta')], to: { v2: 50, v3: 50 } });
    service.shiftWeights({ v1: 90, v3: 10 });
    const http = only(objects(), 'VirtualService').spec.http;
    expect(http.map((r: any) => r.name)).toEqual(['end-user-jason', 'beta', 'default']);
    expect(http[0].match).toEqual([{ headers: { 'end-user': { exact: 'jason' } } }]);
    expect(http[0].route).toEqual([{ destination: { host: 'reviews.bookinfo.svc.cluster.local', subset: 'v2' } }]);
    expect(http[1].match).toEqual([{ headers: { version: { prefix: '2' } } }, { headers: { 'x-beta': {} } }]);
    expect(http[1].route.map((d: any) => [d.destination.subset, d.weight])).toEqual([['v2', 50], ['v3', 50]]);
    expect(http[2].route.map((d: any) => [d.destination.subset, d.weight])).toEqual([['v1', 90], ['v3', 10]]);
  });

  test('rules are named rule-<n> by default and keep their order', () => {
    const { service } = reviews();
    service.addRoute({ match: [Match.uriPrefix('/a')], to: 'v2' });
    service.addRoute({ match: [Match.uriPrefix('/b')], to: 'v3', timeout: Duration.seconds(2) });
    expect(service.release.rules.map((r) => r.name)).toEqual(['rule-1', 'rule-2']);
  });

  test('a rejected change leaves the service as it was', () => {
    const { service } = reviews({ weights: { v1: 90, v2: 10 } });
    expect(() => service.shiftWeights({ v1: 90, v2: 20 })).toThrow('canary "reviews": weights must add up to 100 (got v1=90 v2=20)');
    expect(() => service.routeHeader('end-user', 'jason', 'v9')).toThrow('route "end-user-jason" weights name a version that does not exist (got "v9")');
    expect(service.release.weights).toEqual({ v1: 90, v2: 10 });
    expect(service.release.rules).toEqual([]);
  });

  test('a rule after a catch-all cannot be added: the default route comes last', () => {
    const { service } = reviews();
    expect(() => service.addRoute({ name: 'everyone', match: [], to: 'v2' })).toThrow(
      'canary "reviews": route "everyone" matches every request, so the default route after it could never be used (got no match); give the route a narrower match, or change the default split with shiftWeights()');
  });
});

describe('CanaryService errors', () => {
  test.each([
    ['no versions', { versions: [] }, 'canary "reviews": needs at least one version (got []); add a version, e.g. { name: "v1", image: "..." }'],
    ['duplicate versions', { versions: [versions[0], versions[0]] }, 'canary "reviews": version names must be unique (got "v1"); rename or remove the duplicate'],
    ['bad version name', { versions: [{ name: 'V1.0', image: 'x' }] }, 'canary "reviews": version name must be a DNS-1123 label (got "V1.0")'],
    ['a version without a name (plain JavaScript)', { versions: [{ image: 'x' }] }, 'canary "reviews": version name must be a DNS-1123 label (got nothing)'],
    ['bad service name', { name: 'reviews_svc' }, 'canary "reviews_svc": name must be a DNS-1035 label'],
    ['unknown weight version', { weights: { v1: 90, v4: 10 } }, 'canary "reviews": weights name a version that does not exist (got "v4"); use one of v1, v2, v3'],
    ['negative weight', { weights: { v1: 100, v2: -5, v3: 5 } }, 'canary "reviews": weights must be whole percentages from 0 to 100 (got v2=-5)'],
    ['weights off 100', { weights: { v1: 90, v2: 20 } }, 'canary "reviews": weights must add up to 100 (got v1=90 v2=20); adjust them so they sum to 100 (they sum to 110)'],
    ['stable not listed', { stable: 'v0' }, 'canary "reviews": stable version is not one of the versions (got "v0"); use one of v1, v2, v3'],
    ['port 0', { port: 0 }, 'canary "reviews": port must be a whole number from 1 to 65535 (got 0); use a valid TCP port'],
    ['port 65536', { port: 65536 }, 'canary "reviews": port must be a whole number from 1 to 65535 (got 65536)'],
    ['containerPort out of range', { containerPort: -1 }, 'canary "reviews": containerPort must be a whole number from 1 to 65535 (got -1)'],
    ['unknown protocol', { protocol: 'smtp' as Protocol }, 'canary "reviews": unknown protocol (got "smtp"); use one of http, http2, grpc'],
    ['missing image', { versions: [{ name: 'v1', image: '' }] }, 'canary "reviews": version "v1" needs an image (got ""); set image'],
    ['negative replicas', { versions: [{ name: 'v1', image: 'x', replicas: -1 }] }, 'canary "reviews": version "v1": replicas must be a whole number from 0 to 2147483647 (got -1)'],
    ['reserved version label', { versions: [{ name: 'v1', image: 'x', labels: { version: 'v2' } }] }, 'canary "reviews": version "v1": the "version" label is reserved, the pods are selected by it (got version=v2); remove it from labels; "v1" is used'],
  ])('rejects %s', (_what, props, message) => {
    expect(() => reviews(props as Partial<CanaryServiceProps>)).toThrow(message);
  });

  test('two services for one host fail the synth, naming both', () => {
    const chart = newChart('bookinfo');
    new CanaryService(chart, 'reviews', { port: 9080, versions });
    new CanaryService(chart, 'reviews-again', { name: 'reviews', port: 9080, versions });
    expect(() => Testing.synth(chart)).toThrow(/canary "reviews": another CanaryService, TrafficSplit or ExternalService routes the same host \(got reviews\.bookinfo\.svc\.cluster\.local at test\/reviews-again\)/);
  });
});

describe('CanaryService default route: weights, an even split, or the pods', () => {
  const three = [{ name: 'v1', image: 'r:1' }, { name: 'v2', image: 'r:2' }, { name: 'v3', image: 'r:3' }];

  test('DefaultRoute.EVEN gives every version the same relative weight: a third each of three', () => {
    const chart = newChart('bookinfo');
    new CanaryService(chart, 'reviews', { port: 9080, versions: three, defaultRoute: DefaultRoute.EVEN });
    const objects = synth(chart);
    expect(only(objects, 'VirtualService').spec.http).toEqual([{
      name: 'default',
      route: [
        { destination: { host: 'reviews.bookinfo.svc.cluster.local', subset: 'v1' }, weight: 1 },
        { destination: { host: 'reviews.bookinfo.svc.cluster.local', subset: 'v2' }, weight: 1 },
        { destination: { host: 'reviews.bookinfo.svc.cluster.local', subset: 'v3' }, weight: 1 },
      ],
    }]);
    const shares = explain(objects, { host: 'reviews', from: { namespace: 'bookinfo' } }).destinations.map((d) => [d.subset, d.probability]);
    expect(shares).toEqual([['v1', 1 / 3], ['v2', 1 / 3], ['v3', 1 / 3]]);
  });

  test('DefaultRoute.ALL_PODS defines the subsets for rules and sends the rest to the Service (Bookinfo\'s destination-rule-all)', () => {
    const chart = newChart('bookinfo');
    const service = new CanaryService(chart, 'reviews', { port: 9080, versions: three, defaultRoute: DefaultRoute.ALL_PODS });
    service.routeHeader('end-user', 'jason', 'v2');
    const objects = synth(chart);
    expect(only(objects, 'DestinationRule').spec.subsets.map((s: any) => s.name)).toEqual(['v1', 'v2', 'v3']);
    expect(only(objects, 'VirtualService').spec.http.map((r: any) => r.route)).toEqual([
      [{ destination: { host: 'reviews.bookinfo.svc.cluster.local', subset: 'v2' } }],
      [{ destination: { host: 'reviews.bookinfo.svc.cluster.local' } }],
    ]);
    const rest = explain(objects, { host: 'reviews', from: { namespace: 'bookinfo' } });
    expect(rest.destinations[0].workloads.map((w) => w.name)).toEqual(['reviews-v1', 'reviews-v2', 'reviews-v3']);
  });

  test('weights go with DefaultRoute.WEIGHTS only; shiftWeights moves an even or all-pods service to weights', () => {
    expect(() => new CanaryService(newChart('b'), 'reviews', { port: 9080, versions: three, weights: { v1: 100 }, defaultRoute: DefaultRoute.EVEN }))
      .toThrow('canary "reviews": weights apply to the default route only with DefaultRoute.WEIGHTS, and defaultRoute is even (got v1=100); drop the weights, or the defaultRoute');
    const chart = newChart('b');
    const service = new CanaryService(chart, 'reviews', { port: 9080, versions: three, defaultRoute: DefaultRoute.ALL_PODS });
    service.shiftWeights({ v1: 34, v2: 33, v3: 33 });
    expect(only(synth(chart), 'VirtualService').spec.http[0].route.map((d: any) => [d.destination.subset, d.weight])).toEqual([['v1', 34], ['v2', 33], ['v3', 33]]);
    expect(() => new CanaryService(newChart('b'), 'reviews', { port: 9080, versions: three, weights: { v1: 34, v2: 33, v3: 32 } }))
      .toThrow('weights must add up to 100'); // percent stays percent
  });
});

describe('CanaryService sticky canary', () => {
  const two = [{ name: 'prod', image: 'web:1' }, { name: 'canary', image: 'web:2' }];
  const build = (props: Partial<CanaryServiceProps> = {}) => {
    const chart = newChart('shop');
    const web = new CanaryService(chart, 'web', { port: 8080, versions: two, weights: { prod: 90, canary: 10 }, stickyCanary: {}, ...props });
    return { chart, web };
  };

  test('every version that takes traffic sets its cookie; a rule per version ahead of the split sends the cookie back to it', () => {
    const { chart, web } = build({ stickyCanary: { cookieName: 'web-canary', maxAge: Duration.hours(12) } });
    web.routeHeader('env', 'gray', 'canary');
    const objects = synth(chart);
    const http = only(objects, 'VirtualService').spec.http;
    expect(http.map((r: any) => r.name)).toEqual(['env-gray', 'sticky-prod', 'sticky-canary', 'default']);
    expect(http[2].match).toEqual([{ headers: { cookie: { regex: '(.*; ?)?web-canary=canary(;.*)?' } } }]);
    expect(http[2].route).toEqual([{ destination: { host: 'web.shop.svc.cluster.local', subset: 'canary' } }]);
    expect(http[2].headers).toEqual({ response: { add: { 'set-cookie': 'web-canary=canary; Max-Age=43200; Path=/' } } });
    expect(http[1].headers).toEqual({ response: { add: { 'set-cookie': 'web-canary=prod; Max-Age=43200; Path=/' } } });
    // The header rule sets no cookie: a tester's request does not pin a client.
    expect(http[0].headers).toBeUndefined();
    expect(JSON.stringify(http[0].route)).not.toContain('set-cookie');
    const split = http[3].route;
    expect(split.map((d: any) => [d.destination.subset, d.weight, d.headers?.response?.add?.['set-cookie']])).toEqual([
      ['prod', 90, 'web-canary=prod; Max-Age=43200; Path=/'], ['canary', 10, 'web-canary=canary; Max-Age=43200; Path=/'],
    ]);
    const ask = (cookie?: string) => explain(objects, { host: 'web', from: { namespace: 'shop' }, headers: cookie ? { cookie } : {} });
    expect(ask('session=abc; web-canary=canary').destinations.map((d) => [d.subset, d.probability])).toEqual([['canary', 1]]);
    expect(ask('a=1; web-canary=prod; b=2').destinations.map((d) => [d.subset, d.probability])).toEqual([['prod', 1]]);
    expect(ask('xweb-canary=prod').rule?.name).toBe('default');
    expect(ask('web-canary=prod2').rule?.name).toBe('default');
    expect(ask().rule?.name).toBe('default');
  });

  test('a version at weight 0 loses its rule and its cookie; with one version taking traffic there is nothing to stick to', () => {
    const three = [...two, { name: 'next', image: 'web:3' }];
    const { chart, web } = build({ versions: three, weights: { prod: 80, canary: 10, next: 10 }, stickyCanary: { cookieName: 'c' } });
    web.shiftWeights({ prod: 90, canary: 0, next: 10 });
    let http = only(synth(chart), 'VirtualService').spec.http;
    expect(http.map((r: any) => r.name)).toEqual(['sticky-prod', 'sticky-next', 'default']);
    expect(JSON.stringify(http)).not.toContain('c=canary');
    web.shiftWeights({ prod: 100, canary: 0, next: 0 });
    http = only(synth(chart), 'VirtualService').spec.http;
    expect(http.map((r: any) => r.name)).toEqual(['default']);
    expect(JSON.stringify(http)).not.toContain('set-cookie');
    web.shiftWeights({ prod: 50, canary: 50, next: 0 });
    expect(only(synth(chart), 'VirtualService').spec.http.map((r: any) => r.name)).toEqual(['sticky-prod', 'sticky-canary', 'default']);
  });

  test('refused: an unknown version, a cookie name that is no token, a fractional max age, a version that sets set-cookie itself', () => {
    expect(() => build({ stickyCanary: { version: 'beta' } })).toThrow('canary "web": stickyCanary version is not one of the versions (got "beta"); use one of prod, canary');
    expect(() => build({ stickyCanary: { cookieName: 'my cookie' } })).toThrow('stickyCanary cookieName must be a cookie name (RFC 6265 token) (got "my cookie")');
    expect(() => build({ stickyCanary: { maxAge: Duration.millis(1500) } })).toThrow('stickyCanary maxAge must be whole seconds');
    expect(() => build({ versions: [two[0], { ...two[1], headers: { response: { add: { 'set-cookie': 'x=1' } } } }] }))
      .toThrow('canary "web": version "canary" already sets set-cookie, which the sticky canary needs');
  });
});
