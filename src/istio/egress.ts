/**
 * Rendering external services to Istio objects as plain data: the ServiceEntry, per-host DestinationRules (traffic
 * policy, TLS origination) and the egress gateway's routing.
 */
import { renderTrafficPolicy } from './traffic-policy';
import { DEFAULT_EGRESS_GATEWAY, EGRESS_HTTP_PORT, EGRESS_TLS_PORT, External, isHttpFamily, isTlsFamily } from '../model/egress';
import { serviceHost } from '../model/names';

/**
 * The OS CA bundle: what istiod uses when `caCertificates` is empty (pilot/pkg/networking/core/cluster_tls.go,
 * `NonEmptyOrDefault(tls.CaCertificates, "system")`). Written out, so `istioctl analyze` sees the server's
 * certificate verified (IST0129 warns of an empty one).
 */
const SYSTEM_CA_CERTIFICATES = 'system';

/** The ServiceEntry spec: the hosts as `MESH_EXTERNAL`, with their ports and resolution. */
export function renderServiceEntry(external: External): Record<string, any> {
  return {
    hosts: [...external.hosts],
    location: 'MESH_EXTERNAL',
    ports: external.ports.map((p) => {
      const targetPort = p.targetPort ?? (external.originateTls && isHttpFamily(p.protocol) ? 443 : undefined);
      return { number: p.number, name: p.name, protocol: p.protocol, ...(targetPort !== undefined && targetPort !== p.number ? { targetPort } : {}) };
    }),
    resolution: external.resolution,
  };
}

/**
 * The DestinationRule specs for the hosts themselves, one per host, when anything applies: the service's traffic
 * policy, and TLS origination (`SIMPLE` with the host as SNI on every HTTP port, verified against the OS CAs).
 */
export function renderHostDestinationRules(external: External): Array<Record<string, any>> {
  const policy = renderTrafficPolicy(external.trafficPolicy);
  if (!external.originateTls && !policy) return [];
  const plain = external.ports.filter((p) => isHttpFamily(p.protocol));
  return external.hosts.map((host) => ({
    host,
    trafficPolicy: {
      ...policy,
      ...(external.originateTls ? { portLevelSettings: plain.map((p) => ({ port: { number: p.number }, tls: { mode: 'SIMPLE', sni: host, caCertificates: SYSTEM_CA_CERTIFICATES } })) } : {}),
    },
  }));
}

/** The egress gateway Service's host. */
export function egressGatewayHost(external: External): string {
  const egress = external.egressGateway ?? DEFAULT_EGRESS_GATEWAY;
  return serviceHost(egress.service, egress.namespace);
}

/** The Gateway spec on the egress gateway: port 80 for the HTTP port, 443 (TLS passthrough) for the TLS port. */
export function renderEgressGateway(external: External): Record<string, any> {
  const egress = external.egressGateway ?? DEFAULT_EGRESS_GATEWAY;
  const servers = [];
  if (external.ports.some((p) => isHttpFamily(p.protocol))) {
    servers.push({ port: { number: EGRESS_HTTP_PORT, name: 'http', protocol: 'HTTP' }, hosts: [...external.hosts] });
  }
  if (external.ports.some((p) => isTlsFamily(p.protocol))) {
    servers.push({ port: { number: EGRESS_TLS_PORT, name: 'tls', protocol: 'TLS' }, hosts: [...external.hosts], tls: { mode: 'PASSTHROUGH' } });
  }
  return { selector: { ...egress.selector }, servers };
}

/** The DestinationRule spec for the egress gateway Service, with the subset the mesh routes this service's traffic to. */
export function renderEgressDestinationRule(external: External): Record<string, any> {
  return { host: egressGatewayHost(external), subsets: [{ name: external.name }] };
}

/**
 * The VirtualService spec for one host: from the mesh to the egress gateway's subset, and from the egress gateway
 * to the host, each told apart by `match.gateways`; HTTP by port, TLS by port and SNI.
 */
export function renderEgressVirtualService(external: External, host: string, gatewayName: string): Record<string, any> {
  const toGateway = (port: number) => [{ destination: { host: egressGatewayHost(external), subset: external.name, port: { number: port } } }];
  const toHost = (port: number) => [{ destination: { host, port: { number: port } } }];
  const http = external.ports.filter((p) => isHttpFamily(p.protocol)).flatMap((p) => [
    { name: 'mesh-to-egress-gateway', match: [{ gateways: ['mesh'], port: p.number }], route: toGateway(EGRESS_HTTP_PORT) },
    { name: 'egress-gateway-to-external', match: [{ gateways: [gatewayName], port: EGRESS_HTTP_PORT }], route: toHost(p.number) },
  ]);
  const tls = external.ports.filter((p) => isTlsFamily(p.protocol)).flatMap((p) => [
    { match: [{ gateways: ['mesh'], port: p.number, sniHosts: [host] }], route: toGateway(EGRESS_TLS_PORT) },
    { match: [{ gateways: [gatewayName], port: EGRESS_TLS_PORT, sniHosts: [host] }], route: toHost(p.number) },
  ]);
  return {
    hosts: [host],
    gateways: [gatewayName, 'mesh'],
    ...(http.length > 0 ? { http } : {}),
    ...(tls.length > 0 ? { tls } : {}),
  };
}
