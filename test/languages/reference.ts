// The README's release ("A release in a few lines") in TypeScript: the reference that the Python, Java and Go programs
// beside this file must reproduce byte for byte (test/languages/run.sh). It runs src/ (through sucrase), the code that
// jsii compiles into lib/ and dist/ packs, so that `npm test` can type-check it before anything is built.
//   node -r sucrase/register/ts test/languages/reference.ts OUTDIR            # writes OUTDIR/bookinfo.k8s.yaml
//   REFUSE=1 node -r sucrase/register/ts test/languages/reference.ts OUTDIR   # weights adding to 110: prints the error
import { App, Chart } from 'cdk8s';
import { CanaryService, Match, MeshGateway } from '../../src';

const outdir = process.argv[2] ?? 'dist/languages/typescript';
const refuse = process.env.REFUSE === '1';

function build(): App {
  const app = new App({ outdir });
  const chart = new Chart(app, 'bookinfo', { namespace: 'bookinfo' });

  const reviews = new CanaryService(chart, 'reviews', {
    port: 9080,
    versions: [
      { name: 'v1', image: 'registry.istio.io/release/examples-bookinfo-reviews-v1:1.20.3' },
      { name: 'v2', image: 'registry.istio.io/release/examples-bookinfo-reviews-v2:1.20.3', replicas: 1 },
      { name: 'v3', image: 'registry.istio.io/release/examples-bookinfo-reviews-v3:1.20.3' },
    ],
    weights: { v1: 50, v2: 10, v3: 40 },
  });
  reviews.routeHeader('end-user', 'jason', 'v2');
  reviews.addRoute({ name: 'beta', match: [Match.headerPrefix('version', '2')], to: { v2: 50, v3: 50 } });
  reviews.shiftWeights(refuse ? { v1: 90, v2: 20 } : { v1: 90, v3: 10 });

  const gateway = new MeshGateway(chart, 'bookinfo-gateway', { hosts: ['reviews.example.com'] });
  reviews.exposeVia(gateway);
  return app;
}

if (refuse) {
  try {
    build().synth();
  } catch (e) {
    console.log(`REFUSED ${(e as Error).constructor.name}: ${(e as Error).message}`);
    process.exit(3);
  }
  console.log('NOT REFUSED');
  process.exit(4);
} else {
  build().synth();
}
