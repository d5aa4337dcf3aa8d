/** The security context of a workload's container, as plain data. */
import { PropNames, checkKnownProps, checkObject, refuse, show } from './errors';
import { MAX_INT32 } from './seconds';

/**
 * Who the container runs as and what it may do. The defaults are secure: a non-root user, a read-only root filesystem,
 * no privilege escalation. Images that run as root or write to their filesystem (the stock nginx image, for one) need
 * `{ runAsNonRoot: false, readOnlyRootFilesystem: false }`, or better a `runAsUser` and `scratchVolumes` for the
 * folders they write to.
 */
export interface ContainerSecurityContext {
  /**
   * The kubelet refuses to start the container as root (user 0).
   * @default true
   */
  readonly runAsNonRoot?: boolean;
  /**
   * The user id the container runs as.
   * @default the image's user
   */
  readonly runAsUser?: number;
  /**
   * The group id the container runs as.
   * @default the image's group
   */
  readonly runAsGroup?: number;
  /**
   * The container's root filesystem is read-only; mount `scratchVolumes` where it writes.
   * @default true
   */
  readonly readOnlyRootFilesystem?: boolean;
  /**
   * A process may gain more privileges than its parent (setuid binaries, for one).
   * @default false
   */
  readonly allowPrivilegeEscalation?: boolean;
  /**
   * The container runs privileged, with the host's devices; it then needs `allowPrivilegeEscalation: true` too.
   * @default false
   */
  readonly privileged?: boolean;
}

const SECURITY_CONTEXT: PropNames<ContainerSecurityContext> = {
  runAsNonRoot: true, runAsUser: true, runAsGroup: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: true, privileged: true,
};

/** Checks `context` as the API server and the kubelet would; `where` names the workload, e.g. `version "v2"`. */
export function checkContainerSecurityContext(subject: string, where: string, context: unknown): void {
  if (context === undefined) return;
  checkObject(subject, `${where}: securityContext`, context, '{ runAsUser: 65532 }');
  checkKnownProps(subject, `${where} securityContext`, context, SECURITY_CONTEXT);
  const c = context as ContainerSecurityContext;
  for (const flag of ['runAsNonRoot', 'readOnlyRootFilesystem', 'allowPrivilegeEscalation', 'privileged'] as const) {
    if (c[flag] !== undefined && typeof c[flag] !== 'boolean') {
      refuse(subject, `${where}: securityContext ${flag} must be true or false`, show(c[flag]), `set ${flag} to true or false, or leave it out`);
    }
  }
  for (const id of ['runAsUser', 'runAsGroup'] as const) {
    const value = c[id];
    // The API server: "must be between 0 and 2147483647, inclusive".
    if (value !== undefined && (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > MAX_INT32)) {
      refuse(subject, `${where}: securityContext ${id} must be a whole number from 0 to ${MAX_INT32}`, show(value), 'use e.g. 65532');
    }
  }
  if (c.runAsUser === 0 && (c.runAsNonRoot ?? true)) {
    // The kubelet would refuse to start the container ("runAsUser breaks non-root policy").
    refuse(subject, `${where}: securityContext runAsUser 0 is root, which runAsNonRoot refuses`, 'runAsUser 0',
      'run as another user, e.g. 65532, or set runAsNonRoot to false');
  }
  if (c.privileged === true && c.allowPrivilegeEscalation !== true) {
    // The API server: "cannot set `allowPrivilegeEscalation` to false and `privileged` to true".
    refuse(subject, `${where}: a privileged container always escalates privileges`, 'privileged true, allowPrivilegeEscalation false',
      'set allowPrivilegeEscalation to true as well, or drop privileged');
  }
}
