/** Checks that run where input is given and again when the app synthesizes. */
import { IConstruct } from 'constructs';

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
