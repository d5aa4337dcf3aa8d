import { ApiObject, Chart, Duration, Lazy } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct, IConstruct } from 'constructs';
import { invalid, renderNowAndAtSynth, show } from './errors';
import { checkHostsFitGateway, checkVirtualServiceHosts, gatewayHosts } from './hosts';
import { IstioApiVersion, createNetworkingObject } from './istio-api-version';
import { Match, checkPort } from './match';
import type { IMeshGateway } from './mesh-gateway';
import { serviceHost } from './names';
import { Protocol, isHttpProtocol } from './protocol';
import {
  Release, Rewrite, RouteRule, Weights, checkRelease, releaseSubject, renderHttpRoutes, renderRoutes, renderSubsets,
} from './release';

/** One version of the application: its Deployment `<name>-<version>` and its subset. */
export interface VersionProps {
  /** Version name: the pods' `version` label, the subset name and the Deployment's suffix. A DNS-1123 label. */
  readonly name: string;
  /** Container image. */
  readonly image: string;
  /**
   * Number of pods.
   * @default 2 (cdk8s-plus's default; give a gray version 1 if you like)
   */
  readonly replicas?: number;
  /**
   * Entrypoint arguments.
   * @default the image's CMD
   */
  readonly args?: string[];
  /**
   * Entrypoint.
   * @default the image's ENTRYPOINT
   */
  readonly command?: string[];
  /**
   * Environment variables, by name.
   * @default none
   */
  readonly env?: Record<string, string>;
  /**
   * CPU and memory requests and limits.
   * @default cdk8s-plus's defaults (cpu 1000m request / 1500m limit, memory 512Mi request / 2048Mi limit)
   */
  readonly resources?: kplus.ContainerResources;
  /**
   * Readiness probe: Istio only sends traffic to ready pods, so a new version gets its share once it is ready.
   * @default none (Kubernetes treats the pod as ready once its containers start)
   */
  readonly readiness?: kplus.Probe;
  /**
   * Liveness probe.
   * @default none
   */
  readonly liveness?: kplus.Probe;
  /**
   * Startup probe.
   * @default none
   */
  readonly startup?: kplus.Probe;
  /**
   * Extra pod labels. `app` and `version` are set by CanaryService and cannot be overridden here.
   * @default none
   */
  readonly labels?: Record<string, string>;
  /**
   * Pod annotations, e.g. `sidecar.istio.io/proxyCPU`.
   * @default none
   */
  readonly annotations?: Record<string, string>;
  /**
   * Further cdk8s-plus container options, applied under the ones above; use it for the security context
   * (`securityContext: { ensureNonRoot: false, readOnlyRootFilesystem: false }` for images such as nginx),
   * volume mounts, `envFrom` and the like.
   * @default cdk8s-plus's defaults: non-root, read-only root filesystem, no privilege escalation
   */
  readonly containerOptions?: Partial<kplus.ContainerProps>;
  /**
   * Further cdk8s-plus Deployment options (strategy, volumes, pod security context, ...).
   * `select`, `replicas`, `containers`, `podMetadata` and `metadata` are CanaryService's.
   * @default cdk8s-plus's defaults
   */
  readonly deploymentOptions?: Partial<kplus.DeploymentProps>;
}

/** A rule ahead of the default route. */
export interface RouteOptions {
  /**
   * Route name, unique within the service (shows up in Envoy stats and in the traffic report).
   * @default `rule-<n>`, n counting the service's rules from 1
   */
  readonly name?: string;
  /** Requests matching any of these (OR) take this route; each match's conditions must all hold (AND). */
  readonly match: Match[];
  /** Where matching requests go: one version, or percent per version adding up to 100. */
  readonly to: string | Weights;
  /**
   * Request timeout of this route.
   * @default no timeout (Istio's default for HTTP routes)
   */
  readonly timeout?: Duration;
}

/** Props of a CanaryService. */
export interface CanaryServiceProps {
  /**
   * Name of the Service, DestinationRule and VirtualService, and the pods' `app` label. A DNS-1035 label.
   * @default the construct id
   */
  readonly name?: string;
  /**
   * Namespace of every object; also part of the host `<name>.<namespace>.svc.cluster.local`.
   * @default the chart's namespace, else "default"
   */
  readonly namespace?: string;
  /** Service port. */
  readonly port: number;
  /**
   * Port the containers listen on.
   * @default `port`
   */
  readonly containerPort?: number;
  /**
   * Application protocol: names the Service port `<protocol>` and sets its `appProtocol`, so Istio can route by
   * header and path; TCP-family protocols get weighted `tcp` routes only.
   * @default Protocol.HTTP
   */
  readonly protocol?: Protocol;
  /** The versions to run, each a Deployment and a subset; at least one. */
  readonly versions: VersionProps[];
  /**
   * The stable version: the default route's target when `weights` is not given.
   * @default the first version
   */
  readonly stable?: string;
  /**
   * The default route's split in percent per version; they must add up to 100. Versions left out get none.
   * @default 100 to the stable version
   */
  readonly weights?: Weights;
  /**
   * Request timeout of the default route.
   * @default no timeout (Istio's default for HTTP routes)
   */
  readonly timeout?: Duration;
  /**
   * API version of the DestinationRule and VirtualService.
   * @default IstioApiVersion.V1 (Istio 1.22 and later)
   */
  readonly apiVersion?: IstioApiVersion;
  /**
   * Name of an existing service account for the pods. Istio derives the workload's mTLS identity
   * (`spiffe://cluster.local/ns/<namespace>/sa/<name>`) from it, which authorization policies match on.
   * @default a ServiceAccount named after the service is created (one identity per service, as Istio recommends)
   */
  readonly serviceAccountName?: string;
  /**
   * Bind the routes to the mesh, so that calls from other pods follow them. Set it to false for a service
   * reached only through gateways (`exposeVia`), as in ingress-only tutorials.
   * @default true
   */
  readonly mesh?: boolean;
}

/** How a CanaryService is exposed through a gateway. */
export interface ExposeOptions {
  /**
   * Hosts clients use at the gateway; each must fit one of the gateway's hosts.
   * @default the gateway's host, when it has exactly one
   */
  readonly hosts?: string[];
  /**
   * Only requests under this path prefix reach the service (gateway traffic only).
   * @default every path
   */
  readonly pathPrefix?: string;
  /**
   * Rewrite before forwarding, e.g. `{ uri: '/' }` to strip `pathPrefix` (gateway traffic only).
   * @default none
   */
  readonly rewrite?: Rewrite;
}

/**
 * A service released in several versions behind one Service, with Istio routing between them:
 * one Deployment per version, one Service, a DestinationRule with a subset per version, and a VirtualService
 * with ordered match rules ahead of a weighted default route.
 *
 * @example
 * const reviews = new CanaryService(chart, 'reviews', {
 *   port: 9080,
 *   versions: [{ name: 'v1', image: 'reviews:v1' }, { name: 'v2', image: 'reviews:v2' }],
 *   weights: { v1: 90, v2: 10 },
 * });
 * reviews.routeHeader('end-user', 'jason', 'v2');
 */
export class CanaryService extends Construct {
  /** Name of the Service, DestinationRule and VirtualService. */
  public readonly name: string;
  /** Namespace of every object. */
  public readonly namespace: string;
  /** Fully qualified host of the Service: `<name>.<namespace>.svc.cluster.local`. */
  public readonly host: string;
  /** Service port. */
  public readonly port: number;
  /** Application protocol of the port. */
  public readonly protocol: Protocol;
  /** The Deployments, by version name. */
  public readonly deployments: Readonly<Record<string, kplus.Deployment>>;
  /** The Service selecting every version. */
  public readonly service: ApiObject;
  /** The DestinationRule with one subset per version. */
  public readonly destinationRule: ApiObject;
  /** The mesh VirtualService with the rules and the default route; undefined with `mesh: false`. */
  public readonly virtualService?: ApiObject;
  /** The gateway VirtualServices made by `exposeVia`, by gateway reference. */
  public readonly gatewayVirtualServices: Record<string, ApiObject> = {};

  private _release: Release;
  private readonly subject: string;
  private readonly apiVersion: IstioApiVersion;

  public constructor(scope: Construct, id: string, props: CanaryServiceProps) {
    super(scope, id);
    this.name = props.name ?? id;
    this.subject = releaseSubject(this.name);
    this.namespace = props.namespace ?? Chart.of(this).namespace ?? 'default';
    this.host = serviceHost(this.name, this.namespace);
    this.port = props.port;
    this.protocol = props.protocol ?? Protocol.HTTP;
    const containerPort = props.containerPort ?? props.port;
    checkPort(this.subject, 'port', props.port);
    checkPort(this.subject, 'containerPort', containerPort);
    if (!Object.values(Protocol).includes(this.protocol)) {
      throw invalid(this.subject, 'unknown protocol', show(this.protocol), `use one of ${Object.values(Protocol).join(', ')}`);
    }

    const versions = props.versions ?? [];
    const stable = props.stable ?? versions[0]?.name;
    this._release = this.commit({
      name: this.name,
      host: this.host,
      protocol: this.protocol,
      versions: versions.map((v) => v.name),
      stable,
      weights: props.weights ?? (stable === undefined ? {} : { [stable]: 100 }),
      rules: [],
      timeout: props.timeout,
    });
    for (const version of versions) this.checkVersionProps(version);

    const metadata = (name: string) => ({ name, namespace: this.namespace, labels: { app: this.name } });
    const serviceAccount = props.serviceAccountName
      ? kplus.ServiceAccount.fromServiceAccountName(this, 'ServiceAccountRef', props.serviceAccountName)
      : new kplus.ServiceAccount(this, 'ServiceAccount', { metadata: metadata(this.name), automountToken: false });

    const deployments: Record<string, kplus.Deployment> = {};
    for (const version of versions) {
      deployments[version.name] = this.createDeployment(version, containerPort, serviceAccount);
    }
    this.deployments = deployments;

    this.service = new kplus.k8s.KubeService(this, 'Service', {
      metadata: metadata(this.name),
      spec: {
        selector: { app: this.name },
        ports: [{
          name: this.protocol,
          port: this.port,
          targetPort: kplus.k8s.IntOrString.fromNumber(containerPort),
          protocol: 'TCP',
          appProtocol: this.protocol,
        }],
      },
    });

    this.apiVersion = props.apiVersion ?? IstioApiVersion.V1;
    this.destinationRule = createNetworkingObject('DestinationRule', this, 'DestinationRule', this.apiVersion, {
      metadata: metadata(this.name),
      spec: Lazy.any({ produce: () => ({ host: this.host, subsets: renderSubsets(this._release) }) }),
    });
    // Make before break: pods, then subsets, then the routes that send traffic to them.
    this.destinationRule.node.addDependency(this.service, ...Object.values(deployments));
    if (props.mesh ?? true) {
      this.virtualService = createNetworkingObject('VirtualService', this, 'VirtualService', this.apiVersion, {
        metadata: metadata(this.name),
        spec: Lazy.any({ produce: () => ({ hosts: [this.host], ...renderRoutes(this._release) }) }),
      });
      this.virtualService.node.addDependency(this.destinationRule);
    }

    this.node.addValidation({ validate: () => [...this.validateUniqueHost(), ...this.validateBound()] });
  }

  /**
   * Sends requests arriving at `gateway` through this service's rules and split, exactly as in the mesh, with a
   * VirtualService `<name>-<gateway>` bound to that gateway only. A separate VirtualService (rather than adding
   * the gateway to the mesh one) keeps external hostnames out of the sidecars' routes and lets edge-only options
   * (`pathPrefix`, `rewrite`) apply to gateway traffic alone.
   */
  public exposeVia(gateway: IMeshGateway, options: ExposeOptions = {}): ApiObject {
    const ref = gateway.referenceFrom(this.namespace);
    if (!isHttpProtocol(this.protocol)) {
      throw invalid(this.subject, 'only HTTP-family services can be exposed through a gateway', `protocol ${this.protocol}`,
        'use an HTTP, HTTP2, GRPC or GRPC_WEB protocol');
    }
    if (this.gatewayVirtualServices[ref]) {
      throw invalid(this.subject, 'is already exposed via this gateway', show(ref), 'call exposeVia once per gateway, with all its hosts');
    }
    const hosts = options.hosts ?? this.inheritHosts(gateway);
    checkVirtualServiceHosts(this.subject, hosts, [ref]);
    checkHostsFitGateway(this.subject, gateway, hosts, this.namespace);
    const edge = {
      match: options.pathPrefix !== undefined ? [Match.uriPrefix(options.pathPrefix)] : undefined,
      rewrite: options.rewrite,
    };
    const render = () => renderHttpRoutes(this._release, edge);
    renderNowAndAtSynth(this, render); // a path prefix may clash with a rule's path, now or later
    const vs = createNetworkingObject('VirtualService', this, `VirtualService-${ref.replace('/', '-')}`, this.apiVersion, {
      metadata: { name: `${this.name}-${gateway.gatewayName}`, namespace: this.namespace, labels: { app: this.name } },
      spec: Lazy.any({ produce: () => ({ hosts: [...hosts], gateways: [ref], http: render() }) }),
    });
    vs.node.addDependency(this.destinationRule);
    if (gateway instanceof Construct) vs.node.addDependency(gateway);
    this.gatewayVirtualServices[ref] = vs;
    return vs;
  }

  /** The gateway's one host, for exposeVia without hosts. */
  private inheritHosts(gateway: IMeshGateway): string[] {
    const hosts = gatewayHosts(gateway);
    if (hosts.length !== 1) {
      throw invalid(this.subject, `exposeVia needs hosts: gateway ${show(gateway.gatewayName)} has no single host to inherit`,
        show(hosts), 'pass { hosts: [...] } with the hosts clients use for this service');
    }
    return hosts;
  }

  /** The release model as it stands: versions, default split and rules. */
  public get release(): Release {
    return this._release;
  }

  /**
   * Sends requests whose header `name` equals `value` to one version, e.g.
   * `routeHeader('end-user', 'jason', 'v2')`. Rules keep the order they are added in; the first match wins.
   */
  public routeHeader(name: string, value: string, version: string, options: { name?: string; timeout?: Duration } = {}): void {
    this.addRoute({
      name: options.name ?? sanitizeRouteName(`${name}-${value}`),
      match: [Match.headerExact(name, value)],
      to: version,
      timeout: options.timeout,
    });
  }

  /** Adds a rule after the existing ones and before the default route. */
  public addRoute(options: RouteOptions): void {
    const rule: RouteRule = {
      name: options.name ?? `rule-${this._release.rules.length + 1}`,
      match: options.match ?? [],
      to: typeof options.to === 'string' ? { [options.to]: 100 } : options.to ?? {},
      timeout: options.timeout,
    };
    this._release = this.commit({ ...this._release, rules: [...this._release.rules, rule] });
  }

  /** Replaces the default route's split (percent per version, adding up to 100). */
  public setWeights(weights: Weights): void {
    this._release = this.commit({ ...this._release, weights: { ...weights } });
  }

  /** Checks a candidate release and returns it; a failed check leaves the service as it was. */
  private commit(release: Release): Release {
    checkRelease(release);
    return release;
  }

  private checkVersionProps(version: VersionProps): void {
    const where = `version ${show(version.name)}`;
    if (!version.image || version.image.trim() === '') {
      throw invalid(this.subject, `${where} needs an image`, show(version.image), 'set image, e.g. "nginx:1.27"');
    }
    if (version.replicas !== undefined && (!Number.isInteger(version.replicas) || version.replicas < 0)) {
      throw invalid(this.subject, `${where}: replicas must be a whole number, 0 or more`, show(version.replicas), 'set replicas to e.g. 1');
    }
    for (const reserved of ['app', 'version']) {
      if (version.labels && reserved in version.labels) {
        throw invalid(this.subject, `${where}: the "${reserved}" label is set by CanaryService`, `${reserved}=${version.labels[reserved]}`,
          `remove it from labels; ${reserved === 'app' ? 'the service name' : 'the version name'} is used`);
      }
    }
  }

  private createDeployment(version: VersionProps, containerPort: number, serviceAccount: kplus.IServiceAccount): kplus.Deployment {
    const selector = { app: this.name, version: version.name };
    const deployment = new kplus.Deployment(this, `Deployment-${version.name}`, {
      serviceAccount,
      ...version.deploymentOptions,
      metadata: { name: `${this.name}-${version.name}`, namespace: this.namespace, labels: selector },
      replicas: version.replicas ?? 2,
      // Select on app and version only: cdk8s-plus would otherwise add its own address label to the selector.
      select: false,
      podMetadata: { labels: { ...version.labels, ...selector }, annotations: version.annotations },
      containers: [{
        ...version.containerOptions,
        name: this.name,
        image: version.image,
        args: version.args ?? version.containerOptions?.args,
        command: version.command ?? version.containerOptions?.command,
        envVariables: {
          ...version.containerOptions?.envVariables,
          ...Object.fromEntries(Object.entries(version.env ?? {}).map(([k, v]) => [k, kplus.EnvValue.fromValue(v)])),
        },
        ports: [{ number: containerPort, name: this.protocol }],
        resources: version.resources ?? version.containerOptions?.resources,
        readiness: version.readiness ?? version.containerOptions?.readiness,
        liveness: version.liveness ?? version.containerOptions?.liveness,
        startup: version.startup ?? version.containerOptions?.startup,
      }],
    });
    deployment.select(kplus.LabelSelector.of({ labels: selector }));
    return deployment;
  }

  /** With `mesh: false`, routes exist only through gateways; without one, nothing would route to the versions. */
  private validateBound(): string[] {
    if (this.virtualService || Object.keys(this.gatewayVirtualServices).length > 0) return [];
    return [`${this.subject}: its routes are bound to no gateway and not to the mesh (got mesh: false and no exposeVia()); `
      + 'call exposeVia(gateway), or leave mesh at its default (true)'];
  }

  /** Two CanaryServices for one host would synthesize two VirtualServices for it (Istio's IST0109). */
  private validateUniqueHost(): string[] {
    const twins = this.node.root.node.findAll().filter((c: IConstruct) => c instanceof CanaryService && c !== this && c.host === this.host);
    return twins.length === 0 ? [] : [
      `${this.subject}: another CanaryService declares the same host (got ${this.host} at ${twins.map((t) => t.node.path).join(', ')}); `
      + 'give each service its own name or namespace',
    ];
  }
}

/** A route name from free text: lower-case letters, digits and "-". */
function sanitizeRouteName(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '') || 'rule';
}
