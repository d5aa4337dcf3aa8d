/** Writable scratch folders of a workload's container: emptyDir volumes, which live as long as the pod. */
import { PropNames, checkKnownProps, checkList, refuse, show } from './errors';
import { checkDnsLabel } from './names';

/**
 * An empty, writable folder mounted into the container (an `emptyDir` volume), for images that write to their
 * filesystem while the root filesystem stays read-only.
 *
 * @example
 * { name: 'tmp', path: '/tmp' }
 */
export interface ScratchVolume {
  /** The volume's name in the pod (a DNS-1123 label), e.g. `tmp`. */
  readonly name: string;
  /** The absolute path the folder is mounted at in the container, e.g. `/tmp`. */
  readonly path: string;
}

const SCRATCH_VOLUME: PropNames<ScratchVolume> = { name: true, path: true };

/** Checks `volumes` as the API server does (names DNS labels, unique; paths absolute, unique); `where` names the workload. */
export function checkScratchVolumes(subject: string, where: string, volumes: unknown): void {
  if (volumes === undefined) return;
  const list = checkList(subject, `${where} scratchVolumes`, volumes as unknown[], '[{ name: "tmp", path: "/tmp" }]');
  const names = new Set<string>();
  const paths = new Set<string>();
  for (const volume of list) {
    if (typeof volume !== 'object' || Array.isArray(volume)) {
      refuse(subject, `${where}: a scratch volume must be an object of name and path`, show(volume), 'use e.g. { name: "tmp", path: "/tmp" }');
    }
    checkKnownProps(subject, `${where} scratch volume`, volume, SCRATCH_VOLUME);
    const { name, path } = volume as ScratchVolume;
    checkDnsLabel(subject, `${where}: scratch volume name`, name);
    if (typeof path !== 'string' || !path.startsWith('/') || path.split('/').includes('..')) {
      refuse(subject, `${where}: scratch volume ${show(name)} path must be an absolute path without ".."`, show(path), 'use e.g. "/tmp"');
    }
    if (names.has(name)) refuse(subject, `${where}: two scratch volumes are named ${show(name)}`, show(name), 'give each its own name');
    if (paths.has(path)) refuse(subject, `${where}: two scratch volumes are mounted at ${show(path)}`, show(path), 'mount each at its own path');
    names.add(name);
    paths.add(path);
  }
}
