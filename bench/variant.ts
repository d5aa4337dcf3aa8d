/**
 * One measured run, in a process of its own so that peak memory is the run's: `variant.ts <ours|ours-no-analysis|plain|idle> <n> <objects.json>`.
 * Prints one JSON line: wall time of construct + synth, the analysis time, object count and peak RSS.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { performance } from 'perf_hooks';
import { ApiObject, App, Chart } from 'cdk8s';
import { buildScenario } from './scenario';
import { MeshAnalysis } from '../src';
import { CHECKS } from '../src/analysis';

const [variant, nText, objectsFile] = process.argv.slice(2);
const n = Number(nText);
const outdir = fs.mkdtempSync(path.join(os.tmpdir(), `bench-${variant}-`));
let analysisMs: number | undefined;
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
  analysis.findings = () => {
    const analysisStart = performance.now();
    try {
      return findings();
    } finally {
      analysisMs! += performance.now() - analysisStart;
    }
  };
  buildScenario(app, n);
  app.synth();
  ms = performance.now() - start;
  const written = app.charts.flatMap((c) => c.toJson());
  objects = written.length;
  if (objectsFile) fs.writeFileSync(objectsFile, JSON.stringify(written));
} else if (variant === 'plain') {
  const input: any[] = JSON.parse(fs.readFileSync(objectsFile, 'utf8'));
  const start = performance.now();
  const app = new App({ outdir });
  const chart = new Chart(app, 'bench');
  input.forEach((object, i) => new ApiObject(chart, `o${i}`, object));
  app.synth();
  ms = performance.now() - start;
  objects = input.length;
} else if (variant !== 'idle') {
  throw new Error(`unknown variant ${variant}`);
}
fs.rmSync(outdir, { recursive: true, force: true });
console.log(JSON.stringify({ variant, n, ms, analysisMs, objects, maxRssMb: process.resourceUsage().maxRSS / 1024 }));
