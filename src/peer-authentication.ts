import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { MeshAnalysis } from './mesh-analysis';
import { PropNames, checkKnownProps, constructName, invalid, refuse, show } from './model/errors';
import { checkDnsLabel } from './model/names';
import { policyNamespace } from './private/policy-namespace';
import { IPolicyTarget } from './targets';
import { PeerAuthentication, PeerAuthenticationSpecMtlsMode } from '../imports/security.istio.io';

/** What a workload's sidecar accepts from callers. */
export enum MtlsMode {
  /** Only Istio mTLS: plain-text callers (pods without a sidecar, anything outside the mesh) are refused. */
  STRICT = 'STRICT',
  /** mTLS and plain text: for migrating callers into the mesh. */
  PERMISSIVE = 'PERMISSIVE',
}

/** Props of a MeshPeerAuthentication. */
export interface MeshPeerAuthenticationProps {
  /**
   * Policy name.
   * @default the construct id
   */
  readonly name?: string;
  /**
   * The mTLS mode.
   * @default MtlsMode.STRICT
   */
  readonly mode?: MtlsMode;
  /**
   * The one service the policy applies to (selects its pods).
   * @default every workload of the namespace
   */
  readonly service?: IPolicyTarget;
  /**
   * Namespace of the policy: the namespace it applies to. The root namespace (`istio-system`) makes it mesh-wide.
   * @default the service's namespace, else the chart's, else "default"
   */
  readonly namespace?: string;
}

/** The props a MeshPeerAuthentication reads, for untyped callers (see checkKnownProps). */
const PEER_AUTHENTICATION_PROPS: PropNames<MeshPeerAuthenticationProps> = {
  name: true, mode: true, service: true, namespace: true,
};

/**
 * Istio `PeerAuthentication`: whether the sidecars of a namespace (or of one service) accept plain text.
 * STRICT is what makes authorization by service account meaningful: without mTLS a caller has no identity.
 */
export class MeshPeerAuthentication extends Construct {
  /** The PeerAuthentication object. */
  public readonly policy: ApiObject;
  /** What the policy applies to: `<namespace>` or `<namespace> <selector>`. */
  private readonly scopeKey: string;

  public constructor(scope: Construct, id: string, props: MeshPeerAuthenticationProps = {}) {
    super(scope, id);
    MeshAnalysis.of(this);
    const name = constructName('peer authentication', id, props);
    const subject = `peer authentication ${show(name)}`;
    checkKnownProps(subject, 'MeshPeerAuthentication', props, PEER_AUTHENTICATION_PROPS);
    checkDnsLabel(subject, 'name', name);
    const namespace = policyNamespace(subject, this, props.namespace, props.service);
    const mode = props.mode ?? MtlsMode.STRICT;
    if (!Object.values(MtlsMode).includes(mode)) {
      refuse(subject, 'unknown mode', show(mode), `use one of ${Object.values(MtlsMode).join(', ')}`);
    }
    this.policy = new PeerAuthentication(this, 'PeerAuthentication', {
      metadata: { name, namespace },
      spec: {
        selector: props.service ? { matchLabels: { ...props.service.podSelector } } : undefined,
        mtls: { mode: PeerAuthenticationSpecMtlsMode[mode] },
      },
    });
    this.scopeKey = props.service ? `${namespace} ${JSON.stringify(props.service.podSelector)}` : namespace;
    // Istio applies one policy per namespace (and one per workload): of two, the older object wins, and which one
    // that is depends on the order they reach the cluster (pilot/pkg/security/authn/policy_applier.go, ComposePeerAuthentication).
    this.node.addValidation({
      validate: () => {
        const twins = this.node.root.node.findAll()
          .filter((c): c is MeshPeerAuthentication => c instanceof MeshPeerAuthentication && c !== this && c.scopeKey === this.scopeKey);
        const what = props.service ? `the pods of ${show(props.service.name)} in namespace ${show(namespace)}` : `namespace ${show(namespace)}`;
        return twins.length === 0 ? [] : [invalid(subject, `another peer authentication applies to ${what}, and Istio takes the older of the two`,
          twins.map((t) => t.node.path).join(', '), 'keep one policy per namespace, and one per service').message];
      },
    });
  }
}
