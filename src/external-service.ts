import { ApiObject, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { IstioApiVersion } from './istio/api-version';
import {
  renderEgressDestinationRule, renderEgressGateway, renderEgressVirtualService, renderHostDestinationRules, renderServiceEntry,
} from './istio/egress';
import { MeshAnalysis } from './mesh-analysis';
import {
  DEFAULT_EGRESS_GATEWAY, EgressGatewayOptions, External, ExternalPort, ExternalProtocol, Resolution, checkExternal,
  externalPortNames, externalSubject,
} from './model/egress';
import { PropNames, checkKnownProps, checkList, constructName } from './model/errors';
import { checkDnsLabel } from './model/names';
import { TrafficPolicy } from './model/traffic-policy';
import { claimMeshHost } from './private/host-claims';
import { createNetworkingObject } from './private/networking-object';
import { IExternalService } from './targets';

/** Props of an {@link ExternalService}. */
export interface ExternalServiceProps {
  /**
   * Name of the ServiceEntry and of the objects made with it.
   * @default the construct id
   */
  readonly name?: string;
  /**
   * Namespace of the objects.
   * @default the chart's namespace, else 'default'
   */
  readonly namespace?: string;
  /** Hosts the applications call, e.g. `['edition.cnn.com']`; `*.example.com` needs `Resolution.NONE`. */
  readonly hosts: string[];
  /**
   * Ports the applications call.
   * @default [{ number: 443, protocol: ExternalProtocol.HTTPS }]
   */
  readonly ports?: ExternalPort[];
  /**
   * How the sidecars find the hosts' addresses.
   * @default Resolution.DNS
   */
  readonly resolution?: Resolution;
  /**
   * Send the mesh's traffic to these hosts out through the egress gateway (`true` for the default
   * `istio-egressgateway` in `istio-system`): a Gateway on the egress gateway's pods, a DestinationRule with a
   * subset for this service on the egress gateway Service, and a VirtualService per host routing mesh traffic to
   * the egress gateway and the egress gateway's traffic to the host. HTTP goes through port 80 of the egress
   * gateway, TLS (HTTPS) through 443 as passthrough, as in Istio's egress gateway task.
   * @default false: the sidecars call the hosts directly
   */
  readonly egressGateway?: boolean | EgressGatewayOptions;
  /**
   * Originate TLS: the applications call the HTTP port in plain HTTP, and the mesh calls the host over HTTPS
   * (the port's `targetPort`, 443 by default) with the host as SNI, so the mesh sees, routes and measures the
   * requests. A DestinationRule per host sets TLS `SIMPLE` on the HTTP ports.
   * @default false
   */
  readonly originateTls?: boolean;
  /**
   * DestinationRule traffic policy for calls to the hosts, e.g. `{ loadBalancer: LoadBalancer.roundRobin() }` as in
   * Istio's google-apis egress sample; a DestinationRule per host carries it (with TLS origination, the same one).
   * @default none (Istio's defaults)
   */
  readonly trafficPolicy?: TrafficPolicy;
  /**
   * API version of the Istio objects.
   * @default IstioApiVersion.V1
   */
  readonly apiVersion?: IstioApiVersion;
}

/** The props an ExternalService reads, for untyped callers (see checkKnownProps). */
const EXTERNAL_SERVICE_PROPS: PropNames<ExternalServiceProps> = {
  name: true,
  namespace: true,
  hosts: true,
  ports: true,
  resolution: true,
  egressGateway: true,
  originateTls: true,
  trafficPolicy: true,
  apiVersion: true,
};

/**
 * A service outside the mesh: registers its hosts with a `MESH_EXTERNAL` ServiceEntry, optionally routes the
 * mesh's calls to it through the egress gateway, and optionally originates TLS.
 *
 * @example
 * new ExternalService(chart, 'cnn', {
 *   hosts: ['edition.cnn.com'],
 *   ports: [{ number: 80, protocol: ExternalProtocol.HTTP }, { number: 443, protocol: ExternalProtocol.HTTPS }],
 *   egressGateway: true,
 * });
 */
export class ExternalService extends Construct implements IExternalService {
  /** The external service as plain data, for the renderers. */
  private readonly external: External;
  /** Namespace of the objects. */
  public readonly namespace: string;
  /** The ServiceEntry. */
  public readonly serviceEntry: ApiObject;
  /** With `egressGateway`: the Gateway, the DestinationRule for the egress gateway and a VirtualService per host. */
  public readonly egressObjects: ApiObject[] = [];
  /** With `originateTls` or a `trafficPolicy`: a DestinationRule per host. */
  public readonly hostDestinationRules: ApiObject[] = [];

  public constructor(scope: Construct, id: string, props: ExternalServiceProps) {
    super(scope, id);
    MeshAnalysis.of(this);
    const name = constructName('external service', id, props);
    const subject = externalSubject(name);
    checkKnownProps(subject, 'ExternalService', props, EXTERNAL_SERVICE_PROPS);
    this.namespace = props.namespace ?? Chart.of(this).namespace ?? 'default';
    checkDnsLabel(subject, 'namespace', this.namespace);
    const ports = checkList(subject, 'ports', props.ports ?? [{ number: 443, protocol: ExternalProtocol.HTTPS }], '[{ number: 443, protocol: ExternalProtocol.HTTPS }]');
    const names = externalPortNames(ports);
    const egress = props.egressGateway === true ? DEFAULT_EGRESS_GATEWAY
      : props.egressGateway ? { ...DEFAULT_EGRESS_GATEWAY, ...props.egressGateway } : undefined;
    if (egress) checkDnsLabel(subject, 'egress gateway namespace', egress.namespace);
    this.external = {
      name,
      namespace: this.namespace,
      hosts: [...checkList(subject, 'hosts', props.hosts ?? [], '["api.example.com"]')],
      ports: ports.map((p, i) => ({ number: p.number, protocol: p.protocol, name: names[i], targetPort: p.targetPort })),
      resolution: props.resolution ?? Resolution.DNS,
      egressGateway: egress,
      originateTls: props.originateTls ?? false,
      trafficPolicy: props.trafficPolicy,
    };
    checkExternal(this.external);

    const apiVersion = props.apiVersion ?? IstioApiVersion.V1;
    const metadata = (objectName: string) => ({ name: objectName, namespace: this.namespace, labels: { app: name } });
    const perHost = (prefix: string, index: number) => (this.external.hosts.length > 1 ? `${prefix}-${index + 1}` : prefix);
    this.serviceEntry = createNetworkingObject('ServiceEntry', this, 'ServiceEntry', apiVersion, {
      metadata: metadata(name),
      spec: renderServiceEntry(this.external) as any,
    });
    renderHostDestinationRules(this.external).forEach((spec, i) => {
      const rule = createNetworkingObject('DestinationRule', this, `TlsOrigination-${i}`, apiVersion, { metadata: metadata(perHost(name, i)), spec: spec as any });
      rule.node.addDependency(this.serviceEntry);
      this.hostDestinationRules.push(rule);
    });
    if (egress) {
      const gatewayName = `${name}-egress`;
      const gateway = createNetworkingObject('Gateway', this, 'EgressGateway', apiVersion, {
        metadata: metadata(gatewayName),
        spec: renderEgressGateway(this.external) as any,
      });
      const subsets = createNetworkingObject('DestinationRule', this, 'EgressGatewayRule', apiVersion, {
        metadata: metadata(`egressgateway-for-${name}`),
        spec: renderEgressDestinationRule(this.external) as any,
      });
      this.egressObjects.push(gateway, subsets);
      this.external.hosts.forEach((host, i) => {
        const vs = createNetworkingObject('VirtualService', this, `EgressRoute-${i}`, apiVersion, {
          metadata: metadata(perHost(`${name}-egress`, i)),
          spec: renderEgressVirtualService(this.external, host, gatewayName),
        });
        // Make before break: the host, the gateway and its subset exist before traffic is sent there.
        vs.node.addDependency(this.serviceEntry, gateway, subsets);
        this.egressObjects.push(vs);
        claimMeshHost(this, subject, host);
      });
    }
  }

  /** Hosts as a Sidecar's egress lists them, `<namespace>/<host>`. */
  public get sidecarHosts(): string[] {
    return this.external.hosts.map((host) => `${this.namespace}/${host}`);
  }
}
