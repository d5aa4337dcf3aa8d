import { spawnSync, SpawnSyncOptions } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/**
 * The validation plugin's configuration that docs/use-in-your-app.md gives works from an installed package: the
 * package is packed (`npm pack`, the compiled lib/), installed in a fresh app beside cdk8s, constructs, cdk8s-plus-27
 * and cdk8s-cli from the npm registry, and `npx cdk8s synth` runs with the page's `validations:` block as written.
 * A refused app in that install prints our message without frames into the installed package.
 */
const root = path.join(__dirname, '..');
const PAGE = 'docs/use-in-your-app.md';
/** The page's section holding the block; its first yaml block is the configuration. */
const SECTION = '## The validation plugin';
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const main = path.join(root, pkg.main);

/** The `validations:` block of the page's plugin section, as a user copies it. */
function pageSnippet(): string {
  const text = fs.readFileSync(path.join(root, PAGE), 'utf8');
  const section = text.slice(text.indexOf(SECTION));
  const block = /```yaml\n([\s\S]*?)```/.exec(section);
  if (text.indexOf(SECTION) < 0 || !block) throw new Error(`${PAGE}: no yaml block under "${SECTION}"`);
  return block[1];
}

const compiled = fs.existsSync(main);
if (!compiled) {
  const message = `${path.relative(root, main)} is missing: run \`npx projen compile\` first`;
  if (process.env.CI) throw new Error(`plugin-config.test.ts: ${message}`);
  console.warn(`plugin-config.test.ts skipped: ${message}`);
}
const maybe = compiled ? describe : describe.skip;

maybe('the validation plugin from node_modules, configured as docs/use-in-your-app.md says', () => {
  let dir: string;
  let app: string;
  let home: string;

  const run = (command: string, args: string[], options: SpawnSyncOptions = {}) => {
    const result = spawnSync(command, args, {
      cwd: app,
      encoding: 'utf8',
      timeout: 600_000,
      ...options,
      env: { ...process.env, FORCE_COLOR: '0', ...options.env },
    });
    return { status: result.status, stdout: String(result.stdout), stderr: String(result.stderr) };
  };
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plugin-config-'));
    app = path.join(dir, 'app');
    home = path.join(dir, 'home'); // a fresh HOME: no ~/.cdk8s/plugins from earlier runs
    fs.mkdirSync(app);
    fs.mkdirSync(home);
    const packed = run(npm, ['pack', '--pack-destination', dir, root], { cwd: root });
    if (packed.status !== 0) throw new Error(`npm pack failed:\n${packed.stderr}`);
    const tarball = path.join(dir, packed.stdout.trim().split('\n').pop()!);
    fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }));
    const installed = run(npm, ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball,
      'cdk8s@^2.70.0', 'constructs@^10.3.0', 'cdk8s-plus-27', 'cdk8s-cli']);
    if (installed.status !== 0) throw new Error(`npm install failed:\n${installed.stderr}`);
    fs.writeFileSync(path.join(app, 'main.js'), appCode({ v1: 90, v2: 10 }));
    fs.writeFileSync(path.join(app, 'refused.js'), appCode({ v1: 90, v2: 20 }));
  }, 900_000);
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('the page gives the package folder in node_modules and the version of this package', () => {
    const snippet = pageSnippet();
    expect(snippet).toMatch(/^validations:\n {2}- package: \.\/node_modules\/cdk8s-istio-canary\n/);
    expect(snippet).toContain(`    version: ${pkg.version}\n`);
    expect(snippet).toContain('    class: IstioCanaryValidation\n');
  });

  test('cdk8s synth loads the installed plugin and prints its report', () => {
    fs.writeFileSync(path.join(app, 'cdk8s.yaml'), `language: typescript\napp: node main.js\noutput: dist\n${pageSnippet()}`);
    // Offline, the CRDs from ../shared/crds replace the page's URLs (as in this repository's CI); unreachable URLs
    // would only be listed as skipped.
    const crds = path.join(root, '..', 'shared', 'crds');
    const env: NodeJS.ProcessEnv = { HOME: home, USERPROFILE: home, npm_config_cache: npmCache() };
    if (fs.existsSync(crds)) env.CDK8S_ISTIO_CANARY_CRDS = crds;
    const { status, stdout, stderr } = run(npx, ['cdk8s', 'synth', '--no-check-upgrade'], { env });
    expect({ status, stderr }).toEqual({ status: 0, stderr: expect.any(String) });
    expect(stdout).toContain(`Validation Report (${path.join(app, 'node_modules', 'cdk8s-istio-canary')}@${pkg.version})`);
    expect(stdout).toMatch(/║ Status +│ success +║/);
    expect(stdout).toMatch(/║ objects +│ 6 +║/);
    expect(stdout).toMatch(/║ violations +│ 0 +║/);
    if (env.CDK8S_ISTIO_CANARY_CRDS) expect(stdout).toMatch(/║ skippedCrdSources +│ none +║/);
    expect(stdout).not.toContain('Installing validation plugin');
    expect(fs.existsSync(path.join(home, '.cdk8s', 'plugins'))).toBe(false);
    expect(fs.readFileSync(path.join(app, 'dist', 'shop.k8s.yaml'), 'utf8')).toContain('kind: VirtualService');
  }, 300_000);

  test('a refused app prints our message without frames into the installed package', () => {
    const installed = path.join(app, 'node_modules', 'cdk8s-istio-canary') + path.sep;
    const message = 'canary "reviews": weights must add up to 100 (got v1=90 v2=20); adjust them so they sum to 100 (they sum to 110)';
    const node = run(process.execPath, ['refused.js']);
    expect(node.status).toBe(1);
    expect(node.stderr).toContain(`Error: ${message}\n    at Object.<anonymous> (${path.join(app, 'refused.js')}:`);
    expect(node.stderr).not.toMatch(new RegExp(`^\\s+at .*${escape(installed)}`, 'm'));
    const synth = run(npx, ['cdk8s', 'synth', '--no-check-upgrade', '--app', 'node refused.js'], { env: { HOME: home, npm_config_cache: npmCache() } });
    expect(synth.status).toBe(1);
    expect(synth.stderr).toContain(message);
    expect(synth.stderr).not.toMatch(new RegExp(`^\\s+at .*${escape(installed)}`, 'm'));
  }, 120_000);
});

/** A small app of the README's shape, in the JavaScript a `node main.js` app runs. */
function appCode(weights: Record<string, number>): string {
  return `const { App, Chart } = require('cdk8s');
const { CanaryService } = require('cdk8s-istio-canary');
const app = new App();
const chart = new Chart(app, 'shop', { namespace: 'shop' });
const reviews = new CanaryService(chart, 'reviews', {
  port: 9080,
  versions: [{ name: 'v1', image: 'nginx:1.27' }, { name: 'v2', image: 'nginx:1.27' }],
  weights: ${JSON.stringify(weights)},
});
reviews.routeHeader('end-user', 'jason', 'v2');
app.synth();
`;
}

/** npm's cache as it is outside the test, so a fresh HOME does not empty it. */
function npmCache(): string {
  return process.env.npm_config_cache ?? path.join(os.homedir(), '.npm');
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
