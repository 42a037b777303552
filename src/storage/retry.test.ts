import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HoldfastError, isHoldfastError, transient } from '../base/errors.js';
import type { BlobData, BlobInfo, BlobStore, PutOptions } from './blob-store.js';
import { FsBlobStore } from './fs/fs-store.js';
import { RetryingBlobStore } from './retry.js';

/**
 * A real filesystem store behind a wrapper that fails on command. The faults are injected because
 * a local disk cannot be made to return a 503; the fault-proxy tests do the same against real S3.
 */
class Faulty implements BlobStore {
  readonly location: string;
  /** Each entry is consumed by one call: 'before' fails without doing it, 'after' does it and then fails. */
  plan: Array<'before' | 'after' | HoldfastError> = [];
  listFailAfter = -1;
  constructor(readonly inner: FsBlobStore) {
    this.location = inner.location;
  }
  private async step<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.plan.shift();
    if (p instanceof HoldfastError) throw p;
    if (p === 'before') throw transient('S3_SERVER', 'injected 503 before the call');
    const r = await fn();
    if (p === 'after') throw transient('NETWORK', 'injected reset after the call');
    return r;
  }
  put(n: string, d: BlobData, o?: PutOptions) {
    return this.step(() => this.inner.put(n, d, o));
  }
  putFile(n: string, path: string, size: number, o?: PutOptions) {
    return this.step(() => this.inner.putFile(n, path, size, o));
  }
  get(n: string, r?: { offset: number; length: number }) {
    return this.step(() => this.inner.get(n, r));
  }
  stat(n: string) {
    return this.step(() => this.inner.stat(n));
  }
  delete(n: string) {
    return this.step(() => this.inner.delete(n));
  }
  async *list(p: string): AsyncIterable<BlobInfo> {
    let i = 0;
    for await (const b of this.inner.list(p)) {
      if (i++ === this.listFailAfter) {
        this.listFailAfter = -1;
        throw transient('NETWORK', 'injected reset mid-list');
      }
      yield b;
    }
  }
}

const dirs: string[] = [];
after(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));
async function setup() {
  const dir = await mkdtemp(join(tmpdir(), 'hf-retry-'));
  dirs.push(dir);
  const faulty = new Faulty(new FsBlobStore(dir));
  const waits: number[] = [];
  const store = new RetryingBlobStore(faulty, { policy: { attempts: 4, baseMs: 10 }, sleep: async (ms) => void waits.push(ms), random: () => 0.5 });
  return { faulty, store, waits };
}

describe('RetryingBlobStore', () => {
  it('succeeds after transient failures, waiting longer each time', async () => {
    const { faulty, store, waits } = await setup();
    faulty.plan = ['before', 'before'];
    await store.put('data/aa/1', Buffer.from('x'));
    assert.equal((await store.get('data/aa/1')).toString(), 'x');
    assert.deepEqual(waits, [8, 15]);
    assert.equal(store.retries, 2);
  });

  it('stores a staged file after transient failures, from the file each time', async (t) => {
    const { faulty, store } = await setup();
    const dir = await mkdtemp(join(tmpdir(), 'hf-retry-file-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    await writeFile(join(dir, 'pack'), 'staged bytes');
    faulty.plan = ['before', 'before'];
    await store.putFile!('data/aa/2', join(dir, 'pack'), 12);
    assert.equal((await store.get('data/aa/2')).toString(), 'staged bytes');
    assert.equal(store.retries, 2);
  });

  it('gives up after the last attempt and says how many it made', async () => {
    const { faulty, store } = await setup();
    faulty.plan = ['before', 'before', 'before', 'before'];
    await assert.rejects(store.stat('data/aa/1'), (e) => isHoldfastError(e, 'S3_SERVER') && /gave up after 4 attempts/.test(e.message));
  });

  it('does not retry an error that retrying cannot fix', async () => {
    const { faulty, store, waits } = await setup();
    faulty.plan = [new HoldfastError('S3_AUTH', 'auth', 'wrong key')];
    await assert.rejects(store.get('data/aa/1'), (e) => isHoldfastError(e, 'S3_AUTH'));
    assert.deepEqual(waits, []);
  });

  it('passes a missing blob through as BLOB_NOT_FOUND without retrying', async () => {
    const { store, waits } = await setup();
    await assert.rejects(store.get('data/aa/none'), (e) => isHoldfastError(e, 'BLOB_NOT_FOUND'));
    assert.deepEqual(waits, []);
  });

  it('treats its own create-if-absent write whose response was lost as success', async () => {
    const { faulty, store } = await setup();
    faulty.plan = ['after'];
    await store.put('locks/l1', Buffer.from('mine'), { ifNotExists: true });
    assert.equal((await store.get('locks/l1')).toString(), 'mine');
  });

  it('still reports BLOB_EXISTS when another writer got there first, even after a lost response', async () => {
    const { faulty, store } = await setup();
    await store.put('locks/l2', Buffer.from('theirs'), { ifNotExists: true });
    faulty.plan = ['before'];
    await assert.rejects(store.put('locks/l2', Buffer.from('mine'), { ifNotExists: true }), (e) => isHoldfastError(e, 'BLOB_EXISTS'));
  });

  it('restarts a listing that failed midway and yields every name exactly once', async () => {
    const { faulty, store } = await setup();
    for (let i = 0; i < 6; i++) await store.put(`index/i${i}`, Buffer.from('x'));
    faulty.listFailAfter = 3;
    const names = [];
    for await (const b of store.list('index/')) names.push(b.name);
    assert.deepEqual(names.sort(), ['index/i0', 'index/i1', 'index/i2', 'index/i3', 'index/i4', 'index/i5']);
    assert.equal(store.retries, 1);
  });
});

describe('RetryingBlobStore create-if-absent comparison', () => {
  it('retries when reading back its own write fails transiently, then recognises it', async () => {
    const { faulty, store } = await setup();
    // 1st put: stored, response lost. 2nd put: BLOB_EXISTS; its read-back fails (503); 3rd put: BLOB_EXISTS, read-back matches.
    faulty.plan = ['after'];
    const realGet = faulty.get.bind(faulty);
    let gets = 0;
    faulty.get = async (n, r) => (gets++ === 0 ? Promise.reject(transient('S3_SERVER', 'injected 503 on read-back')) : realGet(n, r));
    await store.put('locks/l3', Buffer.from('mine'), { ifNotExists: true });
    assert.equal(gets, 2);
  });
});
