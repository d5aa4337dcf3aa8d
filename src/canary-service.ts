import { ApiObject, Chart, Duration, Lazy } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct, IConstruct } from 'constructs';
import { invalid, show } from './errors';
import { IstioApiVersion, createNetworkingObject } from './istio-api-version';
import { Match, checkPort } from './match';
import { serviceHost } from './names';
import { Protocol } from './protocol';
import {
  Release, RouteRule, Weights, checkRelease, releaseSubject, renderRoutes, renderSubsets,
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
  /** The VirtualService with the rules and the default route. */
  public readonly virtualService: ApiObject;

  private _release: Release;
  private readonly subject: string;

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

    const apiVersion = props.apiVersion ?? IstioApiVersion.V1;
    this.destinationRule = createNetworkingObject('DestinationRule', this, 'DestinationRule', apiVersion, {
      metadata: metadata(this.name),
      spec: Lazy.any({ produce: () => ({ host: this.host, subsets: renderSubsets(this._release) }) }),
    });
    this.virtualService = createNetworkingObject('VirtualService', this, 'VirtualService', apiVersion, {
      metadata: metadata(this.name),
      spec: Lazy.any({ produce: () => ({ hosts: [this.host], ...renderRoutes(this._release) }) }),
    });
    // Make before break: pods, then subsets, then the routes that send traffic to them.
    this.destinationRule.node.addDependency(this.service, ...Object.values(deployments));
    this.virtualService.node.addDependency(this.destinationRule);

    this.node.addValidation({ validate: () => this.validateUniqueHost() });
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
