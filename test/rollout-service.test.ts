import { Duration, Testing } from 'cdk8s';
import { newChart, only, synth } from './util';
import { EXAMPLE_CHARTS } from '../examples/charts';
import { WeatherAdRolloutChart } from '../examples/progressive';
import {
  AnalysisTemplate, Match, MeshGateway, MeshNamespace, Protocol, RolloutService, RolloutServiceProps, RolloutStep, Split,
} from '../src';
import { analyze, explain } from '../src/analysis';

const AD = { port: 3003, image: 'istioweather/advertisement:v1' };
const STEPS = [RolloutStep.weight(50), RolloutStep.pause()];

function rollout(props: Partial<RolloutServiceProps> = {}, namespace = 'weather'): { service: RolloutService; objects: () => any[] } {
  const chart = newChart(namespace);
  const service = new RolloutService(chart, 'ad', { ...AD, steps: STEPS, ...props });
  return { service, objects: () => synth(chart) };
}

/**
 * What Argo Rollouts needs of the objects its Istio traffic routing names, checked here directly on the output (not
 * with the analysis): each VirtualService exists with each listed route, each route has the stable and the canary
 * destination, the DestinationRule has both subsets, the stable and canary Services exist.
 */
function expectTrafficRoutingResolves(objects: any[]): number {
  const rollouts = objects.filter((o) => o.kind === 'Rollout');
  for (const ro of rollouts) {
    const canary = ro.spec.strategy.canary;
    const ns = ro.metadata.namespace;
    const istio = canary.trafficRouting.istio;
    expect(istio.virtualServices.length).toBeGreaterThan(0);
    for (const ref of istio.virtualServices) {
      const vs = objects.find((o) => o.kind === 'VirtualService' && o.metadata.name === ref.name && o.metadata.namespace === ns);
      expect(vs).toBeDefined();
      expect(ref.routes.length).toBeGreaterThan(0);
      for (const name of ref.routes) {
        const route = vs.spec.http.find((r: any) => r.name === name);
        expect(route).toBeDefined();
        if (istio.destinationRule) {
          const { canarySubsetName, stableSubsetName } = istio.destinationRule;
          expect(route.route.map((d: any) => d.destination.subset).sort()).toEqual([canarySubsetName, stableSubsetName].sort());
        } else {
          expect(route.route.map((d: any) => d.destination.host.split('.')[0]).sort()).toEqual([canary.canaryService, canary.stableService].sort());
        }
      }
      for (const managed of canary.trafficRouting.managedRoutes ?? []) {
        expect(vs.spec.http.map((r: any) => r.name)).not.toContain(managed.name);
      }
    }
    if (istio.destinationRule) {
      const dr = objects.find((o) => o.kind === 'DestinationRule' && o.metadata.name === istio.destinationRule.name && o.metadata.namespace === ns);
      const subsets = dr.spec.subsets.map((s: any) => s.name);
      expect(subsets).toEqual(expect.arrayContaining([istio.destinationRule.stableSubsetName, istio.destinationRule.canarySubsetName]));
    } else {
      for (const name of [canary.stableService, canary.canaryService]) {
        expect(objects.filter((o) => o.kind === 'Service' && o.metadata.name === name && o.metadata.namespace === ns)).toHaveLength(1);
      }
    }
  }
  return rollouts.length;
}

describe('RolloutService: the weather ad rollout (seed 002 with Argo Rollouts)', () => {
  const objects = Testing.synth(new WeatherAdRolloutChart(Testing.app(), 'weather-ad-rollout'));
  const ro = only(objects, 'Rollout');
  const canary = ro.spec.strategy.canary;

  test('20% steps every 40s up to 100, with the insider header route once the canary has pods', () => {
    expect(canary.steps).toEqual([
      { setWeight: 20 },
      { setHeaderRoute: { name: 'insider', match: [{ headerName: 'x-canary', headerValue: { exact: 'insider' } }] } },
      { pause: { duration: '40s' } },
      { setWeight: 40 }, { pause: { duration: '40s' } },
      { setWeight: 60 }, { pause: { duration: '40s' } },
      { setWeight: 80 }, { pause: { duration: '40s' } },
      { setWeight: 100 }, { pause: { duration: '40s' } },
    ]);
    expect(canary.trafficRouting.managedRoutes).toEqual([{ name: 'insider' }]);
  });

  test('the background analysis aborts at the third error rate above 5%, measured on the canary Service every 40s', () => {
    expect(canary.analysis).toEqual({
      templates: [{ templateName: 'error-rate' }],
      startingStep: 1,
      args: [{ name: 'service-name', value: 'ad-canary.weather-argo.svc.cluster.local' }],
    });
    const [metric] = only(objects, 'AnalysisTemplate', 'error-rate').spec.metrics;
    // Argo Rollouts fails an analysis when failed measurements exceed failureLimit: 2 tolerated, the third aborts.
    expect(metric).toMatchObject({ interval: '40s', failureLimit: 2, successCondition: 'result[0] <= 5', failureCondition: 'result[0] > 5' });
    expect(metric.provider.prometheus.query).toContain('destination_service=~"{{args.service-name}}"');
    expect(metric.provider.prometheus.query).toContain('[40s]');
  });

  test('host-level: stable and canary Services, a VirtualService all to stable with the canary at 0, on port 3003', () => {
    expect(canary).toMatchObject({ stableService: 'ad-stable', canaryService: 'ad-canary' });
    expect(canary.trafficRouting.istio).toEqual({ virtualServices: [{ name: 'ad', routes: ['default'] }] });
    expect(only(objects, 'VirtualService').spec.http).toEqual([{
      name: 'default',
      route: [
        { destination: { host: 'ad-stable.weather-argo.svc.cluster.local' }, weight: 100 },
        { destination: { host: 'ad-canary.weather-argo.svc.cluster.local' }, weight: 0 },
      ],
    }]);
    for (const name of ['ad', 'ad-stable', 'ad-canary']) {
      expect(only(objects, 'Service', name).spec).toMatchObject({ selector: { app: 'ad' }, ports: [{ name: 'http', port: 3003, targetPort: 3003 }] });
    }
    expect(objects.filter((o) => o.kind === 'Deployment' || o.kind === 'DestinationRule')).toEqual([]);
  });

  test('the pod template is the one a CanaryService version gets: non-root, the service account, the port', () => {
    expect(ro.spec.selector).toEqual({ matchLabels: { app: 'ad' } });
    expect(ro.spec.template.metadata.labels).toEqual({ app: 'ad' });
    const pod = ro.spec.template.spec;
    expect(pod).toMatchObject({ serviceAccountName: 'ad', automountServiceAccountToken: false, securityContext: { runAsNonRoot: true } });
    expect(pod.containers[0]).toMatchObject({ name: 'ad', image: 'istioweather/advertisement:v1', ports: [{ containerPort: 3003, name: 'http' }] });
  });

  test('the analysis finds nothing wrong, and explain shows the initial state: everything to stable', () => {
    expect(analyze(objects).filter((f) => f.code !== 'CANARY002')).toEqual([]);
    const result = explain(objects, { host: 'ad', from: { namespace: 'weather-argo' } });
    expect(result.destinations.map((d) => [d.host, d.probability])).toEqual([['ad-stable.weather-argo.svc.cluster.local', 1]]);
  });
});

describe('RolloutService: traffic routing names what exists', () => {
  test.each(Object.entries(EXAMPLE_CHARTS))('example chart %s', (id, ChartClass) => {
    expectTrafficRoutingResolves(Testing.synth(new ChartClass(Testing.app(), id)));
  });

  test('subset-level, host-level, through a gateway, gateway only, with rules and managed routes', () => {
    const chart = newChart('shop');
    new MeshNamespace(chart, 'shop');
    const gateway = new MeshGateway(chart, 'gw', { hosts: ['shop.example.com', 'api.example.com', 'edge.example.com'] });
    const steps = [
      RolloutStep.weight(10),
      RolloutStep.headerRoute('testers', [Match.headerExact('x-tester', 'yes')]),
      RolloutStep.mirrorRoute('mirror-get', [Match.method('GET').and(Match.uriPrefix('/api'))], 35),
      RolloutStep.pause(),
    ];
    for (const split of [Split.SUBSET, Split.HOST]) {
      const s = new RolloutService(chart, `web-${split}`, { ...AD, steps, split });
      s.routeHeader('end-user', 'jason', 'canary');
      s.exposeVia(gateway, { hosts: [split === Split.SUBSET ? 'shop.example.com' : 'api.example.com'] });
    }
    new RolloutService(chart, 'edge', { ...AD, steps, mesh: false }).exposeVia(gateway, { hosts: ['edge.example.com'] });
    const objects = synth(chart);
    expect(expectTrafficRoutingResolves(objects)).toBe(3);
    expect(analyze(objects).filter((f) => f.code === 'ROLLOUT001')).toEqual([]);
    const subsetLevel = only(objects, 'Rollout', 'web-subset').spec.strategy.canary;
    expect(subsetLevel.trafficRouting.istio).toEqual({
      virtualServices: [{ name: 'web-subset', routes: ['default'] }, { name: 'web-subset-gw', routes: ['default'] }],
      destinationRule: { name: 'web-subset', stableSubsetName: 'stable', canarySubsetName: 'canary' },
    });
    expect(subsetLevel.trafficRouting.managedRoutes).toEqual([{ name: 'testers' }, { name: 'mirror-get' }]);
    expect(subsetLevel.steps[2]).toEqual({
      setMirrorRoute: { name: 'mirror-get', match: [{ method: { exact: 'GET' }, path: { regex: '/api(/.*)?' } }], percentage: 35 },
    });
    expect(only(objects, 'DestinationRule', 'web-subset').spec.subsets).toEqual([
      { name: 'stable', labels: { app: 'web-subset' } }, { name: 'canary', labels: { app: 'web-subset' } },
    ]);
    expect(only(objects, 'VirtualService', 'web-subset').spec.http.map((r: any) => r.name)).toEqual(['end-user-jason', 'default']);
    expect(only(objects, 'Rollout', 'edge').spec.strategy.canary.trafficRouting.istio.virtualServices).toEqual([{ name: 'edge-gw', routes: ['default'] }]);
  });
});

test('a gateway exposed after a synth is in the next synth\'s traffic routing', () => {
  const chart = newChart('shop');
  const gateway = new MeshGateway(chart, 'gw', { hosts: ['web.example.com'] });
  const web = new RolloutService(chart, 'web', { ...AD, steps: STEPS });
  expect(only(synth(chart), 'Rollout').spec.strategy.canary.trafficRouting.istio.virtualServices).toEqual([{ name: 'web', routes: ['default'] }]);
  web.exposeVia(gateway);
  expect(only(synth(chart), 'Rollout').spec.strategy.canary.trafficRouting.istio.virtualServices)
    .toEqual([{ name: 'web', routes: ['default'] }, { name: 'web-gw', routes: ['default'] }]);
});

describe('RolloutService: refused at synth', () => {
  const refuse = (props: Partial<RolloutServiceProps>) => () => rollout(props);

  test.each([
    ['a setWeight above 100', { steps: [RolloutStep.weight(120)] },
      'rollout "ad": step 0 (setWeight 120): setWeight must be a whole percentage from 0 to 100 (got 120); use e.g. 20'],
    ['steps that stop short of 100 without saying so', { steps: [RolloutStep.weight(20), RolloutStep.pause(Duration.seconds(40)), RolloutStep.weight(40)] },
      'rollout "ad": the steps end at 40% to the canary, and Argo Rollouts then sends it 100% at once (got setWeight 20, pause 40s, setWeight 40); '
      + 'step up to RolloutStep.weight(100), end with RolloutStep.pause() to promote by hand, or set allowJumpToFull: true'],
    ['no steps', { steps: [] }, 'the steps end at 0% to the canary, and Argo Rollouts then sends it 100% at once (got no steps)'],
    ['a step analysis naming an unknown template', { steps: [RolloutStep.weight(20), RolloutStep.analysis(['success-rate']), RolloutStep.weight(100)], analysisTemplates: [AnalysisTemplate.errorRate(5)] },
      'rollout "ad": step 1 (analysis success-rate) names an AnalysisTemplate the service does not have (got "success-rate"); use one of error-rate'],
    ['a background analysis naming an unknown template', { analysis: { templates: ['error-rate'] } },
      'rollout "ad": analysis names an AnalysisTemplate the service does not have (got "error-rate"); add it to analysisTemplates'],
    ['a managed route name used for a header and a mirror route', {
      steps: [RolloutStep.weight(10), RolloutStep.headerRoute('canary-route', [Match.headerExact('x', 'y')]),
        RolloutStep.mirrorRoute('canary-route', [Match.method('GET')]), RolloutStep.pause()],
    }, 'rollout "ad": step 2 (setMirrorRoute canary-route): managed route "canary-route" is already a header route (got "canary-route"); give each managed route one name of its own'],
    ['a managed route taking the default route\'s name', { steps: [RolloutStep.weight(10), RolloutStep.headerRoute('default', [Match.headerExact('x', 'y')]), RolloutStep.pause()] },
      'rollout "ad": step 1 (setHeaderRoute default): managed route "default" has the name of one of the service\'s own routes, which Argo Rollouts would replace (got "default"); rename it; taken: default'],
    ['a header route before the canary has pods', { steps: [RolloutStep.headerRoute('t', [Match.headerExact('x', 'y')]), RolloutStep.weight(100)] },
      'rollout "ad": step 0 (setHeaderRoute t) routes to the canary before any setWeight above 0, when the canary has no pods yet (got setHeaderRoute t); put a RolloutStep.weight() above 0 before it'],
    ['a header route on a path', { steps: [RolloutStep.weight(10), RolloutStep.headerRoute('t', [Match.uriPrefix('/a')]), RolloutStep.pause()] },
      'a header route matches one header per entry (exact, prefix or regex), as Argo Rollouts\' setHeaderRoute takes'],
    ['a mirror route on a query parameter', { steps: [RolloutStep.weight(10), RolloutStep.mirrorRoute('m', [Match.queryParam('a', 'b')]), RolloutStep.pause()] },
      'a mirror route matches on method, path and headers only, as Argo Rollouts\' setMirrorRoute takes'],
    ['a template argument without a value', { analysisTemplates: [AnalysisTemplate.prometheus('lat', [{ name: 'p99', query: 'q{x="{{args.svc}}"}', successCondition: 'result[0] < 1' }], ['svc'])], analysis: { templates: ['lat'] } },
      'rollout "ad": analysis: template "lat" needs the argument "svc" (got no value); pass args: { "svc": "..." }'],
    ['a query using an undeclared argument', { analysisTemplates: [AnalysisTemplate.prometheus('lat', [{ name: 'p99', query: 'q{x="{{args.svc}}"}', successCondition: 'result[0] < 1' }])] },
      'rollout "ad": AnalysisTemplate "lat" metric "p99" uses {{args.svc}}, which the template does not declare (got "svc"); add "svc" to the template\'s args'],
    ['a metric without a condition', { analysisTemplates: [AnalysisTemplate.prometheus('lat', [{ name: 'p99', query: 'q' }])] },
      'AnalysisTemplate "lat" metric "p99" has no condition, so every measurement would pass'],
    ['a TCP service', { protocol: Protocol.TCP }, 'rollout "ad": Argo Rollouts shifts this service\'s traffic with HTTP routes, so it must speak an HTTP-family protocol (got "tcp")'],
    ['Deployment options', { deploymentOptions: {} } as any, 'rollout "ad": a Rollout has no Deployment, so deploymentOptions do not apply'],
    ['a pause of half a second', { steps: [RolloutStep.weight(100), RolloutStep.pause(Duration.millis(500))] }, 'step 1 (pause 500ms) duration must be whole seconds (got 500ms)'],
    ['a maxSurge not made with PodCount', { maxSurge: '25%' } as any, 'rollout "ad": maxSurge must be made with PodCount (got "25%"); use e.g. PodCount.absolute(1) or PodCount.percent(25)'],
  ] as Array<[string, Partial<RolloutServiceProps>, string]>)('%s', (_, props, message) => {
    expect(refuse(props)).toThrow(message);
  });

  test('a rule added later that takes a managed route\'s name is refused, and the routing stays as it was', () => {
    const { service, objects } = rollout({ steps: [RolloutStep.weight(10), RolloutStep.headerRoute('testers', [Match.headerExact('x', 'y')]), RolloutStep.pause()] });
    expect(() => service.routeHeader('x-tester', 'yes', 'canary', { name: 'testers' }))
      .toThrow('rollout "ad": step 1 (setHeaderRoute testers): managed route "testers" has the name of one of the service\'s own routes');
    expect(only(objects(), 'VirtualService').spec.http.map((r: any) => r.name)).toEqual(['default']);
  });

  test('Argo Rollouts owns the weights: shiftWeights is refused', () => {
    expect(() => rollout().service.shiftWeights({ stable: 50, canary: 50 })).toThrow('rollout "ad": Argo Rollouts sets the weights of a Rollout, so they cannot be set here');
  });

  test('the steps may stop short of 100 when told so, or end with a pause for a human', () => {
    expect(() => rollout({ steps: [RolloutStep.weight(40)], allowJumpToFull: true })).not.toThrow();
    expect(() => rollout({ steps: [RolloutStep.weight(40), RolloutStep.pause()] })).not.toThrow();
    // Removing a route before any weight sends nothing to the canary.
    expect(() => rollout({ steps: [RolloutStep.removeHeaderRoute('testers'), RolloutStep.weight(100)] })).not.toThrow();
  });
});

describe('RolloutService: GitOps', () => {
  test('host-level: ignore the split weights and managed routes of each VirtualService, and the hash Argo adds to the role Services', () => {
    const chart = newChart('weather');
    const gateway = new MeshGateway(chart, 'gw', { hosts: ['ad.example.com'] });
    const ad = new RolloutService(chart, 'ad', { ...AD, steps: [RolloutStep.weight(10), RolloutStep.headerRoute('testers', [Match.headerExact('x', 'y')]), RolloutStep.pause()] });
    ad.exposeVia(gateway);
    const routes = ['.spec.http[] | select(.name == "default") | .route[].weight', '.spec.http[] | select(.name == "testers")'];
    const selector = ['.spec.selector["rollouts-pod-template-hash"]', '.metadata.annotations["argo-rollouts.argoproj.io/managed-by-rollouts"]'];
    expect(ad.argoCdIgnoreDifferences).toEqual([
      { group: 'networking.istio.io', kind: 'VirtualService', name: 'ad', namespace: 'weather', jqPathExpressions: routes },
      { group: 'networking.istio.io', kind: 'VirtualService', name: 'ad-gw', namespace: 'weather', jqPathExpressions: routes },
      { group: '', kind: 'Service', name: 'ad-stable', namespace: 'weather', jqPathExpressions: selector },
      { group: '', kind: 'Service', name: 'ad-canary', namespace: 'weather', jqPathExpressions: selector },
    ]);
  });

  test('subset-level: the hash Argo adds to the subsets', () => {
    const { service } = rollout({ split: Split.SUBSET });
    expect(service.argoCdIgnoreDifferences.map((e) => [e.kind, e.name, e.jqPathExpressions[0]])).toEqual([
      ['VirtualService', 'ad', '.spec.http[] | select(.name == "default") | .route[].weight'],
      ['DestinationRule', 'ad', '.spec.subsets[].labels["rollouts-pod-template-hash"]'],
    ]);
  });
});

describe('ROLLOUT001: the analysis checks hand-written Argo Rollouts objects', () => {
  const ns = 'shop';
  const base = () => {
    const objects = rollout({ split: Split.SUBSET, steps: [RolloutStep.weight(10), RolloutStep.headerRoute('testers', [Match.headerExact('x', 'y')]), RolloutStep.pause()] }, ns).objects();
    return JSON.parse(JSON.stringify(objects)) as any[];
  };
  const find = (objects: any[], kind: string) => objects.find((o) => o.kind === kind);
  const rollout001 = (objects: any[]) => analyze(objects).filter((f) => f.code === 'ROLLOUT001').map((f) => f.message);

  test('our output passes', () => {
    expect(rollout001(base())).toEqual([]);
  });

  test.each([
    ['a route name that does not match', (o: any[]) => { find(o, 'Rollout').spec.strategy.canary.trafficRouting.istio.virtualServices[0].routes = ['primary']; },
      'VirtualService shop/ad has no http route primary, so Argo Rollouts cannot shift traffic'],
    ['a subset the route lacks', (o: any[]) => { find(o, 'VirtualService').spec.http[0].route.pop(); },
      'route default of VirtualService shop/ad sends nothing to the subset canary, so Argo Rollouts cannot shift traffic'],
    ['a subset the DestinationRule lacks', (o: any[]) => { find(o, 'DestinationRule').spec.subsets[1].name = 'preview'; },
      'DestinationRule shop/ad has no subset canary, so Argo Rollouts cannot shift traffic'],
    ['a VirtualService that does not exist', (o: any[]) => { find(o, 'Rollout').spec.strategy.canary.trafficRouting.istio.virtualServices[0].name = 'ad-vs'; },
      'VirtualService shop/ad-vs does not exist, so Argo Rollouts cannot shift traffic'],
    ['a managed route named like an existing route', (o: any[]) => { find(o, 'VirtualService').spec.http[0].name = 'testers'; find(o, 'Rollout').spec.strategy.canary.trafficRouting.istio.virtualServices[0].routes = ['testers']; },
      'managed route testers has the name of a route of VirtualService shop/ad, which Argo Rollouts would replace'],
    ['a canary Service that does not exist', (o: any[]) => {
      const c = find(o, 'Rollout').spec.strategy.canary;
      delete c.trafficRouting.istio.destinationRule;
      Object.assign(c, { stableService: 'ad', canaryService: 'ad-preview' });
    }, 'canaryService ad-preview is not a Service in namespace shop, so Argo Rollouts cannot shift traffic'],
  ] as Array<[string, (o: any[]) => void, string]>)('%s', (_, breakIt, message) => {
    const objects = base();
    breakIt(objects);
    expect(rollout001(objects)).toContain(message);
  });
});
