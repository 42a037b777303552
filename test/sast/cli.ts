/**
 * The holdfast CLI run as a user runs it, in a temporary directory holding its catalog, repository
 * and password, for the end-to-end SAST tests.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const bin = new URL('../../bin/holdfast.js', import.meta.url).pathname;
export const digest = (c: string) => 'sha256:' + c.repeat(64).slice(0, 64);

export function cli(dir: string, args: string[], input?: Buffer) {
  const r = spawnSync(process.execPath, [bin, ...args], {
    cwd: dir,
    input,
    encoding: 'utf8',
    env: { ...process.env, HOLDFAST_CATALOG: join(dir, 'holdfast.db'), HOLDFAST_PASSWORD_FILE: join(dir, 'pw'), HOLDFAST_REPO: join(dir, 'repo'), HOLDFAST_FROM_SOURCE: '1' },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

export function ok(dir: string, args: string[], input?: Buffer): string {
  const r = cli(dir, args, input);
  assert.equal(r.code, 0, `holdfast ${args.join(' ')} failed: ${r.err}`);
  return r.out;
}

/** A directory with a password, an initialised repository and a data directory to back up. */
export function cliDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  writeFileSync(join(dir, 'pw'), 'correct horse battery staple\n');
  mkdirSync(join(dir, 'data'));
  ok(dir, ['repo', 'init']);
  return dir;
}

/** Backs up the data directory as written by `commit` running image `imageDigest`, tagged `tag`. */
export function backupAs(dir: string, commit: string, imageDigest: string, tag: string): void {
  writeFileSync(join(dir, 'data', 'orders.txt'), `written by ${commit}\n`);
  writeFileSync(join(dir, `prov-${tag}.json`), JSON.stringify({ volume: 'shop-data', workloads: [{ workload: 'shop', commit, imageDigest }] }));
  ok(dir, ['backup', 'data', '--volume', 'shop-data', '--provenance', `prov-${tag}.json`, '--tag', tag]);
}

/**
 * The timeline of an exposure: `clean` (image digest('1')) runs and writes the backup tagged
 * "before"; `vulnerable` (digest('2')) goes live and writes "after". Both indexed as restore points.
 */
export function cleanThenVulnerable(dir: string, clean: string, vulnerable: string): void {
  const t0 = new Date(Date.now() - 3600_000).toISOString();
  ok(dir, ['deploy', 'record', '--workload', 'shop', '--commit', clean, '--image-digest', digest('1'), '--volume', 'shop-data', '--at', t0]);
  backupAs(dir, clean, digest('1'), 'before');
  ok(dir, ['deploy', 'record', '--workload', 'shop', '--commit', vulnerable, '--image-digest', digest('2')]);
  backupAs(dir, vulnerable, digest('2'), 'after');
  ok(dir, ['restore-point', 'sync']);
}
