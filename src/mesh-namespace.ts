import { ApiObject } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { MeshAnalysis } from './mesh-analysis';
import { PropNames, checkKnownProps, constructName, refuse, show } from './model/errors';
import { checkLabels } from './model/kubernetes';
import { checkDnsLabel } from './model/names';
import { createGatewayApiObject } from './private/gateway-api-object';

const INJECTION_LABEL = 'istio-injection';
const REVISION_LABEL = 'istio.io/rev';
const DATAPLANE_LABEL = 'istio.io/dataplane-mode';
const USE_WAYPOINT_LABEL = 'istio.io/use-waypoint';
const INGRESS_USE_WAYPOINT_LABEL = 'istio.io/ingress-use-waypoint';
/** The labels MeshNamespace decides; `labels` cannot set them. */
const OWN_LABELS = [INJECTION_LABEL, REVISION_LABEL, DATAPLANE_LABEL, USE_WAYPOINT_LABEL, INGRESS_USE_WAYPOINT_LABEL];
/** The waypoint's name, as `istioctl waypoint apply` names it. */
const WAYPOINT_NAME = 'waypoint';

/** Props of a MeshNamespace. */
export interface MeshNamespaceProps {
  /**
   * Namespace name.
   * @default the construct id
   */
  readonly name?: string;
  /**
   * Istio revision whose sidecars to inject (`istio.io/rev=<revision>`), for revision-based upgrades. Not with
   * `ambient`: injected sidecars take the pods out of the ambient data plane.
   * @default none: `istio-injection=enabled`, the default revision
   */
  readonly revision?: string;
  /**
   * Further namespace labels. They cannot set the mesh labels (`istio-injection`, `istio.io/rev`,
   * `istio.io/dataplane-mode`, `istio.io/use-waypoint`, `istio.io/ingress-use-waypoint`): the other props decide those.
   * @default none
   */
  readonly labels?: Record<string, string>;
  /**
   * Ambient data plane instead of sidecars: `istio.io/dataplane-mode: ambient`, pods join the mesh through ztunnel
   * (L4: mTLS, L4 policies). L7 routing (HTTPRoute, GRPCRoute) needs a waypoint.
   * @default false: sidecars are injected
   */
  readonly ambient?: boolean;
  /**
   * With `ambient`: a waypoint proxy for the namespace's Services (a Gateway `waypoint` of class `istio-waypoint`,
   * listener `mesh` on 15008/HBONE, `istio.io/waypoint-for: service`), used by every Service of the namespace
   * (`istio.io/use-waypoint: waypoint`). Without one, ztunnel ignores L7 routes, and the synth refuses them.
   * @default true with `ambient`
   */
  readonly waypoint?: boolean;
  /**
   * With a waypoint: traffic from ingress gateways to the namespace's Services goes through the waypoint too
   * (`istio.io/ingress-use-waypoint: "true"`), so the mesh routes (canary splits, header rules) apply to it.
   * @default true with a waypoint
   */
  readonly ingressUseWaypoint?: boolean;
}

/** The props a MeshNamespace reads, for untyped callers (see checkKnownProps). */
const MESH_NAMESPACE_PROPS: PropNames<MeshNamespaceProps> = {
  name: true, revision: true, labels: true, ambient: true, waypoint: true, ingressUseWaypoint: true,
};

/**
 * A namespace in the mesh. With sidecars (the default) it is labelled `istio-injection=enabled`, or
 * `istio.io/rev=<revision>`, never both (Istio's IST0123: with both, the injection label wins and the revision is
 * ignored). With `ambient`, it is labelled `istio.io/dataplane-mode: ambient` and gets a waypoint for L7 routing.
 */
export class MeshNamespace extends Construct {
  /** The namespace name. */
  public readonly name: string;
  /** The Namespace object. */
  public readonly namespace: ApiObject;
  /** With `ambient` and `waypoint`: the waypoint Gateway. */
  public readonly waypoint?: ApiObject;

  public constructor(scope: Construct, id: string, props: MeshNamespaceProps = {}) {
    super(scope, id);
    MeshAnalysis.of(this);
    this.name = constructName('namespace', id, props);
    const subject = `namespace ${show(this.name)}`;
    checkKnownProps(subject, 'MeshNamespace', props, MESH_NAMESPACE_PROPS);
    checkDnsLabel(subject, 'name', this.name);
    checkLabels(subject, 'labels', props.labels);
    for (const label of OWN_LABELS) {
      if (props.labels && label in props.labels) {
        refuse(subject, `the ${label} label is set by MeshNamespace, and two sources for it would conflict`,
          `${label}=${props.labels[label]}`, 'remove it from labels; use revision, ambient, waypoint or ingressUseWaypoint');
      }
    }
    if (props.revision !== undefined && (typeof props.revision !== 'string' || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(props.revision))) {
      refuse(subject, 'revision must be a DNS-1123 label', show(props.revision), 'use the revision name istioctl installed, e.g. "1-30"');
    }
    const ambient = props.ambient ?? false;
    const waypoint = props.waypoint ?? ambient;
    const ingressUseWaypoint = props.ingressUseWaypoint ?? waypoint;
    if (!ambient && (props.waypoint !== undefined || props.ingressUseWaypoint !== undefined)) {
      refuse(subject, 'waypoints belong to the ambient data plane', props.waypoint !== undefined ? `waypoint: ${show(props.waypoint)}` : `ingressUseWaypoint: ${show(props.ingressUseWaypoint)}`,
        'set ambient: true, or drop the option (sidecars route L7 themselves)');
    }
    if (ambient && props.revision !== undefined) {
      // The revision's injection webhook selects namespaces by `istio.io/rev` and puts a sidecar in every pod, and
      // the CNI leaves pods with a sidecar out of ambient capture (cni/pkg/util/podutil.go, podHasSidecar).
      refuse(subject, 'revision labels the namespace for sidecar injection, and sidecars take its pods out of the ambient data plane',
        show(props.revision), 'drop revision (ambient pods need no injection), or drop ambient');
    }
    if (ingressUseWaypoint && !waypoint) {
      refuse(subject, 'ingressUseWaypoint sends gateway traffic through the waypoint, and the namespace has none', 'waypoint: false',
        'drop ingressUseWaypoint, or keep the waypoint');
    }
    const revision: Record<string, string> = props.revision !== undefined ? { [REVISION_LABEL]: props.revision } : {};
    const mesh: Record<string, string> = ambient
      ? {
        [DATAPLANE_LABEL]: 'ambient',
        ...(waypoint ? { [USE_WAYPOINT_LABEL]: WAYPOINT_NAME } : {}),
        ...(ingressUseWaypoint ? { [INGRESS_USE_WAYPOINT_LABEL]: 'true' } : {}),
      }
      : props.revision !== undefined ? revision : { [INJECTION_LABEL]: 'enabled' };
    this.namespace = new kplus.k8s.KubeNamespace(this, 'Namespace', {
      metadata: { name: this.name, labels: { ...props.labels, ...mesh } },
    });
    if (waypoint) {
      this.waypoint = createGatewayApiObject('Gateway', this, 'Waypoint', {
        metadata: { name: WAYPOINT_NAME, namespace: this.name, labels: { 'istio.io/waypoint-for': 'service' } },
        spec: { gatewayClassName: 'istio-waypoint', listeners: [{ name: 'mesh', port: 15008, protocol: 'HBONE' }] },
      });
      this.waypoint.node.addDependency(this.namespace); // a namespaced object after its Namespace
    }
  }
}
