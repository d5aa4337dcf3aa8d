/**
 * CEL evaluation of CRD `x-kubernetes-validations` rules, as a kube-apiserver does, with @bufbuild/cel.
 */
import { CelScalar, celEnv, celFunc, celMethod, isCelError, parse, plan } from '@bufbuild/cel';
import { strings } from '@bufbuild/cel/ext';

/**
 * Kubernetes' URL library (`url(s).getScheme()` and friends), the part of the Kubernetes CEL environment that
 * CEL's standard library and strings extension do not cover. A URL is represented by its string.
 */
const kubernetesUrlFunctions = [
  celFunc('url', [CelScalar.STRING], CelScalar.STRING, (s) => {
    new URL(s); // throws on a malformed URL, which fails the rule as Kubernetes does
    return s;
  }),
  celFunc('isURL', [CelScalar.STRING], CelScalar.BOOL, (s) => URL.canParse(s)),
  celMethod('getScheme', CelScalar.STRING, [], CelScalar.STRING, function (this: string) {
    return new URL(this).protocol.replace(/:$/, '');
  }),
  celMethod('getHost', CelScalar.STRING, [], CelScalar.STRING, function (this: string) {
    return new URL(this).host;
  }),
  celMethod('getHostname', CelScalar.STRING, [], CelScalar.STRING, function (this: string) {
    return new URL(this).hostname.replace(/^\[|\]$/g, '');
  }),
  celMethod('getEscapedPath', CelScalar.STRING, [], CelScalar.STRING, function (this: string) {
    return new URL(this).pathname;
  }),
];

const env = celEnv({ funcs: [...strings, ...kubernetesUrlFunctions] });
type Program = (bindings: { self: any }) => unknown;
const programs = new Map<string, Program | Error>();

/** The result of one rule: true, false, or the reason it could not be evaluated. */
export type RuleOutcome = { ok: boolean; error?: string };

/** Evaluates one rule with `self` bound to a CEL value (see `toCelValue`). Compiled rules are cached. */
export function evaluateRule(rule: string, self: unknown): RuleOutcome {
  let program = programs.get(rule);
  if (!program) {
    try {
      program = plan(env, parse(rule)) as Program;
    } catch (e) {
      program = e as Error;
    }
    programs.set(rule, program);
  }
  if (program instanceof Error) return { ok: false, error: `the rule does not compile: ${program.message}` };
  let result: unknown;
  try {
    result = program({ self });
  } catch (e) {
    return { ok: false, error: (e as Error).message };
  }
  if (isCelError(result)) return { ok: false, error: result.message };
  if (typeof result !== 'boolean') return { ok: false, error: `the rule gave ${String(result)}, not a bool` };
  return { ok: result };
}

/** True when a rule compares with the previous object (a transition rule); offline there is no previous object. */
export function isTransitionRule(rule: string): boolean {
  return /\boldSelf\b/.test(rule);
}
