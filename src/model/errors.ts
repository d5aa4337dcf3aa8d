import { dirname, isAbsolute, join, sep } from 'path';

/**
 * Builds the one error format every check in this package uses:
 * `<subject>: <what is wrong> (got <value>); <how to fix>`.
 *
 * @param subject the construct or object at fault, e.g. `canary "reviews"`
 * @param problem what is wrong, lower-case
 * @param got the offending value, already formatted
 * @param fix how to fix it
 */
export function invalid(subject: string, problem: string, got: string, fix: string): Error {
  return refusal(`${subject}: ${problem} (got ${got}); ${fix}`);
}

/**
 * Throws {@link invalid}'s refusal. Every refusal is thrown here, on a line node does not print above an uncaught error
 * (node prints the source line of the throw, unless that line carries its `node-do-not-add-exception-line` marker):
 * the message says what is wrong, and the stack holds the caller's frames only.
 */
export function refuse(subject: string, problem: string, got: string, fix: string): never {
  throw invalid(subject, problem, got, fix); // node-do-not-add-exception-line
}

/**
 * A refusal: a plain `Error` (so `instanceof Error`, `toThrow(message)` and `error.constructor === Error` hold) whose
 * `stack` is the message and the caller's own frames only, e.g. `at Object.<anonymous> (/app/main.ts:12:1)`: the
 * frames inside this package, node_modules and node are left out, because a refusal is no bug and the frames say
 * nothing the message does not. Errors we did not make (a TypeError, a bug) keep their whole stack.
 */
export function refusal(message: string): Error {
  const limit = Error.stackTraceLimit;
  const where: { stack?: string } = {};
  try {
    setStackTraceLimit(0); // the frames are taken once, below, with room for the caller's beneath ours
    const error = new Error(message);
    setStackTraceLimit(50);
    Error.captureStackTrace(where, refusal);
    Object.defineProperty(error, REFUSAL, { value: true });
    // Formatted on first read (a refusal caught and handled costs no stack text).
    Object.defineProperty(error, 'stack', {
      configurable: true,
      enumerable: false,
      get: () => {
        const stack = [`Error: ${message}`, ...callerFrames(where.stack ?? '')].join('\n');
        Object.defineProperty(error, 'stack', { value: stack, configurable: true, writable: true, enumerable: false });
        return stack;
      },
      set: (value: unknown) => Object.defineProperty(error, 'stack', { value, configurable: true, writable: true, enumerable: false }),
    });
    return error;
  } finally {
    setStackTraceLimit(limit);
  }
}

/** Sets `Error.stackTraceLimit`, unless the environment froze it (hardened JavaScript): a refusal must not fail. */
function setStackTraceLimit(limit: number): void {
  try {
    Error.stackTraceLimit = limit;
  } catch {
    // frozen: the refusal gets the frames the environment allows
  }
}

/** A construct, recognised by shape (the model imports no construct library). */
function isConstruct(value: unknown): value is { node: { path: string } } {
  return typeof value === 'object' && value !== null && typeof (value as { node?: { path?: unknown } }).node?.path === 'string';
}

/** Whether `error` is a refusal made by {@link refusal} (by a brand, as an app may hold another copy of this package). */
export function isRefusal(error: unknown): error is Error {
  return error instanceof Error && (error as unknown as Record<symbol, unknown>)[REFUSAL] === true;
}

const REFUSAL = Symbol.for('cdk8s-istio-canary.refusal');

/** This package's code: the folder holding model/ (src/ in the repository, the compiled folder in the package). */
const OUR_CODE = dirname(__dirname);
const OUR_IMPORTS = join(dirname(OUR_CODE), 'imports');

/** The `at ...` lines of a stack that are in the caller's files: not this package's, not node_modules, not node's. */
function callerFrames(stack: string): string[] {
  return stack.split('\n').filter((line) => {
    const frame = /^\s+at (?:.*\()?(.+?):\d+:\d+\)?$/.exec(line);
    if (!frame) return false;
    const file = frame[1].startsWith('file://') ? frame[1].slice('file://'.length) : frame[1];
    return isAbsolute(file) && !file.startsWith(OUR_CODE + sep) && !file.startsWith(OUR_IMPORTS + sep)
      && !file.split(/[\\/]/).includes('node_modules');
  });
}

/**
 * Formats a value for an error message as a user wrote it: strings quoted, numbers as written (`NaN`, `Infinity`),
 * durations as `7s` or `1h30m`, everything else as JSON.
 */
export function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return JSON.stringify(value);
  // JSON has no NaN, Infinity or Duration: mark them, then unquote the marks. A construct (which refers to itself
  // through its node) is shown by its path, a value of ours that describes itself (a Match, a step) as it does; any
  // other object that refers to itself, by its class.
  let json: string | undefined;
  try {
    json = JSON.stringify(value, (_key, v) => {
      if (typeof v === 'number' && !Number.isFinite(v)) return `${MARK}${v}${MARK}`;
      if (isDuration(v)) return `${MARK}${durationText(v)}${MARK}`;
      if (isConstruct(v)) return `${MARK}${v.constructor.name} ${v.node.path}${MARK}`;
      if (describesItself(v)) {
        const text = String(v);
        if (!text.includes('[object ')) return `${MARK}${text}${MARK}`; // else its fields, which hold the odd value
      }
      return v;
    });
  } catch {
    return `a ${(value as object).constructor?.name ?? 'Object'} object`; // circular
  }
  return json === undefined ? String(value) : json.replace(new RegExp(`"${MARK}(.*?)${MARK}"`, 'g'), '$1');
}

const MARK = '\u2063'; // the invisible separator, which JSON.stringify leaves as it is

/** An object whose class has its own `toString` for messages (Match, RolloutStep, Source), not Object's. */
function describesItself(value: unknown): value is { toString(): string } {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && value.toString !== Object.prototype.toString;
}

/** A cdk8s Duration (by shape: an app may hold another copy of cdk8s). */
export function isDuration(value: unknown): value is { toMilliseconds(options: { integral: boolean }): number } {
  return typeof value === 'object' && value !== null && typeof (value as any).toMilliseconds === 'function'
    && typeof (value as any).toHumanString === 'function';
}

/** A duration as written in Kubernetes and Istio: `1h30m`, `7s`, `250ms`. */
function durationText(duration: { toMilliseconds(options: { integral: boolean }): number }): string {
  let ms = duration.toMilliseconds({ integral: false });
  if (!Number.isFinite(ms) || !Number.isInteger(ms) || ms <= 0) return `${ms}ms`;
  const parts: string[] = [];
  for (const [unit, size] of [['h', 3_600_000], ['m', 60_000], ['s', 1000], ['ms', 1]] as const) {
    const n = Math.floor(ms / size);
    if (n > 0) parts.push(`${n}${unit}`);
    ms -= n * size;
  }
  return parts.join('');
}

/** An object of options, not a string, a list or null (as can arrive from JavaScript or a config file). */
export function checkObject(subject: string, what: string, value: unknown, example: string): void {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    refuse(subject, `${what} must be an object`, show(value), `e.g. ${example}`);
  }
}

/**
 * `value` when it is an array without undefined or null entries; from JavaScript or YAML-driven config a single
 * object or a string can arrive where a list is expected.
 */
export function checkList<T>(subject: string, what: string, value: readonly T[] | undefined, example: string): readonly T[] {
  if (!Array.isArray(value)) {
    refuse(subject, `${what} must be a list`, show(value), `wrap it in [ ], e.g. ${example}`);
  }
  const hole = value.findIndex((entry) => entry === undefined || entry === null);
  if (hole >= 0) refuse(subject, `${what} has an empty entry at position ${hole + 1}`, show(value), 'remove it, or fill it in');
  return value;
}

/** Every prop name of a props interface, so that a list of them cannot miss one or name one that does not exist. */
export type PropNames<T> = { readonly [K in keyof Required<T>]: true };

/**
 * Throws when an untyped caller (JavaScript, YAML-driven config) passes a prop that `construct` does not read: a typo,
 * or another construct's prop (`stickyCanary` on a RolloutService), which would otherwise be ignored without a word.
 */
export function checkKnownProps(subject: string, construct: string, props: unknown, known: Readonly<Record<string, true>>): void {
  if (props === null || typeof props !== 'object') return;
  const unknown = Object.keys(props).find((k) => !(k in known) && (props as Record<string, unknown>)[k] !== undefined);
  if (unknown === undefined) return;
  const near = Object.keys(known).find((k) => k.toLowerCase() === unknown.toLowerCase() || editDistance(k, unknown) <= 2);
  refuse(subject, `${construct} has no prop ${show(unknown)}, so it would be ignored`, show(unknown),
    near ? `did you mean ${show(near)}?` : `remove it; ${construct} takes ${Object.keys(known).join(', ')}`);
}

/** Levenshtein distance, for "did you mean". */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}

/**
 * The name of a construct: `props.name`, else its id. Checks first what an untyped caller may get wrong, props that
 * are no object and a name that is no text, so that every later message can name the construct.
 * @param what the construct in the messages' words, e.g. `canary`
 */
export function constructName(what: string, id: string, props: unknown): string {
  if (props === null || typeof props !== 'object' || Array.isArray(props)) {
    refuse(`${what} ${show(id)}`, 'props must be an object', show(props), 'pass the props as { ... }');
  }
  const name = (props as { name?: unknown }).name ?? id;
  if (typeof name !== 'string') refuse(`${what} ${show(id)}`, 'name must be text', show(name), 'quote it, or leave it out to use the construct id');
  return name;
}
