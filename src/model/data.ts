/** Plain-data helpers shared by the model and the renderers. */
import { Duration } from 'cdk8s';

/** JSON with object keys sorted, so equal data gives equal strings. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v);
}

/** Istio's duration string: whole seconds as `5s`, anything finer as milliseconds. */
export function renderDuration(duration: Duration): string {
  const ms = duration.toMilliseconds();
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/** The object without its undefined fields, so rendered YAML carries only what was set. */
export function dropUndefined<T extends Record<string, any>>(obj: T): T {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as T;
}
