/** Health checks of a workload's container: readiness, liveness and startup probes, as plain data. */
import { Duration } from 'cdk8s';
import { PropNames, checkKnownProps, refuse, show } from './errors';
import { checkCount, wholeSeconds } from './seconds';

/** Where a probe connects, when and how often it runs, and how many results flip it; Kubernetes' defaults apply to what is left out. */
export interface ProbeOptions {
  /**
   * The container port an HTTP GET or TCP probe connects to (an exec probe has none).
   * @default the workload's (first) container port
   */
  readonly port?: number;
  /**
   * How long after the container starts the first probe runs.
   * @default Duration.seconds(0)
   */
  readonly initialDelay?: Duration;
  /**
   * How often the probe runs (at least 1 second).
   * @default Duration.seconds(10)
   */
  readonly period?: Duration;
  /**
   * How long one probe may take (at least 1 second).
   * @default Duration.seconds(1)
   */
  readonly timeout?: Duration;
  /**
   * Failures in a row after which the probe fails.
   * @default 3
   */
  readonly failureThreshold?: number;
  /**
   * Successes in a row after which a failed probe succeeds again; Kubernetes takes only 1 for liveness and startup probes.
   * @default 1
   */
  readonly successThreshold?: number;
}

/** A probe as the workload renders it. @internal */
export interface ProbeSpec {
  /** What the probe does. */
  readonly kind: 'httpGet' | 'tcpSocket' | 'exec';
  /** httpGet: the request path. */
  readonly path?: string;
  /** exec: the command. */
  readonly command?: string[];
  /** httpGet and tcpSocket: the port, when given. */
  readonly port?: number;
  /** The timings and thresholds as given. */
  readonly options: ProbeOptions;
}

const PROBE_OPTIONS: PropNames<ProbeOptions> = {
  port: true, initialDelay: true, period: true, timeout: true, failureThreshold: true, successThreshold: true,
};

/**
 * A health check of the container: Istio sends traffic only to ready pods, so a version gets its share once its
 * readiness probe passes.
 *
 * @example
 * Probe.httpGet('/healthz')
 * Probe.tcpSocket({ port: 5432, period: Duration.seconds(5) })
 * Probe.exec(['cat', '/tmp/ready'])
 */
export class Probe {
  /** An HTTP GET of `path` on the container; a status from 200 to 399 passes. */
  public static httpGet(path: string, options: ProbeOptions = {}): Probe {
    const factory = 'Probe.httpGet';
    if (typeof path !== 'string' || !path.startsWith('/') || /\s/.test(path)) {
      refuse(factory, 'path must be a request path starting with "/", without spaces', show(path), 'use e.g. "/healthz"');
    }
    return new Probe({ kind: 'httpGet', path, ...portOptions(factory, options) });
  }

  /** A TCP connection to a container port; it passes once the port accepts connections. */
  public static tcpSocket(options: ProbeOptions = {}): Probe {
    return new Probe({ kind: 'tcpSocket', ...portOptions('Probe.tcpSocket', options) });
  }

  /** A command run in the container; exit status 0 passes. */
  public static exec(command: string[], options: ProbeOptions = {}): Probe {
    const factory = 'Probe.exec';
    if (!Array.isArray(command) || command.length === 0 || command.some((arg) => typeof arg !== 'string') || command[0].trim() === '') {
      refuse(factory, 'command must be a non-empty list of strings, the program first', show(command), 'use e.g. ["cat", "/tmp/ready"]');
    }
    const checked = checkOptions(factory, options);
    if (checked.port !== undefined) {
      refuse(factory, 'an exec probe connects to no port', show(checked.port), 'leave port out, or use Probe.httpGet or Probe.tcpSocket');
    }
    return new Probe({ kind: 'exec', command: [...command], options: checked });
  }

  private constructor(
    /** The probe in plain data, read by the workload. @internal */
    public readonly _spec: ProbeSpec,
  ) {}
}

function portOptions(factory: string, options: ProbeOptions): { port?: number; options: ProbeOptions } {
  const { port, ...rest } = checkOptions(factory, options);
  if (port !== undefined && (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535)) {
    refuse(factory, 'port must be a whole number from 1 to 65535', show(port), 'use the container port, e.g. 8080, or leave it out');
  }
  return { port, options: rest };
}

/** Checks the options of `factory` as Kubernetes' ValidateProbe does; returns a copy. */
function checkOptions(factory: string, options: ProbeOptions): ProbeOptions {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    refuse(factory, 'options must be an object', show(options), 'pass them as { ... }, or leave them out');
  }
  checkKnownProps(factory, 'ProbeOptions', options, PROBE_OPTIONS);
  if (options.initialDelay !== undefined) wholeSeconds(factory, 'initialDelay', options.initialDelay, 0);
  if (options.period !== undefined) wholeSeconds(factory, 'period', options.period, 1);
  if (options.timeout !== undefined) wholeSeconds(factory, 'timeout', options.timeout, 1);
  if (options.failureThreshold !== undefined) checkCount(factory, 'failureThreshold', options.failureThreshold, 1, 3);
  if (options.successThreshold !== undefined) checkCount(factory, 'successThreshold', options.successThreshold, 1, 1);
  return { ...options };
}
