import { Testing } from 'cdk8s';
import { only, synthToFiles } from './util';
import {
  BookinfoReviewsChart, EXAMPLE_CHARTS, GrpcHeaderChart, GrpcWeightedChart, NginxCanaryChart, addExampleCharts,
} from '../examples/scenarios';

/** A route as `[name, match as text, subset=weight...]`, to pin what matters in one line. */
function routes(vs: any): string[][] {
  return vs.spec.http.map((r: any) => [
    r.name,
    JSON.stringify(r.match ?? null),
    ...r.route.map((d: any) => `${d.destination.subset}=${d.weight ?? 100}`),
    ...(r.timeout ? [`timeout=${r.timeout}`] : []),
  ]);
}

describe.each(Object.entries(EXAMPLE_CHARTS))('example chart %s', (id, ChartClass) => {
  const objects = Testing.synth(new ChartClass(Testing.app(), id));

  test('matches its snapshot', () => {
    expect(objects).toMatchSnapshot();
  });

  test('every route goes to a subset of the DestinationRule, every subset selects one Deployment', () => {
    const dr = only(objects, 'DestinationRule');
    const vs = only(objects, 'VirtualService');
    const subsets = new Map<string, any>(dr.spec.subsets.map((s: any) => [s.name, s.labels]));
    for (const route of vs.spec.http) {
      for (const d of route.route) {
        expect(d.destination.host).toBe(dr.spec.host);
        expect(subsets.has(d.destination.subset)).toBe(true);
      }
    }
    const deployments = objects.filter((o) => o.kind === 'Deployment');
    for (const labels of subsets.values()) {
      const selected = deployments.filter((d) => Object.entries(labels).every(([k, v]) => d.spec.template.metadata.labels[k] === v));
      expect(selected).toHaveLength(1);
    }
  });
});

describe('seed scenarios', () => {
  test('nginx: v1/v2 behind one Service, 90/10', () => {
    const out = Testing.synth(new NginxCanaryChart(Testing.app(), 'nginx'));
    expect(only(out, 'Service', 'nginx').spec.selector).toEqual({ app: 'nginx' });
    expect(only(out, 'DestinationRule').spec.subsets.map((s: any) => s.name)).toEqual(['v1', 'v2']);
    expect(routes(only(out, 'VirtualService'))).toEqual([['default', 'null', 'v1=90', 'v2=10']]);
    expect(only(out, 'Deployment', 'nginx-v1').spec.template.spec.containers[0].securityContext).toMatchObject({ runAsNonRoot: false });
  });

  test('gRPC: version 100 -> v1, 200 -> v2, default v1, on a grpc port', () => {
    const out = Testing.synth(new GrpcHeaderChart(Testing.app(), 'grpc'));
    expect(only(out, 'Service').spec.ports[0]).toMatchObject({ name: 'grpc', appProtocol: 'grpc', port: 50051 });
    expect(routes(only(out, 'VirtualService'))).toEqual([
      ['version-100', '[{"headers":{"version":{"exact":"100"}}}]', 'v1=100'],
      ['version-200', '[{"headers":{"version":{"exact":"200"}}}]', 'v2=100'],
      ['default', 'null', 'v1=100'],
    ]);
  });

  test('gRPC: SayHello 10/90 with a 5s timeout', () => {
    const out = Testing.synth(new GrpcWeightedChart(Testing.app(), 'grpc'));
    expect(routes(only(out, 'VirtualService'))).toEqual([
      ['say-hello', '[{"uri":{"exact":"/helloworld.Greeter/SayHello"}}]', 'v1=10', 'v2=90', 'timeout=5s'],
      ['default', 'null', 'v1=100'],
    ]);
  });

  test('bookinfo reviews: jason -> v2, others 50/10/40', () => {
    const out = Testing.synth(new BookinfoReviewsChart(Testing.app(), 'bookinfo'));
    expect(only(out, 'DestinationRule').spec.host).toBe('reviews.bookinfo.svc.cluster.local');
    expect(routes(only(out, 'VirtualService'))).toEqual([
      ['end-user-jason', '[{"headers":{"end-user":{"exact":"jason"}}}]', 'v2=100'],
      ['default', 'null', 'v1=50', 'v2=10', 'v3=40'],
    ]);
    const mounts = only(out, 'Deployment', 'reviews-v2').spec.template.spec.containers[0].volumeMounts.map((m: any) => m.mountPath);
    expect(mounts).toEqual(['/tmp', '/opt/ibm/wlp/output']);
  });
});

test('the example app synthesizes byte-identical YAML twice', () => {
  const first = synthToFiles(addExampleCharts);
  const second = synthToFiles(addExampleCharts);
  expect(Object.keys(first)).toEqual(Object.keys(EXAMPLE_CHARTS).map((id) => `${id}.k8s.yaml`).sort());
  expect(second).toEqual(first);
});
