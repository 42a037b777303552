/**
 * The archiver against the files real volumes hold, through the real `holdfast` binary: a file
 * that grows while it is read, names that are not UTF-8, files the backup may not read, paths
 * longer than PATH_MAX. Each of these once lost data silently or failed the whole backup.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { appendFileSync, chmodSync, existsSync, linkSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { prng } from '../../src/backup/testing.js';
import { listSnapshots, Repository, type TreeNode } from '../../src/backup/index.js';
import { saveSnapshot } from '../../src/backup/snapshot/snapshot.js';
import { encodeTree, parseTree } from '../../src/backup/snapshot/tree.js';
import { FsBlobStore } from '../../src/storage/index.js';

const bin = join(import.meta.dirname, '..', '..', 'bin', 'holdfast.js');
let work: string;
const env = (repo: string, extra: Record<string, string> = {}) => ({ ...process.env, HOLDFAST_REPO: repo, HOLDFAST_PASSWORD: 'test-password-1', HOLDFAST_TEST_FAST_KDF: '1', ...extra });

/** Runs holdfast; `as: 'nobody'` drops root, so permission bits apply as they do to a data mover. */
function hf(repo: string, args: string[], opts: { as?: 'nobody' } = {}) {
  const cmd = opts.as ? 'setpriv' : process.execPath;
  const argv = opts.as ? ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, bin, ...args] : [bin, ...args];
  const r = spawnSync(cmd, argv, { env: env(repo, opts.as ? { HOME: work } : {}), encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}
function ok(repo: string, args: string[], opts: { as?: 'nobody' } = {}) {
  const r = hf(repo, args, opts);
  assert.equal(r.code, 0, `holdfast ${args.join(' ')} failed: ${r.err}`);
  return r;
}
/** Starts `holdfast backup src --json` in the background, with fault points armed by `extra`. */
function backupInBackground(repo: string, src: string, extra: Record<string, string>) {
  const child = spawn(process.execPath, [bin, 'backup', src, '--json'], { env: env(repo, extra), stdio: ['ignore', 'pipe', 'pipe'] });
  const run = { out: '', err: '', done: false, exited: new Promise<number>((res) => child.on('exit', (c) => res(c ?? 1))) };
  child.stdout.on('data', (d: Buffer) => (run.out += d));
  child.stderr.on('data', (d: Buffer) => (run.err += d));
  void run.exited.then(() => (run.done = true));
  return run;
}
const summary = (r: { out: string }) => JSON.parse(r.out) as { files: number; filesUnchanged: number; skipped: string[]; snapshot: string };
const bytes = (...parts: (string | number[])[]) => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.from(p))));
const under = (dir: string, name: Buffer) => Buffer.concat([Buffer.from(dir + '/'), name]);

describe('archiver on real files', () => {
  before(() => {
    work = mkdtempSync(join(tmpdir(), 'hf-arch-'));
    // Tests that drop root need to reach their files.
    chmodSync(work, 0o755);
  });
  // rm handles paths deeper than PATH_MAX (it walks with openat); Node's rmSync does not.
  after(() => execFileSync('rm', ['-rf', work]));

  it('stores a file that grows while it is read as read, with its real size and a warning; restore and check --read-data pass', async () => {
    const repo = join(work, 'grow-repo');
    ok(repo, ['repo', 'init']);
    const src = join(work, 'grow-src');
    mkdirSync(src);
    const file = join(src, 'app.log');
    const original = prng(1)(300_000);
    writeFileSync(file, original);
    const gate = join(work, 'grow-gate');
    // Pause the backup after it has stat'ed the file and before it reads it; append meanwhile.
    const run = backupInBackground(repo, src, { HOLDFAST_FAULT: `archiver:before-read=pause:${gate}` });
    while (!existsSync(`${gate}.reached`) && !run.done) await sleep(20);
    assert.ok(existsSync(`${gate}.reached`), `the backup never paused between stat and read: ${run.err}`);
    appendFileSync(file, prng(2)(123_457));
    writeFileSync(gate, '');
    assert.equal(await run.exited, 0, run.err);
    const { out, err } = run;
    assert.match(err, /app\.log changed while being read; stored as read/);
    const s = JSON.parse(out) as { skipped: string[] };
    assert.ok(s.skipped.some((m) => /app\.log changed while being read/.test(m)), JSON.stringify(s.skipped));
    // The read stops at the size the stat saw (a file growing faster than it is read still ends):
    // an append-only file is stored as it was then.
    const restored = join(work, 'grow-out');
    ok(repo, ['restore', 'latest', '--target', restored]);
    assert.ok(readFileSync(join(restored, 'app.log')).equals(original));
    ok(repo, ['check', '--read-data']);
    // What was stored is a read of a changing file: the next backup must read it again, not trust
    // metadata taken before the change; the one after that may skip it.
    assert.equal(summary(ok(repo, ['backup', src, '--json'])).filesUnchanged, 0);
    assert.equal(summary(ok(repo, ['backup', src, '--json'])).filesUnchanged, 1);
    const again = join(work, 'grow-again');
    ok(repo, ['restore', 'latest', '--target', again]);
    assert.ok(readFileSync(join(again, 'app.log')).equals(readFileSync(file)));
  });
  it('reads the files of later directories while a file of an earlier one is still being read, and stores them all', async () => {
    const repo = join(work, 'overlap-repo');
    ok(repo, ['repo', 'init']);
    const src = join(work, 'overlap-src');
    // The walk goes a/ first (names sort), then b/ and c/d/.
    mkdirSync(join(src, 'a'), { recursive: true });
    mkdirSync(join(src, 'b'));
    mkdirSync(join(src, 'c', 'd'), { recursive: true });
    const files: Record<string, Buffer> = { 'a/big.db': prng(3)(2_000_000) };
    for (let i = 0; i < 5; i++) files[`b/${i}.txt`] = prng(10 + i)(5_000 + i);
    files['c/d/last.txt'] = Buffer.from('last');
    for (const [rel, data] of Object.entries(files)) writeFileSync(join(src, rel), data);
    const gate = join(work, 'overlap-gate');
    const trace = join(work, 'overlap-trace');
    // The first read (a/big.db) stops before it starts; every other read passes the same point.
    const run = backupInBackground(repo, src, { HOLDFAST_FAULT: `archiver:before-read@1=pause:${gate}`, HOLDFAST_FAULT_TRACE: trace });
    const reads = () => (existsSync(trace) ? readFileSync(trace, 'utf8').split('\n').filter((l) => l === 'archiver:before-read').length : 0);
    const all = Object.keys(files).length;
    // Before, the walk finished a/ (its read included) before it listed b/: one read, then nothing
    // until the gate opened. Waits until every file has begun or the backup has ended; the deadline
    // only ends a walk that waits for the gate, which no load makes slow enough to reach it.
    const deadline = Date.now() + 120_000;
    while (reads() < all && !run.done && Date.now() < deadline) await sleep(20);
    const begun = reads();
    writeFileSync(gate, '');
    assert.ok(existsSync(`${gate}.reached`), `the first read never paused: ${run.err}`);
    assert.equal(begun, all, 'the files of b/ and c/d/ were not read while a/big.db waited');
    assert.equal(await run.exited, 0, run.err);
    assert.equal(summary(run).files, all);
    const restored = join(work, 'overlap-out');
    ok(repo, ['restore', 'latest', '--target', restored]);
    for (const [rel, data] of Object.entries(files)) assert.ok(readFileSync(join(restored, rel)).equals(data), rel);
  });

  it('backs up and restores names that are not UTF-8 byte for byte, beside a real U+FFFD name', () => {
    const repo = join(work, 'names-repo');
    ok(repo, ['repo', 'init']);
    const src = join(work, 'names-src');
    mkdirSync(src);
    const latin1 = bytes('caf', [0xe9], '.txt');
    const ff = bytes([0xff], '.txt');
    const fe = bytes([0xfe], '.txt');
    const realFffd = bytes('\u{fffd}.txt');
    const dir = bytes('dir', [0xff]);
    for (const [n, c] of [[latin1, 'latin1'], [ff, 'ff'], [fe, 'fe'], [realFffd, 'fffd']] as const) writeFileSync(under(src, n), c);
    mkdirSync(under(src, dir));
    writeFileSync(Buffer.concat([under(src, dir), Buffer.from('/inside')]), 'inside');
    // A symlink whose name and target are not UTF-8, and a hardlink under such a name.
    const link = bytes('link', [0xfe]);
    const hard = bytes('hard', [0xfd]);
    symlinkSync(latin1, under(src, link));
    linkSync(under(src, ff), under(src, hard));
    const b = ok(repo, ['backup', src, '--json']);
    assert.deepEqual(summary(b).skipped, []);
    assert.equal(summary(b).files, 6);
    const restored = join(work, 'names-out');
    ok(repo, ['restore', 'latest', '--target', restored]);
    const names = (d: string) => readdirSync(d, { encoding: 'buffer' }).map((x) => x.toString('hex')).sort();
    assert.deepEqual(names(restored), names(src));
    for (const n of [latin1, ff, fe, realFffd]) assert.ok(readFileSync(under(restored, n)).equals(readFileSync(under(src, n))));
    assert.equal(readFileSync(Buffer.concat([under(restored, dir), Buffer.from('/inside')])).toString(), 'inside');
    assert.ok(readlinkSync(under(restored, link), { encoding: 'buffer' }).equals(latin1));
    assert.equal(statSync(under(restored, hard)).ino, statSync(under(restored, ff)).ino);
    ok(repo, ['check', '--read-data']);
    // --verify (what a Kubernetes in-place restore runs) finds the exact names where it put them.
    ok(repo, ['restore', 'latest', '--target', join(work, 'names-verify'), '--verify']);
    // ls shows an escaped form, and restore accepts it as a path (a directory's content goes into the target).
    const ls = ok(repo, ['ls', 'latest']).out.split('\n');
    assert.ok(ls.includes('caf\\xe9.txt'), ls.join('|'));
    assert.ok(ls.includes('dir\\xff/inside'), ls.join('|'));
    const one = join(work, 'names-one');
    ok(repo, ['restore', 'latest:dir\\xff', '--target', one]);
    assert.deepEqual(names(one), [Buffer.from('inside').toString('hex')]);
    // A later backup of the same source works and finds every file unchanged.
    assert.equal(summary(ok(repo, ['backup', src, '--json'])).filesUnchanged, 6);
  });

  it('skips a file and a directory it may not read, lists them, exits 0 and says so; --fail-on-unreadable makes that an error', () => {
    const repo = join(work, 'perm-repo');
    const src = join(work, 'perm-src');
    mkdirSync(join(src, 'locked'), { recursive: true });
    writeFileSync(join(src, 'readable.txt'), 'yes');
    writeFileSync(join(src, 'secret.key'), 'no');
    writeFileSync(join(src, 'locked', 'inner.txt'), 'no');
    chmodSync(join(src, 'secret.key'), 0o000);
    chmodSync(join(src, 'locked'), 0o000);
    chmodSync(work, 0o777);
    ok(repo, ['repo', 'init'], { as: 'nobody' });
    const b = hf(repo, ['backup', src], { as: 'nobody' });
    assert.equal(b.code, 0, b.err);
    assert.match(b.err, /warning: skipped secret\.key: permission denied/);
    assert.match(b.err, /warning: skipped locked: permission denied/);
    assert.match(b.out, /2 entries could not be read and are not in snapshot [0-9a-f]{8}/);
    const j = summary(ok(repo, ['backup', src, '--json'], { as: 'nobody' }));
    assert.equal(j.skipped.length, 2, JSON.stringify(j.skipped));
    const restored = join(work, 'perm-out');
    ok(repo, ['restore', 'latest', '--target', restored]);
    assert.deepEqual(readdirSync(restored).sort(), ['readable.txt']);
    const strict = hf(repo, ['backup', src, '--fail-on-unreadable'], { as: 'nobody' });
    assert.equal(strict.code, 3, strict.err);
    assert.match(strict.err, /^holdfast: .*(secret\.key|locked).*permission denied/m);
    assert.equal((JSON.parse(ok(repo, ['snapshots', '--json']).out) as unknown[]).length, 2);
  });

  it('skips a path longer than PATH_MAX with a warning and backs up the rest', () => {
    const repo = join(work, 'deep-repo');
    ok(repo, ['repo', 'init']);
    const src = join(work, 'deep-src');
    mkdirSync(src);
    writeFileSync(join(src, 'shallow.txt'), 'here');
    // 45 levels of 100-character names: 4545 bytes below src. Built with relative cd, as only
    // relative paths can reach that deep.
    const seg = 'd'.repeat(100);
    execFileSync('bash', ['-c', `cd "$1" && for i in $(seq 45); do mkdir ${seg} && cd ${seg}; done && echo deep > file`, 'bash', src]);
    const b = hf(repo, ['backup', src, '--json']);
    assert.equal(b.code, 0, b.err);
    assert.match(b.err, /path (is )?longer than the system allows/);
    const s = summary(b);
    assert.equal(s.skipped.length, 1, JSON.stringify(s.skipped));
    const restored = join(work, 'deep-out');
    ok(repo, ['restore', 'latest', '--target', restored]);
    assert.equal(readFileSync(join(restored, 'shallow.txt'), 'utf8'), 'here');
    ok(repo, ['check', '--read-data']);
  });
  it('refuses a tree bomb before writing anything, and still restores a snapshot that names one directory twice', async () => {
    const repo = join(work, 'bomb-repo');
    ok(repo, ['repo', 'init']);
    const src = join(work, 'bomb-src');
    mkdirSync(src);
    writeFileSync(join(src, 'a.txt'), 'content');
    ok(repo, ['backup', src]);
    // A hostile author holding the key: trees that name one subtree 64 times, five levels deep
    // (a billion paths from six small trees), and a tree that names a real directory twice.
    const r = await Repository.open(new FsBlobStore(repo), 'test-password-1');
    await r.loadIndex();
    const [genuine] = await listSnapshots(r);
    const leaf = parseTree(await r.loadBlob(genuine!.snapshot.tree, 'tree'), genuine!.snapshot.tree).nodes[0]!;
    const dir = (name: string, subtree: string): TreeNode => ({ name, type: 'dir', mode: 0o755, uid: 0, gid: 0, mtimeNs: leaf.mtimeNs, subtree });
    let level = (await r.saveBlob('tree', encodeTree({ nodes: [leaf] }))).id;
    const twice = (await r.saveBlob('tree', encodeTree({ nodes: [dir('one', level), dir('two', level)] }))).id;
    const wide = (below: string) => Array.from({ length: 64 }, (_, i) => dir(`d${i}`, below));
    for (let l = 0; l < 4; l++) level = (await r.saveBlob('tree', encodeTree({ nodes: wide(level) }))).id;
    const bombPlus = (await r.saveBlob('tree', encodeTree({ nodes: [...wide(level), { ...leaf, name: 'extra.txt' }] }))).id;
    level = (await r.saveBlob('tree', encodeTree({ nodes: wide(level) }))).id;
    await r.flush();
    await saveSnapshot(r, { ...genuine!.snapshot, tree: level, tags: ['bomb'] });
    await saveSnapshot(r, { ...genuine!.snapshot, tree: bombPlus, tags: ['bomb-plus'] });
    await saveSnapshot(r, { ...genuine!.snapshot, tree: twice, tags: ['twice'] });
    const snaps = JSON.parse(ok(repo, ['snapshots', '--json']).out) as { id: string; tags: string[] }[];
    const bomb = snaps.find((x) => x.tags.includes('bomb'))!.id;
    const dup = snaps.find((x) => x.tags.includes('twice'))!.id;
    // diff skips subtrees equal on both sides, so two bombs differ by one file at their cost.
    const d = spawnSync(process.execPath, [bin, 'diff', bomb, snaps.find((x) => x.tags.includes('bomb-plus'))!.id], { env: env(repo), encoding: 'utf8', timeout: 120_000 });
    assert.equal(d.status, 0, d.stderr);
    assert.deepEqual(d.stdout.trim().split('\n'), ['+ extra.txt', '1 changes']);
    // Without a bound this restore writes until the disk is full; the guard only keeps a failing
    // run from hanging the suite.
    const out = join(work, 'bomb-out');
    const res = spawnSync(process.execPath, [bin, 'restore', bomb, '--target', out], { env: env(repo), encoding: 'utf8', timeout: 120_000 });
    assert.equal(res.status, 8, res.stderr);
    assert.match(res.stderr, /holds 2164527168 files and directories, more than the \d+ free inodes/);
    assert.equal(existsSync(out), false);
    // ls streams: the listing of a billion paths starts at once in bounded memory (collected
    // first, it never printed a line). Read the first lines, then stop it.
    const ls = spawn(process.execPath, [bin, 'ls', bomb], { env: env(repo), stdio: ['ignore', 'pipe', 'pipe'] });
    const first = await new Promise<string[]>((res) => {
      let text = '';
      const guard = setTimeout(() => ls.kill('SIGKILL'), 120_000);
      ls.stdout.on('data', (c: Buffer) => {
        text += c.toString();
        if (text.split('\n').length > 3) {
          clearTimeout(guard);
          ls.kill('SIGKILL');
        }
      });
      ls.on('exit', () => res(text.split('\n').slice(0, 3)));
    });
    assert.deepEqual(first, ['d0', 'd0/d0', 'd0/d0/d0']);
    const out2 = join(work, 'twice-out');
    ok(repo, ['restore', dup, '--target', out2]);
    for (const d of ['one', 'two']) assert.equal(readFileSync(join(out2, d, 'a.txt'), 'utf8'), 'content');
  });
  it('diff names what changed, including names that are not UTF-8', () => {
    const repo = join(work, 'diff-repo');
    ok(repo, ['repo', 'init']);
    const src = join(work, 'diff-src');
    mkdirSync(join(src, 'dir', 'same'), { recursive: true });
    for (const [p, c] of [['a.txt', 'one'], ['gone.txt', 'x'], ['dir/b.txt', 'b'], ['dir/same/s.txt', 's']] as const) writeFileSync(join(src, p), c);
    ok(repo, ['backup', src]);
    writeFileSync(join(src, 'a.txt'), 'two');
    execFileSync('rm', [join(src, 'gone.txt')]);
    writeFileSync(join(src, 'dir', 'new.txt'), 'n');
    chmodSync(join(src, 'dir', 'b.txt'), 0o600);
    writeFileSync(under(src, bytes('caf', [0xe9])), 'latin1');
    ok(repo, ['backup', src]);
    const snaps = JSON.parse(ok(repo, ['snapshots', '--json']).out) as { id: string }[];
    const d = ok(repo, ['diff', snaps[0]!.id, snaps[1]!.id]).out.trim().split('\n');
    assert.deepEqual(d, ['M a.txt', '+ caf\\xe9', 'U dir/b.txt', '+ dir/new.txt', '- gone.txt', '5 changes']);
  });
});
