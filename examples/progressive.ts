/**
 * Progressive delivery with Flagger: the weather app's `ad` service moved 20% at a time every 40s while the error
 * rate stays under 5%, and an A/B test of the same service for `x-canary: insider` over 10 iterations. The same
 * progressive release with Argo Rollouts instead of Flagger.
 */
import { Chart, Duration } from 'cdk8s';
import { Construct } from 'constructs';
import {
  AnalysisTemplate, Match, MeshGateway, MeshNamespace, Metric, ProgressiveService, RolloutService, RolloutStep, Webhook,
} from '../src';

/** Percent of the target's requests answered with a 5xx over the interval (Istio's standard metrics). */
export const ERROR_RATE_QUERY = [
  '100 - sum(rate(istio_requests_total{reporter="destination", destination_workload_namespace="{{ namespace }}",',
  ' destination_workload="{{ target }}", response_code!~"5.*"}[{{ interval }}]))',
  ' / sum(rate(istio_requests_total{reporter="destination", destination_workload_namespace="{{ namespace }}",',
  ' destination_workload="{{ target }}"}[{{ interval }}])) * 100',
].join('');

const AD = { port: 3003, image: 'istioweather/advertisement:v1', replicas: 1 };

/** `ad` in namespace weather: 20% steps every 40s up to 100, rollback after 3 failed checks, 60s progress deadline. */
export class WeatherAdProgressiveChart extends Chart {
  public readonly ad: ProgressiveService;

  constructor(scope: Construct, id: string) {
    super(scope, id, { namespace: 'weather' });
    new MeshNamespace(this, 'weather');
    this.ad = new ProgressiveService(this, 'ad', {
      ...AD,
      hosts: ['ad'],
      analysis: {
        interval: Duration.seconds(40),
        threshold: 3,
        maxWeight: 100,
        stepWeight: 20,
        metrics: [Metric.requestSuccessRate({ min: 95 }), Metric.prometheus('request error rate', ERROR_RATE_QUERY, { max: 5 })],
      },
      progressDeadline: Duration.seconds(60),
    });
  }
}

/** A/B test of `ad`: requests with `x-canary: insider` (at the gateway and in the mesh) go to the canary for 10 iterations. */
export class WeatherAdAbTestChart extends Chart {
  public readonly ad: ProgressiveService;

  constructor(scope: Construct, id: string) {
    super(scope, id, { namespace: 'weather-ab' });
    new MeshNamespace(this, 'weather-ab');
    const gateway = new MeshGateway(this, 'weather-gateway', { hosts: ['ad.weather.example.com'] });
    this.ad = new ProgressiveService(this, 'ad', {
      ...AD,
      hosts: ['ad.weather.example.com'],
      gateways: [gateway],
      analysis: {
        interval: Duration.minutes(1),
        threshold: 3,
        iterations: 10,
        match: [Match.headerExact('x-canary', 'insider')],
        metrics: [Metric.requestSuccessRate({ min: 99 }), Metric.requestDuration({ max: 500 })],
        webhooks: [Webhook.loadTest({ cmd: 'hey -z 1m -q 10 -c 2 -H "x-canary: insider" http://ad-canary.weather-ab:3003/' })],
      },
    });
  }
}

/**
 * `ad` in namespace weather with Argo Rollouts: 20% steps every 40s up to 100 while a background analysis measures
 * the canary's error rate every 40s; the third measurement above 5% (failureLimit 2) aborts the rollout. Testers
 * reach the canary with `x-canary: insider` from the first weight on. Its own namespace, beside the Flagger charts.
 */
export class WeatherAdRolloutChart extends Chart {
  public readonly ad: RolloutService;

  constructor(scope: Construct, id: string) {
    super(scope, id, { namespace: 'weather-argo' });
    new MeshNamespace(this, 'weather-argo');
    const [first, ...rest] = RolloutStep.ramp({ stepWeight: 20, pause: Duration.seconds(40) });
    this.ad = new RolloutService(this, 'ad', {
      ...AD,
      // The header route comes once the canary has pods (Argo Rollouts scales it with its weight).
      steps: [first, RolloutStep.headerRoute('insider', [Match.headerExact('x-canary', 'insider')]), ...rest],
      analysisTemplates: [AnalysisTemplate.errorRate(5, { interval: Duration.seconds(40), failureLimit: 2 })],
      analysis: { templates: ['error-rate'], startingStep: 1 },
    });
  }
}

/** The Flagger and Argo Rollouts charts, by output file name. */
export const PROGRESSIVE_CHARTS = {
  'weather-ad-progressive': WeatherAdProgressiveChart,
  'weather-ad-ab': WeatherAdAbTestChart,
  'weather-ad-rollout': WeatherAdRolloutChart,
} as const;
