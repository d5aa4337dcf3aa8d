/** Where a security policy lives. */
import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { refuse, show } from '../model/errors';
import { checkDnsLabel } from '../model/names';
import { IPolicyTarget } from '../targets';

/**
 * The namespace a policy lives in: the target's (a policy selects pods of its own namespace only), the one
 * given, or the chart's.
 */
export function policyNamespace(subject: string, scope: Construct, namespace: string | undefined, target: IPolicyTarget | undefined): string {
  const selector = target?.podSelector;
  if (target !== undefined && (selector === null || typeof selector !== 'object' || Object.keys(selector).length === 0)) {
    // Istio warns of a workload selector without labels (pkg/config/validation, validateWorkloadSelector) and the
    // policy would no longer be limited to the service.
    refuse(subject, 'service must be one of our services (it gives the labels that select its pods)', show(target),
      'pass a CanaryService, RolloutService or ProgressiveService construct, or leave service out for the whole namespace');
  }
  if (target && namespace !== undefined && namespace !== target.namespace) {
    refuse(subject, `a policy applies to pods of its own namespace, and ${target.name} runs in ${show(target.namespace)}`,
      show(namespace), 'leave namespace out, or set it to the service\'s namespace');
  }
  const resolved = target?.namespace ?? namespace ?? Chart.of(scope).namespace ?? 'default';
  checkDnsLabel(subject, 'namespace', resolved);
  return resolved;
}
