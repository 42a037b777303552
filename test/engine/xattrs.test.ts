/**
 * Extended attributes and POSIX ACLs, through the real binary on real filesystems: /tmp (ext4 on
 * this machine), a ramfs the test mounts as a target that refuses every attribute, and Debian's
 * attr and acl tools to set and read them. Runs as root (trusted.* on a symlink, mounting).
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { treeDifferences } from '../../src/backup/testing.js';
import { bin, env, hf, ok, run } from './cli.js';

let work: string;

function sh(cmd: string, ...args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'latin1' });
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** Every attribute under `dir`, as `getfattr` dumps them, with paths relative to it. */
function attributes(dir: string): string {
  return sh('getfattr', '-R', '-P', '-h', '-d', '-m', '-', '-e', 'base64', '--absolute-names', dir)
    .split('\n')
    .map((l) => (l.startsWith('# file: ') ? `# file: .${l.slice(8 + dir.length)}` : l))
    .join('\n');
}

/** A tree with user attributes, a binary value, an ACL, a default ACL, a symlink's own attribute, on its root too. */
function makeSource(src: string): void {
  mkdirSync(join(src, 'shared'), { recursive: true });
  writeFileSync(join(src, 'notes.txt'), 'hello');
  writeFileSync(join(src, 'blob.bin'), 'x');
  writeFileSync(join(src, 'shared', 'inherits.txt'), 'y');
  symlinkSync('notes.txt', join(src, 'link'));
  sh('setfattr', '-n', 'user.comment', '-v', 'kept', join(src, 'notes.txt'));
  sh('setfattr', '-n', 'user.binary', '-v', '0x00ff0a3d5c', join(src, 'blob.bin'));
  sh('setfacl', '-m', 'u:1234:rw,g:55:r', join(src, 'notes.txt'));
  sh('setfacl', '-d', '-m', 'g:55:rx', join(src, 'shared'));
  sh('setfattr', '-h', '-n', 'trusted.origin', '-v', 'symlink', join(src, 'link'));
  sh('setfattr', '-n', 'user.volume', '-v', 'root', src);
  chmodSync(join(src, 'blob.bin'), 0o444);
}

describe('extended attributes and ACLs', () => {
  let repo: string;
  let src: string;
  before(() => {
    work = mkdtempSync(join(tmpdir(), 'hf-xattrs-'));
    chmodSync(work, 0o777);
    // The filesystem must take user attributes at all, or every assertion below is meaningless.
    const probe = join(work, 'probe');
    writeFileSync(probe, '');
    assert.equal(spawnSync('setfattr', ['-n', 'user.probe', '-v', '1', probe]).status, 0, `${tmpdir()} does not take user.* attributes (or the attr package is missing)`);
    repo = join(work, 'repo');
    src = join(work, 'src');
    makeSource(src);
    ok(repo, 'repo', 'init');
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  it('a backup and a restore give back every attribute, ACL and mode, and --verify agrees', () => {
    ok(repo, 'backup', src);
    const out = join(work, 'out');
    ok(repo, 'restore', 'latest', '--target', out, '--verify');
    assert.equal(attributes(out), attributes(src));
    assert.deepEqual(treeDifferences(src, out), []);
    // The ACL's mask and the mode agree as they did: the mode was set after the ACL.
    assert.equal(sh('getfacl', '-cp', join(out, 'notes.txt')), sh('getfacl', '-cp', join(src, 'notes.txt')));
    assert.equal(statSync(join(out, 'notes.txt')).mode & 0o777, statSync(join(src, 'notes.txt')).mode & 0o777);
    // A file the new default ACL would have given an ACL keeps the one it had (none).
    assert.equal(attributes(join(out, 'shared')).includes('posix_acl_access'), false);
  });

  it('stores attributes sorted, so the same tree makes the same tree blob', () => {
    const a = JSON.parse(ok(repo, 'backup', src, '--no-parent', '--json').out) as { snapshot: string };
    const b = JSON.parse(ok(repo, 'backup', src, '--no-parent', '--json').out) as { snapshot: string };
    const treeOf = new Map((JSON.parse(ok(repo, 'snapshots', '--json').out) as { id: string; tree: string }[]).map((s) => [s.id, s.tree]));
    assert.equal(treeOf.get(a.snapshot), treeOf.get(b.snapshot));
  });

  it('does not restore an SELinux label (the target host labels what it creates) and --verify does not count it', () => {
    const lsrc = join(work, 'labelled');
    mkdirSync(lsrc);
    writeFileSync(join(lsrc, 'f'), 'z');
    sh('setfattr', '-n', 'security.selinux', '-v', 'system_u:object_r:container_file_t:s0:c1,c2', join(lsrc, 'f'));
    sh('setfattr', '-n', 'user.k', '-v', 'v', join(lsrc, 'f'));
    const lrepo = join(work, 'labelled-repo');
    ok(lrepo, 'repo', 'init');
    ok(lrepo, 'backup', lsrc);
    const out = join(work, 'labelled-out');
    ok(lrepo, 'restore', 'latest', '--target', out, '--verify');
    assert.equal(attributes(join(out, 'f')), attributes(join(lsrc, 'f')).replace(/^security\.selinux=.*\n/m, ''));
  });

  describe('on a target that refuses them (ramfs)', () => {
    let ram: string;
    before(() => {
      ram = join(work, 'ram');
      mkdirSync(ram);
      sh('mount', '-t', 'ramfs', 'ramfs', ram);
    });
    after(() => spawnSync('umount', [ram]));

    it('restore says so once, with a count, and exits 0; --verify names what is missing and exits 5', () => {
      const r = hf(repo, 'restore', 'latest', '--target', join(ram, 'plain'));
      assert.equal(r.code, 0, r.err);
      const warnings = r.err.split('\n').filter((l) => l.startsWith('warning:'));
      assert.equal(warnings.length, 1, r.err);
      assert.match(warnings[0]!, /extended attributes not restored on 5 entries: operation not supported \(first: .*\); 'restore --verify' lists them/);
      assert.equal(readFileSync(join(ram, 'plain', 'notes.txt'), 'utf8'), 'hello');
      const v = hf(repo, 'restore', 'latest', '--target', join(ram, 'verified'), '--verify');
      assert.equal(v.code, 5, v.err);
      assert.match(v.err, /notes\.txt: extended attribute system\.posix_acl_access is missing/);
    });
  });

  it('without getfattr the backup says once that attributes are not recorded, in the warnings and the summary', () => {
    const r = run(repo, ['backup', src, '--json'], { PATH: '/nonexistent' });
    assert.equal(r.code, 0, r.err);
    const said = r.err.split('\n').filter((l) => l.includes('extended attributes and ACLs are not recorded'));
    assert.equal(said.length, 1, r.err);
    assert.match(said[0]!, /getfattr not found \(install the attr package\)/);
    assert.ok((JSON.parse(r.out) as { skipped: string[] }).skipped.some((m) => m.includes('not recorded')));
  });

  /** Runs holdfast, and at each fault point in turn calls its step while it waits; as nobody when asked. */
  async function pausedAt(repoDir: string, args: string[], steps: [point: string, during: () => void][], asNobody = false) {
    const gates = steps.map(() => join(work, `gate-${Math.random().toString(36).slice(2)}`));
    const e = { ...env(repoDir, { HOLDFAST_FAULT: steps.map(([p], i) => `${p}=pause:${gates[i]}`).join(',') }), HOME: work };
    const child = asNobody
      ? spawn('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, bin, ...args], { env: e, stdio: ['ignore', 'pipe', 'pipe'] })
      : spawn(process.execPath, [bin, ...args], { env: e, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((res) => child.on('exit', res));
    try {
      for (const [i, [point, during]] of steps.entries()) {
        while (!existsSync(`${gates[i]}.reached`)) {
          if (child.exitCode !== null) throw new Error(`holdfast ${args.join(' ')} exited before ${point}: ${err}`);
          await sleep(20);
        }
        during();
        writeFileSync(gates[i]!, '');
      }
    } finally {
      for (const g of gates) writeFileSync(g, '');
    }
    return { code: await exited, out, err };
  }

  it('an entry changed after the attribute pass began is read again: new attributes and new files keep theirs', async () => {
    const lrepo = join(work, 'late-repo');
    const lsrc = join(work, 'late-src');
    mkdirSync(lsrc);
    writeFileSync(join(lsrc, 'f'), 'f');
    ok(lrepo, 'repo', 'init');
    const b = await pausedAt(lrepo, ['backup', lsrc], [
      [
        'archiver:xattrs-scanned',
        () => {
          sh('setfattr', '-n', 'user.added', '-v', 'later', join(lsrc, 'f'));
          writeFileSync(join(lsrc, 'g'), 'g');
          sh('setfacl', '-m', 'u:1234:r', join(lsrc, 'g'));
        },
      ],
    ]);
    assert.equal(b.code, 0, b.err);
    const out = join(work, 'late-out');
    ok(lrepo, 'restore', 'latest', '--target', out, '--verify');
    assert.equal(attributes(out), attributes(lsrc));
    assert.match(attributes(out), /user\.added=/);
    assert.match(attributes(out), /posix_acl_access=/);
  });

  it('an entry whose attributes cannot be read is stored without them, counted and listed; --fail-on-unreadable makes it fatal', async () => {
    // As nobody: the file is readable while its content is read, and not when its attributes are.
    const nrepo = join(work, 'nobody-repo');
    const nsrc = join(work, 'nobody-src');
    mkdirSync(nsrc);
    writeFileSync(join(nsrc, 'f'), 'content');
    sh('setfattr', '-n', 'user.k', '-v', 'v', join(nsrc, 'f'));
    const f = join(nsrc, 'f');
    const backup = (args: string[]) =>
      pausedAt(
        nrepo,
        args,
        [
          // A change after the pass began makes f one the archiver reads again, after its content.
          ['archiver:xattrs-scanned', () => chmodSync(f, 0o644)],
          ['archiver:xattrs-rescan', () => chmodSync(f, 0o000)],
        ],
        true,
      );
    const init = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, bin, 'repo', 'init'], { env: { ...env(nrepo), HOME: work }, encoding: 'utf8' });
    assert.equal(init.status, 0, init.stderr);
    const b = await backup(['backup', nsrc, '--json']);
    assert.equal(b.code, 0, b.err);
    assert.match(b.err, /f: stored without its extended attributes: permission denied/);
    const s = JSON.parse(b.out) as { unreadable: number; skipped: string[] };
    assert.equal(s.unreadable, 1);
    assert.ok(s.skipped.some((m) => m.includes('stored without its extended attributes')));
    const out = join(work, 'nobody-out');
    ok(nrepo, 'restore', 'latest', '--target', out);
    assert.equal(readFileSync(join(out, 'f'), 'utf8'), 'content');
    const strict = await backup(['backup', nsrc, '--fail-on-unreadable']);
    assert.equal(strict.code, 3, strict.err);
    assert.match(strict.err, /^holdfast: read extended attributes of f: permission denied/m);
  });

  it('a snapshot made before attributes were recorded still restores and verifies', () => {
    // test/fixtures/repo-before-xattrs: written by main at 81f3d5d, whose trees have no xattrs field.
    const old = join(work, 'old-repo');
    cpSync(join(import.meta.dirname, '..', 'fixtures', 'repo-before-xattrs'), old, { recursive: true });
    const out = join(work, 'old-out');
    ok(old, 'restore', 'latest', '--target', out, '--verify');
    assert.equal(readFileSync(join(out, 'a'), 'utf8'), 'made before extended attributes were recorded\n');
    assert.equal(readFileSync(join(out, 'd', 'b'), 'utf8'), 'b\n');
    assert.equal(readlinkSync(join(out, 'l')), 'a');
    assert.equal(statSync(join(out, 'a')).mode & 0o777, 0o640);
    assert.equal(attributes(out), '');
  });
});
