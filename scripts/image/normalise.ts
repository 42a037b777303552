/**
 * What a bootstrapped Debian tree holds that differs between two runs with the same inputs, or
 * that an image must not carry: logs, caches, downloaded package lists and .debs, backup copies of
 * the account files, device nodes (the runtime provides /dev), the host's resolv.conf and hostname.
 * Removing them is what makes the base layer's digest a function of the package set.
 */
import { readdirSync, rmSync, writeFileSync, existsSync, lstatSync } from 'node:fs';
import { join } from 'node:path';

/** Folders whose contents go; the folders themselves stay (packages own them). */
export const EMPTIED = ['dev', 'tmp', 'var/tmp', 'var/lib/apt/lists', 'var/cache/ldconfig', 'var/log/apt'] as const;

/** Single files that go. */
export const REMOVED = [
  'etc/machine-id', 'var/lib/dbus/machine-id', 'etc/passwd-', 'etc/group-', 'etc/shadow-', 'etc/gshadow-', 'etc/subuid-', 'etc/subgid-',
  'var/lib/dpkg/status-old', 'var/lib/dpkg/diversions-old', 'var/lib/dpkg/statoverride-old', 'var/lib/dpkg/available-old',
  'var/cache/debconf/config.dat-old', 'var/cache/debconf/templates.dat-old', 'var/cache/debconf/passwords.dat-old',
  'var/lib/systemd/random-seed', 'run/mount/utab',
] as const;

/** Files the container runtime bind-mounts over; left empty so the image says nothing of the build host. */
export const EMPTY_FILES = ['etc/resolv.conf', 'etc/hostname'] as const;

/**
 * Whether a file in `dir` goes wherever it appears: logs (the empty wtmp/btmp/lastlog that packages
 * own stay), apt's binary caches and downloaded .debs, and compiler caches.
 */
export function isLeftover(dir: string, name: string): boolean {
  return (
    (dir === 'var/log' && name.endsWith('.log')) ||
    (dir === 'var/cache/apt' && name.endsWith('.bin')) ||
    (dir === 'var/cache/apt/archives' && name.endsWith('.deb')) ||
    name === '__pycache__' || name.endsWith('.pyc')
  );
}

function dropLeftovers(root: string, dir: string): void {
  for (const name of readdirSync(join(root, dir))) {
    const rel = dir === '' ? name : `${dir}/${name}`;
    if (isLeftover(dir, name)) rmSync(join(root, rel), { recursive: true, force: true });
    else if (lstatSync(join(root, rel)).isDirectory()) dropLeftovers(root, rel);
  }
}

/** Applies the lists above to the tree at `root` (a bootstrapped Debian). */
export function normaliseRootfs(root: string): void {
  for (const d of EMPTIED) {
    const dir = join(root, d);
    if (existsSync(dir)) for (const name of readdirSync(dir)) rmSync(join(dir, name), { recursive: true, force: true });
  }
  for (const f of REMOVED) rmSync(join(root, f), { force: true });
  for (const f of EMPTY_FILES) writeFileSync(join(root, f), '');
  dropLeftovers(root, '');
}
