import { ApiObject, App, Chart, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { ContainerResources, DEFAULT_RESOURCES, checkContainerResources, renderContainerResources } from './model/container-resources';
import { ContainerSecurityContext, checkContainerSecurityContext } from './model/container-security-context';
import { dropUndefined } from './model/data';
import { DeploymentOptions, DeploymentStrategy, checkDeploymentOptions } from './model/deployment-options';
import { PropNames, checkList, refuse, show } from './model/errors';
import { checkAnnotations, checkEnv, checkLabels } from './model/kubernetes';
import { Probe } from './model/probe';
import { ScratchVolume, checkScratchVolumes } from './model/scratch-volume';
import { MAX_INT32 } from './model/seconds';

/**
 * The pods of one workload, without Deployment options: image, replicas and the container's settings. A RolloutService
 * takes these (its Rollout has no Deployment).
 */
export interface WorkloadOptions {
  /** Container image. */
  readonly image: string;
  /**
   * Number of pods.
   * @default 2 (give a gray version 1 if you like)
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
   * The container's working directory, an absolute path.
   * @default the image's WORKDIR
   */
  readonly workingDir?: string;
  /**
   * CPU, memory and ephemeral storage requests and limits; given, it replaces the defaults as a whole.
   * @default cpu 1000m request / 1500m limit, memory 512Mi request / 2048Mi limit
   */
  readonly resources?: ContainerResources;
  /**
   * Readiness probe: Istio only sends traffic to ready pods, so a new version gets its share once it is ready.
   * @default none (Kubernetes treats the pod as ready once its containers start)
   */
  readonly readiness?: Probe;
  /**
   * Liveness probe (its successThreshold must be 1).
   * @default none
   */
  readonly liveness?: Probe;
  /**
   * Startup probe (its successThreshold must be 1).
   * @default none
   */
  readonly startup?: Probe;
  /**
   * Extra pod labels. The labels the construct selects on (`app`, and `version` for a CanaryService) cannot be set here.
   * @default none
   */
  readonly labels?: Record<string, string>;
  /**
   * Pod annotations, e.g. `sidecar.istio.io/proxyCPU`.
   * @default none
   */
  readonly annotations?: Record<string, string>;
  /**
   * The container's security context; each field left out keeps its secure default. For images that run as root
   * or write to their root filesystem (such as nginx): `{ runAsNonRoot: false, readOnlyRootFilesystem: false }`.
   * @default non-root, read-only root filesystem, no privilege escalation, not privileged
   */
  readonly securityContext?: ContainerSecurityContext;
  /**
   * Empty writable folders mounted into the container (emptyDir volumes), e.g. `[{ name: 'tmp', path: '/tmp' }]`,
   * so that the root filesystem can stay read-only.
   * @default none
   */
  readonly scratchVolumes?: ScratchVolume[];
}

/** The pods of one workload and their Deployment: image, replicas, container and Deployment options. */
export interface WorkloadProps extends WorkloadOptions {
  /**
   * How the Deployment rolls out a change: strategy, minReady, progressDeadline.
   * @default a rolling update of 25% surge and 25% unavailable, minReady 0, progressDeadline 600 seconds
   */
  readonly deploymentOptions?: DeploymentOptions;
}

/** The names of WorkloadOptions, for the checks of unknown props (a RolloutService takes these). */
export const WORKLOAD_OPTIONS: PropNames<WorkloadOptions> = {
  image: true,
  replicas: true,
  args: true,
  command: true,
  env: true,
  workingDir: true,
  resources: true,
  readiness: true,
  liveness: true,
  startup: true,
  labels: true,
  annotations: true,
  securityContext: true,
  scratchVolumes: true,
};

/** The names of WorkloadProps, for the constructs' checks of unknown props. */
export const WORKLOAD_PROPS: PropNames<WorkloadProps> = { ...WORKLOAD_OPTIONS, deploymentOptions: true };

/** Checks the workload props of `where` (e.g. `version "v2"`); `reserved` are the labels the construct sets itself. */
export function checkWorkloadProps(subject: string, where: string, props: WorkloadProps,
  reserved: Readonly<Record<string, string>>): void {
  if (typeof props.image !== 'string' || props.image.trim() === '') {
    refuse(subject, `${where} needs an image`, show(props.image), 'set image to text, e.g. "nginx:1.27"');
  }
  checkDeploymentOptions(subject, where, props.deploymentOptions);
  for (const probe of ['readiness', 'liveness', 'startup'] as const) {
    const value = props[probe] as unknown;
    if (value === undefined) continue;
    if (!(value instanceof Probe)) {
      refuse(subject, `${where}: ${probe} must be a Probe`, show(value), 'use e.g. Probe.httpGet("/healthz")');
    }
    const threshold = value._spec.options.successThreshold;
    if (probe !== 'readiness' && threshold !== undefined && threshold !== 1) {
      // The API server's ValidateProbe: "must be 1" for liveness and startup probes.
      refuse(subject, `${where}: a ${probe} probe's successThreshold must be 1`, show(threshold), 'leave successThreshold out, or set it to 1');
    }
  }
  for (const field of ['command', 'args'] as const) {
    if (props[field] === undefined) continue;
    const entries = checkList(subject, `${where} ${field}`, props[field], '["--port", "8080"]');
    const odd = entries.find((entry) => typeof entry !== 'string');
    // The container's command and args are lists of strings (k8s.io/api core/v1 Container).
    if (odd !== undefined) {
      refuse(subject, `${where}: ${field} entries must be text`, show(odd),
        typeof odd === 'number' || typeof odd === 'boolean' ? `quote it, e.g. ${show(String(odd))}` : 'write it as text');
    }
  }
  checkContainerResources(subject, where, props.resources);
  checkContainerSecurityContext(subject, where, props.securityContext);
  checkScratchVolumes(subject, where, props.scratchVolumes);
  if (props.workingDir !== undefined && (typeof props.workingDir !== 'string' || !props.workingDir.startsWith('/'))) {
    refuse(subject, `${where}: workingDir must be an absolute path`, show(props.workingDir), 'use e.g. "/app"');
  }
  // The API server stores replicas as an int32 (k8s.io/api apps/v1 DeploymentSpec.Replicas).
  if (props.replicas !== undefined && (!Number.isInteger(props.replicas) || props.replicas < 0 || props.replicas > MAX_INT32)) {
    refuse(subject, `${where}: replicas must be a whole number from 0 to ${MAX_INT32}`, show(props.replicas), 'set replicas to e.g. 1');
  }
  checkLabels(subject, `${where} labels`, props.labels);
  checkAnnotations(subject, `${where} annotations`, props.annotations);
  checkEnv(subject, `${where} env`, props.env);
  for (const [label, value] of Object.entries(reserved)) {
    if (props.labels && label in props.labels) {
      refuse(subject, `${where}: the "${label}" label is reserved, the pods are selected by it`, `${label}=${props.labels[label]}`,
        `remove it from labels; ${show(value)} is used`);
    }
  }
}

/** What a workload's Deployment is made of besides its props. */
export interface WorkloadDeployment {
  /** Deployment name. */
  readonly name: string;
  /** Namespace. */
  readonly namespace: string;
  /** The labels the Deployment selects its pods by (and labels them with). */
  readonly selector: Readonly<Record<string, string>>;
  /** Container name. */
  readonly containerName: string;
  /** Container ports. */
  readonly ports: ReadonlyArray<{ readonly number: number; readonly name: string }>;
  /** The pods' service account. */
  readonly serviceAccount: kplus.IServiceAccount;
}

/** Creates a workload's Deployment: one container, selecting exactly `selector`. */
export function createWorkloadDeployment(scope: Construct, id: string, workload: WorkloadDeployment, props: WorkloadProps,
  subject: string): kplus.Deployment {
  return inOurFormat(subject, workload, () => newWorkloadDeployment(scope, id, workload, props));
}

/**
 * Runs `build` and gives an error cdk8s-plus throws in our format. Our checks leave it little to refuse; what is
 * left is the container's ports (one port per number).
 */
function inOurFormat<T>(subject: string, workload: WorkloadDeployment, build: () => T): T {
  try {
    return build();
  } catch (e) {
    if (/^\S[^:]*: .+ \(got .*\); /s.test((e as Error).message)) throw e; // node-do-not-add-exception-line: already a refusal
    refuse(subject, `cdk8s-plus refuses the workload's options: ${(e as Error).message}`,
      show(workload.ports.map((p) => p.number)), 'change the options it names');
  }
}

/**
 * Builds the Deployment with cdk8s-plus from our plain data. cdk8s-plus keeps writing what it always wrote (the pod
 * and container defaults); the resources are written by a JSON patch, as cdk8s-plus holds memory in whole MiB and
 * storage in whole GiB, where we take any Kubernetes quantity as written.
 */
function newWorkloadDeployment(scope: Construct, id: string, workload: WorkloadDeployment, props: WorkloadProps): kplus.Deployment {
  const selector = { ...workload.selector };
  const defaultPort = workload.ports[0]?.number;
  const options = props.deploymentOptions;
  const deployment = new kplus.Deployment(scope, id, {
    serviceAccount: workload.serviceAccount,
    metadata: { name: workload.name, namespace: workload.namespace, labels: selector },
    replicas: props.replicas ?? 2,
    minReady: options?.minReady,
    progressDeadline: options?.progressDeadline,
    strategy: options?.strategy && toPlusStrategy(options.strategy),
    // Select on the given labels only: cdk8s-plus would otherwise add its own address label to the selector.
    select: false,
    podMetadata: { labels: { ...props.labels, ...selector }, annotations: props.annotations },
  });
  const security = props.securityContext ?? {};
  deployment.addContainer({
    name: workload.containerName,
    image: props.image,
    args: props.args,
    command: props.command,
    workingDir: props.workingDir,
    envVariables: Object.fromEntries(Object.entries(props.env ?? {}).map(([k, v]) => [k, kplus.EnvValue.fromValue(v)])),
    ports: workload.ports.map((p) => ({ number: p.number, name: p.name })),
    // Written below; an empty object keeps cdk8s-plus from writing its own.
    resources: {},
    readiness: props.readiness && toPlusProbe(props.readiness, defaultPort),
    liveness: props.liveness && toPlusProbe(props.liveness, defaultPort),
    startup: props.startup && toPlusProbe(props.startup, defaultPort),
    securityContext: {
      ensureNonRoot: security.runAsNonRoot,
      user: security.runAsUser,
      group: security.runAsGroup,
      readOnlyRootFilesystem: security.readOnlyRootFilesystem,
      allowPrivilegeEscalation: security.allowPrivilegeEscalation,
      privileged: security.privileged,
    },
    volumeMounts: (props.scratchVolumes ?? []).map((v) => ({
      path: v.path, volume: kplus.Volume.fromEmptyDir(deployment, `Scratch-${v.name}`, v.name),
    })),
  });
  const resources = renderContainerResources(props.resources ?? DEFAULT_RESOURCES);
  if (resources) {
    // The L1 KubeDeployment reads the quantities of the patched spec as k8s.Quantity.
    const quantities = (bound?: Record<string, string>) =>
      bound && Object.fromEntries(Object.entries(bound).map(([k, v]) => [k, kplus.k8s.Quantity.fromString(v)]));
    ApiObject.of(deployment).addJsonPatch(JsonPatch.add('/spec/template/spec/containers/0/resources',
      dropUndefined({ limits: quantities(resources.limits), requests: quantities(resources.requests) })));
  }
  deployment.select(kplus.LabelSelector.of({ labels: selector }));
  return deployment;
}

/** Our probe as cdk8s-plus's; a port left out is the workload's first container port. */
function toPlusProbe(probe: Probe, defaultPort: number | undefined): kplus.Probe {
  const { kind, path, command, port, options } = probe._spec;
  const timings = {
    initialDelaySeconds: options.initialDelay,
    periodSeconds: options.period,
    timeoutSeconds: options.timeout,
    failureThreshold: options.failureThreshold,
    successThreshold: options.successThreshold,
  };
  switch (kind) {
    case 'httpGet': return kplus.Probe.fromHttpGet(path!, { ...timings, port: port ?? defaultPort });
    case 'tcpSocket': return kplus.Probe.fromTcpSocket({ ...timings, port: port ?? defaultPort });
    case 'exec': return kplus.Probe.fromCommand(command!, timings);
  }
}

/** Our strategy as cdk8s-plus's. */
function toPlusStrategy(strategy: DeploymentStrategy): kplus.DeploymentStrategy {
  const { type, rollingUpdate } = strategy._spec;
  if (type === 'Recreate' || !rollingUpdate) return kplus.DeploymentStrategy.recreate();
  const count = (value: number | string) => typeof value === 'number'
    ? kplus.PercentOrAbsolute.absolute(value) : kplus.PercentOrAbsolute.percent(Number(value.slice(0, -1)));
  return kplus.DeploymentStrategy.rollingUpdate({ maxSurge: count(rollingUpdate.maxSurge), maxUnavailable: count(rollingUpdate.maxUnavailable) });
}

/**
 * The pod template of a workload whose controller is not a Deployment (an Argo Rollout): exactly the template
 * `createWorkloadDeployment` writes, so both get cdk8s-plus's defaults (non-root, resources, probes). It is rendered
 * from a Deployment in a scratch app that is never synthesized.
 */
export function renderPodTemplate(workload: WorkloadDeployment, props: WorkloadOptions, subject: string): Record<string, any> {
  const scratch = new Chart(new App(), 'pod-template');
  const serviceAccount = kplus.ServiceAccount.fromServiceAccountName(scratch, 'ServiceAccount', workload.serviceAccount.name);
  const deployment = createWorkloadDeployment(scratch, 'Deployment', { ...workload, serviceAccount }, props, subject);
  const template = inOurFormat(subject, workload, () => ApiObject.of(deployment).toJson().spec.template);
  // The scratch Deployment's construct address means nothing outside the scratch app.
  delete template.metadata.labels['cdk8s.io/metadata.addr'];
  return template;
}
