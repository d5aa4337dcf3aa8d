/** The Kubernetes Ingress that forwards a gateway's hosts from an edge Ingress controller to the ingress gateway. */
import { refuse, show } from '../model/errors';
import { parseServerHost } from '../model/hosts';
import { TLS_SERVER_PROTOCOLS } from '../model/protocol';

/** A Gateway server as far as the edge Ingress needs it. */
export interface EdgeServer {
  readonly hosts: readonly string[];
  readonly port: { readonly protocol: string };
  readonly tls?: { readonly httpsRedirect?: boolean };
}

/** The ingress gateway Service's ports for plain HTTP and for TLS (Istio's default install). */
export const EDGE_HTTP_PORT = 80;
/** @see EDGE_HTTP_PORT */
export const EDGE_TLS_PORT = 443;

/**
 * The Ingress rules: one per host of the gateway's servers (a namespace prefix dropped, `*` as a rule without host),
 * every path to the ingress gateway's Service: on 80 when a server takes the host as plain HTTP, else on 443 (the
 * gateway serves it over TLS only, or redirects it there: forwarding plain HTTP to a redirecting server would loop).
 * @throws when a host goes to 443 and no annotations tell the controller to speak TLS to the backend
 */
export function edgeIngressRules(subject: string, servers: readonly EdgeServer[], serviceName: string,
  hasAnnotations: boolean): Array<Record<string, any>> {
  // Plain HTTP where a server takes it without redirecting; else TLS. In server order, each host once.
  const ports = new Map<string, number>();
  for (const server of servers) {
    const protocol = server.port.protocol.toUpperCase();
    const plain = (protocol === 'HTTP' || protocol === 'HTTP2') && server.tls?.httpsRedirect !== true;
    if (!plain && !TLS_SERVER_PROTOCOLS.includes(protocol) && server.tls?.httpsRedirect !== true) continue; // TCP and the like
    for (const serverHost of server.hosts) {
      const { host } = parseServerHost(serverHost);
      if (plain || !ports.has(host)) ports.set(host, plain ? EDGE_HTTP_PORT : EDGE_TLS_PORT);
    }
  }
  if (ports.size === 0) {
    refuse(subject, 'edgeIngress forwards HTTP and HTTPS hosts, and the gateway serves none', 'no HTTP or HTTPS server', 'drop edgeIngress');
  }
  const tlsHosts = [...ports].filter(([, port]) => port === EDGE_TLS_PORT).map(([host]) => host);
  if (tlsHosts.length > 0 && !hasAnnotations) {
    refuse(subject, `edgeIngress must forward ${tlsHosts.join(', ')} to port 443 (the gateway serves it over TLS or redirects it there), `
      + 'and an Ingress has no field saying the backend speaks TLS', show(tlsHosts),
    'set edgeIngress.annotations for your controller, e.g. { "nginx.ingress.kubernetes.io/backend-protocol": "HTTPS" } '
      + 'or { "nginx.ingress.kubernetes.io/ssl-passthrough": "true" }');
  }
  return [...ports].map(([host, number]) => ({
    ...(host === '*' ? {} : { host }),
    http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: serviceName, port: { number } } } }] },
  }));
}
