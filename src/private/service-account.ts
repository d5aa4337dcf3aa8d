/** The service account a workload's pods run as. */
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { refuse, show } from '../model/errors';
import { isDnsSubdomain } from '../model/names';

/**
 * An existing service account by name, checked as the API server checks a pod's `serviceAccountName` (a DNS-1123
 * subdomain); else one of the workload's own (`name`, in `namespace`), without an API token.
 */
export function podServiceAccount(scope: Construct, subject: string, existing: string | undefined,
  own: { name: string; namespace: string; labels: Record<string, string> }): kplus.IServiceAccount {
  if (existing === undefined) return new kplus.ServiceAccount(scope, 'ServiceAccount', { metadata: own, automountToken: false });
  if (!isDnsSubdomain(existing)) {
    refuse(subject, 'serviceAccountName must be a DNS-1123 subdomain, as Kubernetes requires of service account names', show(existing),
      'use lower-case letters, digits, "-" and ".", starting and ending with a letter or digit, e.g. "shop-frontend"');
  }
  return kplus.ServiceAccount.fromServiceAccountName(scope, 'ServiceAccountRef', existing);
}
