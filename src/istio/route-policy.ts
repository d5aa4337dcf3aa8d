/** Rendering route options to the fields of Istio's HTTPRoute, as plain data. */
import { dropUndefined, renderDuration } from '../model/data';
import { HeaderOperations, HeaderPolicy, Mirror, Redirect, RoutePolicy } from '../model/route-policy';

/** What a route's copies need to know of the route. */
export interface MirrorTarget {
  /** Istio's `Destination` of a version of this service, for a mirror to a version. */
  readonly destination: (version: string) => Record<string, any>;
  /** The route's port, when the destination needs one, for a mirror to another host. */
  readonly port?: number;
}

/**
 * The Istio fields of a route's options (rewrite excepted: a route merges it with its entry point's).
 * @param own the route's destinations and port, for a mirror
 */
export function renderRoutePolicy(policy: RoutePolicy, own: MirrorTarget): Record<string, any> {
  const { retries, fault, mirror, corsPolicy } = policy;
  return dropUndefined({
    timeout: policy.timeout && renderDuration(policy.timeout),
    retries: retries && dropUndefined({
      attempts: retries.attempts,
      perTryTimeout: retries.perTryTimeout && renderDuration(retries.perTryTimeout),
      retryOn: retries.retryOn?.length ? retries.retryOn.join(',') : undefined,
    }),
    fault: fault && dropUndefined({
      delay: fault.delay && { fixedDelay: renderDuration(fault.delay.fixed), percentage: { value: fault.delay.percent ?? 100 } },
      abort: fault.abort && dropUndefined({
        httpStatus: fault.abort.httpStatus,
        grpcStatus: fault.abort.grpcStatus,
        percentage: { value: fault.abort.percent ?? 100 },
      }),
    }),
    mirror: mirror && renderMirror(mirror, own),
    mirrorPercentage: mirror?.percent !== undefined ? { value: mirror.percent } : undefined,
    corsPolicy: corsPolicy && dropUndefined({
      allowOrigins: corsPolicy.allowOrigins.map((exact) => ({ exact })),
      allowMethods: corsPolicy.allowMethods,
      allowHeaders: corsPolicy.allowHeaders,
      exposeHeaders: corsPolicy.exposeHeaders,
      maxAge: corsPolicy.maxAge && renderDuration(corsPolicy.maxAge),
      allowCredentials: corsPolicy.allowCredentials,
    }),
    headers: policy.headers && renderHeaderPolicy(policy.headers),
  });
}

function renderMirror(mirror: Mirror, own: MirrorTarget): Record<string, any> {
  if (mirror.version !== undefined) return own.destination(mirror.version);
  const port = mirror.port ?? own.port;
  return dropUndefined({ host: mirror.host, port: port !== undefined ? { number: port } : undefined });
}

/** Istio's `Headers`: operations with empty parts left out. */
export function renderHeaderPolicy(policy: HeaderPolicy): Record<string, any> | undefined {
  const ops = (o?: HeaderOperations) => {
    if (!o) return undefined;
    const rendered = dropUndefined({
      set: o.set && Object.keys(o.set).length ? { ...o.set } : undefined,
      add: o.add && Object.keys(o.add).length ? { ...o.add } : undefined,
      remove: o.remove?.length ? [...o.remove] : undefined,
    });
    return Object.keys(rendered).length ? rendered : undefined;
  };
  const rendered = dropUndefined({ request: ops(policy.request), response: ops(policy.response) });
  return Object.keys(rendered).length ? rendered : undefined;
}

/** Istio's `HTTPRedirect`. */
export function renderRedirect(redirect: Redirect): Record<string, any> {
  return dropUndefined({
    uri: redirect.uri,
    authority: redirect.authority,
    scheme: redirect.scheme,
    port: redirect.port,
    redirectCode: redirect.code,
  });
}
