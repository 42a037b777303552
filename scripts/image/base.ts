/**
 * The base layer: Debian `--variant=minbase` from the apt mirror with the Dockerfile's runtime
 * packages, and its user. Everything in it comes from the mirror's state and the Dockerfile, and
 * the clock never reaches it: generated files' mtimes are clamped to the date of the suite's
 * Release file, and the shadow files' "last change" day is that date too.
 */
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync, chownSync, lstatSync } from 'node:fs';
import { join } from 'node:path';
import { run } from './docker-save.js';
import { normaliseRootfs } from './normalise.js';
import { addAccount, pinShadowDays, type Account } from './users.js';

export interface BaseSpec {
  suite: string;
  mirror: string;
  packages: string[];
  accounts: (Account & { createHome: boolean })[];
}

export const DEFAULT_MIRROR = 'http://deb.debian.org/debian';

/** The `Date:` of the suite's Release file, in seconds: the newest thing the mirror put in the tree. */
export function releaseEpoch(release: string): number {
  const date = /^Date:\s*(.+)$/m.exec(release)?.[1];
  const t = date ? Date.parse(date) : NaN;
  if (!Number.isFinite(t)) throw new Error('image: the suite\'s Release file has no readable Date: line');
  return Math.floor(t / 1000);
}

function chownTree(p: string, id: number): void {
  chownSync(p, id, id);
  if (lstatSync(p).isDirectory()) for (const name of readdirSync(p)) chownTree(join(p, name), id);
}

/** Bootstraps `root` and returns the epoch its mtimes are clamped to. Needs root and the network. */
export function buildBase(root: string, spec: BaseSpec, log: (m: string) => void): number {
  log(`debootstrap --variant=minbase ${spec.suite} + ${spec.packages.join(' ')} from ${spec.mirror}`);
  // debootstrap resolves the Depends of --include (not Recommends), like --no-install-recommends.
  run('debootstrap', ['--variant=minbase', `--include=${spec.packages.join(',')}`, spec.suite, root, spec.mirror]);
  const lists = join(root, 'var/lib/apt/lists');
  const release = readdirSync(lists).find((n) => n.endsWith('_InRelease') || n.endsWith('_Release'));
  if (!release) throw new Error(`image: debootstrap left no Release file in ${lists}`);
  const epoch = releaseEpoch(readFileSync(join(lists, release), 'utf8'));
  const day = Math.floor(epoch / 86400);

  const etc = (f: string) => join(root, 'etc', f);
  const read = (f: string) => readFileSync(etc(f), 'utf8');
  const files = spec.accounts.reduce((f, a) => addAccount(f, a, day), {
    passwd: read('passwd'), group: read('group'), shadow: pinShadowDays(read('shadow'), day), gshadow: read('gshadow'),
  });
  writeFileSync(etc('passwd'), files.passwd);
  writeFileSync(etc('group'), files.group);
  writeFileSync(etc('shadow'), files.shadow, { mode: 0o640 });
  writeFileSync(etc('gshadow'), files.gshadow, { mode: 0o640 });
  for (const a of spec.accounts.filter((x) => x.createHome)) {
    const home = join(root, a.home);
    mkdirSync(home, { recursive: true, mode: 0o755 });
    // useradd --create-home copies /etc/skel (without dpkg's leftovers).
    if (existsSync(etc('skel'))) cpSync(etc('skel'), home, { recursive: true, filter: (src) => !src.endsWith('.dpkg-new') });
    chownTree(home, a.uid);
  }
  normaliseRootfs(root);
  return epoch;
}
