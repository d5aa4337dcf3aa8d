import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { invalid, show } from './model/errors';
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

/**
 * Istio `PeerAuthentication`: whether the sidecars of a namespace (or of one service) accept plain text.
 * STRICT is what makes authorization by service account meaningful: without mTLS a caller has no identity.
 */
export class MeshPeerAuthentication extends Construct {
  /** The PeerAuthentication object. */
  public readonly policy: ApiObject;

  public constructor(scope: Construct, id: string, props: MeshPeerAuthenticationProps = {}) {
    super(scope, id);
    const name = props.name ?? id;
    const subject = `peer authentication ${show(name)}`;
    checkDnsLabel(subject, 'name', name);
    const namespace = policyNamespace(subject, this, props.namespace, props.service);
    const mode = props.mode ?? MtlsMode.STRICT;
    if (!Object.values(MtlsMode).includes(mode)) {
      throw invalid(subject, 'unknown mode', show(mode), `use one of ${Object.values(MtlsMode).join(', ')}`);
    }
    this.policy = new PeerAuthentication(this, 'PeerAuthentication', {
      metadata: { name, namespace },
      spec: {
        selector: props.service ? { matchLabels: { ...props.service.podSelector } } : undefined,
        mtls: { mode: PeerAuthenticationSpecMtlsMode[mode] },
      },
    });
  }
}
