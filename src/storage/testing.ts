/**
 * The conformance suite every BlobStore must pass (fs here, S3 in storage/s3). It checks the
 * failure contract written in blob-store.ts, not an implementation.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { isHoldfastError } from '../base/errors.js';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { putFromFile, type BlobStore } from './blob-store.js';

export interface StoreFixture {
  store: BlobStore;
  cleanup(): Promise<void>;
}

export function blobStoreConformance(label: string, make: () => Promise<StoreFixture>): void {
  describe(`BlobStore conformance: ${label}`, () => {
    let fx: StoreFixture;
    before(async () => {
      fx = await make();
    });
    after(async () => {
      await fx?.cleanup();
    });

    it('returns exactly the bytes that were put, whole and by range', async () => {
      const data = randomBytes(300_000);
      await fx.store.put('data/ab/abcdef', data);
      assert.deepEqual(await fx.store.get('data/ab/abcdef'), data);
      assert.deepEqual(await fx.store.get('data/ab/abcdef', { offset: 1000, length: 5000 }), data.subarray(1000, 6000));
      const info = await fx.store.stat('data/ab/abcdef');
      assert.equal(info?.size, data.length);
    });

    it('stores a blob given as parts as their concatenation, with no part boundary showing', async () => {
      // More parts than IOV_MAX (1024), some empty: a pack of small blobs is written this way.
      const parts = Array.from({ length: 1500 }, (_, i) => randomBytes(i % 7 === 0 ? 0 : 200 + (i % 50)));
      const whole = Buffer.concat(parts);
      await fx.store.put('data/ef/ef0123', parts);
      assert.deepEqual(await fx.store.get('data/ef/ef0123'), whole);
      assert.equal((await fx.store.stat('data/ef/ef0123'))?.size, whole.length);
    });

    it('stores a staged file as a blob, whole (over one multipart part), and leaves the file to the caller', async (t) => {
      const dir = await mkdtemp(join(tmpdir(), 'hf-putfile-'));
      t.after(() => rm(dir, { recursive: true, force: true }));
      const data = randomBytes(9 * 1024 * 1024 + 17);
      const path = join(dir, 'pack');
      await writeFile(path, data);
      await putFromFile(fx.store, 'data/fa/fa0123', path, data.length);
      assert.deepEqual(await fx.store.get('data/fa/fa0123'), data);
      assert.equal((await fx.store.stat('data/fa/fa0123'))?.size, data.length);
      assert.equal((await stat(path)).size, data.length);
    });

    it('reports a missing blob as BLOB_NOT_FOUND on get and undefined on stat', async () => {
      await assert.rejects(fx.store.get('data/00/missing'), (e) => isHoldfastError(e, 'BLOB_NOT_FOUND'));
      assert.equal(await fx.store.stat('data/00/missing'), undefined);
    });

    it('refuses to overwrite when ifNotExists is set', async () => {
      await fx.store.put('locks/one', Buffer.from('a'), { ifNotExists: true });
      await assert.rejects(
        fx.store.put('locks/one', Buffer.from('b'), { ifNotExists: true }),
        (e) => isHoldfastError(e, 'BLOB_EXISTS'),
      );
      assert.equal((await fx.store.get('locks/one')).toString(), 'a');
    });

    it('lists by prefix and forgets deleted blobs', async () => {
      await fx.store.put('snapshots/s1', Buffer.from('1'));
      await fx.store.put('snapshots/s2', Buffer.from('2'));
      await fx.store.put('index/i1', Buffer.from('3'));
      const names = [];
      for await (const b of fx.store.list('snapshots/')) names.push(b.name);
      assert.deepEqual(names.sort(), ['snapshots/s1', 'snapshots/s2']);
      await fx.store.delete('snapshots/s1');
      await fx.store.delete('snapshots/never-existed');
      const after = [];
      for await (const b of fx.store.list('snapshots/')) after.push(b.name);
      assert.deepEqual(after, ['snapshots/s2']);
    });

    it('lists nested data prefixes', async () => {
      await fx.store.put('data/cd/cd01', Buffer.from('x'));
      const names = [];
      for await (const b of fx.store.list('data/')) names.push(b.name);
      assert.ok(names.includes('data/cd/cd01') && names.includes('data/ab/abcdef'), names.join(','));
    });

    it('rejects names that could escape the store', async () => {
      await assert.rejects(fx.store.put('data/../../etc/passwd', Buffer.from('x')));
    });
  });
}
