/**
 * `holdfast restore` as an unprivileged data mover runs it. A restore by a user that cannot chown
 * leaves everything owned by itself, and `--verify` must not call that verified (PostgreSQL refuses
 * a data directory it does not own). A target it may not write is a missing permission: exit 3 and
 * one line naming the path, never "internal error". Needs root, to create files owned by other users
 * and to drop to one.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { metadataProblems } from './compare.js';

const bin = join(import.meta.dirname, '..', '..', '..', 'bin', 'holdfast.js');
const NOBODY = 65534;

describe('restore by a user that is not root', () => {
  let work: string;
  const env = () => ({ ...process.env, HOLDFAST_REPO: join(work, 'repo'), HOLDFAST_PASSWORD: 'test-password-1', HOLDFAST_TEST_FAST_KDF: '1', HOME: work });
  const hf = (uid: number, ...args: string[]) => {
    const r = spawnSync(process.execPath, [bin, ...args], { env: env(), encoding: 'utf8', uid, gid: uid });
    return { code: r.status, out: r.stdout, err: r.stderr };
  };
  /** As nobody holding capabilities, the way a data-mover Job's securityContext grants them (setpriv: util-linux). */
  const hfWithCaps = (caps: string, ...args: string[]) => {
    const r = spawnSync('setpriv', [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', `--inh-caps=${caps}`, `--ambient-caps=${caps}`, process.execPath, bin, ...args], { env: env(), encoding: 'utf8' });
    return { code: r.status, out: r.stdout, err: r.stderr };
  };

  before(() => {
    assert.equal(process.getuid?.(), 0, 'this test runs as root (it creates files owned by other users)');
    work = mkdtempSync(join(tmpdir(), 'hf-verify-owner-'));
    chmodSync(work, 0o777);
    // A database-style volume: its directory 0700 and owned by the service user, a file of another user.
    const db = join(work, 'src', 'pgdata');
    mkdirSync(db, { recursive: true });
    writeFileSync(join(db, 'PG_VERSION'), '16\n');
    chmodSync(join(db, 'PG_VERSION'), 0o600);
    chownSync(join(db, 'PG_VERSION'), 999, 999);
    chmodSync(db, 0o700);
    chownSync(db, 999, 999);
    writeFileSync(join(work, 'src', 'app.conf'), 'x=1\n');
    chownSync(join(work, 'src', 'app.conf'), 1000, 1001);
    assert.equal(hf(0, 'repo', 'init').code, 0);
    assert.equal(hf(0, 'backup', join(work, 'src')).code, 0);
    // The unprivileged restore below reads the repository and writes under work.
    spawnSync('chmod', ['-R', 'a+rwX', join(work, 'repo')]);
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  it('a restore that kept ownership is verified', () => {
    const r = hf(0, 'restore', 'latest', '--target', join(work, 'as-root'), '--verify', '--json');
    assert.equal(r.code, 0, r.err);
    assert.equal((JSON.parse(r.out) as { verified: boolean }).verified, true);
  });

  it('a restore that lost ownership exits 5 naming the owner it should have, not verified', () => {
    const r = hf(NOBODY, 'restore', 'latest', '--target', join(work, 'as-nobody'), '--verify');
    assert.equal(r.code, 5, r.err);
    assert.match(r.err, /pgdata: owned by 65534:65534, the restore point has 999:999/);
    assert.doesNotMatch(r.out, /verified/);
  });

  it('a non-root restore holding CAP_CHOWN, CAP_FOWNER and CAP_DAC_OVERRIDE keeps ownership and is verified', () => {
    const r = hfWithCaps('+chown,+fowner,+dac_override', 'restore', 'latest', '--target', join(work, 'with-caps'), '--verify', '--json');
    assert.equal(r.code, 0, r.err);
    assert.equal((JSON.parse(r.out) as { verified: boolean }).verified, true);
  });

  it('a target it may not create is a permission error (exit 3) naming it, not an internal error', () => {
    const parent = join(work, 'root-only');
    mkdirSync(parent, { mode: 0o755 });
    const r = hf(NOBODY, 'restore', 'latest', '--target', join(parent, 'x'));
    assert.equal(r.code, 3, r.err);
    assert.equal(r.err, `holdfast: create restore target ${join(parent, 'x')}: permission denied\n`);
  });

  it('a volume root owned by root (mode 0777) that refuses chmod is a permission error, not an internal error', () => {
    const vol = join(work, 'volume-root');
    mkdirSync(vol);
    chmodSync(vol, 0o777);
    const r = hf(NOBODY, 'restore', 'latest', '--target', vol, '--overwrite');
    assert.equal(r.code, 3, r.err);
    assert.equal(r.err, `holdfast: set mode and times of directory ${vol}: permission denied\n`);
  });
});

const dir = { type: 'dir' as const, mode: 0o700, uid: 999, gid: 999 };
for (const [name, node, st, want] of [
  ['an entry equal in mode, owner and group has no problem', dir, { mode: 0o40700, uid: 999, gid: 999 }, []],
  ['another owner is a problem', dir, { mode: 0o40700, uid: 10001, gid: 999 }, ['d: owned by 10001:999, the restore point has 999:999']],
  ['another group alone is a problem', dir, { mode: 0o40700, uid: 999, gid: 0 }, ['d: owned by 999:0, the restore point has 999:999']],
  ['another mode is a problem', dir, { mode: 0o40755, uid: 999, gid: 999 }, ['d: mode 755, the restore point has 700']],
  ['a symlink\'s mode is not compared, its owner is', { ...dir, type: 'symlink' as const }, { mode: 0o120777, uid: 0, gid: 999 }, ['d: owned by 0:999, the restore point has 999:999']],
] as const)
  it(`metadataProblems: ${name}`, () => assert.deepEqual(metadataProblems('d', node, st), want));
