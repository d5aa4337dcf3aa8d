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
  return new Error(`${subject}: ${problem} (got ${got}); ${fix}`);
}

/** Formats a value for an error message: strings quoted, everything else as JSON. */
export function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return JSON.stringify(value);
  return JSON.stringify(value) ?? String(value);
}

/**
 * `value` when it is an array without undefined or null entries; from JavaScript or YAML-driven config a single
 * object or a string can arrive where a list is expected.
 */
export function checkList<T>(subject: string, what: string, value: readonly T[] | undefined, example: string): readonly T[] {
  if (!Array.isArray(value)) {
    throw invalid(subject, `${what} must be a list`, show(value), `wrap it in [ ], e.g. ${example}`);
  }
  const hole = value.findIndex((entry) => entry === undefined || entry === null);
  if (hole >= 0) throw invalid(subject, `${what} has an empty entry at position ${hole + 1}`, show(value), 'remove it, or fill it in');
  return value;
}
