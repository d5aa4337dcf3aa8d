/**
 * Whole-process figures for `npm run bench`: `cdk8s synth` as users run it, with its phases timed.
 * - The example app (README quick start, with the CRDs of ../shared/crds): the whole command, the app alone (the
 *   `app` command of cdk8s.yaml) and the validation plugin alone over the written manifests; the CLI's share is the rest.
 * - A consumer-style app (bench/consumer): JavaScript depending on the compiled package, as installed from npm.
 */
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { performance } from 'perf_hooks';

const root = path.join(__dirname, '..');
const CRDS = path.join(root, '..', 'shared', 'crds');

/** Phases of one whole-process synth, in ms. */
export interface ProcessRun { total: number; app: number; plugin: number; objects: number }

function timed(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): number {
  const start = performance.now();
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 256 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${result.stderr}${result.stdout}`);
  return performance.now() - start;
}

/** The plugin alone over the manifests in `folder`, in a process of its own (load, then validate). */
function pluginAlone(pluginModule: string, folder: string, cwd: string): { ms: number; objects: number } {
  const script = `
    const { performance } = require('perf_hooks');
    const fs = require('fs'); const path = require('path'); const { parseAllDocuments } = require('yaml');
    const start = performance.now();
    const { IstioCanaryValidation } = require(${JSON.stringify(pluginModule)});
    const manifests = fs.readdirSync(${JSON.stringify(folder)}).filter((f) => f.endsWith('.yaml')).map((f) => path.join(${JSON.stringify(folder)}, f));
    let meta;
    const context = { manifests, logger: { log() {} }, report: { addViolation() {}, submit(status, m) { meta = m; if (status !== 'success') process.exitCode = 1; } },
      parseManifest: (p) => parseAllDocuments(fs.readFileSync(p, 'utf8')).map((d) => d.toJSON()) };
    new IstioCanaryValidation({}).validate(context).then(() => console.log(JSON.stringify({ ms: performance.now() - start, objects: Number(meta.objects) })));
  `;
  const out = execFileSync(process.execPath, ['-e', script], { cwd, encoding: 'utf8', env: { ...process.env, CDK8S_ISTIO_CANARY_CRDS: CRDS } });
  return JSON.parse(out.trim().split('\n').pop()!);
}

/** `npx cdk8s synth` of the example app, its app alone and its plugin alone. */
export function exampleAppRun(): ProcessRun {
  const env = { CDK8S_ISTIO_CANARY_CRDS: CRDS };
  const total = timed('npx', ['cdk8s', 'synth', '--no-check-upgrade'], root, env);
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-example-'));
  const app = timed(process.execPath, ['-r', 'sucrase/register/ts', 'examples/main.ts'], root, { CDK8S_OUTDIR: outdir });
  fs.rmSync(outdir, { recursive: true, force: true });
  const plugin = pluginAlone(path.join(root, 'examples', 'plugin.js'), path.join(root, 'manifests'), root);
  return { total, app, plugin: plugin.ms, objects: plugin.objects };
}

/** Compiles the package to lib/ and lays out the consumer app with the package linked into its node_modules. */
export function prepareConsumer(): string {
  execFileSync('npx', ['tsc', '--build'], { cwd: root, stdio: 'inherit' });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-consumer-'));
  for (const file of ['app.js', 'cdk8s.yaml']) fs.copyFileSync(path.join(__dirname, 'consumer', file), path.join(dir, file));
  fs.mkdirSync(path.join(dir, 'node_modules'));
  fs.symlinkSync(root, path.join(dir, 'node_modules', 'cdk8s-istio-canary'), 'dir');
  for (const dep of ['cdk8s', 'cdk8s-plus-27', 'constructs', 'yaml']) fs.symlinkSync(path.join(root, 'node_modules', dep), path.join(dir, 'node_modules', dep), 'dir');
  return dir;
}

/** `cdk8s synth` of the consumer app, its app alone and its plugin alone. */
export function consumerRun(dir: string): ProcessRun {
  const cdk8s = path.join(root, 'node_modules', '.bin', 'cdk8s');
  const env = { CDK8S_ISTIO_CANARY_CRDS: CRDS };
  const total = timed(cdk8s, ['synth', '--no-check-upgrade'], dir, env);
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-consumer-out-'));
  const app = timed(process.execPath, ['app.js'], dir, { CDK8S_OUTDIR: outdir });
  fs.rmSync(outdir, { recursive: true, force: true });
  const plugin = pluginAlone(path.join(dir, 'node_modules', 'cdk8s-istio-canary', 'lib', 'src', 'validation', 'plugin.js'), path.join(dir, 'manifests'), dir);
  return { total, app, plugin: plugin.ms, objects: plugin.objects };
}
