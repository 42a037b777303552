import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isHoldfastError } from '../../base/errors.js';
import { FsBlobStore } from '../fs/fs-store.js';
import { ReadAheadBlobStore } from './read-ahead.js';

const dirs: string[] = [];
after(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));
async function setup(windowBytes = 1024, maxWindows = 4) {
  const dir = await mkdtemp(join(tmpdir(), 'hf-ra-'));
  dirs.push(dir);
  const fs = new FsBlobStore(dir);
  const blob = randomBytes(10_000);
  await fs.put('data/aa/pack', blob);
  return { fs, blob, store: new ReadAheadBlobStore(fs, windowBytes, maxWindows) };
}

describe('ReadAheadBlobStore', () => {
  it('serves consecutive small reads of one blob from one read of the store', async () => {
    const { store, blob } = await setup();
    for (let off = 0; off < 1000; off += 100) assert.deepEqual(await store.get('data/aa/pack', { offset: off, length: 100 }), blob.subarray(off, off + 100));
    assert.equal(store.innerReads, 1);
  });

  it('returns exactly what the store returns for any range, up to and past the end', async () => {
    const { store, fs } = await setup();
    for (const [offset, length] of [[0, 1], [1000, 24], [1020, 500], [9990, 100], [10_000, 5], [20_000, 5], [3000, 0]] as const)
      assert.deepEqual(await store.get('data/aa/pack', { offset, length }), await fs.get('data/aa/pack', { offset, length }), `${offset}+${length}`);
  });

  it('passes whole-blob and large reads straight through', async () => {
    const { store, blob } = await setup();
    assert.deepEqual(await store.get('data/aa/pack'), blob);
    assert.deepEqual(await store.get('data/aa/pack', { offset: 0, length: 900 }), blob.subarray(0, 900));
    assert.equal(store.innerReads, 2);
  });

  it('forgets what it read when the blob is rewritten or deleted', async () => {
    const { store, fs } = await setup();
    await store.get('data/aa/pack', { offset: 0, length: 10 });
    await store.put('data/aa/pack', Buffer.from('new bytes'));
    // Asked again, and answered from the file as it is now (a fresh store: the fs store's own
    // handle cache assumes blobs are never rewritten, which is its business, not this wrapper's).
    assert.equal((await store.get('data/aa/pack', { offset: 0, length: 3 })).length, 3);
    assert.equal(store.innerReads, 2);
    assert.equal((await new FsBlobStore(fs.root).get('data/aa/pack', { offset: 0, length: 3 })).toString(), 'new');
    await store.delete('data/aa/pack');
    await assert.rejects(store.get('data/aa/pack', { offset: 0, length: 3 }), (e) => isHoldfastError(e, 'BLOB_NOT_FOUND'));
  });

  it('holds no more windows than allowed, dropping the least recently used', async () => {
    const { store } = await setup(1024, 2);
    await store.get('data/aa/pack', { offset: 0, length: 10 }); // window A
    await store.get('data/aa/pack', { offset: 5000, length: 10 }); // window B
    await store.get('data/aa/pack', { offset: 20, length: 10 }); // A again: now most recent
    await store.get('data/aa/pack', { offset: 8000, length: 10 }); // C evicts B
    assert.equal(store.innerReads, 3);
    await store.get('data/aa/pack', { offset: 30, length: 10 }); // A still held
    assert.equal(store.innerReads, 3);
    await store.get('data/aa/pack', { offset: 5010, length: 10 }); // B was dropped
    assert.equal(store.innerReads, 4);
  });

  it('does not remember a failed read', async () => {
    const { store, fs, blob } = await setup();
    await assert.rejects(store.get('data/bb/later', { offset: 0, length: 10 }), (e) => isHoldfastError(e, 'BLOB_NOT_FOUND'));
    await fs.put('data/bb/later', blob);
    assert.deepEqual(await store.get('data/bb/later', { offset: 0, length: 10 }), blob.subarray(0, 10));
  });
});
