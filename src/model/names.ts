import { refuse, show } from './errors';

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

/** Kubernetes caps names that must be DNS labels (Services, subsets, our Deployments) at 63 characters. */
export const MAX_LABEL_LENGTH = 63;

/** True when `value` is a DNS-1123 label: lower-case alphanumerics and '-', at most 63 characters. */
export function isDnsLabel(value: string): boolean {
  return typeof value === 'string' && value.length <= MAX_LABEL_LENGTH && DNS1123_LABEL.test(value);
}

/** True when `value` is a DNS-1123 subdomain, as most Kubernetes object names (Secrets, ConfigMaps) must be. */
export function isDnsSubdomain(value: string): boolean {
  return typeof value === 'string' && value.length <= 253 && value.split('.').every((label) => DNS1123_LABEL.test(label));
}

/** True when `value` is a DNS-1035 label (a DNS-1123 label starting with a letter), as Service names must be. */
export function isServiceName(value: string): boolean {
  return typeof value === 'string' && value.length <= MAX_LABEL_LENGTH && DNS1035_LABEL.test(value);
}

/** Throws unless `value` is a DNS-1123 label; `what` names the field in the message. */
export function checkDnsLabel(subject: string, what: string, value: string): void {
  if (!isDnsLabel(value)) {
    refuse(subject, `${what} must be a DNS-1123 label`, show(value),
      'use at most 63 lower-case letters, digits and "-", starting and ending with a letter or digit');
  }
}

/** Throws unless `value` can name a Kubernetes Service (a DNS-1035 label). */
export function checkServiceName(subject: string, value: string): void {
  if (!isServiceName(value)) {
    refuse(subject, 'name must be a DNS-1035 label, as Kubernetes requires of Service names', show(value),
      'use at most 63 lower-case letters, digits and "-", starting with a letter and ending with a letter or digit');
  }
}

/** True when `value` is an RFC 7230 token, as HTTP header names and cookie names (RFC 6265) must be. */
export function isHttpToken(value: string): boolean {
  return typeof value === 'string' && /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(value);
}

/** The fully qualified in-cluster host of a Service. */
export function serviceHost(name: string, namespace: string | undefined): string {
  return `${name}.${namespace ?? 'default'}.svc.cluster.local`;
}
