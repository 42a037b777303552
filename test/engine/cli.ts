/**
 * The real `holdfast` binary as the engine tests run it, as users and the data mover do: a
 * repository in HOLDFAST_REPO, a test password, and the fast KDF so each start costs little.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

export const bin = join(import.meta.dirname, '..', '..', 'bin', 'holdfast.js');
export const PASSWORD = 'test-password-1';

export const env = (repo: string, extra: Record<string, string> = {}) => ({ ...process.env, HOLDFAST_REPO: repo, HOLDFAST_PASSWORD: PASSWORD, HOLDFAST_TEST_FAST_KDF: '1', ...extra });

/** Runs one command to its end; `code` is null when a signal (a fault point's kill) ended it. */
export function run(repo: string, args: string[], extra: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [bin, ...args], { env: env(repo, extra), encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

export const hf = (repo: string, ...args: string[]) => run(repo, args);

/** Runs a command that must succeed; the failure message carries what it printed. */
export function ok(repo: string, ...args: string[]) {
  const r = run(repo, args);
  assert.equal(r.code, 0, `holdfast ${args.join(' ')} failed (${r.code}): ${r.err}${r.out}`);
  return r;
}
