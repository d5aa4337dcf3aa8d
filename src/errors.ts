import { IConstruct } from 'constructs';

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
 * Runs a render now, so bad input throws where it is given, and again as a validation of `scope`, so that a later
 * change (a rule added after the render was set up) fails the synth before anything is written. With `revision`
 * (a stamp of what the render reads), the synth-time render is skipped when nothing changed since.
 */
export function renderNowAndAtSynth(scope: IConstruct, render: () => unknown, revision?: () => unknown): void {
  render();
  const renderedAt = revision?.();
  scope.node.addValidation({
    validate: () => {
      if (revision && revision() === renderedAt) return [];
      try {
        render();
        return [];
      } catch (e) {
        return [(e as Error).message];
      }
    },
  });
}
