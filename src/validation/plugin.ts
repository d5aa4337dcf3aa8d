/**
 * A cdk8s validation plugin (`validations:` in cdk8s.yaml) for any cdk8s app: the mesh analysis over every
 * synthesized object, and each object against the CRD schemas (structure, unknown fields, CEL rules) of the CRDs the
 * user names, from files, folders or URLs.
 *
 * ```yaml
 * validations:
 *   - package: ./node_modules/cdk8s-istio-canary   # a path: cdk8s-cli would install a name from npm on its own
 *     version: 0.1.0                                # exact; with a path it is only a label
 *     class: IstioCanaryValidation
 *     properties:
 *       crds: [https://raw.githubusercontent.com/istio/istio/1.30.3/manifests/charts/base/files/crd-all.gen.yaml]
 *       disable: [IST0118]
 * ```
 * The environment variable `CDK8S_ISTIO_CANARY_CRDS` (comma-separated) replaces `crds`, e.g. to use local copies offline.
 */
import { CrdSchemas } from './crd-schema';
import { Severity, analyze } from '../analysis/analyze';
import { K8sObject, refOf } from '../analysis/manifest';

/** Properties of the plugin, from cdk8s.yaml. */
export interface IstioCanaryValidationProperties {
  /**
   * CRD files, folders of them, or http(s) URLs. A URL that cannot be fetched is logged and skipped (so an offline
   * synth still runs the analysis); a local path that cannot be read fails the validation.
   * @default none: no schema checks
   */
  readonly crds?: string[];
  /**
   * Analysis checks to skip, by code.
   * @default none
   */
  readonly disable?: string[];
  /**
   * Hosts that exist outside the manifests.
   * @default none
   */
  readonly knownHosts?: string[];
}

/** The parts of cdk8s-cli's `ValidationContext` the plugin uses (kept structural so the package needs no cdk8s-cli). */
export interface ValidationContextLike {
  /** Paths of the synthesized manifests. */
  readonly manifests: readonly string[];
  /** Where the plugin reports. */
  readonly report: {
    /** Adds a violation to the report. */
    addViolation(violation: {
      ruleName: string;
      recommendation: string;
      fix: string;
      violatingResources: Array<{ resourceName: string; locations: string[]; manifestPath: string }>;
    }): void;
    /** Ends the report with its status and metadata. */
    submit(status: 'success' | 'failure', metadata?: Record<string, string>): void;
  };
  /** cdk8s-cli's log. */
  readonly logger: {
    /** Logs one line. */
    log(message: string): void;
  };
  /** The objects of one manifest. */
  parseManifest(manifestPath: string): any[];
}

/** The environment variable that replaces the `crds` property. */
export const CRDS_ENV = 'CDK8S_ISTIO_CANARY_CRDS';

/** The validation plugin class cdk8s-cli loads. */
export class IstioCanaryValidation {
  public constructor(private readonly properties: IstioCanaryValidationProperties = {}) {}

  /** @internal cdk8s-cli calls it with the synthesized manifests. */
  public async validate(context: ValidationContextLike): Promise<void> {
    const located = context.manifests.flatMap((manifestPath) => context.parseManifest(manifestPath)
      .filter((o) => o && typeof o === 'object')
      .map((object: K8sObject) => ({ object, manifestPath })));
    const resource = (object: K8sObject, manifestPath: string, location: string) => {
      const ref = refOf(object);
      return { resourceName: `${ref.kind}/${ref.namespace}/${ref.name}`, locations: [location], manifestPath };
    };
    let failed = false;
    let violations = 0;
    const report = (violation: Parameters<ValidationContextLike['report']['addViolation']>[0]) => {
      violations += 1;
      context.report.addViolation(violation);
    };

    const sources = process.env[CRDS_ENV] !== undefined ? process.env[CRDS_ENV]!.split(',').filter((s) => s.trim() !== '') : this.properties.crds ?? [];
    const { schemas, skipped } = await loadSchemas(sources, (message) => context.logger.log(message));
    for (const { object, manifestPath } of located) {
      for (const finding of schemas.validate(object as any) ?? []) {
        failed = true;
        report({
          ruleName: 'crd-schema',
          recommendation: `${finding.path}: ${finding.message}`,
          fix: `fix the field to match the ${object.kind} CRD schema`,
          violatingResources: [resource(object, manifestPath, finding.path)],
        });
      }
    }

    const where = new Map(located.map((l) => [l.object, l.manifestPath]));
    const objects = located.map((l) => l.object);
    const byRef = new Map(objects.map((o) => [JSON.stringify(refOf(o)), o]));
    for (const finding of analyze(objects, { disable: this.properties.disable, knownHosts: this.properties.knownHosts })) {
      if (finding.severity === Severity.ERROR) failed = true;
      const object = byRef.get(JSON.stringify(finding.object))!;
      report({
        ruleName: `${finding.code} (${finding.severity})`,
        recommendation: finding.message,
        fix: finding.fix,
        violatingResources: [resource(object, where.get(object) ?? '', finding.path)],
      });
    }
    context.report.submit(failed ? 'failure' : 'success', {
      objects: String(objects.length),
      violations: String(violations),
      crdKinds: String(schemas.size),
      skippedCrdSources: skipped.join(', ') || 'none',
    });
  }
}

/** Loads CRDs from paths and URLs; URLs that cannot be fetched are logged and returned as skipped. */
async function loadSchemas(sources: readonly string[], log: (message: string) => void): Promise<{ schemas: CrdSchemas; skipped: string[] }> {
  const sets: CrdSchemas[] = [];
  const skipped: string[] = [];
  for (const source of sources.map((s) => s.trim())) {
    if (/^https?:\/\//.test(source)) {
      try {
        const response = await fetch(source, { signal: AbortSignal.timeout(15_000) });
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        sets.push(CrdSchemas.fromYaml(await response.text()));
      } catch (e) {
        log(`could not fetch CRDs from ${source} (${(e as Error).message}); schema checks skip its kinds. Set ${CRDS_ENV} to local copies to check them offline.`);
        skipped.push(source);
      }
    } else {
      try {
        sets.push(CrdSchemas.fromPaths([source]));
      } catch (e) {
        throw new Error(`istio-canary validation: cannot read CRDs from ${JSON.stringify(source)} (${(e as Error).message}); `
          + `fix the path in crds, or set ${CRDS_ENV} to files or folders that exist`);
      }
    }
  }
  return { schemas: CrdSchemas.merge(sets), skipped };
}
