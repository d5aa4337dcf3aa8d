import { ApiObject, App } from 'cdk8s';
import { IConstruct } from 'constructs';
import { AnalysisOptions, CHECKS, Finding, Severity, analyze, formatFinding } from './analysis/analyze';
import { ANALYZED_KINDS } from './analysis/manifest';
import { refuse, show } from './model/errors';
import { analysisView } from './private/analysis-view';
import { scopeToSynth } from './private/app-synth';
import { duplicateObjects } from './private/unique-objects';

const ANALYSES = new WeakMap<IConstruct, MeshAnalysis>();

/**
 * The analysis of a whole cdk8s app, run when it synthesizes: error findings fail the synth (all of them listed,
 * nothing written), warnings are recorded as construct metadata on the app (`istio-canary:warning`) and printed.
 * Every construct of this package turns it on for its app; `MeshAnalysis.of(app).disable('IST0118')` skips a check.
 *
 * It runs once per synth of the app: cdk8s validates the whole app again for every chart it writes, and nothing
 * can change in between, so the findings of the first validation of a synth serve the others.
 */
export class MeshAnalysis {
  /** The analysis of the app `scope` belongs to (created, and hooked into the app's validation, on first use). */
  public static of(scope: IConstruct): MeshAnalysis {
    const root = scope.node.root;
    let analysis = ANALYSES.get(root);
    if (!analysis) {
      analysis = new MeshAnalysis(root);
      ANALYSES.set(root, analysis);
    }
    return analysis;
  }

  private readonly disabled = new Set<string>();
  private readonly knownHosts: string[] = [];
  private readonly reported = new Set<string>();
  private running = false;
  /** How deep we are in `app.synth()` / `app.synthYaml()` (0 outside); the findings of the current synth. */
  private synthDepth = 0;
  private synthFindings?: Finding[];

  private constructor(private readonly root: IConstruct) {
    root.node.addValidation({ validate: () => this.validate() });
    root.node.addValidation({ validate: () => duplicateObjects(root) });
    if (root instanceof App) {
      scopeToSynth(root, {
        started: () => {
          this.synthDepth += 1;
        },
        ended: () => {
          this.synthDepth -= 1;
          if (this.synthDepth === 0) this.synthFindings = undefined;
        },
      });
    }
  }

  /** Skips checks by code (`IST0118`, `CANARY002`, ...). */
  public disable(...codes: string[]): this {
    for (const code of codes) {
      if (!(code in CHECKS)) refuse('mesh analysis', 'unknown check code', show(code), `use one of ${Object.keys(CHECKS).join(', ')}`);
      this.disabled.add(code);
    }
    return this;
  }

  /** Hosts that exist outside the app (in the cluster), so routes to them are not reported as missing. */
  public addKnownHosts(...hosts: string[]): this {
    this.knownHosts.push(...hosts);
    return this;
  }

  /** The options the analysis runs with. */
  public get options(): AnalysisOptions {
    return { disable: [...this.disabled], knownHosts: [...this.knownHosts] };
  }

  /** Analyzes every object the app synthesizes, as it stands now. */
  public findings(): Finding[] {
    if (Object.keys(CHECKS).every((code) => this.disabled.has(code))) return []; // all off: not even a render
    const objects = this.root.node.findAll()
      .filter((c): c is ApiObject => ApiObject.isApiObject(c) && ANALYZED_KINDS.has(c.kind))
      .map(analysisView);
    return analyze(objects, this.options);
  }

  /** The findings, computed once per synth; undefined when an object cannot render. */
  private currentFindings(): Finding[] | undefined {
    if (this.synthDepth > 0 && this.synthFindings) return this.synthFindings;
    let findings: Finding[];
    try {
      findings = this.findings();
    } catch {
      return undefined; // an object that cannot render has its own validation error, which says why
    }
    if (this.synthDepth > 0) this.synthFindings = findings;
    return findings;
  }

  private validate(): string[] {
    // chart.toJson() validates the whole app; rendering the objects here must not start another analysis.
    if (this.running) return [];
    this.running = true;
    try {
      const findings = this.currentFindings();
      if (!findings) return [];
      for (const warning of findings.filter((f) => f.severity === Severity.WARNING).map(formatFinding)) {
        if (this.reported.has(warning)) continue;
        this.reported.add(warning);
        this.root.node.addMetadata('istio-canary:warning', warning);
        if (!process.env.JEST_WORKER_ID) process.stderr.write(`warning: ${warning}\n`);
      }
      return findings.filter((f) => f.severity === Severity.ERROR).map((f) => `mesh analysis: ${formatFinding(f)}`);
    } finally {
      this.running = false;
    }
  }
}
