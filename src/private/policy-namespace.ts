/** Where a security policy lives. */
import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { invalid, show } from '../model/errors';
import { checkDnsLabel } from '../model/names';
import { IPolicyTarget } from '../targets';

/**
 * The namespace a policy lives in: the target's (a policy selects pods of its own namespace only), the one
 * given, or the chart's.
 */
export function policyNamespace(subject: string, scope: Construct, namespace: string | undefined, target: IPolicyTarget | undefined): string {
  if (target && namespace !== undefined && namespace !== target.namespace) {
    throw invalid(subject, `a policy applies to pods of its own namespace, and ${target.name} runs in ${show(target.namespace)}`,
      show(namespace), 'leave namespace out, or set it to the service\'s namespace');
  }
  const resolved = target?.namespace ?? namespace ?? Chart.of(scope).namespace ?? 'default';
  checkDnsLabel(subject, 'namespace', resolved);
  return resolved;
}
