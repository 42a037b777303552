/**
 * The S3 store against a real S3 server (versitygw on loopback, TLS from a test CA): the shared
 * BlobStore conformance suite, then what only S3 has — multipart, pagination, object lock.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isHoldfastError } from '../../base/errors.js';
import { ManualClock } from '../../platform/clock.js';
import { openBlobStore } from '../index.js';
import { blobStoreConformance } from '../testing.js';
import { startS3Server, type S3TestServer } from '../../../test/harness/s3-server.js';
import type { LookupFunction } from 'node:net';
import { connectS3 } from './s3-open.js';
import { CreateMultipartUploadCommand, ListMultipartUploadsCommand, type S3Client } from '@aws-sdk/client-s3';

let s3: S3TestServer;
const ready = startS3Server({ virtualDomain: 'localhost' });
before(async () => {
  s3 = await ready;
});
after(async () => {
  await (await ready.catch(() => undefined))?.stop();
});

let n = 0;
const prefix = () => `t${process.pid}-${n++}`;

blobStoreConformance('S3 (versitygw, TLS, through openBlobStore)', async () => {
  const srv = await ready;
  const store = await openBlobStore(srv.url(srv.buckets.plain, prefix()), { env: srv.env() });
  return { store, cleanup: async () => store.close?.() };
});

blobStoreConformance('S3 bucket with object lock', async () => {
  const srv = await ready;
  const store = await openBlobStore(srv.url(srv.buckets.locked, prefix()), { env: srv.env() });
  return { store, cleanup: async () => store.close?.() };
});

describe('S3 store specifics', () => {
  it('uploads a blob above the multipart threshold in parts and reads it back whole', async () => {
    const store = await connectS3(s3.url(s3.buckets.plain, prefix()), { env: s3.env(), multipartThreshold: 5 * 1024 * 1024, partSize: 5 * 1024 * 1024 });
    const data = randomBytes(11 * 1024 * 1024 + 17);
    await store.put('data/mp/big', data);
    const back = await store.get('data/mp/big');
    assert.ok(back.equals(data));
    assert.deepEqual(await store.get('data/mp/big', { offset: 5 * 1024 * 1024 - 3, length: 10 }), data.subarray(5 * 1024 * 1024 - 3, 5 * 1024 * 1024 + 7));
    await store.close();
  });

  it('stores a staged pack from its file in parts, read part by part; a file short of its size leaves no object', async (t) => {
    const store = await connectS3(s3.url(s3.buckets.plain, prefix()), { env: s3.env(), multipartThreshold: 5 * 1024 * 1024, partSize: 5 * 1024 * 1024 });
    const dir = await mkdtemp(join(tmpdir(), 'hf-s3-putfile-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const data = randomBytes(11 * 1024 * 1024 + 17);
    const path = join(dir, 'pack');
    await writeFile(path, data);
    await store.putFile('data/pf/staged', path, data.length);
    assert.ok((await store.get('data/pf/staged')).equals(data));
    await assert.rejects(store.putFile('data/pf/short', path, data.length + 5 * 1024 * 1024), /shorter than/);
    assert.equal(await store.stat('data/pf/short'), undefined);
    await store.close();
    const wrapped = await openBlobStore(s3.url(s3.buckets.plain, prefix()), { env: s3.env() });
    assert.equal(typeof wrapped.putFile, 'function', 'the retry, limit and read-ahead wrappers pass putFile through');
    await wrapped.close?.();
  });

  it('aborts multipart uploads a killed writer left, once they are older than the cut-off', async () => {
    const store = await connectS3(s3.url(s3.buckets.plain, prefix()), { env: s3.env() });
    // A writer killed between CreateMultipartUpload and Complete leaves exactly this behind.
    const client = (store as unknown as { c: S3Client }).c;
    const Key = `${(store as unknown as { cfg: { location: { prefix: string } } }).cfg.location.prefix}data/ab/abandoned`;
    await client.send(new CreateMultipartUploadCommand({ Bucket: s3.buckets.plain, Key }));
    const pending = async () => ((await client.send(new ListMultipartUploadsCommand({ Bucket: s3.buckets.plain, Prefix: Key }))).Uploads ?? []).length;
    assert.equal(await pending(), 1);
    assert.equal(await store.sweepTemporaries(new Date(Date.now() - 3_600_000)), 0, 'a young upload may belong to a running backup');
    assert.equal(await pending(), 1);
    assert.equal(await store.sweepTemporaries(new Date(Date.now() + 60_000)), 1);
    assert.equal(await pending(), 0);
    await store.close();
  });

  it('lists every blob across many pages', async () => {
    const store = await connectS3(s3.url(s3.buckets.plain, prefix()), { env: s3.env(), pageSize: 3 });
    const names = Array.from({ length: 10 }, (_, i) => `index/i${i}`);
    await Promise.all(names.map((nm) => store.put(nm, Buffer.from(nm))));
    const seen = [];
    for await (const b of store.list('index/')) seen.push(b.name);
    assert.deepEqual(seen.sort(), names.sort());
    await store.close();
  });

  it('addresses the bucket in the host name when asked for virtual-host style', async () => {
    // Only "<bucket>.localhost" resolves, so a path-style request (to "localhost") could not connect.
    const asked: string[] = [];
    const lookup = ((host: string, opts: { all?: boolean }, cb: (...a: unknown[]) => void) => {
      asked.push(host);
      if (host !== `${s3.buckets.plain}.localhost`) return cb(Object.assign(new Error(`ENOTFOUND ${host}`), { code: 'ENOTFOUND' }));
      return opts.all ? cb(null, [{ address: '127.0.0.1', family: 4 }]) : cb(null, '127.0.0.1', 4);
    }) as unknown as LookupFunction;
    const port = new URL(s3.endpoint).port;
    const store = await connectS3(`s3:https://localhost:${port}/${s3.buckets.plain}/vhost?style=virtual`, { env: s3.env(), lookup });
    await store.put('data/vh/x', Buffer.from('virtual'));
    assert.equal((await store.get('data/vh/x')).toString(), 'virtual');
    const names = [];
    for await (const b of store.list('data/')) names.push(b.name);
    assert.deepEqual(names, ['data/vh/x']);
    assert.ok(asked.length > 0 && asked.every((h) => h === 'holdfast-plain.localhost'), asked.join(','));
    await store.close();
  });

  it('keeps two repositories in one bucket apart by prefix', async () => {
    const a = await openBlobStore(s3.url(s3.buckets.plain, prefix()), { env: s3.env() });
    const b = await openBlobStore(s3.url(s3.buckets.plain, prefix()), { env: s3.env() });
    await a.put('keys/k1', Buffer.from('a'));
    const inB = [];
    for await (const x of b.list('')) inB.push(x.name);
    assert.deepEqual(inB, []);
    assert.equal(await b.stat('keys/k1'), undefined);
  });

  it('lets exactly one of many concurrent create-if-absent writers win', async () => {
    const store = await openBlobStore(s3.url(s3.buckets.plain, prefix()), { env: s3.env() });
    const results = await Promise.allSettled(Array.from({ length: 8 }, (_, i) => store.put('locks/exclusive', Buffer.from(`w${i}`), { ifNotExists: true })));
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
    for (const r of results) if (r.status === 'rejected') assert.ok(isHoldfastError(r.reason, 'BLOB_EXISTS'), String(r.reason));
  });
});

describe('S3 object lock', () => {
  it('holds a blob put with retainUntil and refuses to delete it with BLOB_HELD naming the date', async () => {
    const clock = new ManualClock(new Date());
    const store = await connectS3(s3.url(s3.buckets.locked, prefix()), { env: s3.env(), clock });
    assert.equal(store.objectLock, true);
    const until = new Date(Date.now() + 24 * 3600 * 1000);
    await store.put('data/lk/held', Buffer.from('locked bytes'), { retainUntil: until });
    const held = await store.heldUntil('data/lk/held');
    assert.equal(held?.toISOString().slice(0, 19), until.toISOString().slice(0, 19));
    await assert.rejects(store.delete('data/lk/held'), (e) => {
      assert.ok(isHoldfastError(e, 'BLOB_HELD') && e.kind === 'conflict', String(e));
      assert.match(e.message, /delete data\/lk\/held in s3:https:\/\/127\.0\.0\.1:\d+\/holdfast-locked\/.*held by object lock \(COMPLIANCE\) until \d{4}-/);
      return true;
    });
    assert.equal((await store.get('data/lk/held')).toString(), 'locked bytes');
    await store.close();
  });

  it('holds in governance mode when the repository asks for it, and says so', async () => {
    const store = await connectS3(s3.url(s3.buckets.locked, prefix()) + '?lock=governance', { env: s3.env() });
    await store.put('data/lk/gov', Buffer.from('g'), { retainUntil: new Date(Date.now() + 3600 * 1000) });
    await assert.rejects(store.delete('data/lk/gov'), (e) => isHoldfastError(e, 'BLOB_HELD') && /\(GOVERNANCE\) until/.test(e.message));
    await store.close();
  });

  it('extends the retention of a held blob, and never shortens it', async () => {
    const store = await openBlobStore(s3.url(s3.buckets.locked, prefix()), { env: s3.env() });
    const soon = new Date(Date.now() + 3600 * 1000);
    const later = new Date(Date.now() + 5 * 3600 * 1000);
    await store.put('data/lk/reused', Buffer.from('r'), { retainUntil: soon });
    await store.extendRetention!('data/lk/reused', later);
    assert.equal((await store.heldUntil!('data/lk/reused'))?.toISOString().slice(0, 19), later.toISOString().slice(0, 19));
    await store.extendRetention!('data/lk/reused', soon);
    assert.equal((await store.heldUntil!('data/lk/reused'))?.toISOString().slice(0, 19), later.toISOString().slice(0, 19));
    await store.put('data/lk/unheld', Buffer.from('u'));
    await store.extendRetention!('data/lk/unheld', soon);
    assert.ok(await store.heldUntil!('data/lk/unheld'));
    await assert.rejects(store.extendRetention!('data/lk/never', soon), (e) => isHoldfastError(e, 'BLOB_NOT_FOUND'));
    await store.close?.();
  });

  it('holds a multipart blob too', async () => {
    const store = await connectS3(s3.url(s3.buckets.locked, prefix()), { env: s3.env(), multipartThreshold: 5 * 1024 * 1024, partSize: 5 * 1024 * 1024 });
    const until = new Date(Date.now() + 3600 * 1000);
    await store.put('data/lk/bigheld', randomBytes(6 * 1024 * 1024), { retainUntil: until });
    assert.ok(await store.heldUntil('data/lk/bigheld'));
    await assert.rejects(store.delete('data/lk/bigheld'), (e) => isHoldfastError(e, 'BLOB_HELD'));
    await store.close();
  });

  it('deletes an unheld blob in a locked bucket for real, leaving no version behind', async () => {
    const store = await connectS3(s3.url(s3.buckets.locked, prefix()), { env: s3.env() });
    await store.put('data/lk/free', Buffer.from('x'));
    assert.equal(await store.heldUntil('data/lk/free'), undefined);
    await store.delete('data/lk/free');
    assert.equal(await store.stat('data/lk/free'), undefined);
    await store.close();
  });

  it('reports a blob whose retention has passed as not held', async () => {
    const clock = new ManualClock(new Date());
    const store = await connectS3(s3.url(s3.buckets.locked, prefix()), { env: s3.env(), clock });
    await store.put('data/lk/soon', Buffer.from('x'), { retainUntil: new Date(Date.now() + 3600 * 1000) });
    clock.advance(2 * 3600 * 1000);
    assert.equal(await store.heldUntil('data/lk/soon'), undefined);
    await store.close();
  });

  it('refuses retention on a bucket without object lock, writing nothing', async () => {
    const store = await openBlobStore(s3.url(s3.buckets.plain, prefix()), { env: s3.env() });
    await assert.rejects(store.put('data/nl/x', Buffer.from('x'), { retainUntil: new Date(Date.now() + 1000) }), (e) => {
      assert.ok(isHoldfastError(e, 'S3_NO_OBJECT_LOCK'), String(e));
      assert.match(e.message, /bucket "holdfast-plain" has no object lock/);
      return true;
    });
    assert.equal(await store.stat('data/nl/x'), undefined);
  });

  it('refuses at open a repository that asks for locking in a bucket without it', async () => {
    await assert.rejects(openBlobStore(s3.url(s3.buckets.plain, prefix()) + '?lock=compliance', { env: s3.env() }), (e) => {
      assert.ok(isHoldfastError(e, 'S3_NO_OBJECT_LOCK'), String(e));
      assert.match(e.message, /^open s3:https:\/\/127\.0\.0\.1:\d+\/holdfast-plain\/\S+: bucket "holdfast-plain" has no object lock/);
      return true;
    });
  });
});
