/**
 * What the Kubernetes API server (1.27) checks of names, labels, annotations and environment variables, checked at
 * synth so that `kubectl apply` does not refuse a manifest we wrote. Each check throws in the package's error format.
 */
import { refuse, show } from './errors';

/** A qualified name's name part: at most 63 characters, alphanumeric at both ends, `-`, `_` and `.` between. */
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
/** A DNS-1123 subdomain: the optional prefix of a label or annotation key. */
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** Kubernetes 1.27's rule for environment variable names. */
const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

/** Throws unless `key` is a label or annotation key: `[prefix/]name`, the prefix a DNS subdomain of at most 253. */
function checkQualifiedKey(subject: string, what: string, key: string): void {
  const slash = key.indexOf('/');
  const prefix = slash < 0 ? undefined : key.slice(0, slash);
  const name = slash < 0 ? key : key.slice(slash + 1);
  const prefixOk = prefix === undefined || (prefix.length <= 253 && DNS_SUBDOMAIN.test(prefix));
  if (!prefixOk || name.length > 63 || !QUALIFIED_NAME.test(name)) {
    refuse(subject, `${what} key is not one Kubernetes accepts`, show(key),
      'use an optional DNS prefix and "/" (e.g. "example.com/"), then at most 63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit');
  }
}

/** Throws unless `labels` is an object of valid label keys to valid label values. */
export function checkLabels(subject: string, what: string, labels: unknown): void {
  if (labels === undefined) return;
  checkStringRecord(subject, what, labels);
  for (const [key, value] of Object.entries(labels as Record<string, string>)) {
    checkQualifiedKey(subject, `${what}: label`, key);
    if (value.length > 63 || (value !== '' && !QUALIFIED_NAME.test(value))) {
      refuse(subject, `${what}: label ${show(key)} has a value Kubernetes refuses`, show(value),
        'use at most 63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit (or an empty value)');
    }
  }
}

/**
 * A gateway's selector: labels of its pods, not empty (an empty selector would take every gateway pod of the mesh);
 * undefined stays undefined, for the default.
 */
export function checkGatewaySelector<T extends Readonly<Record<string, string>>>(subject: string, what: string, selector: T | undefined,
  example: string): T | undefined {
  if (selector === undefined) return undefined;
  if (selector === null || typeof selector !== 'object' || Array.isArray(selector) || Object.keys(selector).length === 0) {
    refuse(subject, `${what} must be labels of the gateway pods`, show(selector), `e.g. ${example}`);
  }
  checkLabels(subject, what, selector);
  return selector;
}

/** Throws unless `annotations` is an object of valid annotation keys to strings. */
export function checkAnnotations(subject: string, what: string, annotations: unknown): void {
  if (annotations === undefined) return;
  checkStringRecord(subject, what, annotations);
  for (const key of Object.keys(annotations as Record<string, string>)) checkQualifiedKey(subject, `${what}: annotation`, key);
}

/** Throws unless `env` is an object of valid environment variable names to strings. */
export function checkEnv(subject: string, what: string, env: unknown): void {
  if (env === undefined) return;
  checkStringRecord(subject, what, env);
  for (const name of Object.keys(env as Record<string, string>)) {
    if (!ENV_NAME.test(name)) {
      refuse(subject, `${what}: environment variable name ${show(name)} is not valid`, show(name),
        'use letters, digits, "_", "-" and ".", not starting with a digit, e.g. "LOG_LEVEL"');
    }
  }
}

/** Throws unless `value` is a plain object whose values are all strings. */
function checkStringRecord(subject: string, what: string, value: unknown): void {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    refuse(subject, `${what} must be an object of names to text`, show(value), 'e.g. { team: "shop" }');
  }
  for (const [key, entry] of Object.entries(value)) {
    if (typeof entry !== 'string') {
      refuse(subject, `${what}: the value of ${show(key)} must be text`, show(entry), typeof entry === 'number' || typeof entry === 'boolean' ? `write it in quotes, e.g. ${show(String(entry))}` : 'write it as text');
    }
  }
}
