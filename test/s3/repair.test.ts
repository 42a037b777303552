/**
 * Damage and repair on a real S3 server: index segments lost from the bucket are rebuilt from the
 * packs' headers through ranged reads, and a damaged copy of a segment costs nothing once repaired.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { makeTree, treeDifferences } from '../../src/backup/testing.js';
import { startS3Server, type S3TestServer } from '../harness/s3-server.js';
import { holdfast, type CliResult } from './cli.js';

let s3: S3TestServer;
let work: string;
before(async () => {
  work = await mkdtemp(join(tmpdir(), 'hf-s3repair-'));
  s3 = await startS3Server();
});
after(async () => {
  await s3?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

const ok = (r: CliResult, what: string) => {
  assert.equal(r.code, 0, `${what} failed (exit ${r.code}): ${r.stderr.slice(-2000)}${r.stdout.slice(-2000)}`);
  return r;
};

describe('repair on S3', () => {
  it('rebuilds an index whose segments were deleted or damaged, and every snapshot restores again', async () => {
    const bucket = s3.buckets.plain;
    const prefix = 'repair';
    const env = s3.env({ HOLDFAST_REPO: s3.url(bucket, prefix), HOLDFAST_PASSWORD: 'pw', HOLDFAST_TEST_FAST_KDF: '1' });
    const src = join(work, 'src');
    await makeTree(src, { seed: 31, bigBytes: 4 * 1024 * 1024 });
    ok(await holdfast(['repo', 'init'], env), 'init');
    ok(await holdfast(['backup', src], env), 'backup');
    const list = await s3.admin.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: `${prefix}/index/` }));
    const segments = (list.Contents ?? []).map((o) => o.Key!);
    assert.ok(segments.length >= 2);
    // One segment gone, another with a flipped bit.
    await s3.admin.send(new DeleteObjectCommand({ Bucket: bucket, Key: segments[0]! }));
    const body = Buffer.from(await (await s3.admin.send(new GetObjectCommand({ Bucket: bucket, Key: segments[1]! }))).Body!.transformToByteArray());
    body[body.length >> 1]! ^= 1;
    await s3.admin.send(new PutObjectCommand({ Bucket: bucket, Key: segments[1]!, Body: body }));

    const check = await holdfast(['check'], env);
    assert.equal(check.code, 5, check.stdout + check.stderr);
    assert.match(check.stdout, /damaged index segment/);
    assert.match(check.stdout, /index incomplete — run 'holdfast repair index'/);
    const repaired = JSON.parse(ok(await holdfast(['repair', 'index', '--json'], env), 'repair index').stdout) as { foundPacks: string[]; unreadable: unknown[] };
    assert.equal(repaired.foundPacks.length, 2);
    assert.deepEqual(repaired.unreadable, []);
    ok(await holdfast(['check', '--read-data'], env), 'check after repair');
    const out = join(work, 'out');
    ok(await holdfast(['restore', 'latest', '--target', out], env), 'restore');
    assert.deepEqual(treeDifferences(src, out), []);
  });
});
