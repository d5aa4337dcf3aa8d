/**
 * Istio host matching, as plain functions: which VirtualService hosts a Gateway server admits.
 */
import { domainToASCII } from 'url';
import { checkList, refuse, show } from './errors';

/** A Gateway server host split into its namespace part and its host: `ns/host`, `./host`, `*\/host` or `host`. */
export interface ServerHost {
  /** `*` (any namespace, also when no namespace is written), `.` (the gateway's own namespace) or a namespace name. */
  readonly namespace: string;
  readonly host: string;
}

/** What host checks need of a Gateway: its name, namespace and server hosts (a MeshGateway has them). */
export interface GatewayRef {
  /** The Gateway's name. */
  readonly gatewayName: string;
  /** The Gateway's namespace. */
  readonly gatewayNamespace: string;
  /** The hosts of all its servers, as written there (`host`, `ns/host`, `./host`, `*`). */
  readonly serverHosts: readonly string[];
}

/** Splits `ns/host` as Istio reads Gateway server hosts; a host without `/` admits every namespace. */
export function parseServerHost(text: string): ServerHost {
  const slash = text.indexOf('/');
  return slash < 0 ? { namespace: '*', host: text } : { namespace: text.slice(0, slash), host: text.slice(slash + 1) };
}

/**
 * True when two hosts can name the same request host: equal, or one a wildcard (`*`, `*.example.com`) covering
 * the other. Istio's wildcards match any depth of subdomain.
 */
export function hostsIntersect(a: string, b: string): boolean {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  if (x === y || x === '*' || y === '*') return true;
  const covers = (wild: string, other: string) => wild.startsWith('*.') && (other.endsWith(wild.slice(1)) || other === wild);
  return covers(x, y) || covers(y, x);
}

/** The distinct hosts of a gateway's servers without their namespace parts, sorted. */
export function gatewayHosts(gateway: GatewayRef): string[] {
  return [...new Set(gateway.serverHosts.map((h) => parseServerHost(h).host))].sort();
}

/** True when a Gateway server host admits a VirtualService host declared in `vsNamespace`. */
export function serverAdmits(server: string, gatewayNamespace: string, vsHost: string, vsNamespace: string): boolean {
  const { namespace, host } = parseServerHost(server);
  const namespaceOk = namespace === '*' || (namespace === '.' ? gatewayNamespace === vsNamespace : namespace === vsNamespace);
  return namespaceOk && hostsIntersect(host, vsHost);
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const IP_V4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/**
 * Checks a host as Istio takes it in Gateway servers, VirtualServices and ServiceEntries: a DNS name of lower-case
 * labels (at most 253 characters), with a wildcard only as the whole leftmost label (`*.example.com`, or `*` alone),
 * and no scheme, port, path or IP address (Istio wants DNS names there; IPs go in a ServiceEntry's `addresses`).
 * `what` names the field in the message.
 */
export function checkDnsHost(subject: string, what: string, host: unknown): void {
  if (typeof host !== 'string' || host.trim() === '') {
    refuse(subject, `${what} must be a non-empty DNS name`, show(host), 'e.g. "shop.example.com"');
  }
  const bare = host.replace(/^[a-z]+:\/\//i, '').replace(/[:/].*$/, '');
  if (bare !== host) {
    refuse(subject, `${what} must be a bare DNS name, without a scheme, port or path`, show(host), `write ${show(bare)}`);
  }
  if (IP_V4.test(host)) {
    refuse(subject, `${what} is an IP address where Istio needs a DNS name`, show(host),
      'use the DNS name; for an external IP, give an ExternalService a DNS name the application calls');
  }
  if (host === '*') return;
  const labels = host.split('.');
  if (labels.slice(1).includes('*') || labels.some((l) => l !== '*' && l.includes('*'))) {
    refuse(subject, `${what}: a wildcard may only be the whole leftmost label`, show(host), 'write it like "*.example.com"');
  }
  if (host.length > 253 || labels.some((l, i) => !(i === 0 && l === '*') && !DNS_LABEL.test(l))) {
    // A name in another script is written in its ASCII form (IDNA, `xn--`), which is what DNS and Envoy see.
    const ascii = /[^\x00-\x7f]/.test(host) ? domainToASCII(host.toLowerCase()) : '';
    refuse(subject, `${what} must be a DNS name: lower-case letters, digits and "-" in labels separated by "."`, show(host),
      ascii ? `write its ASCII (IDNA) form, ${show(ascii)}` : `write it like ${show(host.toLowerCase().replace(/[^-a-z0-9.*]/g, '-'))}`);
  }
}

/** Istio's reserved gateway name for the sidecars of the mesh. */
export const MESH_GATEWAY = 'mesh';

/**
 * Checks the hosts of a VirtualService: at least one, no empty host, and no `*` when bound to the mesh
 * (Istio rejects a mesh VirtualService for every host: it would capture all outbound HTTP traffic), and unless
 * `distinct` is false (an HTTPRoute's hostnames may overlap), no two hosts that overlap.
 */
export function checkVirtualServiceHosts(subject: string, hosts: readonly string[], gateways: readonly string[], distinct = true): void {
  checkList(subject, 'hosts', hosts, '["shop.example.com"]');
  if (hosts.length === 0) refuse(subject, 'a VirtualService needs hosts', show(hosts), 'name the hosts the routes apply to');
  for (const host of hosts) checkDnsHost(subject, 'host', host);
  const meshBound = gateways.length === 0 || gateways.includes(MESH_GATEWAY);
  if (meshBound && hosts.includes('*')) {
    refuse(subject, 'a VirtualService bound to the mesh cannot have host "*"', show(hosts),
      'name the service hosts, or bind the VirtualService to a gateway only');
  }
  if (distinct) checkHostsDistinct(subject, hosts);
}

/**
 * Istio refuses a VirtualService two of whose hosts match each other, literally or by a wildcard
 * (pkg/config/validation/validation.go, ValidateVirtualService: "duplicate hosts in virtual service").
 */
export function checkHostsDistinct(subject: string, hosts: readonly string[]): void {
  for (let i = 0; i < hosts.length; i++) {
    for (let j = i + 1; j < hosts.length; j++) {
      if (hostsIntersect(hosts[i], hosts[j])) {
        refuse(subject, 'the hosts of one VirtualService cannot overlap, and Istio refuses one where a host equals or covers another',
          `${hosts[i]} and ${hosts[j]}`, `keep ${show(widestHosts([hosts[i], hosts[j]])[0])}, which already covers both`);
      }
    }
  }
}

/**
 * The hosts that no other host of the list covers (`*` covers every host, `*.example.com` covers `a.example.com` and
 * `*.a.example.com`), each once: a VirtualService with these routes the same requests as with all of them.
 */
export function widestHosts(hosts: readonly string[]): string[] {
  const distinct = [...new Set(hosts)];
  const covers = (wide: string, narrow: string) => wide !== narrow && hostsIntersect(wide, narrow)
    && (wide === '*' || (wide.startsWith('*.') && narrow !== '*' && (!narrow.startsWith('*.') || narrow.length > wide.length)));
  return distinct.filter((host) => !distinct.some((other) => covers(other, host)));
}

/**
 * Checks that every host of a gateway VirtualService in `vsNamespace` fits a server host of `gateway`
 * (Istio's IST0132: otherwise the gateway never sends it a request, and clients get 404).
 */
export function checkHostsFitGateway(subject: string, gateway: GatewayRef, hosts: readonly string[], vsNamespace: string): void {
  for (const host of hosts) {
    if (!gateway.serverHosts.some((server) => serverAdmits(server, gateway.gatewayNamespace, host, vsNamespace))) {
      refuse(subject, `host ${show(host)} fits none of gateway ${show(gateway.gatewayName)}'s hosts`,
        `${host} against ${gateway.serverHosts.join(', ')}`, 'use a host the gateway admits, or add it to the gateway');
    }
  }
}
