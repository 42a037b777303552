/**
 * What a user sees when the S3 side is wrong: one line naming the endpoint and bucket, the right
 * code and kind (hence exit code), no secret anywhere — not in the message, not in the cause chain.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { isHoldfastError, type HoldfastError } from '../../src/base/errors.js';
import { openBlobStore } from '../../src/storage/index.js';
import { connectS3 } from '../../src/storage/s3/s3-open.js';
import { freePort, startS3Server, type S3TestServer } from '../harness/s3-server.js';

let s3: S3TestServer;
let plain: S3TestServer;
before(async () => {
  [s3, plain] = await Promise.all([startS3Server(), startS3Server({ tls: false })]);
});
after(async () => {
  await Promise.all([s3?.stop(), plain?.stop()]);
});

const fast = { retry: { policy: { attempts: 2, baseMs: 1, capMs: 5 } } };

async function failure(p: Promise<unknown>): Promise<HoldfastError> {
  try {
    await p;
  } catch (e) {
    assert.ok(isHoldfastError(e), `not a HoldfastError: ${inspect(e)}`);
    assert.ok(!e.message.includes('\n'), `more than one line: ${e.message}`);
    for (const secret of [s3.secretAccessKey, plain.secretAccessKey, 'WRONG-SECRET-0123456789'])
      assert.ok(!inspect(e, { depth: 10 }).includes(secret), `a secret leaked into ${e.code}`);
    return e;
  }
  assert.fail('expected a failure');
}

describe('S3 bad input', () => {
  it('names the endpoint and bucket when the secret key is wrong', async () => {
    const e = await failure(openBlobStore(s3.url(s3.buckets.plain, 'r'), { env: s3.env({ AWS_SECRET_ACCESS_KEY: 'WRONG-SECRET-0123456789' }) }));
    assert.equal(e.code, 'S3_AUTH');
    assert.equal(e.kind, 'auth');
    assert.match(e.message, /^open s3:https:\/\/127\.0\.0\.1:\d+\/holdfast-plain\/r: the secret key is wrong \(SignatureDoesNotMatch\)$/);
  });

  it('says the access key is unknown', async () => {
    const e = await failure(openBlobStore(s3.url(s3.buckets.plain), { env: s3.env({ AWS_ACCESS_KEY_ID: 'AKIDNOBODY' }) }));
    assert.equal(e.code, 'S3_AUTH');
    assert.match(e.message, /access key is not known/);
  });

  it('says the bucket does not exist', async () => {
    const e = await failure(openBlobStore(s3.url('no-such-bucket', 'r'), { env: s3.env() }));
    assert.equal(e.code, 'S3_NO_BUCKET');
    assert.equal(e.kind, 'not-found');
    assert.match(e.message, /^open s3:https:\/\/127\.0\.0\.1:\d+\/no-such-bucket\/r: bucket "no-such-bucket" does not exist at https:\/\/127\.0\.0\.1:\d+$/);
  });

  it('refuses a server whose certificate is not trusted and says how to trust it', async () => {
    const env = s3.env();
    delete env.HOLDFAST_S3_CA_FILE;
    const e = await failure(openBlobStore(s3.url(s3.buckets.plain), { env, ...fast }));
    assert.equal(e.code, 'S3_TLS');
    assert.match(e.message, /^open s3:https:\/\/127\.0\.0\.1:\d+\/holdfast-plain: TLS certificate not trusted \(\w+\); set HOLDFAST_S3_CA_FILE/);
  });

  it('says which CA bundle it could not read', async () => {
    const e = await failure(openBlobStore(s3.url(s3.buckets.plain), { env: s3.env({ HOLDFAST_S3_CA_FILE: '/nonexistent/ca.pem' }) }));
    assert.equal(e.code, 'S3_CA_FILE');
    assert.match(e.message, /cannot read CA bundle \/nonexistent\/ca\.pem \(ENOENT\)/);
  });

  it('reports a skewed clock as RequestTimeTooSkewed, with the fix', async () => {
    // One attempt only: otherwise the retry after the SDK's own offset correction succeeds (next test).
    const e = await failure(connectS3(s3.url(s3.buckets.plain), { env: s3.env(), clockOffsetMs: 2 * 3600_000, retry: { policy: { attempts: 1 } } }));
    assert.equal(e.code, 'S3_CLOCK_SKEW');
    assert.match(e.message, /^open s3:https:\/\/127\.0\.0\.1:\d+\/holdfast-plain: this machine's clock differs too much/);
  });

  it('still works with a skewed clock when the SDK may correct it from the server', async () => {
    const store = await connectS3(s3.url(s3.buckets.plain, 'skew'), { env: s3.env(), clockOffsetMs: 2 * 3600_000 });
    await store.put('data/sk/x', Buffer.from('x'));
    await store.close();
  });

  it('reports nothing listening as unreachable after retrying', async () => {
    const port = await freePort();
    const e = await failure(openBlobStore(`s3:https://127.0.0.1:${port}/b`, { env: s3.env(), ...fast }));
    assert.equal(e.code, 'S3_UNREACHABLE');
    assert.match(e.message, /^open s3:https:\/\/127\.0\.0\.1:\d+\/b: connection refused .*\(gave up after 2 attempts\)$/);
  });

  it('refuses plain HTTP unless explicitly allowed', async () => {
    const env = plain.env();
    delete env.HOLDFAST_S3_ALLOW_HTTP;
    const e = await failure(openBlobStore(plain.url(plain.buckets.plain), { env }));
    assert.equal(e.code, 'S3_PLAIN_HTTP');
  });

  it('works over plain HTTP when HOLDFAST_S3_ALLOW_HTTP=1', async () => {
    const store = await openBlobStore(plain.url(plain.buckets.plain, 'h'), { env: plain.env() });
    await store.put('data/ht/x', Buffer.from('over http'));
    assert.equal((await store.get('data/ht/x')).toString(), 'over http');
    await store.close?.();
  });

  it('leaves nothing behind when a write is refused', async () => {
    const store = await openBlobStore(s3.url(s3.buckets.plain, 'refused'), { env: s3.env() });
    await failure(store.put('data/rf/x', Buffer.from('x'), { retainUntil: new Date(Date.now() + 60_000) }));
    const left = [];
    for await (const b of store.list('')) left.push(b.name);
    assert.deepEqual(left, []);
    await store.close?.();
  });
});
