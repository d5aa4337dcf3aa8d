/**
 * The package as a user's app gets it (issue 28): `npm pack`, installed from the tarball into a fresh TypeScript app
 * beside cdk8s-plus-33. The app gives a CanaryService a readiness probe and resources through our own types, and builds a
 * cdk8s-plus-33 Deployment with a cdk8s-plus-33 probe next to it; `tsc` must pass (our public types name no
 * cdk8s-plus-27 type a user has to write, so there is no TS2322 "separate declarations of a private property"), and the
 * app must synthesize both.
 *
 * It needs the npm registry and a minute or two. SKIP_CONSUMER_APP_TEST=1 skips it, and says so; nothing else does.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';

const ROOT = path.join(__dirname, '..');
const SKIP = process.env.SKIP_CONSUMER_APP_TEST === '1';
if (SKIP) console.warn('test/consumer-app.test.ts skipped: SKIP_CONSUMER_APP_TEST=1');

const APP = `
import { App, Chart, Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-33';
import { CanaryService, DeploymentStrategy, PodCount, Probe, VersionProps } from 'cdk8s-istio-canary';

const app = new App({ outdir: 'dist' });
const chart = new Chart(app, 'shop', { namespace: 'shop' });

const v1: VersionProps = {
  name: 'v1',
  image: 'registry.example.com/web:1.0.0',
  readiness: Probe.httpGet('/healthz', { period: Duration.seconds(5) }),
  resources: { cpu: { request: '100m', limit: '500m' }, memory: { request: '64Mi', limit: '128Mi' } },
  securityContext: { runAsUser: 65532 },
  scratchVolumes: [{ name: 'tmp', path: '/tmp' }],
  deploymentOptions: { strategy: DeploymentStrategy.rollingUpdate({ maxUnavailable: PodCount.absolute(0) }) },
};
new CanaryService(chart, 'web', {
  port: 8080,
  versions: [v1, { name: 'v2', image: 'registry.example.com/web:2.0.0', replicas: 1 }],
  weights: { v1: 90, v2: 10 },
});

// cdk8s-plus-33 in the same app, with its own probe.
new kplus.Deployment(chart, 'legacy', {
  replicas: 1,
  containers: [{
    image: 'registry.example.com/legacy:1.0.0',
    portNumber: 9000,
    readiness: kplus.Probe.fromHttpGet('/ready', { port: 9000 }),
    securityContext: { user: 65532 },
  }],
});

// A cdk8s-plus probe is not ours: the compiler says so (and the construct would refuse it at synth).
// @ts-expect-error
const notOurs: VersionProps = { name: 'v3', image: 'registry.example.com/web:3.0.0', readiness: kplus.Probe.fromTcpSocket() };
void notOurs;

app.synth();
`;

const TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    module: 'commonjs',
    lib: ['es2022'],
    strict: true,
    esModuleInterop: true,
    outDir: 'out',
    rootDir: '.',
    types: ['node'],
    // Our declarations are checked too, as a strict app checks them.
    skipLibCheck: false,
  },
  files: ['app.ts'],
};

/** Runs a command in `cwd`; on failure, throws with its output (the compiler's diagnostics, npm's log). */
function run(command: string, args: string[], cwd: string): string {
  try {
    return execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${command} ${args.join(' ')} failed in ${cwd}:\n${err.stdout ?? ''}${err.stderr ?? ''}\n${err.message}`);
  }
}

/** The newest modification time of the files under `dir`. */
function newest(dir: string): number {
  return fs.readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .reduce((t, e) => Math.max(t, fs.statSync(path.join(e.parentPath, e.name)).mtimeMs), 0);
}

/** lib/ as `npx projen compile` writes it, compiled again when missing or older than src/. */
function ensureCompiled(): void {
  const built = path.join(ROOT, 'lib', 'src', 'index.d.ts');
  if (!fs.existsSync(built) || fs.statSync(built).mtimeMs < newest(path.join(ROOT, 'src'))) {
    run('npx', ['projen', 'compile'], ROOT);
  }
}

(SKIP ? describe.skip : describe)('a consumer app on cdk8s-plus-33', () => {
  let work: string;
  let appDir: string;

  beforeAll(() => {
    ensureCompiled();
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'consumer-app-'));
    const [packed] = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', work], ROOT));
    const tarball = path.join(work, packed.filename);
    appDir = path.join(work, 'app');
    fs.mkdirSync(appDir);
    fs.writeFileSync(path.join(appDir, 'package.json'), JSON.stringify({
      name: 'consumer-app',
      version: '0.0.0',
      private: true,
      dependencies: {
        'cdk8s': '^2.70.0',
        'cdk8s-plus-33': '^2.0.0',
        'constructs': '^10.3.0',
        'cdk8s-istio-canary': `file:${tarball}`,
      },
      devDependencies: { 'typescript': '~5.9.0', '@types/node': '^20' },
    }, null, 2));
    fs.writeFileSync(path.join(appDir, 'tsconfig.json'), JSON.stringify(TSCONFIG, null, 2));
    fs.writeFileSync(path.join(appDir, 'app.ts'), APP);
    run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], appDir);
  }, 600_000);

  afterAll(() => {
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  test('type-checks with both cdk8s-plus versions in one app', () => {
    expect(run(path.join(appDir, 'node_modules', '.bin', 'tsc'), ['--noEmit', '-p', '.'], appDir)).toBe('');
  }, 120_000);

  test('synthesizes our objects with the probe and resources, and the cdk8s-plus-33 Deployment with its probe', () => {
    run(path.join(appDir, 'node_modules', '.bin', 'tsc'), ['-p', '.'], appDir);
    run(process.execPath, [path.join('out', 'app.js')], appDir);
    const objects = fs.readdirSync(path.join(appDir, 'dist'))
      .flatMap((file) => parseAllDocuments(fs.readFileSync(path.join(appDir, 'dist', file), 'utf8')).map((d) => d.toJS()));
    const named = (kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name.startsWith(name));

    const web = named('Deployment', 'web-v1').spec;
    const container = web.template.spec.containers[0];
    expect(container.readinessProbe).toEqual({ httpGet: { path: '/healthz', port: 8080, scheme: 'HTTP' }, periodSeconds: 5, failureThreshold: 3 });
    expect(container.resources).toEqual({ requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '500m', memory: '128Mi' } });
    expect(container.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 65532, readOnlyRootFilesystem: true });
    expect(container.volumeMounts).toEqual([{ name: 'tmp', mountPath: '/tmp' }]);
    expect(web.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 } });
    expect(named('Deployment', 'web-v2')).toBeDefined();
    expect(named('Service', 'web')).toBeDefined();
    expect(named('VirtualService', 'web').spec.http[0].route.map((r: any) => [r.destination.subset, r.weight])).toEqual([['v1', 90], ['v2', 10]]);
    expect(named('DestinationRule', 'web')).toBeDefined();

    const legacy = named('Deployment', 'shop-legacy').spec.template.spec.containers[0];
    expect(legacy.readinessProbe.httpGet).toMatchObject({ path: '/ready', port: 9000 });
  }, 120_000);
});
