import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/**
 * A refused app prints our message without a stack trace into this package: run as a user runs it, in a child
 * process, with `node` (through sucrase, as cdk8s.yaml does) and through `cdk8s synth`. A bug keeps its stack.
 */
const root = path.join(__dirname, '..');
const SRC = JSON.stringify(path.join(root, 'src'));

/** An ` at ` frame in this package's own code (the sources, or the compiled lib/). */
const OUR_FRAME = new RegExp(String.raw`^\s+at .*${escape(path.join(root, 'src'))}|^\s+at .*${escape(path.join(root, 'lib'))}`, 'm');

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const HEADER = `import { ApiObject, App, Chart } from 'cdk8s';
import { CanaryService } from ${SRC};
const app = new App();
const chart = new Chart(app, 'shop', { namespace: 'shop' });
`;
const VERSIONS = "[{ name: 'v1', image: 'nginx:1.27' }, { name: 'v2', image: 'nginx:1.27' }]";

const APPS = {
  // Refused where the input is given: in the constructor.
  eager: `${HEADER}new CanaryService(chart, 'reviews', { port: 9080, versions: ${VERSIONS}, weights: { v1: 90, v2: 20 } });
app.synth();
export const used = ApiObject;
`,
  // Refused when the app synthesizes: the mesh analysis over every object (a validation).
  atSynth: `${HEADER}new CanaryService(chart, 'reviews', { port: 9080, versions: ${VERSIONS} });
new ApiObject(chart, 'vs', { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'extra' },
  spec: { hosts: ['extra'], http: [{ route: [{ destination: { host: 'reviews', subset: 'v9' } }] }] } });
app.synth();
`,
  // A bug (here in the app's own validation) is no refusal: its stack stays.
  bug: `${HEADER}new CanaryService(chart, 'reviews', { port: 9080, versions: ${VERSIONS} });
chart.node.addValidation({ validate: () => { throw new TypeError('boom'); } });
app.synth();
export const used = ApiObject;
`,
};

const EAGER_MESSAGE = 'canary "reviews": weights must add up to 100 (got v1=90 v2=20); adjust them so they sum to 100 (they sum to 110)';
const SYNTH_MESSAGE = 'IST0101 error VirtualService shop/extra spec.http[0].route[0].destination.subset: subset v9 is not defined by '
  + 'DestinationRule shop/reviews (its subsets: v1, v2)';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quiet-errors-'));
  for (const [name, code] of Object.entries(APPS)) fs.writeFileSync(path.join(dir, `${name}.ts`), code);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Runs `command` in the app folder; `cdk8s` and `sucrase` resolve from this repository's node_modules. */
function run(command: string, args: string[]): { status: number | null; stderr: string } {
  const result = spawnSync(command, args, {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, NODE_PATH: path.join(root, 'node_modules'), FORCE_COLOR: '0' },
    timeout: 120_000,
  });
  return { status: result.status, stderr: result.stderr };
}

const node = (app: keyof typeof APPS) => run(process.execPath, ['-r', 'sucrase/register/ts', `${app}.ts`]);

/** `cdk8s synth` (what `npx cdk8s synth` runs) with a cdk8s.yaml naming the app as a user's does. */
function cdk8sSynth(app: keyof typeof APPS) {
  fs.writeFileSync(path.join(dir, 'cdk8s.yaml'), `language: typescript\napp: node -r sucrase/register/ts ${app}.ts\noutput: dist\n`);
  return run(process.execPath, [path.join(root, 'node_modules', 'cdk8s-cli', 'bin', 'cdk8s'), 'synth', '--no-check-upgrade']);
}

describe('a refused app prints our message, not our stack', () => {
  test('node: refused in a constructor, the message first', () => {
    const { status, stderr } = node('eager');
    expect(status).toBe(1);
    expect(stderr).toMatch(new RegExp(`^Error: ${escape(EAGER_MESSAGE)}\n    at Object.<anonymous> \\(${escape(path.join(dir, 'eager.ts'))}:5:1\\)\n`));
    expect(stderr).not.toMatch(OUR_FRAME);
    expect(stderr).not.toContain(root + path.sep); // no source line of ours above the message either
  }, 60_000);

  test('node: refused at synth, and no source line from this package above the message', () => {
    const { status, stderr } = node('atSynth');
    expect(status).toBe(1);
    expect(stderr).toContain(SYNTH_MESSAGE);
    expect(stderr).toMatch(/^Error: Validation failed with the following errors:\n/);
    expect(stderr).toContain(`    at Object.<anonymous> (${path.join(dir, 'atSynth.ts')}:8:5)\n`);
    expect(stderr).not.toMatch(OUR_FRAME);
    expect(stderr).not.toContain(root + path.sep);
  }, 60_000);

  test('cdk8s synth: refused in a constructor and at synth', () => {
    for (const [app, message] of [['eager', EAGER_MESSAGE], ['atSynth', SYNTH_MESSAGE]] as const) {
      const { status, stderr } = cdk8sSynth(app);
      expect(status).toBe(1);
      expect(stderr).toContain(message);
      expect(stderr).not.toMatch(OUR_FRAME);
      expect(stderr).not.toContain(path.join(root, 'src') + path.sep); // the CLI's own frame is in node_modules
      // What the cdk8s CLI adds for any app that fails, in its own words and frames.
      expect(stderr).toMatch(/Error: command "node -r sucrase\/register\/ts \w+\.ts ?" at .* returned a non-zero exit code 1/);
    }
  }, 120_000);

  test('a bug keeps its whole stack', () => {
    const { status, stderr } = node('bug');
    expect(status).toBe(1);
    expect(stderr).toContain('TypeError: boom');
    expect(stderr).toMatch(/^\s+at .*node_modules[\\/]cdk8s[\\/]lib[\\/]app\.js/m);
    expect(stderr).toMatch(OUR_FRAME);
  }, 60_000);
});
