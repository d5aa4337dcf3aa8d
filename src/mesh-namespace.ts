import { ApiObject } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { invalid, show } from './model/errors';
import { checkLabels } from './model/kubernetes';
import { checkDnsLabel } from './model/names';

const INJECTION_LABEL = 'istio-injection';
const REVISION_LABEL = 'istio.io/rev';

/** Props of a MeshNamespace. */
export interface MeshNamespaceProps {
  /**
   * Namespace name.
   * @default the construct id
   */
  readonly name?: string;
  /**
   * Istio revision whose sidecars to inject (`istio.io/rev=<revision>`), for revision-based upgrades.
   * @default none: `istio-injection=enabled`, the default revision
   */
  readonly revision?: string;
  /**
   * Further namespace labels. They cannot set `istio-injection` or `istio.io/rev`: `revision` decides those.
   * @default none
   */
  readonly labels?: Record<string, string>;
}

/**
 * A namespace whose pods get Istio sidecars: labelled `istio-injection=enabled`, or `istio.io/rev=<revision>`,
 * never both (Istio's IST0123: with both, the injection label wins and the revision is ignored).
 */
export class MeshNamespace extends Construct {
  /** The namespace name. */
  public readonly name: string;
  /** The Namespace object. */
  public readonly namespace: ApiObject;

  public constructor(scope: Construct, id: string, props: MeshNamespaceProps = {}) {
    super(scope, id);
    this.name = props.name ?? id;
    const subject = `namespace ${show(this.name)}`;
    checkDnsLabel(subject, 'name', this.name);
    checkLabels(subject, 'labels', props.labels);
    for (const label of [INJECTION_LABEL, REVISION_LABEL]) {
      if (props.labels && label in props.labels) {
        throw invalid(subject, `the ${label} label is set by MeshNamespace, and both injection labels on one namespace conflict`,
          `${label}=${props.labels[label]}`, 'remove it from labels; use revision for istio.io/rev');
      }
    }
    const injection: Record<string, string> = props.revision !== undefined ? { [REVISION_LABEL]: props.revision } : { [INJECTION_LABEL]: 'enabled' };
    if (props.revision !== undefined && !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(props.revision)) {
      throw invalid(subject, 'revision must be a DNS-1123 label', show(props.revision), 'use the revision name istioctl installed, e.g. "1-30"');
    }
    this.namespace = new kplus.k8s.KubeNamespace(this, 'Namespace', {
      metadata: { name: this.name, labels: { ...props.labels, ...injection } },
    });
  }
}
