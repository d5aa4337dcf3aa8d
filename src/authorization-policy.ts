import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { MeshAnalysis } from './mesh-analysis';
import { PropNames, checkKnownProps, checkList, checkObject, constructName, refuse, show } from './model/errors';
import { checkDnsLabel } from './model/names';
import { policyNamespace } from './private/policy-namespace';
import { IAuthorizationTarget, ISourceWorkload } from './targets';
import { AuthorizationPolicy, AuthorizationPolicySpecAction } from '../imports/security.istio.io';

/** Istio's default trust domain, the first part of every workload principal. */
const TRUST_DOMAIN = 'cluster.local';

/** Where the ingress gateway runs, for {@link Source.ingressGateway}. */
export interface IngressGatewaySourceOptions {
  /**
   * Namespace of the gateway's pods.
   * @default "istio-system"
   */
  readonly namespace?: string;
  /**
   * Service account of the gateway's pods.
   * @default "istio-ingressgateway-service-account" (Istio's default gateway)
   */
  readonly serviceAccount?: string;
}

/**
 * Callers an authorization policy admits. Service-account sources are matched by the caller's mTLS identity, so
 * they only work when the caller reaches the workload over Istio mTLS (see MeshPeerAuthentication).
 */
export class Source {
  /**
   * The ingress gateway, by its service account.
   * @param options where the gateway runs: Istio's default gateway is `istio-ingressgateway-service-account` in `istio-system`
   */
  public static ingressGateway(options: IngressGatewaySourceOptions = {}): Source {
    checkObject('Source.ingressGateway', 'options', options, '{ namespace: "istio-ingress", serviceAccount: "istio-ingress" }');
    return Source.principal('Source.ingressGateway', options.namespace ?? 'istio-system', options.serviceAccount ?? 'istio-ingressgateway-service-account', true);
  }

  /** Pods running as service account `name` in `namespace`. */
  public static serviceAccount(namespace: string, name: string): Source {
    return Source.principal('Source.serviceAccount', namespace, name, false);
  }

  /** The pods of a service (a CanaryService), by the service account they run as. */
  public static workload(workload: ISourceWorkload): Source {
    if (workload === null || typeof workload !== 'object' || typeof workload.serviceAccountName !== 'string') {
      refuse('Source.workload', 'takes a service (a CanaryService)', show(workload), 'e.g. Source.workload(frontend)');
    }
    return Source.principal('Source.workload', workload.namespace, workload.serviceAccountName, false);
  }

  /** Any workload of a namespace (with a sidecar, over mTLS). */
  public static namespace(namespace: string): Source {
    if (typeof namespace !== 'string') refuse('Source.namespace', 'the namespace must be text', show(namespace), 'e.g. Source.namespace("shop")');
    return new Source('namespace', namespace, { namespace });
  }

  private static principal(factory: string, namespace: string, name: string, isGateway: boolean): Source {
    // The names are checked against the DNS rules where the source is used (check); their type here, before they are joined.
    for (const [what, value] of [['namespace', namespace], ['service account name', name]]) {
      if (typeof value !== 'string') refuse(factory, `the ${what} must be text`, show(value), 'e.g. Source.serviceAccount("shop", "frontend")');
    }
    return new Source('principal', `${TRUST_DOMAIN}/ns/${namespace}/sa/${name}`, { namespace, name }, isGateway);
  }

  private constructor(
    /** Whether the source is an mTLS principal or a namespace. */
    public readonly kind: 'principal' | 'namespace',
    /** The principal (`cluster.local/ns/<ns>/sa/<name>`) or namespace. */
    public readonly value: string,
    private readonly parts: { namespace: string; name?: string },
    /** True for an ingress gateway source. */
    public readonly isGateway = false,
  ) {}

  /** Checks the names this source was made from. */
  public check(subject: string): void {
    checkDnsLabel(subject, 'source namespace', this.parts.namespace);
    if (this.parts.name !== undefined) checkDnsLabel(subject, 'source service account', this.parts.name);
  }

  /** The source in words, for messages: `principal <spiffe path>` or `namespace <name>`. */
  public toString(): string {
    return `${this.kind} ${this.value}`;
  }
}

/** Props of a MeshAuthorizationPolicy. */
export interface MeshAuthorizationPolicyProps {
  /**
   * Policy name.
   * @default the construct id
   */
  readonly name?: string;
  /**
   * The one service whose pods the policy protects.
   * @default every workload of the namespace
   */
  readonly service?: IAuthorizationTarget;
  /**
   * Namespace of the policy (the namespace it protects).
   * @default the service's namespace, else the chart's, else "default"
   */
  readonly namespace?: string;
  /** The only callers admitted; every other request gets 403. At least one. */
  readonly allowFrom: Source[];
}

/** The props a MeshAuthorizationPolicy reads, for untyped callers (see checkKnownProps). */
const AUTHORIZATION_POLICY_PROPS: PropNames<MeshAuthorizationPolicyProps> = {
  name: true, service: true, namespace: true, allowFrom: true,
};

/**
 * An Istio `AuthorizationPolicy` (action ALLOW) that admits only the named callers: the ingress gateway, a
 * service account, a workload, a namespace. Once a workload has an ALLOW policy, Istio denies every request no
 * ALLOW policy admits.
 */
export class MeshAuthorizationPolicy extends Construct {
  /** The AuthorizationPolicy object. */
  public readonly policy: ApiObject;

  public constructor(scope: Construct, id: string, props: MeshAuthorizationPolicyProps) {
    super(scope, id);
    MeshAnalysis.of(this);
    const name = constructName('authorization policy', id, props);
    const subject = `authorization policy ${show(name)}`;
    checkKnownProps(subject, 'MeshAuthorizationPolicy', props, AUTHORIZATION_POLICY_PROPS);
    checkDnsLabel(subject, 'name', name);
    const namespace = policyNamespace(subject, this, props.namespace, props.service);
    const sources = checkList(subject, 'allowFrom', props.allowFrom ?? [], '[Source.ingressGateway()]');
    if (sources.length === 0) {
      refuse(subject, 'admits no caller, which would deny every request', '[]',
        'list the callers in allowFrom, e.g. [Source.ingressGateway()]');
    }
    for (const source of sources) {
      if (!(source instanceof Source)) {
        refuse(subject, 'allowFrom takes sources from the Source factories', show(source), 'use e.g. Source.namespace("shop")');
      }
      source.check(subject);
    }
    const principals = unique(sources.filter((s) => s.kind === 'principal').map((s) => s.value));
    const namespaces = unique(sources.filter((s) => s.kind === 'namespace').map((s) => s.value));
    this.policy = new AuthorizationPolicy(this, 'AuthorizationPolicy', {
      metadata: { name, namespace },
      spec: {
        selector: props.service ? { matchLabels: { ...props.service.podSelector } } : undefined,
        action: AuthorizationPolicySpecAction.ALLOW,
        // Separate `from` entries are ORed; principals and namespaces in one source would be ANDed.
        rules: [{
          from: [
            ...(principals.length ? [{ source: { principals } }] : []),
            ...(namespaces.length ? [{ source: { namespaces } }] : []),
          ],
        }],
      },
    });
    const service = props.service;
    this.node.addValidation({
      validate: () => (service?.exposedViaGateway && !sources.some((s) => s.isGateway || (s.kind === 'namespace' && s.value === 'istio-system'))
        ? [`${subject}: ${service.name} is exposed through a gateway, but the gateway is not among the admitted callers `
          + `(got ${sources.map(String).join(', ')}); add Source.ingressGateway() (with the gateway's namespace and service account if not Istio's default)`]
        : []),
    });
  }
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}
