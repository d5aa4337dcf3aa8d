import { cdk8s, javascript, JsonFile, YamlFile } from 'projen';

// Pinned CRD sources. Offline we import the same files from ../shared/crds (see README).
const CRDS = {
  istio: {
    url: 'https://raw.githubusercontent.com/istio/istio/1.30.3/manifests/charts/base/files/crd-all.gen.yaml',
    local: ['../shared/crds/istio-networking-1.30.3.yaml', '../shared/crds/istio-security-1.30.3.yaml'],
  },
  flagger: {
    url: 'https://raw.githubusercontent.com/fluxcd/flagger/v1.44.0/artifacts/flagger/crd.yaml',
    local: ['../shared/crds/flagger-1.44.0.yaml'],
  },
  // The Gateway API version Istio 1.30.3 is built against. imports/ holds the standard channel; the experimental
  // channel (HTTPRoute `retry`) defines the same kinds, and we write `retry` in the wire format without its classes.
  gatewayApi: {
    url: 'https://github.com/kubernetes-sigs/gateway-api/releases/download/v1.5.1/standard-install.yaml',
    local: ['../shared/crds/gateway-api-standard-1.5.1.yaml'],
  },
};
// Argo Rollouts: only the kinds we emit, each under its own module name (kinds of one group would otherwise all be
// written to imports/argoproj.io.ts, each overwriting the last).
const ARGO_ROLLOUTS = [
  {
    module: 'rollout',
    url: 'https://raw.githubusercontent.com/argoproj/argo-rollouts/v1.9.1/manifests/crds/rollout-crd.yaml',
    local: '../shared/crds/argo-rollouts-1.9.1-rollout.yaml',
  },
  {
    module: 'analysistemplate',
    url: 'https://raw.githubusercontent.com/argoproj/argo-rollouts/v1.9.1/manifests/crds/analysis-template-crd.yaml',
    local: '../shared/crds/argo-rollouts-1.9.1-analysis-template.yaml',
  },
];

/** Where `cdk8s synth` writes the example manifests; it wipes this folder, so nothing else lives here. */
const MANIFESTS_DIR = 'manifests';

// A jsii construct library (docs/use-in-your-app.md): TypeScript, Python, Java, Go and .NET from one source.
const project = new cdk8s.ConstructLibraryCdk8s({
  name: 'cdk8s-istio-canary',
  description: 'cdk8s constructs for Istio canary and gray releases: versions, subsets, weighted and header routes, gateways.',
  keywords: ['cdk8s', 'istio', 'canary', 'gray-release', 'service-mesh', 'kubernetes'],
  license: 'Apache-2.0',
  copyrightOwner: 'cdk8s-istio-canary authors',
  author: 'cdk8s-istio-canary authors',
  authorAddress: 'https://github.com/cdk8s-istio-canary/cdk8s-istio-canary',
  repositoryUrl: 'https://github.com/cdk8s-istio-canary/cdk8s-istio-canary.git',
  defaultReleaseBranch: 'main',
  packageManager: javascript.NodePackageManager.NPM,
  projenrcTs: true,
  github: false,
  release: false,
  minNodeVersion: '20.0.0',
  jsiiVersion: '~6.0.0',
  cdk8sVersion: '2.70.0',
  constructsVersion: '10.3.0',
  publishToPypi: { distName: 'cdk8s-istio-canary', module: 'cdk8s_istio_canary' },
  publishToMaven: { javaPackage: 'io.github.cdk8sistiocanary', mavenGroupId: 'io.github.cdk8s-istio-canary', mavenArtifactId: 'cdk8s-istio-canary' },
  publishToGo: { moduleName: 'github.com/cdk8s-istio-canary/cdk8s-istio-canary-go', packageName: 'cdk8sistiocanary' },
  publishToNuget: { dotNetNamespace: 'Cdk8sIstioCanary', packageId: 'Cdk8sIstioCanary' },

  // Bundled into the package, not peers. yaml and @bufbuild/* are no jsii libraries (@bufbuild/protobuf is
  // @bufbuild/cel's peer). cdk8s-plus-27 builds our Deployments inside only (no cdk8s-plus type is in our API): bundled,
  // an app on any cdk8s-plus line installs no second one, and the Python, Java and Go packages do not depend on its
  // bindings (Maven Central and the Go module proxy here serve none).
  bundledDeps: ['yaml@^2.8.0', '@bufbuild/re2@^0.6.1', '@bufbuild/cel@^0.6.1', '@bufbuild/protobuf@^2.2.0', 'cdk8s-plus-27@^2.9.5'],
  // @kubernetes/client-node 0.19.0 is generated from the Kubernetes 1.27 OpenAPI: test/kubernetes-schema.test.ts checks
  // every core object we write against its models.
  devDeps: ['cdk8s-cli@^2.207.0', 'fast-check@^4.3.0', 'ts-node@^10.9.2', 'typedoc@^0.28.20', 'sucrase@^3.35.0', '@kubernetes/client-node@0.19.0',
    'mermaid@^12.3.0'],

  // imports/ lives beside src/, so the compiler root is the repository root.
  entrypoint: 'lib/src/index.js',
  entrypointTypes: 'lib/src/index.d.ts',
  tsconfig: {
    compilerOptions: { rootDir: '.' },
    include: ['imports/**/*.ts'],
  },
  // test/tsconfig.json type-checks tests, examples and src together (paths are relative to test/).
  tsconfigDev: {
    include: ['../src/**/*.ts', '../imports/**/*.ts', '../examples/**/*.ts', '../bench/**/*.ts'],
    // ts-jest then transpiles without type-checking (imports/ holds about 1 MB of generated types);
    // `tsc -p test/tsconfig.json` runs first in `npm test` and type-checks everything once.
    compilerOptions: { isolatedModules: true },
  },
  typecheckTests: true,

  jestOptions: {
    // Snapshots must be able to fail: `npm test` never rewrites them; `npx projen test:update` does, on purpose.
    updateSnapshot: javascript.UpdateSnapshot.NEVER,
    passWithNoTests: false,
    jestConfig: {
      coveragePathIgnorePatterns: ['/node_modules/', '/imports/'],
      testPathIgnorePatterns: ['/node_modules/', '/lib/', '/dist/', '/test/languages/.build/'],
      modulePathIgnorePatterns: ['/test/languages/.build/', '/dist/'],
      // A fixed fast-check seed (FC_SEED to explore others): CI runs the same cases every time.
      setupFiles: ['<rootDir>/test/fast-check-seed.ts'],
    },
  },
  eslintOptions: {
    dirs: ['src'],
    devdirs: ['test', 'examples', 'bench'],
    ignorePatterns: ['imports/', 'lib/', 'dist/', MANIFESTS_DIR + '/', '*.d.ts', 'node_modules/'],
  },

  gitignore: [`/${MANIFESTS_DIR}/`],
});

// The layers of src/, one way: model <- istio, gatewayapi, flagger, argo (renderers) <- private (construct helpers) <- constructs at the
// top of src/; analysis reads plain objects (model <- analysis <- validation, cli). docs/design.md explains them.
const onlyFrom = (target: string, allowed: string[], message: string) =>
  ({ target: `./src/${target}`, from: './src', except: allowed.map((a) => `./${a}`), message });
const LAYERS = [
  onlyFrom('model', ['model'], 'the release model is plain data and functions: it imports only src/model'),
  onlyFrom('istio', ['istio', 'model'], 'renderers read the model only'),
  onlyFrom('flagger', ['flagger', 'model'], 'renderers read the model only'),
  onlyFrom('argo', ['argo', 'model'], 'renderers read the model only'),
  onlyFrom('gatewayapi', ['gatewayapi', 'model'], 'renderers read the model only'),
  onlyFrom('analysis', ['analysis', 'model'], 'the analysis reads plain objects and never imports a construct'),
  onlyFrom('validation', ['validation', 'analysis', 'model'], 'validation reads manifests: no constructs'),
  onlyFrom('cli', ['cli', 'analysis'], 'the CLI reads manifests through src/analysis'),
  onlyFrom('private', ['private', 'model', 'istio', 'flagger', 'argo', 'gatewayapi', 'analysis', 'targets.ts'], 'construct helpers import no construct file'),
  {
    // A construct takes other constructs through the interfaces of targets.ts, not through their files.
    target: './src/!(index).ts',
    from: './src/*.ts',
    except: ['routed-release', 'mesh-analysis', 'targets', 'workload'].map((f) => `**/src/${f}.ts`),
    message: 'a construct names other constructs by the interfaces in src/targets.ts',
  },
];

// unrs-resolver 1.13.0 (under eslint-import-resolver-typescript) names platform bindings the registry does not
// serve, so npm cannot lock them and `npm ci` fails; 1.12.2 has all of them.
project.package.addField('overrides', { 'unrs-resolver': '1.12.2' });

// Three entries: the constructs (main, the jsii API), programmatic analysis and the validation plugin's types (both
// TypeScript only; src/index.ts says why for the plugin). `main`/`types` keep working for older resolvers;
// `typesVersions` lets TypeScript's node10 resolution find the other entries' types. imports/ sits beside src/, so
// the compiler root is the repository root and the entry's types are under lib/src/.
project.package.addField('exports', {
  '.': { types: './lib/src/index.d.ts', default: './lib/src/index.js' },
  './analysis': { types: './lib/src/analysis/index.d.ts', default: './lib/src/analysis/index.js' },
  './plugin': { types: './lib/src/validation/plugin.d.ts', default: './lib/src/validation/plugin.js' },
  './package.json': './package.json',
});
project.package.addField('types', 'lib/src/index.d.ts');
project.package.addField('typesVersions', { '*': { analysis: ['lib/src/analysis/index.d.ts'], plugin: ['lib/src/validation/plugin.d.ts'] } });
project.package.addVersion('0.1.0');

// No .NET SDK on our machines: the .NET target is generated as code only (dist/dotnet), not built.
project.tasks.tryFind('package:dotnet')?.reset('jsii-pacmak -v --target dotnet --code-only');
// The Go module proxy here serves no cdk8s-core-go, which pacmak's `go build` of the module needs: the module is
// generated as source (dist/go), and test/languages builds it against cdk8s's Go bindings generated from the same
// jsii assembly cdk8s-core-go is generated from.
project.tasks.tryFind('package:go')?.reset('jsii-pacmak -v --target go --code-only');
// `npm run build` is the whole suite: jsii compile, API.md, the TypeScript tests, then `package`: the packages of every
// target (in CI too; projen would pack only npm there), each tested by the Python, Java and Go programs.
const languageTests = project.addTask('test:languages', {
  description: 'Build the README release from Python, Java and Go against the packages in dist/ (run after package-all)',
  exec: 'bash test/languages/run.sh',
  receiveArgs: true,
});
project.packageTask.reset();
project.packageTask.spawn(project.tasks.tryFind('package-all')!);
project.packageTask.spawn(languageTests);
project.gitignore.exclude('/test/languages/.build/');

project.eslint?.addRules({
  // No import cycles. import/no-cycle skips `import type`, so type imports are written as plain imports (TypeScript
  // drops them from the output all the same) and the cycle check sees every edge.
  'import/no-cycle': ['error', { ignoreExternal: true }],
  '@typescript-eslint/consistent-type-imports': ['error', { prefer: 'no-type-imports' }],
  'import/no-restricted-paths': ['error', { zones: LAYERS }],
});

// examples/ is type-checked and linted like the tests, with its own tsconfig (the language service and eslint
// pick the nearest tsconfig.json).
new javascript.TypescriptConfig(project, {
  fileName: 'examples/tsconfig.json',
  extends: javascript.TypescriptConfigExtends.fromPaths(['../tsconfig.json']),
  include: ['**/*.ts', '../src/**/*.ts', '../imports/**/*.ts'],
  exclude: ['node_modules'],
  compilerOptions: { noEmit: true, rootDir: '..' },
});

// bench/ likewise (`npm run bench` runs it with this tsconfig).
new javascript.TypescriptConfig(project, {
  fileName: 'bench/tsconfig.json',
  extends: javascript.TypescriptConfigExtends.fromPaths(['../tsconfig.json']),
  include: ['**/*.ts', '../src/**/*.ts', '../imports/**/*.ts'],
  exclude: ['node_modules', '.cache'],
  compilerOptions: { noEmit: true, rootDir: '..' },
});

// The example app: `npx cdk8s synth` runs it and writes one YAML file per chart to manifests/.
new YamlFile(project, 'cdk8s.yaml', {
  obj: {
    language: 'typescript',
    // sucrase strips the types of src/ and the 26,000 generated lines of imports/ in a fraction of TypeScript's time
    // (npm test type-checks them); pure JavaScript, so no platform binaries to lock.
    app: 'node -r sucrase/register/ts examples/main.ts',
    output: MANIFESTS_DIR,
    // Upstream sources of imports/, for users who regenerate online with `npx cdk8s import`.
    imports: [CRDS.istio.url, CRDS.flagger.url, CRDS.gatewayApi.url, ...ARGO_ROLLOUTS.map((a) => `${a.module}:=${a.url}`)],
    // The mesh analysis and CRD schema checks on every synth. Offline, CDK8S_ISTIO_CANARY_CRDS=../shared/crds
    // replaces the URLs (as .ci/run does); an unreachable URL is logged and its schema checks skipped.
    validations: [{
      package: './examples/plugin.js',
      version: '0.0.0',
      class: 'IstioCanaryValidation',
      properties: { crds: [CRDS.istio.url, CRDS.flagger.url, CRDS.gatewayApi.url, ...ARGO_ROLLOUTS.map((a) => a.url)] },
    }],
  },
});
// imports/*.ts are compiled into lib/imports; the 3 MB of sources stay out of the package.
project.npmignore?.exclude(`/${MANIFESTS_DIR}/`, '/examples/', '/bench/', '/cdk8s.yaml', '/.ci/', '/imports/');

// The API reference from the doc comments of the three entries; warnings are errors, so an undocumented export fails.
new JsonFile(project, 'typedoc.json', {
  allowComments: true, // typedoc reads JSON with comments; projen's marker is one
  obj: {
    entryPoints: ['src/index.ts', 'src/analysis/index.ts', 'src/validation/plugin.ts'],
    tsconfig: 'tsconfig.json',
    out: 'docs/api',
    name: 'cdk8s-istio-canary',
    readme: 'none',
    excludePrivate: true,
    excludeProtected: true,
    excludeInternal: true,
    treatWarningsAsErrors: true,
    validation: { notExported: true, invalidLink: true, notDocumented: true },
    disableSources: true, // no public repository to link to yet
  },
});
// The generated imports/ tag every field with `@schema <Kind>#<field>`; declared so typedoc knows the tag.
new JsonFile(project, 'tsdoc.json', {
  allowComments: true,
  obj: {
    $schema: 'https://developer.microsoft.com/json-schemas/tsdoc/v0/tsdoc.schema.json',
    extends: ['typedoc/tsdoc.json'],
    tagDefinitions: [{ tagName: '@schema', syntaxKind: 'block' }],
  },
});
project.addTask('docs', { description: 'Generate the API reference into docs/api (typedoc, warnings as errors)', exec: 'typedoc' });
project.gitignore.exclude('/docs/api/');
project.npmignore?.exclude('/docs/', '/typedoc.json', '/tsdoc.json');

// Regenerates imports/ from the pinned local CRDs (offline); imports/ is committed and never hand-edited.
project.addTask('import:crds', {
  description: 'Regenerate imports/ from the pinned CRDs in ../shared/crds',
  steps: [...CRDS.istio.local, ...CRDS.flagger.local, ...CRDS.gatewayApi.local, ...ARGO_ROLLOUTS.map((a) => `${a.module}:=${a.local}`)].map((source) => ({
    exec: `cdk8s import ${source} --language typescript --output imports --no-save`,
  })),
});

// `npm run bench`: synth cost at N = 10, 100, 1000 against plain ApiObjects and helm; writes bench/RESULTS.md.
project.addTask('bench', {
  description: 'Benchmark synth cost against plain cdk8s and helm (writes bench/RESULTS.md)',
  exec: 'ts-node --transpile-only --project bench/tsconfig.json bench/run.ts',
});
project.gitignore.exclude('/bench/.cache/');

// The verification tool (verify/, Go): Istio 1.30's and Kubernetes' own admission checks, analyzers and pilot, run on
// any folder of manifests (docs/verification.md). `npm test` builds it first: its tests are the judge of ours.
const verifyBuild = project.addTask('verify:build', {
  description: 'Build the verification tool (Go; Istio 1.30 from the Go module proxy) into verify/.bin/verify',
  exec: 'go -C verify build -o .bin/verify .',
});
project.addTask('verify', {
  description: 'Judge manifests with Istio\'s and Kubernetes\' own code: verify validate|analyze|routes <paths> [--json]',
  steps: [{ spawn: verifyBuild.name }, { exec: 'verify/.bin/verify', receiveArgs: true }],
});
project.testTask.prependSpawn(verifyBuild);
// Istio's own tests of the code verify/ runs, in verify/'s module graph (whose replacements docs/verification.md
// explains): the analyzers, the webhook's validation, pilot's sidecar and gateway simulations, Gateway API conversion.
project.addTask('verify:istio-tests', {
  description: 'Run Istio\'s own tests of the packages verify/ uses, in verify/\'s module graph',
  exec: 'go -C verify test -count=1 istio.io/istio/pkg/config/analysis/analyzers istio.io/istio/pkg/config/validation '
    + 'istio.io/istio/pilot/pkg/networking/core istio.io/istio/pilot/pkg/config/kube/gateway',
});
project.gitignore.exclude('/verify/.bin/');
project.npmignore?.exclude('/verify/');

project.synth();
