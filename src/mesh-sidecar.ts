import { ApiObject, Chart } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { IstioApiVersion } from './istio/api-version';
import { MeshAnalysis } from './mesh-analysis';
import { PropNames, checkKnownProps, checkList, refuse, show } from './model/errors';
import { checkDnsLabel } from './model/names';
import { createNetworkingObject } from './private/networking-object';
import { IExternalService } from './targets';

/** Props of a {@link MeshSidecar}. */
export interface MeshSidecarProps {
  /**
   * The namespace whose workloads' egress is restricted.
   * @default the chart's namespace, else 'default'
   */
  readonly namespace?: string;
  /**
   * External services the workloads may call (their hosts, `<namespace>/<host>`).
   * @default none
   */
  readonly externalServices?: IExternalService[];
  /**
   * Other namespaces whose services the workloads call (`<namespace>/*`). The own namespace and `istio-system`
   * (the control plane and the gateways) are always allowed.
   * @default none
   */
  readonly namespaces?: string[];
  /**
   * Block calls to hosts outside the registry (`outboundTrafficPolicy: REGISTRY_ONLY`), so that only the allowed
   * hosts can be reached. With false, unknown hosts pass through (`ALLOW_ANY`), but the sidecars still only learn
   * the routes of the allowed hosts.
   * @default true
   */
  readonly registryOnly?: boolean;
  /**
   * API version of the Sidecar.
   * @default IstioApiVersion.V1
   */
  readonly apiVersion?: IstioApiVersion;
}

/** The props a MeshSidecar reads, for untyped callers (see checkKnownProps). */
const MESH_SIDECAR_PROPS: PropNames<MeshSidecarProps> = {
  namespace: true, externalServices: true, namespaces: true, registryOnly: true, apiVersion: true,
};

const SIDECAR_NAMESPACE = Symbol.for('cdk8s-istio-canary.sidecar-namespace');

/**
 * The namespace-wide Istio `Sidecar` (named `default`, no workload selector) that restricts a namespace's egress
 * to its own services, `istio-system`, the namespaces named and the external services named: the sidecars get no
 * configuration for anything else, and with `registryOnly` (the default) calls to unregistered hosts fail.
 */
export class MeshSidecar extends Construct {
  /** The namespace it applies to. */
  public readonly namespace: string;
  /** The Sidecar object. */
  public readonly sidecar: ApiObject;

  public constructor(scope: Construct, id: string, props: MeshSidecarProps = {}) {
    super(scope, id);
    MeshAnalysis.of(this);
    if (props === null || typeof props !== 'object' || Array.isArray(props)) {
      refuse(`sidecar ${show(id)}`, 'props must be an object', show(props), 'pass the props as { ... }, or none');
    }
    const own: unknown = props.namespace ?? Chart.of(this).namespace ?? 'default';
    if (typeof own !== 'string') {
      refuse(`sidecar ${show(id)}`, 'namespace must be text', show(own), 'quote it, or leave it out to use the chart\'s namespace');
    }
    this.namespace = own;
    const subject = `sidecar ${show(this.namespace)}`;
    checkKnownProps(subject, 'MeshSidecar', props, MESH_SIDECAR_PROPS);
    checkDnsLabel(subject, 'namespace', this.namespace);
    for (const namespace of checkList(subject, 'namespaces', props.namespaces ?? [], '["payments"]')) checkDnsLabel(subject, 'allowed namespace', namespace);
    const externals = checkList(subject, 'externalServices', props.externalServices ?? [], '[cnn]');
    externals.forEach((external, i) => {
      if (!Array.isArray((external as Partial<IExternalService>).sidecarHosts)) {
        refuse(subject, `externalServices entry ${i + 1} must be an ExternalService`, describe(external),
          'pass the construct, e.g. new ExternalService(chart, "cnn", { hosts: ["edition.cnn.com"] })');
      }
    });
    // istio pkg/config/validation/validation.go (ValidateSidecar) reads "./*" as the Sidecar's own namespace, so in
    // istio-system "./*" and "istio-system/*" are one host twice ("duplicated egress host"); and there, Istio's root
    // namespace, a Sidecar without a workload selector is the default of every namespace that has none.
    if (this.namespace === 'istio-system') {
      refuse(subject, 'in istio-system, Istio\'s root namespace by default, a Sidecar without a workload selector would be the default Sidecar of every namespace',
        show(this.namespace), 'give each namespace whose egress you restrict its own MeshSidecar');
    }
    const twin = this.node.root.node.findAll().find((c: IConstruct) => c !== this && (c as any)[SIDECAR_NAMESPACE] === this.namespace);
    if (twin) {
      refuse(subject, 'a namespace takes one Sidecar without a workload selector, and this one already has one', twin.node.path,
        'put every allowed host in one MeshSidecar');
    }
    (this as any)[SIDECAR_NAMESPACE] = this.namespace;
    const namespaces = [this.namespace, 'istio-system', ...props.namespaces ?? []];
    // A host of a namespace whose every host is already allowed would be "duplicated egress host" to Istio's
    // validation (pkg/config/validation/validation.go, ValidateSidecar): an external service declared in
    // an allowed namespace is covered by that namespace's `ns/*`.
    const hosts = [
      './*',
      'istio-system/*',
      ...(props.namespaces ?? []).filter((ns) => ns !== this.namespace && ns !== 'istio-system').map((ns) => `${ns}/*`),
      ...externals.flatMap((s) => s.sidecarHosts).filter((h) => !namespaces.includes(h.split('/')[0])),
    ];
    this.sidecar = createNetworkingObject('Sidecar', this, 'Sidecar', props.apiVersion ?? IstioApiVersion.V1, {
      metadata: { name: 'default', namespace: this.namespace },
      spec: {
        egress: [{ hosts: [...new Set(hosts)] }],
        outboundTrafficPolicy: { mode: (props.registryOnly ?? true) ? 'REGISTRY_ONLY' : 'ALLOW_ANY' },
      } as any,
    });
    for (const external of externals) this.sidecar.node.addDependency(external);
  }
}

/** A value for a message: a construct by its path (JSON cannot print its cyclic tree), anything else as written. */
function describe(value: unknown): string {
  return Construct.isConstruct(value) ? `construct ${show(value.node.path)}` : show(value);
}
