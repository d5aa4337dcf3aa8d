import { ApiObject, App, Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { PropNames, invalid, isDuration, show } from './model/errors';
import { checkAnnotations, checkEnv, checkLabels } from './model/kubernetes';

/** The pods of one workload: image, replicas, container and Deployment options. */
export interface WorkloadProps {
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
   * Further cdk8s-plus container options, applied under the ones above; use it for the security context
   * (`securityContext: { ensureNonRoot: false, readOnlyRootFilesystem: false }` for images such as nginx),
   * volume mounts, `envFrom` and the like.
   * @default cdk8s-plus's defaults: non-root, read-only root filesystem, no privilege escalation
   */
  readonly containerOptions?: Partial<kplus.ContainerProps>;
  /**
   * Further cdk8s-plus Deployment options (strategy, volumes, pod security context, ...).
   * `select`, `replicas`, `containers`, `podMetadata` and `metadata` are set by the construct.
   * @default cdk8s-plus's defaults
   */
  readonly deploymentOptions?: Partial<kplus.DeploymentProps>;
}

/** The names of WorkloadProps, for the constructs' checks of unknown props. */
export const WORKLOAD_PROPS: PropNames<WorkloadProps> = {
  image: true,
  replicas: true,
  args: true,
  command: true,
  env: true,
  resources: true,
  readiness: true,
  liveness: true,
  startup: true,
  labels: true,
  annotations: true,
  containerOptions: true,
  deploymentOptions: true,
};

const MAX_INT32 = 2147483647;

/** Checks the workload props of `where` (e.g. `version "v2"`); `reserved` are the labels the construct sets itself. */
export function checkWorkloadProps(subject: string, where: string, props: WorkloadProps, reserved: Readonly<Record<string, string>>): void {
  if (typeof props.image !== 'string' || props.image.trim() === '') {
    throw invalid(subject, `${where} needs an image`, show(props.image), 'set image to text, e.g. "nginx:1.27"');
  }
  for (const field of ['minReady', 'progressDeadline'] as const) {
    const duration = props.deploymentOptions?.[field] as unknown;
    // The Deployment holds them as int32 seconds (k8s.io/api apps/v1 DeploymentSpec).
    if (isDuration(duration) && duration.toMilliseconds({ integral: false }) / 1000 > MAX_INT32) {
      throw invalid(subject, `${where}: deploymentOptions ${field} must be at most ${MAX_INT32} seconds`, show(duration), 'use e.g. Duration.minutes(10)');
    }
  }
  for (const probe of ['readiness', 'liveness', 'startup'] as const) {
    const value = props[probe] as unknown;
    // cdk8s-plus calls the probe's _toKube() when it renders; anything else would fail there with a TypeError.
    if (value !== undefined && typeof (value as { _toKube?: unknown })?._toKube !== 'function') {
      throw invalid(subject, `${where}: ${probe} must be a cdk8s-plus Probe`, show(value), 'use e.g. kplus.Probe.fromHttpGet("/healthz")');
    }
  }
  for (const [kind, quantities] of Object.entries(props.resources ?? {})) {
    for (const [bound, quantity] of Object.entries((quantities ?? {}) as Record<string, { amount?: unknown }>)) {
      // The API server's ValidateResourceRequirements: requests and limits must be non-negative.
      if (typeof quantity?.amount === 'string' && quantity.amount.trim().startsWith('-')) {
        throw invalid(subject, `${where}: resources ${kind} ${bound} must not be negative`, show(quantity.amount), 'use e.g. kplus.Cpu.millis(100)');
      }
      if (typeof quantity?.amount === 'number' && !(quantity.amount >= 0)) {
        throw invalid(subject, `${where}: resources ${kind} ${bound} must not be negative`, show(quantity.amount), 'use e.g. kplus.Cpu.millis(100)');
      }
    }
  }
  // The API server stores replicas as an int32 (k8s.io/api apps/v1 DeploymentSpec.Replicas).
  if (props.replicas !== undefined && (!Number.isInteger(props.replicas) || props.replicas < 0 || props.replicas > MAX_INT32)) {
    throw invalid(subject, `${where}: replicas must be a whole number from 0 to ${MAX_INT32}`, show(props.replicas), 'set replicas to e.g. 1');
  }
  checkLabels(subject, `${where} labels`, props.labels);
  checkAnnotations(subject, `${where} annotations`, props.annotations);
  checkEnv(subject, `${where} env`, props.env);
  for (const [label, value] of Object.entries(reserved)) {
    if (props.labels && label in props.labels) {
      throw invalid(subject, `${where}: the "${label}" label is reserved, the pods are selected by it`, `${label}=${props.labels[label]}`,
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
  return inOurFormat(subject, props, () => newWorkloadDeployment(scope, id, workload, props));
}

/**
 * Runs `build` and gives an error cdk8s-plus throws in our format: it checks deploymentOptions and containerOptions
 * its own way (whole seconds, minReady below the progress deadline, one port per number).
 */
function inOurFormat<T>(subject: string, props: WorkloadProps, build: () => T): T {
  try {
    return build();
  } catch (e) {
    if (/^\S[^:]*: .+ \(got .*\); /s.test((e as Error).message)) throw e;
    throw invalid(subject, `cdk8s-plus refuses the workload's options: ${(e as Error).message}`,
      show({ ...props.deploymentOptions, ...props.containerOptions }), 'change the options it names');
  }
}

function newWorkloadDeployment(scope: Construct, id: string, workload: WorkloadDeployment, props: WorkloadProps): kplus.Deployment {
  const selector = { ...workload.selector };
  const deployment = new kplus.Deployment(scope, id, {
    serviceAccount: workload.serviceAccount,
    ...props.deploymentOptions,
    metadata: { name: workload.name, namespace: workload.namespace, labels: selector },
    replicas: props.replicas ?? 2,
    // Select on the given labels only: cdk8s-plus would otherwise add its own address label to the selector.
    select: false,
    podMetadata: { labels: { ...props.labels, ...selector }, annotations: props.annotations },
    containers: [{
      ...props.containerOptions,
      name: workload.containerName,
      image: props.image,
      args: props.args ?? props.containerOptions?.args,
      command: props.command ?? props.containerOptions?.command,
      envVariables: {
        ...props.containerOptions?.envVariables,
        ...Object.fromEntries(Object.entries(props.env ?? {}).map(([k, v]) => [k, kplus.EnvValue.fromValue(v)])),
      },
      ports: workload.ports.map((p) => ({ number: p.number, name: p.name })),
      resources: props.resources ?? props.containerOptions?.resources,
      readiness: props.readiness ?? props.containerOptions?.readiness,
      liveness: props.liveness ?? props.containerOptions?.liveness,
      startup: props.startup ?? props.containerOptions?.startup,
    }],
  });
  deployment.select(kplus.LabelSelector.of({ labels: selector }));
  return deployment;
}

/**
 * The pod template of a workload whose controller is not a Deployment (an Argo Rollout): exactly the template
 * `createWorkloadDeployment` writes, so both get cdk8s-plus's defaults (non-root, resources, probes). It is rendered
 * from a Deployment in a scratch app that is never synthesized.
 */
export function renderPodTemplate(workload: WorkloadDeployment, props: WorkloadProps, subject: string): Record<string, any> {
  const scratch = new Chart(new App(), 'pod-template');
  const serviceAccount = kplus.ServiceAccount.fromServiceAccountName(scratch, 'ServiceAccount', workload.serviceAccount.name);
  const deployment = createWorkloadDeployment(scratch, 'Deployment', { ...workload, serviceAccount }, props, subject);
  const template = inOurFormat(subject, props, () => ApiObject.of(deployment).toJson().spec.template);
  // The scratch Deployment's construct address means nothing outside the scratch app.
  delete template.metadata.labels['cdk8s.io/metadata.addr'];
  return template;
}
