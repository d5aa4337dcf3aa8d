/** Rendering the progressive-delivery model to a Flagger Canary's analysis and its MetricTemplates, as plain data. */
import { Duration } from 'cdk8s';
import { dropUndefined, renderDuration } from '../model/data';
import { Analysis, Metric, analysisMetrics } from '../model/flagger';

/** The MetricTemplate name of a custom metric of `service`. */
export function metricTemplateName(service: string, metric: Metric): string {
  return `${service}-${metric.name}`;
}

/** The `spec.analysis` of a Canary; custom metrics reference their templates in `namespace`. */
export function renderAnalysis(service: string, namespace: string, analysis: Analysis): Record<string, any> {
  return dropUndefined({
    interval: renderDuration(analysis.interval ?? Duration.minutes(1)),
    threshold: analysis.threshold ?? 5,
    maxWeight: analysis.maxWeight,
    stepWeight: analysis.stepWeight,
    stepWeights: analysis.stepWeights && [...analysis.stepWeights],
    stepWeightPromotion: analysis.stepWeightPromotion,
    iterations: analysis.iterations,
    match: analysis.match?.map(({ conditions: c }) => dropUndefined({
      headers: c.headers, queryParams: c.queryParams, sourceLabels: c.sourceLabels,
    })),
    mirror: analysis.mirror,
    mirrorWeight: analysis.mirrorWeight,
    sessionAffinity: analysis.sessionAffinity && dropUndefined({
      cookieName: analysis.sessionAffinity.cookieName,
      maxAge: analysis.sessionAffinity.maxAge?.toSeconds(),
    }),
    metrics: analysisMetrics(analysis).map((m) => dropUndefined({
      name: m.name,
      templateRef: m.template ? { name: metricTemplateName(service, m), namespace } : undefined,
      thresholdRange: dropUndefined({ min: m.threshold.min, max: m.threshold.max }),
      interval: renderDuration(m.threshold.interval ?? Duration.minutes(1)),
    })),
    webhooks: analysis.webhooks?.map((w) => dropUndefined({
      name: w.name, type: w.type, url: w.url, timeout: w.timeout && renderDuration(w.timeout), metadata: w.metadata,
    })),
  });
}

/** The MetricTemplate specs of the custom metrics. */
export function renderMetricTemplates(service: string, analysis: Analysis): Array<{ name: string; spec: Record<string, any> }> {
  return analysisMetrics(analysis).filter((m) => m.template).map((m) => ({
    name: metricTemplateName(service, m),
    spec: { provider: { type: 'prometheus', address: m.template!.address }, query: m.template!.query },
  }));
}
