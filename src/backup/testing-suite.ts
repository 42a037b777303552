/**
 * The engine suite: behaviour users rely on, run against every BlobStore backend (the filesystem
 * here, the real S3 server in storage/s3). Each case opens its own repository.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { appendFileSync, chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { isHoldfastError } from '../base/errors.js';
import type { BlobStore } from '../storage/blob-store.js';
import { initRepository, Repository } from './repository/repository.js';
import { runBackup } from './run.js';
import { restore } from './restorer/restorer.js';
import { findSnapshot, listSnapshots, saveSnapshot, type Snapshot } from './snapshot/snapshot.js';
import { encodeTree, parseTree, type TreeNode } from './snapshot/tree.js';
import { checkRepository } from './maintenance/check.js';
import { forget } from './maintenance/forget.js';
import { prune } from './maintenance/prune.js';
import { packName } from './pack/pack.js';
import { makeTree, treeDifferences } from './testing.js';

const FAST_KDF = { N: 1 << 10, r: 8, p: 1 };
export interface SuiteStore {
  store: BlobStore;
  /** Overwrites a stored blob in place, to simulate damage. */
  damage(name: string, mutate: (b: Buffer) => Buffer): Promise<void>;
  cleanup(): Promise<void>;
}

export function engineSuite(label: string, makeStore: () => Promise<SuiteStore>): void {
  describe(`backup engine on ${label}`, () => {
    let work: string;
    before(() => {
      work = mkdtempSync(join(tmpdir(), 'hf-engine-'));
    });
    after(() => rmSync(work, { recursive: true, force: true }));

    const fresh = async () => {
      const s = await makeStore();
      await initRepository(s.store, 'correct horse', { kdf: FAST_KDF });
      const open = async () => Repository.open(s.store, 'correct horse', { packSize: 2 * 1024 * 1024 });
      return { ...s, open };
    };
    const dir = (name: string) => join(work, name);

    it('restores both snapshots of a backup, modify, backup cycle byte-identical with metadata', async () => {
      const s = await fresh();
      const src = dir('rt-src');
      await makeTree(src, { special: true });
      chmodSync(src, 0o750);
      const v1 = dir('rt-v1');
      execFileSync('cp', ['-a', src, v1]);
      const warnings: string[] = [];
      const first = await runBackup(await s.open(), { source: src, tags: ['v1'], onWarning: (m) => warnings.push(m) });
      assert.ok(warnings.some((w) => w.includes('a-fifo')) && warnings.some((w) => w.includes('a-socket')), warnings.join('; '));

      appendFileSync(join(src, 'db', 'segments', '000001.seg'), 'appended rows');
      writeFileSync(join(src, 'config', 'new.yaml'), 'x: 1\n');
      rmSync(join(src, 'run.sh'));
      utimesSync(join(src, 'db'), new Date('2022-01-01T00:00:00Z'), new Date('2022-01-01T00:00:00Z'));
      const second = await runBackup(await s.open(), { source: src, tags: ['v2'] });
      assert.equal(second.snapshot.parent, first.snapshotId);

      const repo = await s.open();
      await repo.loadIndex();
      const special = (p: string) => p === 'a-fifo' || p === 'a-socket';
      await restore(repo, { snapshot: await findSnapshot(repo, first.snapshotId), target: dir('rt-out1') });
      assert.deepEqual(treeDifferences(v1, dir('rt-out1'), special), []);
      assert.equal(statSync(dir('rt-out1')).mode & 0o7777, 0o750, 'the target gets the source directory’s own mode');
      await restore(repo, { snapshot: await findSnapshot(repo, second.snapshotId), target: dir('rt-out2') });
      assert.deepEqual(treeDifferences(src, dir('rt-out2'), special), []);
      assert.deepEqual((await checkRepository(repo, { readData: true })).errors, []);
      await s.cleanup();
    });

    it('does not read files unchanged since the parent snapshot', async () => {
      const s = await fresh();
      const src = dir('inc-src');
      await makeTree(src);
      await runBackup(await s.open(), { source: src });
      writeFileSync(join(src, 'config', 'app.yaml'), 'port: 9443\n');
      const r = await runBackup(await s.open(), { source: src });
      assert.equal(r.snapshot.summary.bytesRead, 'port: 9443\n'.length);
      assert.ok(r.snapshot.summary.filesUnchanged >= r.snapshot.summary.files - 2);
      await s.cleanup();
    });

    it('stores identical content once', async () => {
      const s = await fresh();
      const src = dir('dedup-src');
      await makeTree(src, { seed: 3 });
      const a = await runBackup(await s.open(), { source: src });
      execFileSync('cp', ['-a', join(src, 'db'), join(src, 'db-copy')]);
      const b = await runBackup(await s.open(), { source: src, noParent: true });
      assert.ok(b.snapshot.summary.bytesAdded < a.snapshot.summary.bytesAdded / 10, `added ${b.snapshot.summary.bytesAdded}`);
      await s.cleanup();
    });

    it('walks many directories at once and still stores each tree as a one-at-a-time walk would', async () => {
      const s = await fresh();
      const src = dir('wide-src');
      // More directories than the walk takes beside each parent's own, at three levels, with
      // files hard-linked across directories that are walked at the same time.
      for (let a = 0; a < 6; a++) {
        for (let b = 0; b < 5; b++) {
          const d = join(src, `top-${a}`, `mid-${b}`);
          mkdirSync(d, { recursive: true });
          for (let f = 0; f < 8; f++) writeFileSync(join(d, `f-${f}.log`), randomBytes(200 + 997 * f));
        }
      }
      for (let a = 1; a < 6; a++) execFileSync('ln', [join(src, 'top-0', 'mid-0', 'f-3.log'), join(src, `top-${a}`, `mid-4`, 'shared.log')]);
      const first = await runBackup(await s.open(), { source: src });
      assert.equal(first.snapshot.summary.files, 6 * 5 * 8 + 5);
      const again = await runBackup(await s.open(), { source: src });
      assert.equal(again.snapshot.tree, first.snapshot.tree, 'an unchanged tree keeps its id, so every directory encoded as before');
      assert.equal(again.snapshot.summary.bytesRead, 0);
      const repo = await s.open();
      await repo.loadIndex();
      await restore(repo, { snapshot: await findSnapshot(repo, first.snapshotId), target: dir('wide-out') });
      assert.deepEqual(treeDifferences(src, dir('wide-out')), []);
      const root = parseTree(await repo.loadBlob(first.snapshot.tree, 'tree'), first.snapshot.tree);
      assert.deepEqual(root.nodes.map((n) => n.name), ['top-0', 'top-1', 'top-2', 'top-3', 'top-4', 'top-5']);
      await s.cleanup();
    });

    it('reads one large file on two workers: every chunk stored once, counted, and restored byte-identical', async () => {
      const s = await makeStore();
      // Small chunks, so an 8 MiB file is ~130 of them and the idle second worker seals some.
      await initRepository(s.store, 'correct horse', { kdf: FAST_KDF, chunker: { min: 16 * 1024, avg: 64 * 1024, max: 256 * 1024 } });
      const open = async () => Repository.open(s.store, 'correct horse', { packSize: 2 * 1024 * 1024 });
      const src = dir('large-src');
      mkdirSync(src);
      const big = Buffer.concat([randomBytes(4 * 1024 * 1024), Buffer.from('row 0001 | balance 0000 |'.repeat(160_000)).subarray(0, 4 * 1024 * 1024)]);
      writeFileSync(join(src, 'segment'), big);
      const a = await runBackup(await open(), { source: src, threads: 2 });
      assert.equal(a.snapshot.signals?.bytesNew, big.length, 'each new chunk is counted once, whichever worker sealed it');
      writeFileSync(join(src, 'segment-copy'), big);
      const b = await runBackup(await open(), { source: src, threads: 2 });
      assert.equal(b.snapshot.signals?.bytesNew, 0);
      assert.equal(b.snapshot.signals?.bytesDeduplicated, big.length);
      const repo = await open();
      await repo.loadIndex();
      await restore(repo, { snapshot: await findSnapshot(repo, b.snapshotId), target: dir('large-out') });
      assert.deepEqual(treeDifferences(src, dir('large-out')), []);
      assert.deepEqual((await checkRepository(repo, { readData: true })).errors, []);
      await s.cleanup();
    });

    it('refuses a wrong password with WRONG_PASSWORD and opens with an added one', async () => {
      const s = await fresh();
      await assert.rejects(Repository.open(s.store, 'wrong'), (e) => isHoldfastError(e, 'WRONG_PASSWORD'));
      const repo = await s.open();
      const id = await repo.addKey('second password', FAST_KDF);
      const viaSecond = await Repository.open(s.store, 'second password');
      assert.equal(viaSecond.config.id, repo.config.id);
      await viaSecond.removeKey(repo.keyName.slice(5, 17));
      await assert.rejects(Repository.open(s.store, 'correct horse'), (e) => isHoldfastError(e, 'WRONG_PASSWORD'));
      assert.ok(id.length === 64);
      await s.cleanup();
    });

    it('names the damaged pack and the files it affects, and restore refuses the damaged blob', async () => {
      const s = await fresh();
      const src = dir('corrupt-src');
      await makeTree(src, { seed: 11 });
      const r = await runBackup(await s.open(), { source: src });
      const repo = await s.open();
      await repo.loadIndex();
      const loc = repo.index.lookup(findContent(await treeNode(repo, r.snapshot.tree, 'db'), repo))!;
      const segId = loc.pack;
      // Inside that file's first chunk: check counts a file affected only when a blob it uses is.
      await s.damage(packName(segId), (b) => {
        b[loc.offset + 10] = b[loc.offset + 10]! ^ 0xff;
        return b;
      });
      const report = await checkRepository(repo, { readData: true });
      const bad = report.errors.find((e) => e.kind === 'damaged-pack');
      assert.ok(bad, JSON.stringify(report.errors));
      assert.equal(bad.object, segId);
      assert.ok(bad.affects?.some((f) => f.includes('db/segments/000001.seg')), JSON.stringify(bad.affects));
      await assert.rejects(
        restore(repo, { snapshot: await findSnapshot(repo, r.snapshotId), target: dir('corrupt-out') }),
        (e) => isHoldfastError(e) && e.kind === 'corrupt' && e.message.includes(segId.slice(0, 12)),
      );
      await s.cleanup();
    });

    it('reports a truncated pack instead of reading past its end', async () => {
      const s = await fresh();
      const src = dir('trunc-src');
      await makeTree(src, { seed: 12 });
      await runBackup(await s.open(), { source: src });
      const repo = await s.open();
      await repo.loadIndex();
      const [pack] = [...repo.index.packs.keys()];
      await s.damage(packName(pack!), (b) => b.subarray(0, Math.floor(b.length / 2)));
      const report = await checkRepository(repo, { readData: true });
      assert.ok(report.errors.some((e) => e.kind === 'damaged-pack' && e.object === pack), JSON.stringify(report.errors));
      await s.cleanup();
    });

    describe('a hostile snapshot', () => {
      const craft = async (repo: Repository, nodes: TreeNode[]) => {
        const enc = encodeTree({ nodes });
        const { id } = await repo.saveBlob('tree', enc);
        await repo.flush();
        const snap: Snapshot = {
          version: 1, time: new Date().toISOString(), host: 'evil', paths: ['/'], tree: id, tags: [], provenance: { workloads: [], hooks: [], labels: {} },
          summary: { startedAt: '', finishedAt: '', files: 0, dirs: 0, filesUnchanged: 0, bytes: 0, bytesRead: 0, bytesAdded: 0, blobsNew: 0, packsWritten: 0, skipped: [] },
        };
        return saveSnapshot(repo, snap);
      };
      const base = { mode: 0o644, uid: 0, gid: 0, mtimeNs: '0' };

      it('with a "../" name writes nothing outside the target', async () => {
        const s = await fresh();
        const repo = await s.open();
        await repo.loadIndex();
        const { id: content } = await repo.saveBlob('data', Buffer.from('pwned'));
        const snapId = await craft(repo, [{ ...base, name: '../escaped', type: 'file', size: 5, content: [content] }]);
        const target = dir('hostile1/target');
        await assert.rejects(restore(repo, { snapshot: await findSnapshot(repo, snapId), target }), (e) => isHoldfastError(e, 'TREE_UNSAFE_NAME'));
        assert.equal(existsSync(dir('hostile1/escaped')), false);
        await s.cleanup();
      });

      it('with a symlink and a directory of the same name cannot write through the link', async () => {
        const s = await fresh();
        const repo = await s.open();
        await repo.loadIndex();
        const outside = dir('hostile2-outside');
        execFileSync('mkdir', ['-p', outside]);
        const { id: content } = await repo.saveBlob('data', Buffer.from('pwned'));
        const { id: sub } = await repo.saveBlob('tree', encodeTree({ nodes: [{ ...base, name: 'file', type: 'file', size: 5, content: [content] }] }));
        const snapId = await craft(repo, [
          { ...base, name: 'a', type: 'symlink', linkTarget: outside },
          { ...base, name: 'a', type: 'dir', subtree: sub },
        ]);
        await assert.rejects(restore(repo, { snapshot: await findSnapshot(repo, snapId), target: dir('hostile2') }), (e) => isHoldfastError(e, 'TREE_DUPLICATE'));
        assert.deepEqual(readdirSync(outside), []);
        await s.cleanup();
      });

      it('restored over a planted symlink replaces the link instead of following it', async () => {
        const s = await fresh();
        const repo = await s.open();
        await repo.loadIndex();
        const outside = dir('hostile3-outside');
        execFileSync('mkdir', ['-p', outside, dir('hostile3')]);
        execFileSync('ln', ['-s', outside, dir('hostile3/a')]);
        const { id: content } = await repo.saveBlob('data', Buffer.from('pwned'));
        const { id: sub } = await repo.saveBlob('tree', encodeTree({ nodes: [{ ...base, name: 'file', type: 'file', size: 5, content: [content] }] }));
        const snapId = await craft(repo, [{ ...base, mode: 0o755, name: 'a', type: 'dir', subtree: sub }]);
        await restore(repo, { snapshot: await findSnapshot(repo, snapId), target: dir('hostile3'), overwrite: true });
        assert.deepEqual(readdirSync(outside), []);
        assert.deepEqual(readdirSync(dir('hostile3/a')), ['file']);
        await s.cleanup();
      });
    });

    it('refuses a non-empty target unless told to overwrite', async () => {
      const s = await fresh();
      const src = dir('ne-src');
      await makeTree(src, { seed: 5 });
      const r = await runBackup(await s.open(), { source: src });
      const repo = await s.open();
      await repo.loadIndex();
      execFileSync('mkdir', ['-p', dir('ne-target')]);
      writeFileSync(dir('ne-target/keep.txt'), 'mine');
      await assert.rejects(restore(repo, { snapshot: await findSnapshot(repo, r.snapshotId), target: dir('ne-target') }), (e) => isHoldfastError(e, 'RESTORE_TARGET_NOT_EMPTY'));
      await s.cleanup();
    });

    it('forgets by GFS policy and prunes only unreferenced data', async () => {
      const s = await fresh();
      const src = dir('prune-src');
      await makeTree(src, { seed: 21 });
      await runBackup(await s.open(), { source: src });
      writeFileSync(join(src, 'db', 'segments', '000001.seg'), Buffer.alloc(3 * 1024 * 1024, 'new content'));
      const keep = await runBackup(await s.open(), { source: src });
      const repo = await s.open();
      const f = await forget(repo, { policy: { keepLast: 1 } });
      assert.equal(f.removed.length, 1);
      await repo.loadIndex();
      const p = await prune(repo, { graceMs: 0 });
      assert.ok(p.deletedPacks >= 1, JSON.stringify(p));
      const after = await s.open();
      await after.loadIndex();
      assert.deepEqual((await checkRepository(after, { readData: true })).errors, []);
      assert.deepEqual((await listSnapshots(after)).map((x) => x.id), [keep.snapshotId]);
      await restore(after, { snapshot: await findSnapshot(after, keep.snapshotId), target: dir('prune-out') });
      assert.deepEqual(treeDifferences(src, dir('prune-out')), []);
      await s.cleanup();
    });

    it('prunes correctly when a backup finished after the index was loaded', async () => {
      const s = await fresh();
      const src = dir('late-src');
      await makeTree(src, { seed: 41 });
      await runBackup(await s.open(), { source: src });
      const pr = await s.open();
      await pr.loadIndex();
      writeFileSync(join(src, 'late.bin'), Buffer.alloc(300_000, 'late'));
      const late = await runBackup(await s.open(), { source: src });
      await prune(pr, { graceMs: 0 });
      const fin = await s.open();
      await fin.loadIndex();
      assert.deepEqual((await checkRepository(fin, { readData: true })).errors, []);
      await restore(fin, { snapshot: await findSnapshot(fin, late.snapshotId), target: dir('late-out') });
      assert.deepEqual(treeDifferences(src, dir('late-out')), []);
      await s.cleanup();
    });

    it('never forgets incident evidence, whatever the policy', async () => {
      const s = await fresh();
      const src = dir('evid-src');
      await makeTree(src, { seed: 42 });
      const evidence = await runBackup(await s.open(), { source: src, tags: ['incident-evidence', 'incident:7'] });
      await runBackup(await s.open(), { source: src });
      const r = await forget(await s.open(), { policy: { keepLast: 1 } });
      assert.deepEqual(r.removed, []);
      assert.ok(r.groups[0]!.decisions.find((d) => d.id === evidence.snapshotId)!.reasons.includes('pinned: incident evidence'));
      await s.cleanup();
    });

    it('defers deleting what a running backup may use, and rescues it once that backup is saved', async () => {
      const s = await fresh();
      const src = dir('race-src');
      await makeTree(src, { seed: 31 });
      const old = await runBackup(await s.open(), { source: src });
      await forget(await s.open(), { policy: { keepTags: ['none'] } }).catch(() => {});
      // Forget the only snapshot: its packs are now unreferenced...
      const r0 = await s.open();
      await r0.store.delete(`snapshots/${old.snapshotId}`);
      // ...while a backup that loaded the index before the prune dedups against them.
      const writer = await s.open();
      const { acquireShared } = await import('./repository/locks.js');
      const lock = await acquireShared(writer);
      await writer.loadIndex();
      const pr = await s.open();
      await pr.loadIndex();
      const first = await prune(pr, { graceMs: 0 });
      assert.equal(first.deletedPacks, 0, 'nothing may be deleted while the backup runs');
      assert.ok(first.deferred.length === 1, JSON.stringify(first));
      const { backup } = await import('./archiver/archiver.js');
      const r = await backup(writer, { source: src });
      await lock.release();
      assert.equal(r.snapshot.summary.bytesAdded < 100_000, true, 'the backup reused the condemned data');
      const second = await s.open();
      await second.loadIndex();
      const p2 = await prune(second, { graceMs: 0 });
      assert.ok(p2.rescuedPacks >= 1, JSON.stringify(p2));
      const fin = await s.open();
      await fin.loadIndex();
      assert.deepEqual((await checkRepository(fin, { readData: true })).errors, []);
      await restore(fin, { snapshot: await findSnapshot(fin, r.snapshotId), target: dir('race-out') });
      assert.deepEqual(treeDifferences(src, dir('race-out')), []);
      await s.cleanup();
    });
  });
}

async function treeNode(repo: Repository, tree: string, name: string): Promise<TreeNode> {
  const { parseTree } = await import('./snapshot/tree.js');
  const t = parseTree(await repo.loadBlob(tree, 'tree'), tree);
  const dbNode = t.nodes.find((n) => n.name === name)!;
  const seg = parseTree(await repo.loadBlob(dbNode.subtree!, 'tree'), dbNode.subtree!).nodes.find((n) => n.name === 'segments')!;
  return parseTree(await repo.loadBlob(seg.subtree!, 'tree'), seg.subtree!).nodes.find((n) => n.name === '000001.seg')!;
}

function findContent(n: TreeNode, _repo: Repository): string {
  return n.content![0]!;
}
