/**
 * Every core Kubernetes object we synthesize (Deployment, Service, ServiceAccount, Namespace, Ingress, ...) against
 * the Kubernetes 1.27 OpenAPI, as the API server's strict field validation checks it: known fields only, each of its
 * type. The schemas are the models of @kubernetes/client-node 0.19.0, the official client generated from the 1.27
 * OpenAPI (its containers have 1.27's `resizePolicy` and not 1.28's `restartPolicy`, which a test below pins).
 */
import { Chart, Testing } from 'cdk8s';
import { EXAMPLE_CHARTS } from '../examples/charts';
import { CanaryService, MeshGateway, MeshNamespace, Protocol, ProgressiveService, Metric, RolloutService, RolloutStep } from '../src';
import { newChart } from './util';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const models: Record<string, any> = require('@kubernetes/client-node/dist/gen/model/models');

interface Field { name: string; baseName: string; type: string }

/** The model of a kind, e.g. `V1Deployment` for apps/v1 Deployment. */
function modelOf(apiVersion: string, kind: string): string | undefined {
  const version = apiVersion.split('/').pop()!;
  const name = `${version.charAt(0).toUpperCase()}${version.slice(1)}${kind}`;
  return models[name]?.getAttributeTypeMap ? name : undefined;
}

/** The problems of `value` against the model type `type`, at `path`. */
function check(value: unknown, type: string, path: string): string[] {
  if (value === undefined || value === null) return [];
  const array = /^Array<(.+)>$/.exec(type);
  if (array) return Array.isArray(value) ? value.flatMap((v, i) => check(v, array[1], `${path}[${i}]`)) : [`${path}: expected a list`];
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map) {
    if (typeof value !== 'object' || Array.isArray(value)) return [`${path}: expected an object`];
    return Object.entries(value as object).flatMap(([k, v]) => check(v, map[1], `${path}.${k}`));
  }
  switch (type) {
    case 'string': case 'Date': return typeof value === 'string' ? [] : [`${path}: expected a string, got ${JSON.stringify(value)}`];
    case 'number': return typeof value === 'number' ? [] : [`${path}: expected a number, got ${JSON.stringify(value)}`];
    case 'boolean': return typeof value === 'boolean' ? [] : [`${path}: expected a boolean, got ${JSON.stringify(value)}`];
    case 'IntOrString': return typeof value === 'string' || Number.isInteger(value) ? [] : [`${path}: expected an int or string`];
    case 'object': case 'any': return [];
    default: {
      const model = models[type];
      if (!model?.getAttributeTypeMap) return [`${path}: unknown type ${type}`];
      if (typeof value !== 'object' || Array.isArray(value)) return [`${path}: expected an object (${type})`];
      const fields: Field[] = model.getAttributeTypeMap();
      const known = new Map(fields.map((f) => [f.baseName, f.type]));
      return Object.entries(value as object).flatMap(([k, v]) => (known.has(k) ? check(v, known.get(k)!, `${path}.${k}`) : [`${path}.${k}: unknown field`]));
    }
  }
}

/**
 * Problems of every core object (no CRD kinds) in `objects`, and of the pod template of every Argo Rollout (its CRD
 * leaves the template's inner fields open, so only the Kubernetes model can tell an unknown or mistyped field).
 */
function coreProblems(objects: any[]): string[] {
  const core = objects.filter((o) => !/istio\.io|flagger\.app|argoproj\.io|gateway\.networking\.k8s\.io/.test(o.apiVersion));
  const rollouts = objects.filter((o) => o.kind === 'Rollout' && o.apiVersion.startsWith('argoproj.io/'));
  return [
    ...core.flatMap((o) => {
      const model = modelOf(o.apiVersion, o.kind);
      const where = `${o.kind}/${o.metadata?.name}`;
      return model ? check(o, model, where) : [`${where}: no Kubernetes 1.27 model for ${o.apiVersion} ${o.kind}`];
    }),
    ...rollouts.flatMap((o) => check(o.spec.template, 'V1PodTemplateSpec', `Rollout/${o.metadata.name}.spec.template`)),
  ];
}

describe('core objects against the Kubernetes 1.27 OpenAPI', () => {
  test('the example app has core objects to check, and all have models', () => {
    const charts = Object.entries(EXAMPLE_CHARTS) as Array<[string, new (scope: any, id: string) => Chart]>;
    const objects = charts.flatMap(([id, ChartClass]) => Testing.synth(new ChartClass(Testing.app(), id)));
    const kinds = new Set(objects.filter((o) => !/istio\.io|flagger\.app|argoproj\.io|gateway\.networking\.k8s\.io/.test(o.apiVersion)).map((o) => `${o.apiVersion} ${o.kind}`));
    expect([...kinds].sort()).toEqual(['apps/v1 Deployment', 'v1 Namespace', 'v1 Service', 'v1 ServiceAccount']);
    expect(objects.filter((o) => o.kind === 'Rollout').length).toBeGreaterThan(0); // their pod templates are checked too
    expect([...kinds].every((k) => modelOf(k.split(' ')[0], k.split(' ')[1]))).toBe(true);
  });

  test('the models are Kubernetes 1.27\'s', () => {
    const container = models.V1Container.getAttributeTypeMap().map((f: Field) => f.baseName);
    expect(container).toContain('resizePolicy'); // added in 1.27
    expect(container).not.toContain('restartPolicy'); // added in 1.28
  });

  test.each(Object.entries(EXAMPLE_CHARTS))('example chart %s', (id, ChartClass) => {
    const objects = Testing.synth(new (ChartClass as new (scope: any, id: string) => Chart)(Testing.app(), id));
    expect(coreProblems(objects)).toEqual([]);
  });

  test('every workload and namespace option', () => {
    const chart = newChart('core');
    new MeshNamespace(chart, 'core', { labels: { team: 'shop' } });
    new CanaryService(chart, 'web', {
      ports: [{ number: 8080 }, { number: 9090, protocol: Protocol.GRPC }],
      versions: [{
        name: 'v1',
        image: 'web:1',
        replicas: 3,
        args: ['--port', '8080'],
        command: ['/web'],
        env: { LOG_LEVEL: 'info' },
        labels: { 'example.com/team': 'shop' },
        annotations: { 'example.com/owner': 'shop' },
      }, { name: 'v2', image: 'web:2', replicas: 0 }],
      weights: { v1: 100 },
    });
    new ProgressiveService(chart, 'ad', { port: 3003, image: 'ad:1', analysis: { stepWeight: 20, maxWeight: 100, metrics: [Metric.requestSuccessRate({ min: 95 })] } });
    new RolloutService(chart, 'banner', {
      port: 8080,
      image: 'banner:1',
      replicas: 4,
      args: ['--port', '8080'],
      env: { LOG_LEVEL: 'info' },
      labels: { 'example.com/team': 'shop' },
      annotations: { 'example.com/owner': 'shop' },
      securityContext: { runAsNonRoot: false },
      steps: [RolloutStep.weight(100)],
    });
    new MeshGateway(chart, 'edge', { hosts: ['shop.example.com', '*'], edgeIngress: { className: 'nginx', annotations: { 'example.com/edge': 'yes' } } });
    const objects = Testing.synth(chart);
    expect(objects.filter((o) => o.kind === 'Ingress')).toHaveLength(1);
    expect(coreProblems(objects)).toEqual([]);
  });

  test('an unknown field, a wrong type and an unknown kind are caught, so the checks above can fail', () => {
    const [deployment] = Testing.synth((() => {
      const chart = newChart('core');
      new CanaryService(chart, 'web', { port: 8080, versions: [{ name: 'v1', image: 'web:1' }] });
      return chart;
    })()).filter((o) => o.kind === 'Deployment');
    const broken = JSON.parse(JSON.stringify(deployment));
    broken.spec.replicas = '2';
    broken.spec.template.spec.containers[0].imagePullPolicyy = 'Always';
    expect(coreProblems([broken])).toEqual([
      'Deployment/web-v1.spec.replicas: expected a number, got "2"',
      'Deployment/web-v1.spec.template.spec.containers[0].imagePullPolicyy: unknown field',
    ]);
    expect(coreProblems([{ apiVersion: 'v1', kind: 'Servce', metadata: { name: 'x' } }])).toEqual(['Servce/x: no Kubernetes 1.27 model for v1 Servce']);
  });
});
