import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Testing, Yaml } from 'cdk8s';
import { BrokenMeshChart } from '../examples/broken';
import { CRDS_ENV, IstioCanaryValidation, ValidationContextLike } from '../src/validation/plugin';

const FIXTURE = path.join(__dirname, 'fixtures', 'widget-crd.yaml');

/** A stand-in for cdk8s-cli's ValidationContext over manifest files written to a temporary folder. */
function context(docs: any[][]) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plugin-'));
  const manifests = docs.map((objects, i) => {
    const file = path.join(dir, `chart-${i}.k8s.yaml`);
    fs.writeFileSync(file, Yaml.stringify(...objects));
    return file;
  });
  const violations: any[] = [];
  const logs: string[] = [];
  let submitted: { status: string; metadata?: Record<string, string> } | undefined;
  const ctx: ValidationContextLike = {
    manifests,
    report: { addViolation: (v) => violations.push(v), submit: (status, metadata) => { submitted = { status, metadata }; } },
    logger: { log: (m) => logs.push(m) },
    parseManifest: (file) => Yaml.load(file),
  };
  return { ctx, violations, logs, submitted: () => submitted! };
}

const widget = (spec: Record<string, unknown>) => ({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', namespace: 'shop' }, spec });

describe('IstioCanaryValidation plugin', () => {
  afterEach(() => { delete process.env[CRDS_ENV]; });

  test('a valid object against the named CRDs passes with no violations', async () => {
    const { ctx, violations, submitted } = context([[widget({ size: 3 })]]);
    await new IstioCanaryValidation({ crds: [FIXTURE] }).validate(ctx);
    expect(violations).toEqual([]);
    expect(submitted()).toEqual({ status: 'success', metadata: { objects: '1', violations: '0', crdKinds: '1', skippedCrdSources: 'none' } });
  });

  test('schema and CEL findings fail the validation, naming the resource, field and manifest', async () => {
    const { ctx, violations, submitted } = context([[widget({ size: 30, timeout: '0s', extra: true })]]);
    await new IstioCanaryValidation({ crds: [path.dirname(FIXTURE)] }).validate(ctx);
    expect(submitted().status).toBe('failure');
    const summary = violations.map((v) => [
      v.ruleName, v.recommendation, v.violatingResources[0].resourceName, path.basename(v.violatingResources[0].manifestPath),
    ]);
    expect(summary).toEqual([
      ['crd-schema', 'spec.size: must be at most 10 (got 30)', 'Widget/shop/w', 'chart-0.k8s.yaml'],
      ['crd-schema', "spec.timeout: must be at least 1ms (rule `duration(self) >= duration('1ms')` failed)", 'Widget/shop/w', 'chart-0.k8s.yaml'],
      ['crd-schema', 'spec.extra: is an unknown field', 'Widget/shop/w', 'chart-0.k8s.yaml'],
    ]);
  });

  test('the mesh analysis runs over all manifests together: errors fail, warnings are reported, codes can be disabled', async () => {
    const objects = Testing.synth(new BrokenMeshChart(Testing.app(), 'broken'));
    const half = Math.floor(objects.length / 2);
    const run = async (disable?: string[]) => {
      const c = context([objects.slice(0, half), objects.slice(half)]);
      await new IstioCanaryValidation({ disable }).validate(c.ctx);
      return c;
    };
    const all = await run();
    expect(all.submitted().status).toBe('failure');
    expect(all.violations.map((v) => v.ruleName)).toContain('IST0109 (error)');
    expect(all.violations.map((v) => v.ruleName)).toContain('IST0102 (warning)');
    // Istio reports every VirtualService of a host conflict (ConflictingMeshGatewayHostsAnalyzer), the first one too.
    expect(all.violations.filter((v) => v.ruleName === 'IST0109 (error)').flatMap((v) => v.violatingResources)).toEqual(expect.arrayContaining([
      expect.objectContaining({ resourceName: 'VirtualService/broken/reviews', locations: ['spec.hosts[0]'] }),
      expect.objectContaining({ resourceName: 'VirtualService/broken/reviews-again', locations: ['spec.hosts[0]'] }),
    ]));
    const errors = ['IST0101', 'IST0109', 'IST0112', 'IST0145', 'IST0173', 'CANARY003', 'CANARY004', 'ROLLOUT001', 'GWAPI001', 'GWAPI002', 'GWAPI003', 'AMBIENT001'];
    const quiet = await run(errors);
    expect(quiet.submitted().status).toBe('success');
    expect(quiet.violations.every((v) => v.ruleName.endsWith('(warning)'))).toBe(true);
  });

  test(`${CRDS_ENV} replaces the crds property; unreachable URLs are logged and skipped, missing files fail`, async () => {
    process.env[CRDS_ENV] = FIXTURE;
    const fromEnv = context([[widget({ size: 0 })]]);
    await new IstioCanaryValidation({ crds: ['http://127.0.0.1:9/none.yaml'] }).validate(fromEnv.ctx);
    expect(fromEnv.violations.map((v) => v.recommendation)).toEqual(['spec.size: must be at least 1 (got 0)']);
    delete process.env[CRDS_ENV];
    const offline = context([[widget({ size: 0 })]]);
    await new IstioCanaryValidation({ crds: ['http://127.0.0.1:9/none.yaml'] }).validate(offline.ctx);
    expect(offline.violations).toEqual([]);
    expect(offline.logs[0]).toMatch(/^could not fetch CRDs from http:\/\/127\.0\.0\.1:9\/none\.yaml/);
    expect(offline.submitted().metadata!.skippedCrdSources).toBe('http://127.0.0.1:9/none.yaml');
    await expect(new IstioCanaryValidation({ crds: ['/no/such/crds'] }).validate(context([[]]).ctx)).rejects.toThrow(/^istio-canary validation: cannot read CRDs from "\/no\/such\/crds" \(ENOENT.*\); fix the path in crds, or set CDK8S_ISTIO_CANARY_CRDS/);
  });
});
