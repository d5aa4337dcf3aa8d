import * as fs from 'fs';
import * as path from 'path';
import { loadESLint } from 'eslint';

/**
 * The layer and cycle rules are eslint errors (`npm test` runs eslint over src/). These tests make sure the rules
 * bite: an import against the layers, or one that closes a cycle, is reported.
 */
const root = path.join(__dirname, '..');

/** ESLint as projen's eslint task runs it: with the .eslintrc.json projen generates (legacy config). */
async function newEslint() {
  const LegacyESLint = await loadESLint({ useFlatConfig: false });
  return new LegacyESLint({ cwd: root });
}

async function lint(file: string, extraSource: string): Promise<string[]> {
  const eslint = await newEslint();
  const text = fs.readFileSync(path.join(root, file), 'utf8') + extraSource;
  const [result] = await eslint.lintText(text, { filePath: path.join(root, file) });
  return result.messages.map((m) => `${m.ruleId}: ${m.message}`);
}

describe('architecture rules', () => {
  jest.setTimeout(60_000);

  test('the model may not import a construct', async () => {
    const messages = await lint('src/model/names.ts', "import { CanaryService } from '../canary-service';\nexport type Service = CanaryService;\n");
    expect(messages).toContainEqual(expect.stringMatching(/^import\/no-restricted-paths: .*the release model is plain data/));
  });

  test('the analysis may not import a construct or a renderer', async () => {
    const messages = await lint('src/analysis/report.ts',
      "import { MeshGateway } from '../mesh-gateway';\nimport { renderRoutes } from '../istio/routes';\nexport const used = [MeshGateway, renderRoutes];\n");
    expect(messages.filter((m) => /never imports a construct/.test(m))).toHaveLength(2);
  });

  test('a construct may not import another construct file, only the interfaces of targets.ts', async () => {
    const messages = await lint('src/mesh-sidecar.ts', "import { ExternalService } from './external-service';\nexport type External = ExternalService;\n");
    expect(messages).toContainEqual(expect.stringMatching(/^import\/no-restricted-paths: .*interfaces in src\/targets.ts/));
  });

  test('an import that closes a cycle is an error, even when it imports only types', async () => {
    // The cycle check reads the files on disk, so the two files of the cycle are written for the test.
    const dir = fs.mkdtempSync(path.join(root, 'src', 'model', 'cycle-test-'));
    try {
      fs.writeFileSync(path.join(dir, 'a.ts'), "import { B } from './b';\nexport interface A { readonly b?: B }\n");
      fs.writeFileSync(path.join(dir, 'b.ts'), "import { A } from './a';\nexport interface B { readonly a?: A }\n");
      const [result] = await (await newEslint()).lintFiles([path.join(dir, 'a.ts')]);
      expect(result.messages.map((m) => `${m.ruleId}: ${m.message}`)).toContainEqual('import/no-cycle: Dependency cycle detected.');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('type-only import syntax is refused, so no import hides from the cycle check', async () => {
    const messages = await lint('src/model/errors.ts', "import type { MatchConditions } from './match';\nexport type Conditions = MatchConditions;\n");
    expect(messages).toContainEqual(expect.stringMatching(/^@typescript-eslint\/consistent-type-imports: /));
  });

  test('the sources as they are pass the architecture rules', async () => {
    const eslint = await newEslint();
    const results = await eslint.lintFiles(['src/model/errors.ts', 'src/canary-service.ts', 'src/analysis/report.ts']);
    const architecture = ['import/no-cycle', 'import/no-restricted-paths', '@typescript-eslint/consistent-type-imports'];
    expect(results.flatMap((r) => r.messages.filter((m) => architecture.includes(m.ruleId ?? '')).map((m) => `${r.filePath}: ${m.ruleId}: ${m.message}`)))
      .toEqual([]);
  });
});
