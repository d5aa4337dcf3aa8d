import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';

/**
 * The TypeScript in README.md and docs/ is compiled against the sources, so the docs cannot drift from the API.
 * A block with its own imports compiles as a module (the package name mapped to src/). A fragment compiles inside a
 * function after a prelude that imports the public API and declares the values fragments take as given (a chart,
 * an image, a list of versions, ...), so it is checked as a user would write it in their own app.
 */
const root = path.join(__dirname, '..');
const PACKAGE = 'cdk8s-istio-canary';

const PRELUDE = `
import { App, Chart, Duration } from 'cdk8s';
import * as api from './src';
import {
  ${publicNames().join(', ')},
} from './src';
declare const app: App;
declare const chart: Chart;
declare const image: string;
declare const versions: api.VersionProps[];
declare const gateway: api.MeshGateway;
declare const cat: api.CanaryService;
declare const cart: api.CanaryService;
declare const catalog: api.CanaryService;
declare const legacy: api.CanaryService;
declare const shop: api.CanaryService;
declare const ERROR_RATE_QUERY: string;
export const used = [App, Chart, Duration];
`;

/** The runtime and type names the main entry exports, read from src/index.ts by the compiler. */
function publicNames(): string[] {
  const file = path.join(root, 'src', 'index.ts');
  const program = ts.createProgram([file], { noEmit: true, skipLibCheck: true });
  const checker = program.getTypeChecker();
  return checker.getExportsOfModule(checker.getSymbolAtLocation(program.getSourceFile(file)!)!).map((s) => s.getName()).sort();
}

interface Snippet {
  readonly doc: string;
  readonly line: number;
  readonly code: string;
}

function snippets(): Snippet[] {
  const docs = ['README.md', ...fs.readdirSync(path.join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
  return docs.flatMap((doc) => {
    const text = fs.readFileSync(path.join(root, doc), 'utf8');
    return [...text.matchAll(/^```ts\n([\s\S]*?)^```/gm)].map((m) => ({
      doc,
      line: text.slice(0, m.index).split('\n').length + 1,
      code: m[1],
    }));
  });
}

function moduleSource(snippet: Snippet): string {
  const code = snippet.code
    .replace(new RegExp(`from '${PACKAGE}/analysis'`, 'g'), "from './src/analysis'")
    .replace(new RegExp(`from '${PACKAGE}'`, 'g'), "from './src'");
  if (/^import /m.test(code)) return code;
  return `${PRELUDE}\nexport function snippet(): void {\n${code}\n}\n`;
}

describe('code in README.md and docs/', () => {
  const all = snippets();

  test('there is code to check in the README and in the docs', () => {
    expect(all.filter((s) => s.doc === 'README.md').length).toBeGreaterThanOrEqual(1);
    expect(all.filter((s) => s.doc.startsWith('docs/')).length).toBeGreaterThanOrEqual(10);
  });

  test('every TypeScript block compiles against the sources', () => {
    const files = new Map(all.map((s, i) => [path.join(root, `docs-snippet-${i}.ts`), { snippet: s, source: moduleSource(s) }]));
    const options: ts.CompilerOptions = {
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.CommonJS,
      esModuleInterop: true,
      types: ['node'],
    };
    const host = ts.createCompilerHost(options);
    const readFile = host.readFile.bind(host);
    const fileExists = host.fileExists.bind(host);
    host.readFile = (f) => files.get(f)?.source ?? readFile(f);
    host.fileExists = (f) => files.has(f) || fileExists(f);
    const getSourceFile = host.getSourceFile.bind(host);
    host.getSourceFile = (f, language) => {
      const virtual = files.get(f);
      return virtual ? ts.createSourceFile(f, virtual.source, language) : getSourceFile(f, language);
    };
    const program = ts.createProgram([...files.keys()], options, host);
    const problems = [...files.entries()].flatMap(([file, { snippet }]) => {
      const sourceFile = program.getSourceFile(file)!;
      return [...program.getSyntacticDiagnostics(sourceFile), ...program.getSemanticDiagnostics(sourceFile)]
        .map((d) => `${snippet.doc} (block at line ${snippet.line}): ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
    });
    expect(problems).toEqual([]);
  });
});
