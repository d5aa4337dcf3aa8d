/**
 * Services outside the mesh as plain data: the ServiceEntry that registers them, the egress-gateway objects that
 * send mesh traffic out through one gateway (Istio's egress gateway task), and TLS origination. The checks are
 * plain functions; istio/egress.ts renders the objects.
 */
import { refuse, show } from './errors';
import { checkDnsHost } from './hosts';
import { checkGatewaySelector } from './kubernetes';
import { checkPort } from './match';
import { MAX_LABEL_LENGTH, checkDnsLabel, checkServiceName } from './names';
import { TrafficPolicy, checkTrafficPolicy } from './traffic-policy';

/** Protocol of a ServiceEntry port, in Istio's spelling. */
export enum ExternalProtocol {
  /** Plain HTTP. */
  HTTP = 'HTTP',
  /** HTTPS: TLS the client opens; the mesh sees only the SNI. */
  HTTPS = 'HTTPS',
  /** Any TLS: the mesh sees only the SNI. */
  TLS = 'TLS',
  /** HTTP/2 cleartext. */
  HTTP2 = 'HTTP2',
  /** gRPC. */
  GRPC = 'GRPC',
  /** Opaque TCP. */
  TCP = 'TCP',
  /** MongoDB. */
  MONGO = 'MONGO',
}

/** How the sidecars find the external service's addresses; Istio's `ServiceEntry.resolution`. */
export enum Resolution {
  /** Resolve the hosts by DNS when a connection opens (the right choice for external APIs). */
  DNS = 'DNS',
  /** Resolve by DNS and use the first address, for hosts with many addresses (such as large CDNs). */
  DNS_ROUND_ROBIN = 'DNS_ROUND_ROBIN',
  /** Pass connections to the address the application resolved; needed for wildcard hosts. */
  NONE = 'NONE',
}

/** One port of an external service. */
export interface ExternalPort {
  /** Port number the applications call. */
  readonly number: number;
  /** Protocol on that port. */
  readonly protocol: ExternalProtocol;
  /**
   * Port name.
   * @default the protocol in lower case, with `-<number>` when two ports share a protocol
   */
  readonly name?: string;
  /**
   * Port on the external endpoint, when it differs from `number`.
   * @default `number`; 443 for HTTP ports with TLS origination
   */
  readonly targetPort?: number;
}

/** Where the egress gateway runs. */
export interface EgressGatewayOptions {
  /**
   * Namespace of the egress gateway's Service.
   * @default 'istio-system'
   */
  readonly namespace?: string;
  /**
   * Name of the egress gateway's Service.
   * @default 'istio-egressgateway'
   */
  readonly service?: string;
  /**
   * Labels of the egress gateway's pods.
   * @default { istio: 'egressgateway' }
   */
  readonly selector?: Readonly<Record<string, string>>;
}

/** An external service as plain data. */
export interface External {
  /** Name of the objects. */
  readonly name: string;
  /** Namespace of the objects. */
  readonly namespace: string;
  /** Hosts applications call, e.g. `edition.cnn.com`. */
  readonly hosts: readonly string[];
  /** Ports, with names filled in. */
  readonly ports: ReadonlyArray<Required<Pick<ExternalPort, 'number' | 'protocol' | 'name'>> & Pick<ExternalPort, 'targetPort'>>;
  /** Address resolution. */
  readonly resolution: Resolution;
  /**
   * Route through the egress gateway.
   * @default the sidecars call the hosts directly
   */
  readonly egressGateway?: Required<EgressGatewayOptions>;
  /**
   * Originate TLS on HTTP ports: plain HTTP inside the mesh, HTTPS to the outside.
   * @default false
   */
  readonly originateTls?: boolean;
  /**
   * How the sidecars (and the egress gateway) call the hosts: load balancing, connection pool, outlier detection, TLS.
   * @default Istio's defaults
   */
  readonly trafficPolicy?: TrafficPolicy;
}

/** The egress gateway of a default Istio install. */
export const DEFAULT_EGRESS_GATEWAY: Required<EgressGatewayOptions> = {
  namespace: 'istio-system',
  service: 'istio-egressgateway',
  selector: { istio: 'egressgateway' },
};

/** The ports of the default egress gateway Service our Gateway servers listen on: 80 for HTTP, 443 for TLS. */
export const EGRESS_HTTP_PORT = 80;
export const EGRESS_TLS_PORT = 443;

/** How errors name an external service. */
export function externalSubject(name: string): string {
  return `external service ${show(name)}`;
}

/** Protocols the egress gateway carries as HTTP (routed by host) rather than as TLS (routed by SNI). */
export function isHttpFamily(protocol: ExternalProtocol): boolean {
  return protocol === ExternalProtocol.HTTP || protocol === ExternalProtocol.HTTP2 || protocol === ExternalProtocol.GRPC;
}

export function isTlsFamily(protocol: ExternalProtocol): boolean {
  return protocol === ExternalProtocol.HTTPS || protocol === ExternalProtocol.TLS;
}

/** Port names as Istio and Kubernetes like them: the protocol, suffixed with the number when protocols repeat. */
export function externalPortNames(ports: readonly ExternalPort[]): string[] {
  return ports.map((p) => p.name ?? (ports.filter((q) => q.protocol === p.protocol).length > 1
    ? `${String(p.protocol).toLowerCase()}-${p.number}` : String(p.protocol).toLowerCase()));
}

/** Checks an external service; throws the first problem in the package's error format. */
export function checkExternal(external: External): void {
  const subject = externalSubject(external.name);
  checkServiceName(subject, external.name);
  if (external.hosts.length === 0) refuse(subject, 'needs at least one host', '[]', 'set hosts, e.g. ["edition.cnn.com"]');
  if (!Object.values(Resolution).includes(external.resolution)) {
    refuse(subject, 'unknown resolution', show(external.resolution), `use one of ${Object.values(Resolution).join(', ')}`);
  }
  const seenHosts = new Set<string>();
  for (const host of external.hosts) {
    checkDnsHost(subject, 'host', host);
    if (host === '*') refuse(subject, 'a host cannot be "*": it would claim all external traffic', show(host), 'name the hosts, e.g. "*.example.com"');
    if (host.endsWith('.svc.cluster.local') || !host.includes('.')) {
      refuse(subject, 'host is inside the cluster, not external', show(host), 'use the Service directly; ServiceEntries are for hosts outside the mesh');
    }
    if (host.startsWith('*') && external.resolution !== Resolution.NONE) {
      refuse(subject, `a wildcard host cannot be resolved by ${external.resolution} (Istio requires fully qualified hosts then)`, show(host),
        'set resolution: Resolution.NONE, or list the hosts');
    }
    if (seenHosts.has(host)) refuse(subject, 'hosts must be unique', show(host), 'remove the duplicate');
    seenHosts.add(host);
  }
  if (external.trafficPolicy !== undefined) {
    checkTrafficPolicy(subject, 'trafficPolicy', external.trafficPolicy);
    if (external.originateTls && external.trafficPolicy.tls) {
      refuse(subject, 'TLS is set twice: by originateTls and by trafficPolicy.tls', show(external.trafficPolicy.tls),
        'keep originateTls (TLS SIMPLE with the host as SNI) or trafficPolicy.tls, not both');
    }
  }
  if (external.ports.length === 0) refuse(subject, 'needs at least one port', '[]', 'set ports, e.g. [{ number: 443, protocol: ExternalProtocol.HTTPS }]');
  const numbers = new Set<number>();
  const names = new Set<string>();
  for (const port of external.ports) {
    checkPort(subject, 'port', port.number);
    if (port.targetPort !== undefined) checkPort(subject, `port ${port.number} targetPort`, port.targetPort);
    if (!Object.values(ExternalProtocol).includes(port.protocol)) {
      refuse(subject, `port ${port.number} has an unknown protocol`, show(port.protocol), `use one of ${Object.values(ExternalProtocol).join(', ')}`);
    }
    if (numbers.has(port.number)) refuse(subject, 'port numbers must be unique', show(port.number), 'remove the duplicate port');
    numbers.add(port.number);
    checkDnsLabel(subject, 'port name', port.name);
    if (names.has(port.name)) refuse(subject, 'port names must be unique', show(port.name), 'give each port its own name');
    names.add(port.name);
  }
  const opaque = external.ports.filter((p) => !isHttpFamily(p.protocol) && !isTlsFamily(p.protocol));
  // istio pkg/config/validation/validation.go (ValidateServiceEntry): on a port that is neither HTTP nor TLS nothing
  // tells the hosts apart, "multiple hosts provided with non-HTTP, non-TLS ports" unless the resolution is NONE.
  if (opaque.length > 0 && external.hosts.length > 1 && external.resolution !== Resolution.NONE) {
    refuse(subject, `several hosts cannot share a ${opaque[0].protocol} port, as nothing in the traffic tells them apart`,
      `${show(external.hosts)} with port ${opaque[0].number}/${opaque[0].protocol}`, 'use one ExternalService per host');
  }
  // Same function: a TCP port without addresses is a warning, "addresses are required for ports serving TCP (or unset)
  // protocol when IP Autoallocation is not enabled", and pilot/pkg/networking/serviceentry/ip_autoallocation.go allocates
  // none with resolution NONE: then the sidecar has neither addresses nor a host to tell the traffic by.
  const tcp = external.ports.find((p) => p.protocol === ExternalProtocol.TCP);
  if (tcp && external.resolution === Resolution.NONE) {
    refuse(subject, 'a TCP port with resolution NONE needs the service\'s addresses, which an ExternalService does not set (Istio warns)',
      `port ${tcp.number}/TCP, resolution NONE`, 'use Resolution.DNS with one named host per ExternalService, or the protocol the port speaks, e.g. ExternalProtocol.TLS');
  }
  if (external.originateTls) {
    const plain = external.ports.filter((p) => isHttpFamily(p.protocol));
    if (plain.length === 0) {
      refuse(subject, 'TLS origination upgrades plain HTTP ports, and there is none', external.ports.map((p) => `${p.number}/${p.protocol}`).join(', '),
        'add an HTTP port the applications call, e.g. { number: 80, protocol: ExternalProtocol.HTTP }');
    }
    if (external.resolution === Resolution.NONE) {
      refuse(subject, 'TLS origination needs the host to be resolved by the mesh (its name is the SNI)', 'resolution NONE', 'use Resolution.DNS');
    }
  }
  if (external.egressGateway) {
    const egress = external.egressGateway;
    checkServiceName(subject, egress.service);
    // istiod's ValidateGateway takes a Gateway's name as a DNS-1123 label ("invalid gateway name").
    const gatewayName = `${external.name}-egress`;
    if (gatewayName.length > MAX_LABEL_LENGTH) {
      refuse(subject, `the egress Gateway's name "<name>-egress" must be at most ${MAX_LABEL_LENGTH} characters`,
        `${show(gatewayName)}, ${gatewayName.length} characters`, `shorten the name to at most ${MAX_LABEL_LENGTH - '-egress'.length} characters`);
    }
    checkGatewaySelector(subject, 'egressGateway selector', egress.selector, '{ istio: "egressgateway" }');
    if (external.hosts.some((h) => h.startsWith('*'))) {
      refuse(subject, 'the egress gateway routes named hosts, not wildcards', show(external.hosts.filter((h) => h.startsWith('*'))),
        'list the hosts, or route wildcards without the egress gateway');
    }
    const other = external.ports.filter((p) => !isHttpFamily(p.protocol) && !isTlsFamily(p.protocol));
    if (other.length > 0) {
      refuse(subject, 'through the egress gateway only HTTP and TLS ports can be routed (by host or SNI)',
        other.map((p) => `${p.number}/${p.protocol}`).join(', '), 'route TCP ports without the egress gateway, in another ExternalService');
    }
    for (const [family, test, gatewayPort] of [['HTTP', isHttpFamily, EGRESS_HTTP_PORT], ['TLS', isTlsFamily, EGRESS_TLS_PORT]] as const) {
      const ports = external.ports.filter((p) => test(p.protocol));
      if (ports.length > 1) {
        refuse(subject, `the egress gateway takes one ${family} port (its port ${gatewayPort}), got several`,
          ports.map((p) => p.number).join(', '), 'keep one, or use one ExternalService per port');
      }
    }
  }
}
