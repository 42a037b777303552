/**
 * The backup port over the real engine, on a real filesystem repository: what the control plane
 * relies on beyond a single CLI command — an opened repository kept for days stays correct across
 * a prune made through another instance (its in-memory index must not outlive the index rewrite).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { checkRepository, provenanceSchema, Repository } from '../../backup/index.js';
import { ManualClock } from '../../platform/clock.js';
import { openBlobStore } from '../../storage/index.js';
import { backupEngine } from './backup.js';

process.env.HOLDFAST_TEST_FAST_KDF = '1';
const password = 'test-password-not-secret';

describe('the backup port beside a prune', () => {
  it('re-reads the index after another instance pruned, so a backup of forgotten content stores it again', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'holdfast-port-'));
    try {
      const src = join(dir, 'vol');
      mkdirSync(src);
      const first = randomBytes(1 << 20);
      // Ahead of the wall clock: the packs written now are older than the prune's grace period.
      const clock = new ManualClock(new Date(Date.now() + 2 * 3_600_000));
      const port = backupEngine(clock);
      const location = join(dir, 'repo');
      const a = await port.open(location, password, { init: true });
      const b = await port.open(location, password, { init: false });
      const provenance = provenanceSchema.parse({ volume: 'vol', workloads: [], hooks: [], labels: {} });
      const backup = (repo: typeof a) => repo.backup({ source: src, tags: ['t'], provenance, excludes: [] });

      writeFileSync(join(src, 'f.bin'), first);
      await backup(a);
      clock.advance(60_000);
      writeFileSync(join(src, 'f.bin'), randomBytes(1 << 20));
      await backup(a);
      assert.deepEqual((await a.forget!({ policy: { keepLast: 1 } })).length, 1);
      const pruned = await b.prune({ graceMs: 3_600_000 });
      assert.ok(pruned.freedBytes > 512 * 1024, `freed ${pruned.freedBytes} bytes`);

      // The first content comes back: instance a once knew its chunks, in packs that are gone now.
      writeFileSync(join(src, 'f.bin'), first);
      const again = await backup(a);
      assert.ok(again.addedBytes >= first.length * 0.9, `stored again: ${again.addedBytes} bytes new`);
      const fresh = await Repository.open(await openBlobStore(location), password);
      await fresh.loadIndex();
      const report = await checkRepository(fresh, { readData: true });
      assert.deepEqual(report.errors, []);
      const target = join(dir, 'restored');
      mkdirSync(target);
      const restored = await a.restore({ snapshot: again.snapshotId, target });
      assert.equal(restored.bytes, first.length);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it('reports what a backup left out, so the scheduler can warn about it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'holdfast-port-'));
    try {
      const src = join(dir, 'vol');
      mkdirSync(src);
      writeFileSync(join(src, 'kept.txt'), 'kept');
      execFileSync('mkfifo', [join(src, 'a-fifo')]);
      const port = backupEngine(new ManualClock(new Date()));
      const repo = await port.open(join(dir, 'repo'), password, { init: true });
      const provenance = provenanceSchema.parse({ volume: 'vol', workloads: [], hooks: [], labels: {} });
      const r = await repo.backup({ source: src, tags: [], provenance, excludes: [] });
      assert.equal(r.files, 1);
      assert.deepEqual(r.skipped, ['skipped a-fifo: FIFO files are not backed up']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
