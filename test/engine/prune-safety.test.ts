/**
 * Prune never loses a snapshot: killed at every step it reaches, or paused at every step while a
 * backup, a restore and a check run beside it. Driven by named fault points (src/base/faults.ts)
 * in the real binary, so each interleaving is exact, not a race the test hopes to win.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { prng, treeDifferences } from '../../src/backup/testing.js';
import { bin, env as engineEnv, run } from './cli.js';

let work: string;
// Two 300 kB chunks per pack: a few files make enough packs for prune to condemn and repack.
const SMALL_PACKS = { HOLDFAST_TEST_PACK_SIZE: '600000' };
const env = (repo: string, extra: Record<string, string> = {}) => engineEnv(repo, { ...SMALL_PACKS, ...extra });
const hf = (repo: string, args: string[], extra: Record<string, string> = {}) => run(repo, args, { ...SMALL_PACKS, ...extra });
function ok(repo: string, ...args: string[]) {
  const r = hf(repo, args);
  assert.equal(r.code, 0, `holdfast ${args.join(' ')} failed (${r.code}): ${r.err}`);
  return r.out;
}
const snapshotIds = (repo: string): string[] => (JSON.parse(ok(repo, 'snapshots', '--json')) as { id: string }[]).map((s) => s.id);

/** v1 = a..f; v2 drops a, c, e and adds g; v1 is forgotten: prune then condemns and repacks. */
function seedRepository(root: string): { repo: string; v2: string; v2src: string; a: Buffer } {
  const repo = join(root, 'repo');
  // One path changed in place, so retention sees one group and keeps only the newer snapshot.
  const v2src = join(root, 'live');
  const rnd = prng(7);
  mkdirSync(v2src, { recursive: true });
  const contents = [...'abcdef'].map((f) => [f, rnd(300_000)] as const);
  for (const [f, data] of contents) writeFileSync(join(v2src, f), data);
  ok(repo, 'repo', 'init');
  ok(repo, 'backup', v2src, '--tag', 'v1');
  for (const f of 'ace') rmSync(join(v2src, f));
  writeFileSync(join(v2src, 'g'), rnd(300_000));
  ok(repo, 'backup', v2src, '--tag', 'v2');
  ok(repo, 'forget', '--keep-last', '1');
  const [v2] = snapshotIds(repo);
  return { repo, v2: v2!, v2src, a: contents[0]![1] };
}

/**
 * v3 = v2 plus `a` back as it was in the forgotten v1 (a user undoing a deletion): its only copy
 * is in a pack prune condemns, so a backup beside prune deduplicates against exactly the data at
 * risk; plus one new file.
 */
function makeV3(seed: { v2src: string; a: Buffer }, dir: string, salt: number): string {
  rmSync(dir, { recursive: true, force: true });
  cpSync(seed.v2src, dir, { recursive: true, preserveTimestamps: true });
  writeFileSync(join(dir, 'a'), seed.a);
  writeFileSync(join(dir, 'h'), prng(salt)(1000));
  return dir;
}

/** What a user relies on after anything happened: every snapshot restores exactly, check passes. */
function assertIntact(repo: string, expected: Map<string, string>, label: string): void {
  for (const [id, src] of expected) {
    const out = join(work, `out-${Math.random().toString(36).slice(2)}`);
    const r = hf(repo, ['restore', id, '--target', out]);
    assert.equal(r.code, 0, `${label}: restore ${id.slice(0, 8)} failed: ${r.err}`);
    assert.deepEqual(treeDifferences(src, out), [], `${label}: restore ${id.slice(0, 8)} differs`);
    rmSync(out, { recursive: true, force: true });
  }
  const c = hf(repo, ['check', '--read-data']);
  assert.equal(c.code, 0, `${label}: check --read-data failed: ${c.out}${c.err}`);
}

/** The fault points a clean prune of the seeded repository reaches, in order. */
function pruneTrace(seed: { repo: string }): string[] {
  const copy = join(work, 'trace-repo');
  cpSync(seed.repo, copy, { recursive: true });
  const trace = join(work, 'trace.txt');
  const r = hf(copy, ['prune', '--grace', '0s'], { HOLDFAST_FAULT_TRACE: trace });
  assert.equal(r.code, 0, r.err);
  rmSync(copy, { recursive: true, force: true });
  // Locks come and go at every step; the points that order prune's work are the rest.
  return readFileSync(trace, 'utf8').split('\n').filter((p) => p && !p.endsWith(':locks'));
}

/** Kill and pause points: of a run of equal steps (deleting eight old segments) the first and the last. */
function distinctPoints(order: readonly string[]): string[] {
  const count = new Map<string, number>();
  for (const p of order) count.set(p, (count.get(p) ?? 0) + 1);
  return [...count].flatMap(([p, n]) => (n === 1 ? [`${p}@1`] : [`${p}@1`, `${p}@${n}`]));
}

describe('prune never loses a snapshot', () => {
  let seed: ReturnType<typeof seedRepository>;
  let order: string[];
  let points: string[];
  before(() => {
    work = mkdtempSync(join(tmpdir(), 'hf-prune-safety-'));
    seed = seedRepository(join(work, 'seed'));
    order = pruneTrace(seed);
    points = distinctPoints(order);
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  it('reaches its ordered steps: index rewritten before any pack is deleted, plans deleted last', () => {
    const rewritten = order.indexOf('prune:index-rewritten');
    assert.ok(rewritten > 0, `no index rewrite in ${order.join(' ')}`);
    assert.ok(order.indexOf('fs:delete:data') > rewritten, 'a pack was deleted before the index stopped naming it');
    assert.ok(order.lastIndexOf('fs:delete:index') < order.indexOf('fs:delete:data'), 'an old segment outlived a pack deletion');
    assert.ok(order.indexOf('fs:delete:deletions') > order.lastIndexOf('fs:delete:data'), 'the plan was deleted before its packs');
  });

  it('killed at any step, then used as a user would, keeps every snapshot and every later backup restorable', () => {
    for (const point of points) {
      const repo = join(work, `kill-${point.replace(/[^a-z0-9]/gi, '_')}`);
      cpSync(seed.repo, repo, { recursive: true });
      const r = hf(repo, ['prune', '--grace', '0s'], { HOLDFAST_FAULT: `${point}=kill` });
      assert.equal(r.code, null, `prune was not killed at ${point}`);
      // Straight after the crash: a backup that deduplicates against what prune touched, then restores.
      const v3src = makeV3(seed, join(work, 'v3src'), 99);
      ok(repo, 'backup', v3src, '--tag', 'v3');
      const v3 = snapshotIds(repo).find((id) => id !== seed.v2)!;
      const expected = new Map([
        [seed.v2, seed.v2src],
        [v3, v3src],
      ]);
      assertIntact(repo, expected, `after a kill at ${point}`);
      ok(repo, 'prune', '--grace', '0s');
      assertIntact(repo, expected, `after a kill at ${point} and a second prune`);
      rmSync(repo, { recursive: true, force: true });
    }
  });

  it('paused at any step while a backup, a restore and a check run to completion, ends with everything restorable', async () => {
    for (const point of points) {
      const repo = join(work, `pause-${point.replace(/[^a-z0-9]/gi, '_')}`);
      cpSync(seed.repo, repo, { recursive: true });
      const gate = join(work, `gate-${point.replace(/[^a-z0-9]/gi, '_')}`);
      const prune = spawn(process.execPath, [bin, 'prune', '--grace', '0s'], { env: env(repo, { HOLDFAST_FAULT: `${point}=pause:${gate}` }), stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      prune.stderr.on('data', (d: Buffer) => (err += d.toString()));
      const exited = new Promise<number | null>((res) => prune.on('exit', (c) => res(c)));
      const v3src = join(work, 'v3src-p');
      let v3: string;
      try {
        while (!existsSync(`${gate}.reached`)) {
          if (prune.exitCode !== null) throw new Error(`prune exited (${prune.exitCode}) before reaching ${point}: ${err}`);
          await sleep(20);
        }
        makeV3(seed, v3src, 98);
        ok(repo, 'backup', v3src, '--tag', 'v3');
        v3 = snapshotIds(repo).find((id) => id !== seed.v2)!;
        assertIntact(repo, new Map([[seed.v2, seed.v2src]]), `beside prune paused at ${point}`);
      } finally {
        // Never leave a paused prune behind a failed assertion: the runner would wait for it.
        writeFileSync(gate, '');
        setTimeout(() => prune.kill('SIGKILL'), 60_000).unref();
      }
      assert.equal(await exited, 0, `prune paused at ${point} failed: ${err}`);
      assertIntact(
        repo,
        new Map([
          [seed.v2, seed.v2src],
          [v3, v3src],
        ]),
        `after a backup beside prune paused at ${point}`,
      );
      rmSync(repo, { recursive: true, force: true });
    }
  });
});

describe('restore and check beside prune', () => {
  let seed: ReturnType<typeof seedRepository>;
  before(() => {
    work = mkdtempSync(join(tmpdir(), 'hf-prune-readers-'));
    seed = seedRepository(join(work, 'seed'));
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  for (const reader of ['restore', 'check'] as const)
    it(`a ${reader} that read the index before prune repacked keeps every pack it may read until it is done`, async () => {
      const repo = join(work, `${reader}-repo`);
      cpSync(seed.repo, repo, { recursive: true });
      const gate = join(work, `${reader}-gate`);
      const out = join(work, `${reader}-out`);
      const args = reader === 'restore' ? ['restore', seed.v2, '--target', out] : ['check', '--read-data'];
      const child = spawn(process.execPath, [bin, ...args], { env: env(repo, { HOLDFAST_FAULT: `${reader}:index-loaded=pause:${gate}` }), stdio: ['ignore', 'pipe', 'pipe'] });
      let text = '';
      child.stdout.on('data', (d: Buffer) => (text += d.toString()));
      child.stderr.on('data', (d: Buffer) => (text += d.toString()));
      const exited = new Promise<number | null>((res) => child.on('exit', (c) => res(c)));
      try {
        while (!existsSync(`${gate}.reached`)) await sleep(20);
        const pruned = JSON.parse(ok(repo, 'prune', '--grace', '0s', '--json')) as { repackedPacks: number; deletedPacks: number; deferred: string[] };
        // The interleaving is the point: prune did repack, and left the old copies for the reader.
        assert.ok(pruned.repackedPacks > 0, 'the seeded repository gives prune nothing to repack');
        assert.equal(pruned.deletedPacks, 0);
        assert.match(pruned.deferred.join('\n'), /wait for 1 reader/);
      } finally {
        writeFileSync(gate, '');
      }
      assert.equal(await exited, 0, `${reader} beside prune failed: ${text}`);
      if (reader === 'restore') assert.deepEqual(treeDifferences(seed.v2src, out), []);
      // Once the reader is gone the deferred plan is carried out, and nothing is lost.
      const second = JSON.parse(ok(repo, 'prune', '--grace', '0s', '--json')) as { deletedPacks: number };
      assert.ok(second.deletedPacks > 0);
      assertIntact(repo, new Map([[seed.v2, seed.v2src]]), `after a ${reader} beside prune`);
    });
});

describe('prune and damaged copies', () => {
  let seed: ReturnType<typeof seedRepository>;
  before(() => {
    work = mkdtempSync(join(tmpdir(), 'hf-prune-copies-'));
    seed = seedRepository(join(work, 'seed'));
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  it('never deletes the intact old copy of a blob whose repacked copy is damaged', async () => {
    const repo = join(work, 'repo');
    cpSync(seed.repo, repo, { recursive: true });
    const packsNow = () => new Set(readdirSync(join(repo, 'data'), { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name)));
    const before = packsNow();
    // A reader holding the repository makes prune repack but keep the old copies for now.
    const gate = join(work, 'gate');
    const reader = spawn(process.execPath, [bin, 'check'], { env: env(repo, { HOLDFAST_FAULT: `check:index-loaded=pause:${gate}` }), stdio: 'ignore' });
    const exited = new Promise((res) => reader.on('exit', res));
    try {
      while (!existsSync(`${gate}.reached`)) await sleep(20);
      const first = JSON.parse(ok(repo, 'prune', '--grace', '0s', '--json')) as { repackedPacks: number; deletedPacks: number };
      assert.ok(first.repackedPacks > 0 && first.deletedPacks === 0);
    } finally {
      writeFileSync(gate, '');
    }
    await exited;
    // Damage every new copy the repack wrote (a bit in the middle of each new data pack).
    const fresh = [...packsNow()].filter((p) => !before.has(p));
    assert.ok(fresh.length > 0);
    for (const p of fresh) {
      const bytes = readFileSync(p);
      bytes[bytes.length >> 2]! ^= 0x10;
      writeFileSync(p, bytes);
    }
    const second = JSON.parse(ok(repo, 'prune', '--grace', '0s', '--json')) as { kept: string[] };
    assert.ok(second.kept.length > 0, 'prune did not notice that the copies it relied on are damaged');
    assert.match(second.kept[0]!, /last intact copy of blob/);
    const out = join(work, 'out');
    ok(repo, 'restore', seed.v2, '--target', out);
    assert.deepEqual(treeDifferences(seed.v2src, out), []);
  });
});
