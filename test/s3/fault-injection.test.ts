/**
 * Many puts, gets, lists and deletes through a proxy that injects 503s, slow answers, timeouts,
 * resets and responses cut halfway, at 10 %, in front of a real S3 server. The SDK's own retries
 * are switched off, so what recovers is Holdfast's retry layer; every call must succeed and every
 * byte must come back.
 */
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { isHoldfastError } from '../../src/base/errors.js';
import type { LimitedBlobStore } from '../../src/storage/limit.js';
import type { ReadAheadBlobStore } from '../../src/storage/s3/read-ahead.js';
import type { RetryingBlobStore } from '../../src/storage/retry.js';
import { HeadObjectCommand, ListMultipartUploadsCommand } from '@aws-sdk/client-s3';
import { connectS3, openS3BlobStore } from '../../src/storage/s3/s3-open.js';
import { startFaultProxy, type FaultProxy } from '../harness/fault-proxy.js';
import { startS3Server, type S3TestServer } from '../harness/s3-server.js';

let s3: S3TestServer;
let proxy: FaultProxy;
before(async () => {
  s3 = await startS3Server();
  const tls = s3.tls!;
  proxy = await startFaultProxy({
    upstream: s3.endpoint,
    rate: 0.1,
    seed: 20261201,
    slowMs: 300,
    tls: { cert: await readFile(tls.certFile), key: await readFile(tls.keyFile), ca: await readFile(tls.caFile) },
  });
});
after(async () => {
  await proxy?.stop();
  await s3?.stop();
});

it('survives 10 % injected faults: every put, get, list and delete succeeds with the right bytes', async () => {
  const url = `s3:${proxy.endpoint}/${s3.buckets.plain}/faulty`;
  const store = (await openS3BlobStore(url, {
    env: s3.env(),
    sdkMaxAttempts: 1,
    requestTimeoutMs: 1000,
    multipartThreshold: 5 * 1024 * 1024,
    partSize: 5 * 1024 * 1024,
    pageSize: 20,
    retry: { policy: { attempts: 10, baseMs: 20, capMs: 400 } },
  })) as ReadAheadBlobStore;
  const retrying = (store.inner as LimitedBlobStore).inner as RetryingBlobStore;

  const blobs = new Map<string, Buffer>();
  for (let i = 0; i < 80; i++) blobs.set(`data/${(i % 16).toString(16).padStart(2, '0')}/b${i}`, randomBytes(1000 + ((i * 7919) % 200_000)));
  blobs.set('data/mp/big1', randomBytes(6 * 1024 * 1024));
  blobs.set('data/mp/big2', randomBytes(7 * 1024 * 1024));
  await Promise.all([...blobs].map(([name, data]) => store.put(name, data)));

  // Locks: create-if-absent must neither lose our own write to a cut response nor let two win.
  const lockResults = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => store.put(`locks/l${i % 5}`, Buffer.from(`w${i}`), { ifNotExists: true })));
  assert.equal(lockResults.filter((r) => r.status === 'fulfilled').length, 5);
  for (const r of lockResults) if (r.status === 'rejected') assert.ok(isHoldfastError(r.reason, 'BLOB_EXISTS'), String(r.reason));

  await Promise.all(
    [...blobs].map(async ([name, data]) => {
      const back = await store.get(name);
      assert.ok(back.equals(data), `${name} came back different`);
      assert.deepEqual(await store.get(name, { offset: 100, length: 50 }), data.subarray(100, 150));
      assert.equal((await store.stat(name))?.size, data.length);
    }),
  );
  const listed = new Set<string>();
  for await (const b of store.list('data/')) listed.add(b.name);
  assert.deepEqual([...listed].sort(), [...blobs.keys()].sort());

  const doomed = [...blobs.keys()].filter((_, i) => i % 2 === 0);
  await Promise.all(doomed.map((n) => store.delete(n)));
  for (const n of doomed) assert.equal(await store.stat(n), undefined);

  const injected = proxy.stats['503'] + proxy.stats.slow + proxy.stats.timeout + proxy.stats.reset + proxy.stats.cut;
  const total = injected + proxy.stats.pass;
  process.stdout.write(`# fault proxy: ${JSON.stringify(proxy.stats)}; retries ${retrying.retries}\n`);
  assert.ok(injected >= total * 0.05 && injected > 10, `only ${injected} of ${total} requests were faulted`);
  for (const kind of ['503', 'timeout', 'reset', 'cut'] as const) assert.ok(proxy.stats[kind] > 0, `no ${kind} fault was injected`);
  assert.ok(retrying.retries > 0, 'the retry layer never retried');
  await store.close();
});

it('never has more calls in flight at the server than its concurrency limit', async () => {
  const quiet = await startFaultProxy({ upstream: s3.endpoint, rate: 0, seed: 1, tls: { cert: await readFile(s3.tls!.certFile), key: await readFile(s3.tls!.keyFile), ca: await readFile(s3.tls!.caFile) } });
  try {
    const store = await openS3BlobStore(`s3:${quiet.endpoint}/${s3.buckets.plain}/limited`, { env: s3.env(), concurrency: 3 });
    await Promise.all(Array.from({ length: 40 }, (_, i) => store.put(`data/lm/b${i}`, randomBytes(20_000))));
    await Promise.all(Array.from({ length: 40 }, (_, i) => store.stat(`data/lm/b${i}`)));
    assert.ok(quiet.maxInFlight >= 1 && quiet.maxInFlight <= 3, `max in flight ${quiet.maxInFlight}`);
    assert.equal(quiet.stats.pass, 80 + 2); // + the listing and lock-configuration probe at open
    await store.close?.();
  } finally {
    await quiet.stop();
  }
});

it('leaves neither a partial object nor orphaned parts when a multipart upload fails', async () => {
  const tls = s3.tls!;
  const harsh = await startFaultProxy({
    upstream: s3.endpoint,
    rate: 0.3,
    seed: 77,
    kinds: ['503'],
    tls: { cert: await readFile(tls.certFile), key: await readFile(tls.keyFile), ca: await readFile(tls.caFile) },
  });
  try {
    // No retries at all, so faults become failed uploads; the probe at open may need a few tries.
    const url = `s3:${harsh.endpoint}/${s3.buckets.plain}/mp-fail`;
    let store;
    for (let i = 0; !store; i++) store = await connectS3(url, { env: s3.env(), sdkMaxAttempts: 1, multipartThreshold: 5 << 20, partSize: 5 << 20 }).catch((e) => (i < 20 ? undefined : Promise.reject(e)));
    const failed: string[] = [];
    for (let i = 0; i < 8; i++) {
      const name = `data/mf/big${i}`;
      await store.put(name, randomBytes(6 << 20)).catch((e) => {
        assert.ok(isHoldfastError(e) && e.kind === 'transient', String(e));
        failed.push(name);
      });
    }
    assert.ok(failed.length > 0 && failed.length < 8, `${failed.length} of 8 uploads failed`);
    const uploads = await s3.admin.send(new ListMultipartUploadsCommand({ Bucket: s3.buckets.plain, Prefix: 'mp-fail/' }));
    assert.deepEqual(uploads.Uploads ?? [], []);
    for (const name of failed)
      await assert.rejects(s3.admin.send(new HeadObjectCommand({ Bucket: s3.buckets.plain, Key: `mp-fail/${name}` })), (e: { name?: string }) => e.name === 'NotFound');
    await store.close();
  } finally {
    await harsh.stop();
  }
});

it('falls back to head-then-put on a server without conditional writes, and still refuses an existing blob', async () => {
  const tls = s3.tls!;
  const old = await startFaultProxy({
    upstream: s3.endpoint,
    rate: 0,
    seed: 1,
    noConditionalWrites: true,
    tls: { cert: await readFile(tls.certFile), key: await readFile(tls.keyFile), ca: await readFile(tls.caFile) },
  });
  try {
    const store = await connectS3(`s3:${old.endpoint}/${s3.buckets.plain}/no-conditional`, { env: s3.env() });
    await store.put('locks/exclusive', Buffer.from('first'), { ifNotExists: true });
    await assert.rejects(store.put('locks/exclusive', Buffer.from('second'), { ifNotExists: true }), (e) => isHoldfastError(e, 'BLOB_EXISTS'));
    assert.equal((await store.get('locks/exclusive')).toString(), 'first');
    assert.equal(old.refusedConditional, 1, 'the first conditional PUT is refused, then the store stops sending them');
    await store.close();
  } finally {
    await old.stop();
  }
});
