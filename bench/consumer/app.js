// A consumer-style app: plain JavaScript that depends on the compiled package by name, as an app installed from npm
// would. N services (BENCH_CONSUMER_N, default 100) in a chart per team of 10, each exposed through its team's gateway.
const { App, Chart } = require('cdk8s');
const { CanaryService, MeshGateway } = require('cdk8s-istio-canary');

const n = Number(process.env.BENCH_CONSUMER_N ?? 100);
const app = new App();
for (let first = 0; first < n; first += 10) {
  const team = `team-${first / 10}`;
  const chart = new Chart(app, team, { namespace: team });
  const gateway = new MeshGateway(chart, 'gateway', { hosts: [`*.${team}.example.com`] });
  for (let i = first; i < Math.min(n, first + 10); i++) {
    const service = new CanaryService(chart, `svc-${i}`, {
      port: 8080,
      versions: ['v1', 'v2', 'v3'].map((v) => ({ name: v, image: `registry.example.com/svc-${i}:${v}`, replicas: 1 })),
      weights: { v1: 80, v2: 15, v3: 5 },
    });
    service.routeHeader('x-canary', 'always', 'v3');
    service.exposeVia(gateway, { hosts: [`svc-${i}.${team}.example.com`] });
  }
}
app.synth();
