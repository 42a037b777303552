import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FsBlobStore } from '../../storage/fs/fs-store.js';
import { initRepository, Repository } from '../repository/repository.js';
import { checkRepository } from '../maintenance/check.js';
import { restore } from '../restorer/restorer.js';
import { backup } from './archiver.js';

describe('chunk workers sharing pack buffers', () => {
  const work = mkdtempSync(join(tmpdir(), 'hf-chunk-pool-'));
  after(() => rmSync(work, { recursive: true, force: true }));

  it('backs up a volume of many packs with four workers and five pack buffers: every file restores and check --read-data passes', async () => {
    const store = new FsBlobStore(join(work, 'repo'));
    await initRepository(store, 'pw', { kdf: { N: 1 << 10, r: 8, p: 1 } });
    // 64 KiB packs: a worker finishes a pack every chunk or two, so workers wait for buffers the
    // store has not given back yet, and one buffer goes from worker to worker many times.
    const repo = await Repository.open(store, 'pw', { packSize: 64 * 1024 });
    const src = join(work, 'src');
    mkdirSync(join(src, 'd'), { recursive: true });
    const files = new Map<string, Buffer>();
    for (let i = 0; i < 60; i++) files.set(join('d', `f${i}`), randomBytes(20_000 + i * 1000));
    files.set('large', randomBytes(6 * 1024 * 1024));
    for (const [name, data] of files) writeFileSync(join(src, name), data);

    const { snapshotId, snapshot } = await backup(repo, { source: src, threads: 4 });
    assert.ok(snapshot.summary.packsWritten >= 30, `packs written: ${snapshot.summary.packsWritten}`);

    const target = join(work, 'restored');
    await restore(repo, { snapshot: { id: snapshotId, snapshot }, target });
    for (const [name, data] of files) assert.ok(readFileSync(join(target, name)).equals(data), `${name} restores as it was`);
    const report = await checkRepository(await Repository.open(store, 'pw'), { readData: true });
    assert.deepEqual(report.errors, []);
  });
});
