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
