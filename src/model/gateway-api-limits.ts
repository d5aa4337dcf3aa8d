/**
 * The list sizes (and HTTPRoute paths) the Gateway API 1.5.1 CRDs allow (`maxItems` and the CEL rule on the sum of matches in
 * `config/crd/standard/gateway.networking.k8s.io_httproutes.yaml`, `_grpcroutes.yaml`, `_gateways.yaml`): the API
 * server refuses an object over any of them, so the synth does first.
 */
import { invalid, show } from './errors';
import { refusedPath } from './gateway-api';

/** A list of a Gateway API spec and its limit. */
interface Limit {
  /** Where the list is, for the message. */
  readonly what: string;
  /** The list's items in one object. */
  readonly items: (spec: any) => unknown[][];
  readonly max: number;
  readonly fix: string;
}

const ROUTE_LIMITS: Limit[] = [
  {
    what: 'rules',
    items: (spec) => [spec?.rules ?? []],
    max: 16,
    fix: 'merge routes that send to the same versions into one route with several matches, or route with RoutingApi.ISTIO',
  },
  {
    what: 'matches in one rule',
    items: (spec) => (spec?.rules ?? []).map((r: any) => r.matches ?? []),
    max: 64,
    fix: 'split the route in two, or match with a prefix or regex instead of many values',
  },
  {
    what: 'matches over all rules',
    items: (spec) => [(spec?.rules ?? []).flatMap((r: any) => r.matches ?? [])],
    max: 128,
    fix: 'match with fewer, broader conditions (a prefix or regex), or route with RoutingApi.ISTIO',
  },
  {
    what: 'backendRefs in one rule',
    items: (spec) => (spec?.rules ?? []).map((r: any) => r.backendRefs ?? []),
    max: 16,
    fix: 'send to at most 16 backends from one route',
  },
  { what: 'hostnames', items: (spec) => [spec?.hostnames ?? []], max: 16, fix: 'expose at most 16 hosts with one exposeVia(), or use a wildcard host' },
  { what: 'parentRefs', items: (spec) => [spec?.parentRefs ?? []], max: 32, fix: 'expose the service through at most 32 gateways' },
];

const LIMITS: Record<string, { subject: string; limits: Limit[] }> = {
  HTTPRoute: { subject: 'route', limits: ROUTE_LIMITS },
  GRPCRoute: { subject: 'route', limits: ROUTE_LIMITS },
  Gateway: {
    subject: 'gateway',
    limits: [{
      what: 'listeners',
      items: (spec) => [spec?.listeners ?? []],
      max: 64,
      fix: 'cover the hosts with a wildcard host (one listener per host and port), or split them over several gateways',
    }],
  },
};

/** The messages for every list of a Gateway API object of `kind` that is longer than its CRD allows. */
export function gatewayApiLimitProblems(kind: string, name: string, spec: unknown): string[] {
  const entry = LIMITS[kind];
  if (!entry) return [];
  const problems: string[] = [];
  for (const limit of entry.limits) {
    const longest = Math.max(0, ...limit.items(spec).map((list) => list.length));
    if (longest > limit.max) {
      problems.push(invalid(`${entry.subject} "${name}"`, `${kind === 'HTTPRoute' ? 'an' : 'a'} ${kind} holds at most ${limit.max} ${limit.what}, as the Gateway API CRD allows`,
        String(longest), limit.fix).message);
    }
  }
  // Header and query parameter names and values (HTTPHeaderMatch, HTTPQueryParamMatch, GRPCHeaderMatch maxLength).
  const maxLength = { headers: { name: 256, value: 4096 }, queryParams: { name: 256, value: 1024 } } as const;
  for (const match of ((spec as any)?.rules ?? []).flatMap((r: any) => r.matches ?? [])) {
    for (const list of ['headers', 'queryParams'] as const) {
      for (const condition of match[list] ?? []) {
        for (const field of ['name', 'value'] as const) {
          const text = condition[field];
          if (typeof text !== 'string' || text.length <= maxLength[list][field]) continue;
          problems.push(invalid(`${entry.subject} "${name}"`, `a ${list === 'headers' ? 'header' : 'query parameter'} ${field} in a ${kind} match holds `
            + `at most ${maxLength[list][field]} characters, as the Gateway API CRD allows`, `${show(`${text.slice(0, 40)}...`)}, ${text.length} characters`,
          'shorten it, or route with RoutingApi.ISTIO').message);
        }
      }
    }
  }
  if (kind === 'HTTPRoute') {
    // Paths written by exposeVia's pathPrefix and gateway routes, besides the service's own matches (checked earlier).
    for (const match of ((spec as any)?.rules ?? []).flatMap((r: any) => r.matches ?? [])) {
      const refused = match.path?.type !== 'RegularExpression' && typeof match.path?.value === 'string' ? refusedPath(match.path.value) : undefined;
      if (refused) problems.push(invalid(`${entry.subject} "${name}"`, refused.problem, show(match.path.value), refused.fix).message);
    }
  }
  return problems;
}
