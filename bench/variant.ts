/**
 * One measured run, in a process of its own so that peak memory is the run's:
 * `variant.ts <ours|ours-no-analysis|plain|idle> <n> <objects.json> [one-chart|chart-per-team]`.
 * Prints one JSON line: wall time of construct + synth, the analysis time, object count and peak RSS.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { performance } from 'perf_hooks';
import { ApiObject, App, Chart } from 'cdk8s';
import { parseAllDocuments } from 'yaml';
import { Layout, buildScenario } from './scenario';
import { MeshAnalysis } from '../src';
import { CHECKS } from '../src/analysis';

const [variant, nText, objectsFile, layoutText] = process.argv.slice(2);
const layout = (layoutText ?? 'one-chart') as Layout;
const n = Number(nText);
const outdir = fs.mkdtempSync(path.join(os.tmpdir(), `bench-${variant}-`));
let analysisMs: number | undefined;
let analysisRuns: number | undefined;
let constructMs: number | undefined;
let objects = 0;
let ms = 0;

if (variant === 'ours' || variant === 'ours-no-analysis') {
  const start = performance.now();
  const app = new App({ outdir });
  const analysis = MeshAnalysis.of(app);
  if (variant === 'ours-no-analysis') analysis.disable(...Object.keys(CHECKS));
  // Time the analysis where it runs, inside the synth's validation.
  const findings = analysis.findings.bind(analysis);
  analysisMs = 0;
  analysisRuns = 0;
  analysis.findings = () => {
    const analysisStart = performance.now();
    analysisRuns! += 1;
    try {
      return findings();
    } finally {
      analysisMs! += performance.now() - analysisStart;
    }
  };
  buildScenario(app, n, layout);
  constructMs = performance.now() - start;
  app.synth();
  ms = performance.now() - start;
  analysis.findings = findings; // what follows is counting, not part of the synth
  // Read back what the synth wrote (rendering the charts again would run the analysis again, outside the synth).
  const written = fs.readdirSync(outdir).sort()
    .flatMap((file) => parseAllDocuments(fs.readFileSync(path.join(outdir, file), 'utf8')).map((d) => d.toJSON()));
  objects = written.length;
  if (objectsFile) fs.writeFileSync(objectsFile, JSON.stringify(written));
} else if (variant === 'plain') {
  const input: any[] = JSON.parse(fs.readFileSync(objectsFile, 'utf8'));
  const start = performance.now();
  const app = new App({ outdir });
  // The same charts as ours: one, or one per namespace.
  const charts = new Map<string, Chart>();
  input.forEach((object, i) => {
    const namespace = layout === 'one-chart' ? 'bench' : object.metadata?.namespace ?? 'default';
    let chart = charts.get(namespace);
    if (!chart) {
      chart = new Chart(app, namespace);
      charts.set(namespace, chart);
    }
    new ApiObject(chart, `o${i}`, object);
  });
  app.synth();
  ms = performance.now() - start;
  objects = input.length;
} else if (variant !== 'idle') {
  throw new Error(`unknown variant ${variant}`);
}
fs.rmSync(outdir, { recursive: true, force: true });
const maxRssMb = process.resourceUsage().maxRSS / 1024;
console.log(JSON.stringify({ variant, layout, n, ms, constructMs, analysisMs, analysisRuns, objects, maxRssMb }));
