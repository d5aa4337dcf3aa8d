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

/** Where README links point: the GitHub pages of this repository, so they work wherever the README is shown. */
const REPOSITORY_FILES = 'https://github.com/cdk8s-istio-canary/cdk8s-istio-canary/blob/main/';

/** The links of a markdown file, outside code blocks and code spans. */
function links(doc: string): { target: string; line: number }[] {
  const text = fs.readFileSync(path.join(root, doc), 'utf8').replace(/^```[\s\S]*?^```/gm, (block) => block.replace(/[^\n]/g, ' '));
  return [...text.matchAll(/\[[^\]]*\]\(([^)\s]+)\)/g)]
    .filter((m) => text.slice(text.lastIndexOf('\n', m.index) + 1, m.index).split('`').length % 2 === 1) // not in a code span
    .map((m) => ({ target: m[1], line: text.slice(0, m.index).split('\n').length }));
}

/** GitHub's anchors for the headings of a markdown file. */
function anchors(doc: string): Set<string> {
  const text = fs.readFileSync(path.join(root, doc), 'utf8').replace(/^```[\s\S]*?^```/gm, '');
  return new Set([...text.matchAll(/^#{1,6} (.+)$/gm)]
    .map((m) => m[1].trim().toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-')));
}

/** What is wrong with a link to `file#anchor` in the repository, or undefined. */
function brokenTarget(file: string, anchor: string | undefined): string | undefined {
  if (!fs.existsSync(path.join(root, file))) return `${file} does not exist`;
  if (anchor !== undefined && file.endsWith('.md') && !anchors(file).has(anchor)) return `${file} has no heading #${anchor}`;
  return undefined;
}

describe('links in README.md and docs/', () => {
  test('README links to this repository\'s files on GitHub (the README is also shown on npm, PyPI, Construct Hub and in node_modules, where docs/ is not), and those files exist', () => {
    const problems = links('README.md').flatMap(({ target, line }) => {
      const [url, anchor] = target.split('#') as [string, string | undefined];
      if (url === '') return anchors('README.md').has(anchor!) ? [] : [`README.md:${line}: no heading #${anchor}`];
      if (url.startsWith(REPOSITORY_FILES)) {
        const broken = brokenTarget(url.slice(REPOSITORY_FILES.length), anchor);
        return broken ? [`README.md:${line}: ${target}: ${broken}`] : [];
      }
      if (/^https?:\/\//.test(url)) return [];
      return [`README.md:${line}: ${target} is relative: write ${REPOSITORY_FILES}${path.posix.normalize(url)}`];
    });
    expect(problems).toEqual([]);
    expect(links('README.md').map((l) => l.target)).toContain(`${REPOSITORY_FILES}docs/use-in-your-app.md`);
  });

  test('relative links in docs/ point to files and headings that exist', () => {
    const docs = fs.readdirSync(path.join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`);
    const problems = docs.flatMap((doc) => links(doc).flatMap(({ target, line }) => {
      if (/^[a-z]+:/.test(target)) return [];
      const [url, anchor] = target.split('#') as [string, string | undefined];
      const file = url === '' ? doc : path.posix.normalize(path.posix.join(path.posix.dirname(doc), url));
      const broken = brokenTarget(file, anchor);
      return broken ? [`${doc}:${line}: ${target}: ${broken}`] : [];
    }));
    expect(problems).toEqual([]);
  });
});
