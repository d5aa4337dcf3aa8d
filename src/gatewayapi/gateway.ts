/** Rendering an ingress gateway to a Gateway API Gateway's listeners and its HTTP-to-HTTPS redirect route, as plain data. */
import { refuse, show } from '../model/errors';
import { parseServerHost } from '../model/hosts';

/** HTTPS for the listeners: the certificate Secret, and whether plain HTTP is redirected. */
export interface ListenerTls {
  /** The TLS Secret, in the Gateway's namespace. */
  readonly secretName: string;
  /** Plain HTTP answers with a redirect to HTTPS. */
  readonly httpsRedirect: boolean;
}

/** The listeners of a Gateway and the names of those that take service routes. */
export interface RenderedListeners {
  /** `spec.listeners`. */
  readonly listeners: Array<Record<string, any>>;
  /** The listeners service routes attach to, with their hostnames; undefined for all of them. */
  readonly routeListeners?: Array<{ name: string; hostname?: string }>;
  /** The HTTP listeners that only redirect (with `httpsRedirect`). */
  readonly redirectSections: string[];
}

/**
 * One HTTP listener per host on `port`, and with TLS one HTTPS listener per host on 443 that terminates with the
 * Secret. Istio's `ns/host` becomes the listener's `allowedRoutes`: `*` (or no namespace) all namespaces, `.` the
 * Gateway's own, a name that namespace.
 */
export function renderListeners(subject: string, hosts: readonly string[], port: number, tls: ListenerTls | undefined): RenderedListeners {
  const seen = new Set<string>();
  const listeners: Array<Record<string, any>> = [];
  const https: Array<Record<string, any>> = [];
  hosts.forEach((text, index) => {
    const { namespace, host } = parseServerHost(text);
    if (seen.has(host)) {
      refuse(subject, 'a Gateway API Gateway has one listener per host and port, and this host is listed twice', show(text),
        'list each host once (a listener admits routes from one namespace choice)');
    }
    seen.add(host);
    const suffix = hosts.length > 1 ? `-${index + 1}` : '';
    const hostname = host === '*' ? {} : { hostname: host };
    const common = { ...hostname, allowedRoutes: { namespaces: allowedNamespaces(namespace) } };
    // A listener that only redirects takes the gateway's own redirect route, from its namespace.
    const http = tls?.httpsRedirect ? { ...hostname, allowedRoutes: { namespaces: { from: 'Same' } } } : common;
    listeners.push({ name: `http${suffix}`, port, protocol: 'HTTP', ...http });
    if (tls) {
      https.push({
        name: `https${suffix}`,
        port: 443,
        protocol: 'HTTPS',
        ...common,
        tls: { mode: 'Terminate', certificateRefs: [{ kind: 'Secret', name: tls.secretName }] },
      });
    }
  });
  const redirectSections = tls?.httpsRedirect ? listeners.map((l) => l.name) : [];
  return {
    listeners: [...listeners, ...https],
    routeListeners: tls?.httpsRedirect ? https.map((l) => ({ name: l.name, hostname: l.hostname })) : undefined,
    redirectSections,
  };
}

function allowedNamespaces(namespace: string): Record<string, any> {
  if (namespace === '*') return { from: 'All' };
  if (namespace === '.') return { from: 'Same' };
  return { from: 'Selector', selector: { matchLabels: { 'kubernetes.io/metadata.name': namespace } } };
}

/** The rules of the route that answers plain HTTP with a 301 to HTTPS. */
export function renderHttpsRedirectRules(): Array<Record<string, any>> {
  return [{ name: 'https-redirect', filters: [{ type: 'RequestRedirect', requestRedirect: { scheme: 'https', statusCode: 301 } }] }];
}
