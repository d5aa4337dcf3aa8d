/** Durations that Kubernetes holds as int32 seconds (probe timings, a Deployment's minReady and progress deadline). */
import { isDuration, refuse, show } from './errors';

/** The largest int32, the bound of every count and seconds field of a pod spec and a Deployment. */
export const MAX_INT32 = 2_147_483_647;

/**
 * The whole seconds of `value`, a cdk8s Duration of `min` seconds or more that fits an int32; throws in our format
 * otherwise (an untyped caller may pass a number of seconds).
 */
export function wholeSeconds(subject: string, what: string, value: unknown, min: number): number {
  if (!isDuration(value)) {
    refuse(subject, `${what} must be a cdk8s Duration`, show(value),
      typeof value === 'number' && Number.isInteger(value) && value >= min ? `use Duration.seconds(${value})` : `use e.g. Duration.seconds(${Math.max(min, 10)})`);
  }
  const seconds = value.toMilliseconds({ integral: false }) / 1000;
  if (!Number.isInteger(seconds)) {
    refuse(subject, `${what} must be whole seconds, Kubernetes holds it in seconds`, show(value), `use e.g. Duration.seconds(${Math.max(min, 1)})`);
  }
  if (seconds < min || seconds > MAX_INT32) {
    refuse(subject, `${what} must be from ${min} to ${MAX_INT32} seconds`, show(value), `use e.g. Duration.seconds(${Math.max(min, 10)})`);
  }
  return seconds;
}

/** Throws unless `value` is a whole number from `min` to the int32 maximum. */
export function checkCount(subject: string, what: string, value: unknown, min: number, example: number): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > MAX_INT32) {
    refuse(subject, `${what} must be a whole number from ${min} to ${MAX_INT32}`, show(value), `use e.g. ${example}`);
  }
}
