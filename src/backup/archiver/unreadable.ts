/**
 * Entries a backup cannot read. A live volume holds files the data mover may not open (a key file
 * readable only by its service user) and paths deeper than PATH_MAX; like restic and kopia, the
 * archiver skips such an entry with a warning and lists it in the snapshot's summary rather than
 * failing the whole backup, unless the caller asks for such entries to be fatal.
 */

/** Why an entry cannot be read, for a warning; undefined when the error is not one to skip past. */
export function unreadableReason(errno: string | undefined): string | undefined {
  switch (errno) {
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ENAMETOOLONG':
      return 'path longer than the system allows';
    default:
      return undefined;
  }
}

/** A path fit for one warning line: an over-long one keeps its start and end. */
export function shortPath(path: string, max = 200): string {
  if (path.length <= max) return path;
  const keep = Math.floor((max - 1) / 2);
  return `${path.slice(0, keep)}…${path.slice(-keep)} (${Buffer.byteLength(path)} bytes)`;
}
