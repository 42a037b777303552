/**
 * Damage through the real `holdfast` binary: one flipped bit in one metadata object (an index
 * segment, a snapshot, a deletion plan) must cost only what that object describes, never the whole
 * repository; damaged and truncated packs must be named with the files they cost; and the repair
 * commands must bring a damaged repository back to one that `check` passes.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prng, treeDifferences } from '../../src/backup/testing.js';
import { acquireShared, findSnapshot, Repository, walkTree, type TreeNode } from '../../src/backup/index.js';
import { openBlobStore } from '../../src/storage/index.js';
import { bin, env, hf, ok } from './cli.js';

let work: string;
const okJson = <T>(repo: string, ...args: string[]) => JSON.parse(ok(repo, ...args, '--json').out) as T;

function files(dir: string, n: number, size: number, seed: number): string {
  mkdirSync(dir, { recursive: true });
  const rnd = prng(seed);
  for (let i = 0; i < n; i++) writeFileSync(join(dir, `f-${i}`), rnd(size));
  return dir;
}
/** Objects of one kind in a filesystem repository, by full path. */
function objects(repo: string, kind: 'index' | 'snapshots' | 'deletions' | 'data'): string[] {
  const dir = join(repo, kind);
  if (!existsSync(dir)) return [];
  if (kind !== 'data') return readdirSync(dir).map((n) => join(dir, n));
  return readdirSync(dir).flatMap((d) => readdirSync(join(dir, d)).map((n) => join(dir, d, n)));
}
/** Flips one bit in the middle of a file, the damage a bad sector or a bad RAM stick does. */
function flipBit(path: string, at = 0.5): void {
  const b = readFileSync(path);
  b[Math.floor(b.length * at)]! ^= 0x10;
  writeFileSync(path, b);
}
const base = (p: string) => p.slice(p.lastIndexOf('/') + 1);
const snapshotId = (repo: string, src: string) => okJson<{ snapshot: string }>(repo, 'backup', src).snapshot;

function restoresExactly(repo: string, snap: string, src: string, out: string): void {
  ok(repo, 'restore', snap, '--target', out);
  assert.deepEqual(treeDifferences(src, out), []);
}

describe('damaged repositories', () => {
  before(() => {
    work = mkdtempSync(join(tmpdir(), 'hf-damage-'));
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  it('a flipped bit in one index segment costs only the blobs it lists: other snapshots restore, check names the segment and says to repair the index', () => {
    const repo = join(work, 'seg-repo');
    ok(repo, 'repo', 'init');
    const a = files(join(work, 'seg-a'), 3, 200_000, 1);
    const snapA = snapshotId(repo, a);
    const segsA = objects(repo, 'index');
    const b = files(join(work, 'seg-b'), 3, 200_000, 2);
    const snapB = snapshotId(repo, b);
    const victim = segsA[0]!;
    flipBit(victim);

    ok(repo, 'restore', snapB, '--target', join(work, 'seg-out-b'));
    assert.deepEqual(treeDifferences(b, join(work, 'seg-out-b')), []);
    const lost = hf(repo, 'restore', snapA, '--target', join(work, 'seg-out-lost'));
    assert.equal(lost.code, 5);
    assert.match(lost.err, new RegExp(`warning: decrypt index/${base(victim)}: authentication failed.*repair index`));
    // The next backup still works, and stores its own copy of anything only the damaged segment listed.
    const snapA2 = snapshotId(repo, a);
    restoresExactly(repo, snapA2, a, join(work, 'seg-out-a2'));

    const check = hf(repo, 'check');
    assert.equal(check.code, 5, check.out + check.err);
    assert.match(check.out, new RegExp(`error: damaged index segment: decrypt index/${base(victim)}: .*run 'holdfast repair index'`));
    // Prune would see the packs only that segment lists as unreferenced and delete them.
    const packsBefore = objects(repo, 'data').length;
    const prune = hf(repo, 'prune', '--grace', '0s');
    assert.equal(prune.code, 5, prune.err);
    assert.match(prune.err, new RegExp(`holdfast: prune: refusing to delete anything while index/${base(victim)} cannot be read; run 'holdfast repair index' first`));
    assert.equal(objects(repo, 'data').length, packsBefore);

    const repaired = okJson<{ removedSegments: string[]; foundPacks: string[]; unreadable: unknown[] }>(repo, 'repair', 'index');
    assert.ok(repaired.removedSegments.includes(`index/${base(victim)}`));
    assert.ok(repaired.foundPacks.length >= 1);
    assert.deepEqual(repaired.unreadable, []);
    assert.equal(objects(repo, 'index').length, 1);
    ok(repo, 'check', '--read-data');
    restoresExactly(repo, snapA, a, join(work, 'seg-out-a'));
  });

  it('a flipped bit in one snapshot file hides only that snapshot: the rest list and restore, the next backup runs, check names it', () => {
    const repo = join(work, 'snap-repo');
    ok(repo, 'repo', 'init');
    const src = files(join(work, 'snap-src'), 3, 100_000, 3);
    const first = snapshotId(repo, src);
    writeFileSync(join(src, 'f-0'), 'changed');
    const second = snapshotId(repo, src);
    flipBit(join(repo, 'snapshots', second));

    const list = ok(repo, 'snapshots', '--json');
    assert.deepEqual((JSON.parse(list.out) as { id: string }[]).map((s) => s.id), [first]);
    assert.match(list.err, new RegExp(`warning: decrypt snapshots/${second}: authentication failed.*repair snapshots --forget`));
    ok(repo, 'restore', first, '--target', join(work, 'snap-out-1'));
    // The damaged snapshot was the newest of this source, so it would have been the parent.
    writeFileSync(join(src, 'f-1'), 'changed too');
    const third = snapshotId(repo, src);
    restoresExactly(repo, third, src, join(work, 'snap-out-3'));
    const asked = hf(repo, 'restore', second.slice(0, 8), '--target', join(work, 'snap-out-2'));
    assert.equal(asked.code, 5);
    assert.match(asked.err, /^holdfast: find snapshot [0-9a-f]{8}: decrypt snapshots\/[0-9a-f]+: authentication failed.*repair snapshots --forget/m);

    const check = hf(repo, 'check');
    assert.equal(check.code, 5);
    assert.match(check.out, new RegExp(`error: damaged snapshot: decrypt snapshots/${second}: .*repair snapshots --forget`));
  });

  it('a flipped bit in a deletion plan is ignored with a warning: restores and backups go on', async () => {
    const repo = join(work, 'plan-repo');
    ok(repo, 'repo', 'init');
    const src = files(join(work, 'plan-src'), 2, 150_000, 4);
    snapshotId(repo, src);
    files(src, 2, 150_000, 5);
    const keep = snapshotId(repo, src);
    ok(repo, 'forget', '--keep-last', '1');
    // A backup running (its shared lock) keeps prune from carrying out its plan: the plan stays.
    const held = await acquireShared(await Repository.open(await openBlobStore(repo), 'test-password-1'));
    try {
      ok(repo, 'prune', '--grace', '0s');
      const plans = objects(repo, 'deletions');
      assert.equal(plans.length, 1);
      flipBit(plans[0]!);
      const r = ok(repo, 'restore', keep, '--target', join(work, 'plan-out'));
      assert.match(r.err, /warning: decrypt deletions\/[0-9a-f]+: authentication failed.*next prune removes the plan/);
      assert.deepEqual(treeDifferences(src, join(work, 'plan-out')), []);
      files(src, 1, 10_000, 6);
      ok(repo, 'backup', src);
      const check = ok(repo, 'check');
      assert.match(check.out, /notice: damaged deletion plan: decrypt deletions\//);
    } finally {
      await held.release();
    }
  });

  it('a backup whose parent snapshot has a damaged tree runs without it and stores fresh trees, which heal the old snapshot too', () => {
    const repo = join(work, 'tree-repo');
    ok(repo, 'repo', 'init');
    const src = files(join(work, 'tree-src'), 2, 50_000, 12);
    mkdirSync(join(src, 'sub'));
    writeFileSync(join(src, 'sub', 'x'), 'x');
    const first = snapshotId(repo, src);
    // Two packs: data and trees; the trees' is the smaller.
    const [trees] = objects(repo, 'data').sort((x, y) => statSync(x).size - statSync(y).size);
    flipBit(trees!, 0.2);
    const second = snapshotId(repo, src);
    assert.notEqual(second, first);
    restoresExactly(repo, second, src, join(work, 'tree-out'));
    // The fresh copy serves the first snapshot too: the damaged one costs nothing any more.
    restoresExactly(repo, first, src, join(work, 'tree-out-first'));
    const check = ok(repo, 'check', '--read-data');
    assert.match(check.out, new RegExp(`notice: .*pack ${base(trees!).slice(0, 12)}.*nothing snapshots use is lost`));
  });

  it('restores from an intact copy when the live copy of a blob is damaged (two copies after a repack); check --read-data counts no file as lost', async () => {
    const repo = join(work, 'dup-repo');
    ok(repo, 'repo', 'init');
    const src = files(join(work, 'dup-src'), 4, 200_000, 7);
    snapshotId(repo, src);
    rmSync(join(src, 'f-0'));
    rmSync(join(src, 'f-1'));
    const keep = snapshotId(repo, src);
    ok(repo, 'forget', '--keep-last', '1');
    const before = new Set(objects(repo, 'data'));
    // Prune copies the live half of the first pack into a new one; a running backup (its lock)
    // keeps the old pack until later, so both copies exist.
    const held = await acquireShared(await Repository.open(await openBlobStore(repo), 'test-password-1'));
    try {
      ok(repo, 'prune', '--grace', '0s');
      const repacked = objects(repo, 'data').filter((p) => !before.has(p));
      assert.equal(repacked.length, 1);
      flipBit(repacked[0]!, 0.3);
      restoresExactly(repo, keep, src, join(work, 'dup-out'));
      const check = ok(repo, 'check', '--read-data');
      assert.match(check.out, new RegExp(`notice: pack ${base(repacked[0]!).slice(0, 12)}.*intact cop`));
      assert.doesNotMatch(check.out, /affects/);
    } finally {
      await held.release();
    }
  });

  it('plain check compares pack sizes with the index: a truncated pack is an error naming the pack and the files it costs, even a cut in the header alone', () => {
    const repo = join(work, 'trunc-repo');
    ok(repo, 'repo', 'init');
    const src = files(join(work, 'trunc-src'), 3, 150_000, 8);
    snapshotId(repo, src);
    const [data] = objects(repo, 'data').sort((x, y) => statSync(y).size - statSync(x).size);
    const size = statSync(data!).size;
    // One byte off the end: the blobs are intact, the header is not.
    truncateSync(data!, size - 1);
    let check = hf(repo, 'check');
    assert.equal(check.code, 5, check.out);
    assert.match(check.out, new RegExp(`error: pack ${base(data!).slice(0, 12)} is ${size - 1} bytes, its index entries say ${size} \\(truncated\\); no file is lost yet`));
    // Half: the files whose chunks were cut are named.
    truncateSync(data!, Math.floor(size / 2));
    check = hf(repo, 'check');
    assert.equal(check.code, 5, check.out);
    assert.match(check.out, new RegExp(`error: pack ${base(data!).slice(0, 12)} is ${Math.floor(size / 2)} bytes.*\\(truncated\\); lost: [12] file\\(s\\) in snapshot\\(s\\) [0-9a-f]{8}`));
    // Three chunks of 150 kB: only the one wholly before the cut survives.
    assert.equal(check.out.match(/ {2}affects [0-9a-f]{8}:f-\d\n/g)?.length, 2, check.out);
  });

  it('a pack whose header alone is damaged is rewritten by repair index --read-all-data, after which check passes and nothing is lost', () => {
    const repo = join(work, 'header-repo');
    ok(repo, 'repo', 'init');
    const src = files(join(work, 'header-src'), 3, 150_000, 9);
    const snap = snapshotId(repo, src);
    const [data] = objects(repo, 'data').sort((x, y) => statSync(y).size - statSync(x).size);
    // A bit in the sealed header (just before its 4-byte length): every blob is still intact.
    const b = readFileSync(data!);
    b[b.length - 12]! ^= 0x10;
    writeFileSync(data!, b);
    assert.equal(hf(repo, 'check', '--read-data').code, 5);
    const repaired = ok(repo, 'repair', 'index', '--read-all-data').out;
    assert.match(repaired, new RegExp(`rewrote damaged pack ${base(data!).slice(0, 12)}: its 3 intact blobs are in new packs; the damaged pack was deleted`));
    assert.equal(existsSync(data!), false);
    const check = hf(repo, 'check', '--read-data');
    assert.equal(check.code, 0, check.out + check.err);
    restoresExactly(repo, snap, src, join(work, 'header-out'));
  });

  it('a deleted index segment: check says the index is incomplete and names the files, instead of calling the pack an orphan', () => {
    const repo = join(work, 'lostseg-repo');
    ok(repo, 'repo', 'init');
    const src = files(join(work, 'lostseg-src'), 2, 100_000, 9);
    const snap = snapshotId(repo, src);
    const [data] = objects(repo, 'data').sort((x, y) => statSync(y).size - statSync(x).size);
    // The segment that lists the data pack: the larger of the two.
    const [seg] = objects(repo, 'index').sort((x, y) => statSync(y).size - statSync(x).size);
    rmSync(seg!);
    const check = hf(repo, 'check');
    assert.equal(check.code, 5, check.out);
    assert.match(check.out, new RegExp(`error: pack ${base(data!).slice(0, 12)} holds data that snapshots use \\(2 file\\(s\\) in snapshot\\(s\\) ${snap.slice(0, 8)}\\) but no index names it: index incomplete — run 'holdfast repair index'`));
    assert.doesNotMatch(check.out, /prune removes it/);

    // Killed right after the new segment is written: old and new both stand, nothing is lost,
    // and running it again finishes the job.
    const killed = spawnSync(process.execPath, [bin, 'repair', 'index'], { env: { ...env(repo), HOLDFAST_FAULT: 'repair-index:segment-written=kill' } });
    assert.equal(killed.signal, 'SIGKILL');
    assert.equal(objects(repo, 'index').length, 2);
    ok(repo, 'check');
    ok(repo, 'unlock');
    ok(repo, 'repair', 'index');
    assert.equal(objects(repo, 'index').length, 1);
    ok(repo, 'check', '--read-data');
    restoresExactly(repo, snap, src, join(work, 'lostseg-out'));
  });

  it('repair snapshots salvages what is left: names the lost file, saves a copy tagged repaired that records the original, --forget removes the original and unreadable snapshot files', () => {
    const repo = join(work, 'salvage-repo');
    ok(repo, 'repo', 'init');
    const src = files(join(work, 'salvage-src'), 3, 150_000, 10);
    mkdirSync(join(src, 'sub'));
    writeFileSync(join(src, 'sub', 'small'), 'still here');
    const snap = snapshotId(repo, src);
    const other = snapshotId(repo, files(join(work, 'salvage-other'), 1, 1000, 11));
    const [data] = objects(repo, 'data').sort((x, y) => statSync(y).size - statSync(x).size);
    flipBit(data!);
    flipBit(join(repo, 'snapshots', other));

    const restore = hf(repo, 'restore', snap, '--target', join(work, 'salvage-before'));
    assert.equal(restore.code, 5);
    assert.match(restore.err, new RegExp(`^holdfast: restore .*/salvage-before/f-\\d: load blob [0-9a-f]{12}: no intact copy in 1 pack\\(s\\) tried \\(decrypt blob [0-9a-f]{12} from pack ${base(data!).slice(0, 12)}: authentication failed.*\\); run 'holdfast check --read-data'`, 'm'));
    const found = hf(repo, 'check', '--read-data');
    assert.equal(found.code, 5);
    const lostFile = /affects [0-9a-f]{8}:(f-\d)/.exec(found.out)?.[1];
    assert.ok(lostFile, found.out);
    const idx = okJson<{ damagedBlobs: { pack: string }[] }>(repo, 'repair', 'index', '--read-all-data');
    assert.deepEqual(idx.damagedBlobs.map((d) => d.pack), [base(data!)]);
    const lost = hf(repo, 'check');
    assert.equal(lost.code, 5);
    assert.match(lost.out, new RegExp(`error: snapshot ${snap.slice(0, 8)}: ${lostFile} needs blob [0-9a-f]{12}, which is not in the index and in no pack; the data is lost — run 'holdfast repair snapshots'`));

    const dry = ok(repo, 'repair', 'snapshots', '--dry-run');
    assert.match(dry.out, new RegExp(`snapshot ${snap.slice(0, 8)}: would save repaired copy\n {2}would remove ${lostFile}: its first chunk is lost`));
    assert.match(dry.out, new RegExp(`unreadable snapshots/${other}: decrypt`));
    assert.equal(objects(repo, 'snapshots').length, 2);

    const r = okJson<{ snapshots: { id: string; newId: string; removed: boolean; changes: { path: string; action: string }[] }[]; unreadable: { removed: boolean }[] }>(repo, 'repair', 'snapshots', '--forget');
    assert.deepEqual(r.snapshots.map((s) => [s.id, s.removed, s.changes]), [[snap, true, [{ path: lostFile, action: 'removed', detail: 'its first chunk is lost' }]]]);
    assert.deepEqual(r.unreadable.map((u) => u.removed), [true]);
    const list = okJson<{ id: string; tags: string[]; original: string }[]>(repo, 'snapshots');
    assert.deepEqual(list.map((s) => [s.id, s.tags, s.original]), [[r.snapshots[0]!.newId, ['repaired'], snap]]);
    // repair index --read-all-data rewrote the damaged pack's intact blobs and dropped it.
    assert.equal(existsSync(data!), false);
    const check = ok(repo, 'check', '--read-data');
    assert.match(check.out, /no errors were found/);
    assert.doesNotMatch(check.out, /notice/);
    const out = join(work, 'salvage-out');
    ok(repo, 'restore', 'latest', '--target', out);
    rmSync(join(src, lostFile!));
    assert.deepEqual(treeDifferences(src, out), []);
  });

  it('repair snapshots truncates a file at its first lost chunk and keeps a directory whose tree is lost as an empty one, naming both', async () => {
    const repo = join(work, 'cut-repo');
    ok(repo, 'repo', 'init');
    const src = join(work, 'cut-src');
    files(join(src, 'keep'), 1, 1000, 13);
    files(join(src, 'gone'), 2, 1000, 14);
    writeFileSync(join(src, 'big'), prng(15)(6_000_000));
    const snap = snapshotId(repo, src);
    // Find the third chunk of big and the tree of gone/, and flip a bit inside each.
    const r = await Repository.open(await openBlobStore(repo), 'test-password-1');
    await r.loadIndex();
    const nodes = new Map<string, TreeNode>();
    await walkTree(r, (await findSnapshot(r, snap)).snapshot.tree, (path, n) => void nodes.set(path, n));
    const big = nodes.get('big')!;
    assert.ok(big.content!.length >= 4, `big has ${big.content!.length} chunks`);
    const damage = (id: string) => {
      const loc = r.index.lookup(id)!;
      const file = objects(repo, 'data').find((p) => base(p) === loc.pack)!;
      const b = readFileSync(file);
      b[loc.offset + 20]! ^= 1;
      writeFileSync(file, b);
    };
    damage(big.content![2]!);
    damage(nodes.get('gone')!.subtree!);
    const keptBytes = [0, 1].reduce((a, i) => a + r.index.lookup(big.content![i]!)!.rawLength, 0);

    ok(repo, 'repair', 'index', '--read-all-data');
    const kept = okJson<{ snapshots: { newId: string; removed: boolean }[] }>(repo, 'repair', 'snapshots');
    assert.equal(kept.snapshots[0]!.removed, false);
    const out = ok(repo, 'repair', 'snapshots', '--forget').out;
    // The second run finds the salvage the first saved instead of saving it again.
    assert.match(out, new RegExp(`snapshot ${snap.slice(0, 8)}: save repaired copy ${kept.snapshots[0]!.newId.slice(0, 8)}, removed the original`));
    assert.equal(objects(repo, 'snapshots').length, 1);
    assert.match(out, new RegExp(`\n {2}truncate big: kept the first ${keptBytes} of 6000000 bytes`));
    assert.match(out, /\n {2}empty gone: its tree [0-9a-f]{12} is lost/);
    ok(repo, 'check');
    const restored = join(work, 'cut-out');
    ok(repo, 'restore', 'latest', '--target', restored);
    assert.deepEqual(readFileSync(join(restored, 'big')), readFileSync(join(src, 'big')).subarray(0, keptBytes));
    assert.deepEqual(readdirSync(join(restored, 'gone')), []);
    assert.deepEqual(readdirSync(join(restored, 'keep')), ['f-0']);
  });
});
