import { Duration, Testing } from 'cdk8s';
import { Analysis, ClientTlsMode, Match, MeshGateway, Metric, ProgressiveService, ProgressiveServiceProps, Protocol, Webhook } from '../src';
import { newChart, only, synth } from './util';
import { renderAnalysis, renderMetricTemplates } from '../src/flagger/canary';
import { checkAnalysis } from '../src/model/flagger';

const canary: Analysis = { interval: Duration.seconds(40), threshold: 3, maxWeight: 100, stepWeight: 20 };
const subject = 'progressive service "ad"';

describe('analysis model (pure)', () => {
  test('a weighted canary with the default metrics: success rate >= 99 and P99 <= 500ms over 1m', () => {
    expect(renderAnalysis('ad', 'weather', canary)).toEqual({
      interval: '40s',
      threshold: 3,
      maxWeight: 100,
      stepWeight: 20,
      metrics: [
        { name: 'request-success-rate', thresholdRange: { min: 99 }, interval: '60s' },
        { name: 'request-duration', thresholdRange: { max: 500 }, interval: '60s' },
      ],
    });
  });

  test('a custom Prometheus metric becomes a MetricTemplate the Canary references', () => {
    const analysis = { ...canary, metrics: [Metric.prometheus('Request error rate', 'sum(errors)', { max: 5, interval: Duration.seconds(30) })] };
    expect(renderAnalysis('ad', 'weather', analysis).metrics).toEqual([
      { name: 'request-error-rate', templateRef: { name: 'ad-request-error-rate', namespace: 'weather' }, thresholdRange: { max: 5 }, interval: '30s' },
    ]);
    expect(renderMetricTemplates('ad', analysis)).toEqual([
      { name: 'ad-request-error-rate', spec: { provider: { type: 'prometheus', address: 'http://prometheus.istio-system:9090' }, query: 'sum(errors)' } },
    ]);
  });

  test('A/B: match headers, iterations, webhooks; no weights', () => {
    const ab: Analysis = {
      iterations: 10,
      match: [Match.headerExact('x-canary', 'insider'), Match.headerRegex('cookie', '^(.*?;)?(canary=always)(;.*)?$')],
      webhooks: [Webhook.loadTest({ cmd: 'hey -z 1m http://ad-canary.weather:3003/', timeout: Duration.seconds(5) }), Webhook.confirmRollout('http://gate/')],
    };
    const rendered = renderAnalysis('ad', 'weather', ab);
    expect(rendered.match).toEqual([{ headers: { 'x-canary': { exact: 'insider' } } }, { headers: { cookie: { regex: '^(.*?;)?(canary=always)(;.*)?$' } } }]);
    expect(rendered.iterations).toBe(10);
    expect(rendered.stepWeight).toBeUndefined();
    expect(rendered.webhooks).toEqual([
      { name: 'load-test', type: 'rollout', url: 'http://flagger-loadtester.test/', timeout: '5s', metadata: { type: 'cmd', cmd: 'hey -z 1m http://ad-canary.weather:3003/' } },
      { name: 'confirm-rollout', type: 'confirm-rollout', url: 'http://gate/' },
    ]);
  });

  test.each([
    ['stepWeight above maxWeight', { ...canary, stepWeight: 30, maxWeight: 20 }, 'stepWeight is above maxWeight (got 30 > 20); lower the step or raise maxWeight'],
    ['stepWeight and stepWeights', { ...canary, stepWeights: [10, 20] }, 'give stepWeight or stepWeights, not both'],
    ['stepWeights not increasing', { maxWeight: 50, stepWeights: [10, 5] }, 'stepWeights must be a non-empty, increasing list (got [10,5])'],
    ['last step above maxWeight', { maxWeight: 50, stepWeights: [10, 60] }, 'the last of stepWeights is above maxWeight (got 60 > 50)'],
    ['stepWeight without maxWeight', { stepWeight: 10 }, 'stepWeight needs maxWeight'],
    ['A/B match with weights', { ...canary, iterations: undefined, match: [Match.headerExact('x-canary', 'insider')] },
      'an A/B match sends the matching requests to the canary for each iteration, and Flagger ignores weights then (got match with maxWeight, stepWeight); drop the weights'],
    ['A/B match without iterations', { match: [Match.headerExact('x-canary', 'insider')] }, 'an A/B match needs iterations'],
    ['A/B match on a path', { iterations: 5, match: [Match.uriPrefix('/beta')] }, 'Flagger\'s A/B match takes headers, query parameters and source labels only'],
    ['no strategy', {}, 'analysis needs a strategy (got neither weights nor iterations)'],
    ['weights and iterations', { ...canary, iterations: 5 }, 'a weighted canary and iterations are different strategies'],
    ['maxWeight with iterations only', { iterations: 5, maxWeight: 50 }, 'maxWeight needs stepWeight or stepWeights'],
    ['a metric without a threshold', { ...canary, metrics: [Metric.prometheus('errors', 'sum(x)', {})] },
      'metric "errors" has no threshold, so it could never fail a check (got {}); give min, max or both'],
    ['min above max', { ...canary, metrics: [Metric.requestDuration({ min: 500, max: 100 })] }, 'metric "request-duration": min is above max (got 500 > 100)'],
    ['success rate over 100', { ...canary, metrics: [Metric.requestSuccessRate({ min: 101 })] }, 'metric "request-success-rate" is a percentage'],
    ['duplicate metrics', { ...canary, metrics: [Metric.requestDuration({ max: 1 }), Metric.requestDuration({ max: 2 })] }, 'metric names must be unique'],
    ['a metric name too long for its MetricTemplate', { ...canary, metrics: [Metric.prometheus('e'.repeat(191), 'x', { max: 1 })] }, 'metric name must be 1 to 190 characters'],
    ['an empty query', { ...canary, metrics: [Metric.prometheus('errors', ' ', { max: 1 })] }, 'metric "errors" has an empty query'],
    ['a bad Prometheus address', { ...canary, metrics: [Metric.prometheus('errors', 'x', { max: 1, address: 'prometheus:9090' })] }, 'metric "errors": Prometheus address must be an http(s) URL'],
    ['mirrorWeight without mirror', { ...canary, mirrorWeight: 10 }, 'mirrorWeight needs mirror: true'],
    ['mirror with an A/B match', { iterations: 5, mirror: true, match: [Match.headerExact('a', 'b')] }, 'mirroring copies traffic to the canary, and an A/B match sends it there'],
    ['session affinity without weights', { iterations: 5, sessionAffinity: { cookieName: 'c' } }, 'session affinity applies to weighted canaries'],
    ['a bad cookie name', { ...canary, sessionAffinity: { cookieName: 'a b' } }, 'sessionAffinity cookieName must be a cookie name (got "a b")'],
    ['a fractional threshold', { ...canary, threshold: 2.5 }, 'analysis threshold must be a whole number from 1 to 1000 (got 2.5)'],
    ['a zero interval', { ...canary, interval: Duration.millis(0) }, 'analysis interval must be a whole number of milliseconds, at least 1ms'],
    ['duplicate webhooks', { ...canary, webhooks: [Webhook.confirmRollout('http://a/'), Webhook.confirmRollout('http://b/')] }, 'webhook names must be unique'],
    ['a webhook URL that is not one', { ...canary, webhooks: [Webhook.confirmRollout('gate')] }, 'webhook "confirm-rollout" url must be an http(s) URL (got "gate")'],
    ['an empty load test', { ...canary, webhooks: [Webhook.loadTest({ cmd: '' })] }, 'load test cmd must be a command line (got "")'],
  ] as Array<[string, Analysis, string]>)('refuses %s', (_what, analysis, message) => {
    expect(() => checkAnalysis(subject, analysis)).toThrow(`${subject}: ${message}`);
  });

  test('accepts the seed schedules', () => {
    expect(() => checkAnalysis(subject, canary)).not.toThrow();
    expect(() => checkAnalysis(subject, { stepWeights: [1, 10, 50] })).not.toThrow();
    expect(() => checkAnalysis(subject, { iterations: 10, match: [Match.headerExact('x-canary', 'insider')] })).not.toThrow();
    expect(() => checkAnalysis(subject, { iterations: 10, mirror: true })).not.toThrow();
  });
});

describe('ProgressiveService', () => {
  const ad = (props: Partial<ProgressiveServiceProps> = {}) => {
    const chart = newChart('weather');
    const service = new ProgressiveService(chart, 'ad', { port: 3003, image: 'istioweather/advertisement:v1', analysis: canary, ...props });
    return { chart, service };
  };

  test('synthesizes the target Deployment and the Canary, and no Service, VirtualService or DestinationRule', () => {
    const { chart } = ad({ containerPort: 8080, progressDeadline: Duration.seconds(60), autoscalerName: 'ad' });
    const out = synth(chart);
    expect(out.map((o) => o.kind).sort()).toEqual(['Canary', 'Deployment', 'ServiceAccount']);
    const deployment = only(out, 'Deployment', 'ad');
    expect(deployment.spec.selector.matchLabels).toEqual({ app: 'ad' });
    expect(deployment.spec.template.spec.containers[0].ports).toEqual([{ containerPort: 8080, name: 'http' }]);
    expect(deployment.spec.template.spec.serviceAccountName).toBe('ad');
    const spec = only(out, 'Canary', 'ad').spec;
    expect(spec.targetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'ad' });
    expect(spec.autoscalerRef).toEqual({ apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', name: 'ad' });
    expect(spec.progressDeadlineSeconds).toBe(60);
    expect(spec.provider).toBe('istio');
    expect(spec.service).toEqual({ port: 3003, portName: 'http', targetPort: 8080 });
  });

  test('service block: gateways plus mesh, hosts, match, timeout, retries and the traffic policy in wire format', () => {
    const chart = newChart('weather');
    const gw = new MeshGateway(chart, 'public', { hosts: ['*.weather.example.com'] });
    new ProgressiveService(chart, 'ad', {
      port: 3003,
      protocol: Protocol.GRPC,
      image: 'ad:1',
      hosts: ['ad.weather.example.com'],
      gateways: [gw],
      match: [Match.uriPrefix('/ad')],
      timeout: Duration.seconds(5),
      retries: { attempts: 3, perTryTimeout: Duration.seconds(1), retryOn: ['5xx'] },
      trafficPolicy: { outlierDetection: { consecutive5xxErrors: 2 }, tls: { mode: ClientTlsMode.ISTIO_MUTUAL } },
      analysis: canary,
    });
    expect(only(synth(chart), 'Canary').spec.service).toEqual({
      port: 3003,
      portName: 'grpc',
      targetPort: 3003,
      hosts: ['ad.weather.example.com'],
      gateways: ['public', 'mesh'],
      match: [{ uri: { exact: '/ad' } }, { uri: { prefix: '/ad/' } }],
      timeout: '5s',
      retries: { attempts: 3, perTryTimeout: '1s', retryOn: '5xx' },
      trafficPolicy: { outlierDetection: { consecutive5xxErrors: 2 }, tls: { mode: 'ISTIO_MUTUAL' } },
    });
  });

  test('mesh: false binds to the gateways only', () => {
    const chart = newChart('weather');
    const gw = new MeshGateway(chart, 'public', { hosts: ['ad.example.com'] });
    new ProgressiveService(chart, 'ad', { port: 3003, image: 'ad:1', hosts: ['ad.example.com'], gateways: [gw], mesh: false, analysis: canary });
    expect(only(synth(chart), 'Canary').spec.service.gateways).toEqual(['public']);
  });

  test.each([
    ['mesh off and no gateway', { mesh: false }, 'its routes would be bound to nothing (got mesh: false and no gateways)'],
    ['a TCP service', { protocol: Protocol.TCP }, 'Flagger shifts traffic with HTTP routes, so the service must speak an HTTP-family protocol (got "tcp")'],
    ['no image', { image: '' }, 'the service needs an image'],
    ['the app label', { labels: { app: 'x' } }, 'the service: the "app" label is reserved'],
    ['a bad port', { port: 0 }, 'port'],
    ['TCP pool settings Flagger lacks', { trafficPolicy: { connectionPool: { maxConnections: 1 } } },
      'Flagger\'s Canary has no field for these traffic policy settings (its connection pool takes HTTP settings only) (got connectionPool.maxConnections)'],
    ['a bad analysis', { analysis: { stepWeight: 50, maxWeight: 20 } }, 'stepWeight is above maxWeight'],
    ['a bad name', { name: 'Ad' }, 'progressive service "Ad"'],
    ['a name too long for Flagger\'s -primary', { name: 'a'.repeat(56) }, 'name must be at most 55 characters, so that Flagger\'s `<name>-primary` stays a valid name'],
  ] as Array<[string, Partial<ProgressiveServiceProps>, string]>)('refuses %s', (_what, props, message) => {
    expect(() => ad(props)).toThrow(message);
  });

  test('a gateway needs hosts that fit it', () => {
    const chart = newChart('weather');
    const gw = new MeshGateway(chart, 'public', { hosts: ['*.weather.example.com'] });
    expect(() => new ProgressiveService(chart, 'a', { port: 1, image: 'x', gateways: [gw], analysis: canary }))
      .toThrow('progressive service "a": a gateway routes by host, and no host is given');
    expect(() => new ProgressiveService(chart, 'b', { port: 1, image: 'x', gateways: [gw], hosts: ['b.example.org'], analysis: canary }))
      .toThrow('progressive service "b": host "b.example.org" fits none of its gateways\' hosts (got b.example.org against *.weather.example.com)');
  });

  test('nothing is synthesized when the props are refused', () => {
    const chart = newChart('weather');
    expect(() => new ProgressiveService(chart, 'ad', { port: 3003, image: 'ad:1', analysis: { stepWeight: 10 } })).toThrow();
    expect(Testing.synth(chart).filter((o) => o.kind === 'Canary')).toEqual([]);
  });
});
