/** A container's resource requests and limits, as Kubernetes quantity strings. */
import { PropNames, checkKnownProps, checkObject, refuse, show } from './errors';

/** The request and the limit of one resource, each a Kubernetes quantity such as `"250m"`, `"1"`, `"128Mi"` or `"1Gi"`. */
export interface ResourceRange {
  /**
   * What the scheduler reserves for the container.
   * @default none (Kubernetes then takes the limit, when there is one)
   */
  readonly request?: string;
  /**
   * The most the container may use.
   * @default none (no limit)
   */
  readonly limit?: string;
}

/**
 * CPU, memory and ephemeral storage of the container. Giving `resources` replaces the defaults as a whole: a resource
 * left out here has no request and no limit.
 */
export interface ContainerResources {
  /**
   * CPU, in cores (`"1"`, `"0.5"`) or millicores (`"500m"`).
   * @default none
   */
  readonly cpu?: ResourceRange;
  /**
   * Memory, in bytes with a suffix (`"128Mi"`, `"1Gi"`, `"500M"`).
   * @default none
   */
  readonly memory?: ResourceRange;
  /**
   * Ephemeral storage (container logs, writable layer, emptyDir volumes), e.g. `"1Gi"`.
   * @default none
   */
  readonly ephemeralStorage?: ResourceRange;
}

/** What a workload's container gets when `resources` is left out (cdk8s-plus's defaults, kept as they were). */
export const DEFAULT_RESOURCES: ContainerResources = {
  cpu: { request: '1000m', limit: '1500m' },
  memory: { request: '512Mi', limit: '2048Mi' },
};

const CONTAINER_RESOURCES: PropNames<ContainerResources> = { cpu: true, memory: true, ephemeralStorage: true };
const RESOURCE_RANGE: PropNames<ResourceRange> = { request: true, limit: true };
/** The names Kubernetes gives the resources. */
const RESOURCE_NAMES: Readonly<Record<keyof ContainerResources, string>> = { cpu: 'cpu', memory: 'memory', ephemeralStorage: 'ephemeral-storage' };
const EXAMPLES: Readonly<Record<keyof ContainerResources, string>> = { cpu: '"250m"', memory: '"128Mi"', ephemeralStorage: '"1Gi"' };

/** A Kubernetes quantity without a sign: a decimal number, then a binary or decimal suffix or an exponent. */
const QUANTITY = /^(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E|[eE][+-]?[0-9]+)?$/;
const FACTOR: ReadonlyMap<string, number> = new Map([
  ['', 1], ['m', 1e-3], ['k', 1e3], ['M', 1e6], ['G', 1e9], ['T', 1e12], ['P', 1e15], ['E', 1e18],
  ['Ki', 2 ** 10], ['Mi', 2 ** 20], ['Gi', 2 ** 30], ['Ti', 2 ** 40], ['Pi', 2 ** 50], ['Ei', 2 ** 60],
]);

/** The value of a quantity that matches QUANTITY, as a float (close enough to compare a request with its limit). */
function quantityValue(quantity: string): number {
  const [, suffix = ''] = QUANTITY.exec(quantity)!;
  const number = parseFloat(quantity.slice(0, quantity.length - suffix.length));
  return /^[eE]/.test(suffix) ? number * 10 ** Number(suffix.slice(1)) : number * FACTOR.get(suffix)!;
}

/**
 * Checks `resources` as the API server does (quantities it parses, not negative, requests at most their limits);
 * `where` names the workload, e.g. `version "v2"`.
 */
export function checkContainerResources(subject: string, where: string, resources: unknown): void {
  if (resources === undefined) return;
  checkObject(subject, `${where}: resources`, resources, '{ cpu: { request: "250m" }, memory: { limit: "256Mi" } }');
  checkKnownProps(subject, `${where} resources`, resources, CONTAINER_RESOURCES);
  for (const kind of Object.keys(CONTAINER_RESOURCES) as Array<keyof ContainerResources>) {
    const range = (resources as Record<string, unknown>)[kind];
    if (range === undefined) continue;
    if (range === null || typeof range !== 'object' || Array.isArray(range)) {
      refuse(subject, `${where}: resources ${kind} must be an object of request and limit`, show(range), `use e.g. { request: ${EXAMPLES[kind]} }`);
    }
    checkKnownProps(subject, `${where} resources ${kind}`, range, RESOURCE_RANGE);
    for (const bound of ['request', 'limit'] as const) {
      const quantity = (range as Record<string, unknown>)[bound];
      if (quantity === undefined) continue;
      if (typeof quantity === 'string' && /^\s*-/.test(quantity)) {
        // The API server's ValidateResourceRequirements: requests and limits must be non-negative.
        refuse(subject, `${where}: resources ${kind} ${bound} must not be negative`, show(quantity), `use e.g. ${EXAMPLES[kind]}`);
      }
      if (typeof quantity !== 'string' || !QUANTITY.test(quantity)) {
        refuse(subject, `${where}: resources ${kind} ${bound} must be a Kubernetes quantity`, show(quantity),
          `write it as text with a unit, e.g. ${EXAMPLES[kind]}`);
      }
    }
    const { request, limit } = range as ResourceRange;
    if (request !== undefined && limit !== undefined && quantityValue(request) > quantityValue(limit) * (1 + 1e-9)) {
      refuse(subject, `${where}: resources ${kind} request must be at most its limit`, `request ${show(request)}, limit ${show(limit)}`,
        'lower the request or raise the limit');
    }
  }
}

/** A container's `resources` in Kubernetes' shape. */
export interface RenderedResources {
  readonly limits?: Record<string, string>;
  readonly requests?: Record<string, string>;
}

/** The container's `resources` in Kubernetes' shape, or undefined when nothing is requested or limited. */
export function renderContainerResources(resources: ContainerResources): RenderedResources | undefined {
  const limits: Record<string, string> = {};
  const requests: Record<string, string> = {};
  for (const kind of Object.keys(RESOURCE_NAMES) as Array<keyof ContainerResources>) {
    const range = resources[kind];
    if (range?.limit !== undefined) limits[RESOURCE_NAMES[kind]] = range.limit;
    if (range?.request !== undefined) requests[RESOURCE_NAMES[kind]] = range.request;
  }
  if (Object.keys(limits).length === 0 && Object.keys(requests).length === 0) return undefined;
  return {
    ...(Object.keys(limits).length > 0 ? { limits } : {}),
    ...(Object.keys(requests).length > 0 ? { requests } : {}),
  };
}
