/**
 * Every Istio object the examples synthesize passes the pinned Istio 1.30.3 CRD schemas and CEL rules.
 * The CRDs are read from ../shared/crds (CRD_DIR overrides); CI always has them, so there a missing folder fails.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Testing, Duration } from 'cdk8s';
import { EXAMPLE_CHARTS } from '../examples/charts';
import {
  CanaryService, ClientTlsMode, DefaultRoute, ExternalProtocol, ExternalService, GatewaySpecServersTlsMode, IstioApiVersion,
  LoadBalancer, Match, MeshGateway, MeshSidecar, Metric, PodCount, ProgressiveService, Protocol, Resolution, Webhook,
  AnalysisTemplate, RolloutService, RolloutStep, Split,
} from '../src';
import { newChart } from './util';
import { CrdSchemas } from '../src/validation/crd-schema';

const CRD_DIR = process.env.CRD_DIR ?? path.join(__dirname, '..', '..', 'shared', 'crds');
const available = fs.existsSync(CRD_DIR);
if (!available && process.env.CI) throw new Error(`CRDs not found at ${CRD_DIR}: CI must run with ../shared beside the repository`);
if (!available) console.warn(`skipping CRD conformance: no CRDs at ${CRD_DIR} (set CRD_DIR)`);
const describeWithCrds = available ? describe : describe.skip;

describeWithCrds('conformance with the pinned CRDs (Istio 1.30.3, Gateway API 1.5.1, Flagger, Argo Rollouts)', () => {
  const schemas = CrdSchemas.fromPaths([CRD_DIR]);

  function expectConformant(objects: any[]): void {
    const istio = objects.filter((o) => o.apiVersion.includes('istio.io') || /^(flagger\.app|argoproj\.io|gateway\.networking\.k8s\.io)\//.test(o.apiVersion));
    expect(istio.length).toBeGreaterThan(0);
    for (const obj of istio) {
      const findings = schemas.validate(obj);
      expect({ object: `${obj.kind}/${obj.metadata.name}`, findings }).toEqual({ object: `${obj.kind}/${obj.metadata.name}`, findings: [] });
    }
  }

  test('Argo Rollouts 1.9.1: every step kind, both splits, a gateway, background and step analysis, every template option', () => {
    const chart = newChart('conformance');
    const gateway = new MeshGateway(chart, 'gw', { hosts: ['subset.example.com', 'host.example.com'] });
    const steps = [
      RolloutStep.weight(10),
      RolloutStep.headerRoute('testers', [Match.headerExact('x-tester', 'yes'), Match.headerRegex('cookie', '.*tester.*')]),
      RolloutStep.mirrorRoute('mirror', [Match.method('GET').and(Match.uriPrefix('/api')).and(Match.headerPrefix('x-client', 'web'))], 50),
      RolloutStep.analysis(['error-rate', 'latency'], { route: 'api' }),
      RolloutStep.removeMirrorRoute('mirror'),
      RolloutStep.removeHeaderRoute('testers'),
      ...RolloutStep.ramp({ stepWeight: 30, pause: Duration.minutes(1) }),
      RolloutStep.pause(),
    ];
    const templates = [
      AnalysisTemplate.errorRate(5, { interval: Duration.seconds(30), count: 10, failureLimit: 2, address: 'http://prometheus.monitoring:9090' }),
      AnalysisTemplate.successRate(99),
      AnalysisTemplate.prometheus('latency', [{
        name: 'p99',
        query: 'histogram_quantile(0.99, sum(rate(x{route="{{args.route}}"}[1m])) by (le))',
        successCondition: 'result[0] < 500',
        interval: Duration.minutes(1),
        initialDelay: Duration.seconds(30),
        count: 5,
        failureLimit: 1,
      }], ['route']),
    ];
    for (const split of [Split.SUBSET, Split.HOST]) {
      const web = new RolloutService(chart, `web-${split}`, {
        port: 8080,
        image: 'web:1',
        split,
        analysisTemplates: split === Split.HOST ? templates : [],
        analysis: split === Split.HOST ? { templates: ['success-rate'], startingStep: 1 } : undefined,
        maxSurge: PodCount.percent(50),
        maxUnavailable: PodCount.absolute(0),
        abortScaleDownDelay: Duration.seconds(60),
        trafficPolicy: { loadBalancer: LoadBalancer.roundRobin() },
        steps: split === Split.HOST ? steps : [RolloutStep.weight(50), RolloutStep.weight(100)],
      });
      web.routeHeader('end-user', 'jason', 'canary');
      web.exposeVia(gateway, { hosts: [`${split}.example.com`] }); // a host each: managed routes carry no path prefix
    }
    const objects = Testing.synth(chart);
    expect(objects.filter((o) => o.apiVersion === 'argoproj.io/v1alpha1').map((o) => o.kind).sort())
      .toEqual(['AnalysisTemplate', 'AnalysisTemplate', 'AnalysisTemplate', 'Rollout', 'Rollout']);
    expectConformant(objects);
  });

  test('an Argo Rollouts object our checks would let through fails the CRD, so the test above can fail', () => {
    const chart = newChart('conformance');
    new RolloutService(chart, 'web', { port: 8080, image: 'web:1', steps: [RolloutStep.weight(100)] });
    const rollout = Testing.synth(chart).find((o) => o.kind === 'Rollout')!;
    rollout.spec.strategy.canary.steps.push({ setWeight: '20' });
    expect(schemas.validate(rollout)?.map((f) => f.path)).toEqual(['spec.strategy.canary.steps[1].setWeight']);
  });

  test('the CRDs define our kinds in v1 and v1beta1', () => {
    for (const v of ['networking.istio.io/v1', 'networking.istio.io/v1beta1']) {
      expect(schemas.schemaFor(v, 'VirtualService')).toBeDefined();
      expect(schemas.schemaFor(v, 'DestinationRule')).toBeDefined();
    }
  });

  test.each(Object.entries(EXAMPLE_CHARTS))('example chart %s', (id, ChartClass) => {
    expectConformant(Testing.synth(new ChartClass(Testing.app(), id)));
  });

  test('an even default route, one that follows the pods, an external traffic policy and a gateway on 8080', () => {
    const chart = newChart('conformance');
    const versions = [{ name: 'v1', image: 'a' }, { name: 'v2', image: 'b' }, { name: 'v3', image: 'c' }];
    new CanaryService(chart, 'even', { port: 8080, versions, defaultRoute: DefaultRoute.EVEN });
    new CanaryService(chart, 'sticky', { port: 8080, versions, weights: { v1: 80, v2: 20 }, stickyCanary: { cookieName: 'sticky', maxAge: Duration.hours(1) } });
    const all = new CanaryService(chart, 'all', { ports: [{ number: 8080 }, { number: 9090, protocol: Protocol.TCP }], versions, defaultRoute: DefaultRoute.ALL_PODS });
    all.exposeVia(new MeshGateway(chart, 'gw', { hosts: ['all.example.com'], port: 8080 }));
    new ExternalService(chart, 'google', {
      hosts: ['www.googleapis.com'],
      trafficPolicy: { loadBalancer: LoadBalancer.roundRobin() },
      originateTls: true,
      ports: [{ number: 80, protocol: ExternalProtocol.HTTP }],
    });
    expectConformant(Testing.synth(chart));
  });

  test.each([IstioApiVersion.V1, IstioApiVersion.V1BETA1])('every match kind and a TCP service in %s', (apiVersion) => {
    const chart = newChart('conformance');
    const versions = [{ name: 'v1', image: 'a' }, { name: 'v2', image: 'b' }];
    const web = new CanaryService(chart, 'web', { port: 8080, versions, apiVersion, weights: { v1: 80, v2: 20 } });
    web.addRoute({
      match: [
        Match.headerExact('a', '1').and(Match.uriPrefix('/p')).and(Match.method('GET')),
        Match.headerPresent('x-canary').and(Match.queryParam('q', 'v')).and(Match.queryParamRegex('r', '[0-9]+')),
        Match.headerRegex('cookie', '.*user=jason.*').and(Match.sourceLabels({ app: 'cat' })).and(Match.port(8080)),
        Match.uriRegex('/api/v[0-9]+/.*'),
      ],
      to: { v1: 30, v2: 70 },
    });
    const gw = new MeshGateway(chart, 'gw', {
      apiVersion,
      servers: [
        { port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['conformance/*.example.com'], tls: { httpsRedirect: true } },
        { port: { number: 443, name: 'https', protocol: 'HTTPS' }, hosts: ['./*.example.com'], tls: { mode: GatewaySpecServersTlsMode.MUTUAL, credentialName: 'c' } },
      ],
    });
    web.exposeVia(gw, { hosts: ['web.example.com'], rewrite: { uri: '/' } });
    gw.addRoute({ match: [Match.headerExact('x-site', 'web')], to: web });
    gw.addRoute({ match: [Match.uriPrefix('/legacy')], to: { host: 'legacy', port: 8080 }, rewrite: { authority: 'legacy.internal' } });
    new CanaryService(chart, 'db', { port: 3306, protocol: Protocol.MYSQL, versions, apiVersion, weights: { v1: 80, v2: 20 } })
      .addRoute({ match: [Match.sourceLabels({ app: 'batch' })], to: 'v2' });
    expectConformant(Testing.synth(chart));
  });

  test.each([IstioApiVersion.V1, IstioApiVersion.V1BETA1])('every route and traffic policy option in %s', (apiVersion) => {
    const chart = newChart('conformance');
    const versions = [
      { name: 'v1', image: 'a', trafficPolicy: { loadBalancer: LoadBalancer.consistentHashBySourceIp(), tls: { mode: ClientTlsMode.DISABLE } } },
      { name: 'v2', image: 'b', headers: { request: { add: { 'x-b': '1' } }, response: { remove: ['server'] } }, trafficPolicy: { loadBalancer: LoadBalancer.random() } },
      { name: 'v3', image: 'c', trafficPolicy: { tls: { mode: ClientTlsMode.MUTUAL, sni: 'c.example', credentialName: 'client', subjectAltNames: ['c.example'] } } },
    ];
    const web = new CanaryService(chart, 'web', {
      apiVersion,
      ports: [{ number: 8080 }, { number: 9090, protocol: Protocol.GRPC }, { number: 7000, protocol: Protocol.TCP }],
      versions,
      weights: { v1: 80, v2: 15, v3: 5 },
      timeout: Duration.millis(1500),
      retries: { attempts: 3, perTryTimeout: Duration.millis(500), retryOn: ['5xx', 'unavailable', '503'] },
      mirror: { host: 'shadow.conformance.svc.cluster.local', port: 8080, percent: 0.5 },
      headers: { response: { set: { 'x-served-by': 'web' } } },
      corsPolicy: { allowOrigins: ['*'], allowMethods: ['GET'], allowHeaders: ['x-a'], exposeHeaders: ['x-b'], maxAge: Duration.hours(1), allowCredentials: true },
      trafficPolicy: {
        loadBalancer: LoadBalancer.consistentHashByCookie('s', { ttl: Duration.minutes(30), path: '/' }),
        connectionPool: {
          maxConnections: 10,
          connectTimeout: Duration.millis(100),
          http1MaxPendingRequests: 1,
          http2MaxRequests: 100,
          maxRequestsPerConnection: 1,
          maxRetries: 2,
          idleTimeout: Duration.minutes(1),
        },
        outlierDetection: {
          consecutive5xxErrors: 1,
          consecutiveGatewayErrors: 2,
          interval: Duration.seconds(1),
          baseEjectionTime: Duration.minutes(3),
          maxEjectionPercent: 100,
          minHealthPercent: 10,
        },
        tls: { mode: ClientTlsMode.SIMPLE, sni: 'web.example', caCertificates: '/etc/ca.pem' },
      },
    });
    web.routeHeader('end-user', 'jason', 'v2', { fault: { delay: { fixed: Duration.seconds(7), percent: 50 }, abort: { httpStatus: 500, percent: 1 } } });
    web.addRoute({ name: 'grpc-abort', match: [Match.grpcMethod('a.B', 'C').and(Match.port(9090))], to: 'v1', fault: { abort: { grpcStatus: 'UNAVAILABLE' } } });
    web.addRoute({ name: 'moved', match: [Match.uriPrefix('/old')], redirect: { uri: '/new', authority: 'b.example', scheme: 'https', port: 8443, code: 308 } });
    web.addRoute({ name: 'beta', match: [Match.uriPrefix('/beta')], to: { v2: 50, v3: 50 }, rewrite: { uri: '/', authority: 'web.internal' }, mirror: { version: 'v3' } });
    web.addRoute({ name: 'batch', match: [Match.sourceLabels({ app: 'batch' })], to: 'v3' });
    expectConformant(Testing.synth(chart));
  });

  test.each([IstioApiVersion.V1, IstioApiVersion.V1BETA1])('every external service and sidecar option in %s', (apiVersion) => {
    const chart = newChart('conformance');
    const api = new ExternalService(chart, 'api', {
      apiVersion,
      hosts: ['a.example.com', 'b.example.com'],
      ports: [{ number: 80, protocol: ExternalProtocol.HTTP, targetPort: 8443 }, { number: 443, protocol: ExternalProtocol.TLS, name: 'tls-api' }],
      resolution: Resolution.DNS_ROUND_ROBIN,
      egressGateway: { namespace: 'egress', service: 'egw', selector: { app: 'egw' } },
      originateTls: true,
    });
    const wiki = new ExternalService(chart, 'wiki', {
      apiVersion, hosts: ['*.wikipedia.org'], resolution: Resolution.NONE, ports: [{ number: 27017, protocol: ExternalProtocol.MONGO }],
    });
    new MeshSidecar(chart, 'sidecar', { apiVersion, externalServices: [api, wiki], namespaces: ['payments'] });
    expectConformant(Testing.synth(chart));
  });

  test('every ProgressiveService option passes the Flagger 1.44.0 CRDs', () => {
    const chart = newChart('conformance');
    const gw = new MeshGateway(chart, 'gw', { hosts: ['*.example.com'] });
    const common = {
      port: 8080,
      containerPort: 9080,
      protocol: Protocol.GRPC,
      image: 'web:1',
      hosts: ['web.example.com'],
      gateways: [gw],
      timeout: Duration.seconds(5),
      retries: { attempts: 2, perTryTimeout: Duration.seconds(1), retryOn: ['5xx', 'reset'] },
      match: [Match.uriPrefix('/web')],
      trafficPolicy: {
        loadBalancer: LoadBalancer.consistentHashByHeader('x-user'),
        connectionPool: {
          http1MaxPendingRequests: 5, http2MaxRequests: 100, maxRequestsPerConnection: 1, maxRetries: 2, idleTimeout: Duration.minutes(1),
        },
        outlierDetection: { consecutive5xxErrors: 3, interval: Duration.seconds(10), baseEjectionTime: Duration.seconds(30) },
        tls: { mode: ClientTlsMode.ISTIO_MUTUAL },
      },
      progressDeadline: Duration.minutes(5),
      autoscalerName: 'web',
    };
    new ProgressiveService(chart, 'web', {
      ...common,
      analysis: {
        interval: Duration.seconds(30),
        threshold: 2,
        stepWeights: [1, 5, 20, 50],
        stepWeightPromotion: 25,
        maxWeight: 50,
        mirror: true,
        mirrorWeight: 10,
        sessionAffinity: { cookieName: 'canary', maxAge: Duration.hours(1) },
        metrics: [Metric.requestDuration({ max: 300, interval: Duration.seconds(30) }), Metric.prometheus('errors', 'sum(x)', { min: 0, max: 1, address: 'http://prom:9090' })],
        webhooks: [
          Webhook.preRollout('http://tests.test/', { name: 'acceptance', timeout: Duration.seconds(30), metadata: { type: 'bash', cmd: 'true' } }),
          Webhook.confirmRollout('http://gate.test/approve'),
          Webhook.loadTest({ cmd: 'hey http://web-canary.conformance:8080/', timeout: Duration.seconds(15) }),
        ],
      },
    });
    new ProgressiveService(chart, 'ab', {
      ...common,
      name: 'ab',
      hosts: ['ab.example.com'],
      mesh: false,
      analysis: { iterations: 5, match: [Match.headerRegex('cookie', '^(.*?;)?(canary=always)(;.*)?$'), Match.sourceLabels({ app: 'qa' })] },
    });
    expectConformant(Testing.synth(chart).filter((o) => o.apiVersion.startsWith('flagger.app/')));
  });

  test('a broken object is caught, so the checks above can fail', () => {
    const findings = schemas.validate({
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name: 'broken' },
      spec: { hosts: ['a'], http: [{ timeout: '0s', route: [{ destination: { host: 'a' }, wieght: 10 }] }] },
    });
    expect(findings).toEqual([
      { path: 'spec.http[0].timeout', message: expect.stringContaining("duration(self) >= duration('1ms')") },
      { path: 'spec.http[0].route[0].wieght', message: 'is an unknown field' },
    ]);
  });
});
