import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HoldfastError } from '../../base/errors.js';
import { FsBlobStore, STAGING_DIR } from '../../storage/fs/fs-store.js';
import type { PutOptions } from '../../storage/blob-store.js';
import { initRepository, Repository } from '../repository/repository.js';
import { listSnapshots } from '../snapshot/snapshot.js';
import { runBackup } from '../run.js';
import { checkRepository } from '../maintenance/check.js';
import { makeTree } from '../testing.js';
import { isLeftover, ownerOf, stagingPrefix, type LiveOwners } from './staging.js';

describe('pack staging: which staged files are left over', () => {
  const name = (pid: number, host: string) => `${stagingPrefix(pid, host)}0-3`;
  const live = (owners: string[], unknown = false): LiveOwners => ({ owners: new Set(owners), unknown });
  const noneDead = () => false;
  const cases: Array<[string, string, LiveOwners, (o: { pid: number; host: string }) => boolean, boolean]> = [
    ['a file of a live lock owner is kept', name(41, 'node-a'), live(['41@node-a']), noneDead, false],
    ['a file whose owner holds no live lock is left over', name(41, 'node-a'), live(['42@node-a']), noneDead, true],
    ['the same pid on another host is another owner', name(41, 'node-b'), live(['41@node-a']), noneDead, true],
    ['with an unreadable live lock, an owner without a lock may be its owner: kept', name(41, 'node-b'), live([], true), noneDead, false],
    ['an owner known dead goes whatever the locks say', name(41, 'node-a'), live(['41@node-a'], true), () => true, true],
    ['a host name with odd characters round-trips', name(7, 'pod~x@y'), live(['7@pod~x@y']), noneDead, false],
    ['a name this code never makes is never touched', 'notes.txt', live([]), () => true, false],
  ];
  for (const [label, n, l, dead, want] of cases) it(label, () => assert.equal(isLeftover(n, l, dead), want));

  it('reads the owner back from a name', () => {
    assert.deepEqual(ownerOf(name(1234, 'host.example')), { pid: 1234, host: 'host.example' });
    assert.deepEqual(ownerOf(name(7, 'pod~x@y')), { pid: 7, host: 'pod~x@y' });
    assert.equal(ownerOf('1234@host'), undefined);
  });
});

const FAST_KDF = { N: 1 << 10, r: 8, p: 1 };

/** A real directory repository whose store refuses every staged pack, as a full or broken target would. */
class RefusingPacks extends FsBlobStore {
  override putFile(name: string, _path: string, _size: number, _options?: PutOptions): Promise<void> {
    return Promise.reject(new HoldfastError('IO', 'permanent', `write ${name} in ${this.location}: refused for the test`));
  }
}

/** A directory repository on a slow target: each staged pack is stored some time after it is handed over. */
class SlowPacks extends FsBlobStore {
  override async putFile(name: string, path: string, size: number, options?: PutOptions): Promise<void> {
    await new Promise((r) => setTimeout(r, 300));
    return super.putFile(name, path, size, options);
  }
}

describe('pack staging in a directory repository', () => {
  const setup = async (store: (dir: string) => FsBlobStore) => {
    const root = await mkdtemp(join(tmpdir(), 'hf-staging-'));
    const src = join(root, 'src');
    // Larger than a pack, so workers ship whole packs from their files as well as leftovers.
    await makeTree(src, { bigBytes: 5 * 1024 * 1024 + 3 });
    const s = store(join(root, 'repo'));
    await initRepository(s, 'pw', { kdf: FAST_KDF });
    const repo = await Repository.open(s, 'pw', { packSize: 1024 * 1024 });
    return { root, src, repo, staging: join(root, 'repo', STAGING_DIR) };
  };

  it('stores packs from files staged inside the repository and leaves none behind', async (t) => {
    const { root, src, repo, staging } = await setup((d) => new FsBlobStore(d));
    t.after(() => rm(root, { recursive: true, force: true }));
    assert.equal(repo.store.stagingDir, staging);
    const r = await runBackup(repo, { source: src, threads: 2 });
    assert.ok(r.snapshot.summary.packsWritten >= 3, `packs written: ${r.snapshot.summary.packsWritten}`);
    assert.deepEqual(await readdir(staging), []);
  });

  it('a pack still being stored when the workers are done is stored, not removed with the leftovers', async (t) => {
    const { root, src, repo, staging } = await setup((d) => new SlowPacks(d));
    t.after(() => rm(root, { recursive: true, force: true }));
    const r = await runBackup(repo, { source: src, threads: 2 });
    assert.ok(r.snapshot.summary.packsWritten >= 3, `packs written: ${r.snapshot.summary.packsWritten}`);
    assert.deepEqual(await readdir(staging), []);
    assert.deepEqual((await checkRepository(repo, { readData: true })).errors, []);
  });

  it('a backup whose packs cannot be stored fails with the store\'s error and removes what it staged', async (t) => {
    const { root, src, repo, staging } = await setup((d) => new RefusingPacks(d));
    t.after(() => rm(root, { recursive: true, force: true }));
    await assert.rejects(runBackup(repo, { source: src, threads: 2 }), /refused for the test/);
    assert.deepEqual(await readdir(staging), []);
    assert.deepEqual(await listSnapshots(repo), []);
  });
});
