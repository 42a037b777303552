/**
 * The CLI on a real S3 server, end to end: a backup through 10 % injected faults verified by
 * `check --read-data`, four concurrent backups with a prune beside them, object lock through
 * --lock-days, and what a user sees when the S3 side is wrong (one line, exit code, no secret).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectRetentionCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { makeTree } from '../../src/backup/testing.js';
import { startFaultProxy, type FaultProxy } from '../harness/fault-proxy.js';
import { startS3Server, type S3TestServer } from '../harness/s3-server.js';
import { holdfast, type CliResult } from './cli.js';

let s3: S3TestServer;
let proxy: FaultProxy;
let work: string;
before(async () => {
  work = await mkdtemp(join(tmpdir(), 'hf-s3cli-'));
  s3 = await startS3Server();
  const tls = s3.tls!;
  proxy = await startFaultProxy({
    upstream: s3.endpoint,
    rate: 0,
    seed: 1201,
    slowMs: 300,
    tls: { cert: await readFile(tls.certFile), key: await readFile(tls.keyFile), ca: await readFile(tls.caFile) },
  });
});
after(async () => {
  await proxy?.stop();
  await s3?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

const password = 'correct horse battery staple';
const envFor = (repo: string, extra: NodeJS.ProcessEnv = {}) => s3.env({ HOLDFAST_REPO: repo, HOLDFAST_PASSWORD: password, ...extra });
const ok = (r: CliResult, what: string) => assert.equal(r.code, 0, `${what} failed (exit ${r.code}): ${r.stderr.slice(-2000)}`);

async function keys(bucket: string, prefix: string): Promise<string[]> {
  const out: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.admin.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    for (const o of page.Contents ?? []) out.push(o.Key!.slice(prefix.length));
    token = page.NextContinuationToken;
  } while (token);
  return out;
}

describe('holdfast CLI on S3', () => {
  it('backs up through 10 % injected faults, and check --read-data through the same faults passes', async () => {
    const repo = `s3:${proxy.endpoint}/${s3.buckets.plain}/faulted`;
    const env = envFor(repo, { HOLDFAST_S3_TIMEOUT_MS: '1500', HOLDFAST_S3_RETRIES: '10' });
    const src = join(work, 'fault-src');
    await makeTree(src, { seed: 11, bigBytes: 20 * 1024 * 1024 });
    ok(await holdfast(['repo', 'init'], env), 'init');
    proxy.setRate(0.1);
    const before = { ...proxy.stats };
    ok(await holdfast(['backup', src, '--tag', 'faulted'], env), 'backup');
    ok(await holdfast(['check', '--read-data'], env), 'check --read-data');
    const injected = (['503', 'slow', 'timeout', 'reset', 'cut'] as const).reduce((n, k) => n + proxy.stats[k] - before[k], 0);
    proxy.setRate(0);
    process.stdout.write(`# faults injected during backup+check: ${injected} of ${injected + proxy.stats.pass - before.pass} requests\n`);
    assert.ok(injected > 3, `only ${injected} faults were injected`);
  });

  it('runs four backups at once into one repository with a prune beside them; all succeed and check --read-data passes', async () => {
    const repo = s3.url(s3.buckets.plain, 'many-writers');
    const env = envFor(repo);
    ok(await holdfast(['repo', 'init'], env), 'init');
    const srcs = await Promise.all(
      [1, 2, 3, 4].map(async (i) => {
        const d = join(work, `writer-${i}`);
        await makeTree(d, { seed: 100 + i, bigBytes: 2 * 1024 * 1024 });
        return d;
      }),
    );
    ok(await holdfast(['backup', srcs[0]!, '--tag', 'seed'], env), 'first backup');
    const results = await Promise.all([
      ...srcs.map((d, i) => holdfast(['backup', d, '--tag', `w${i}`], env)),
      holdfast(['prune', '--grace', '0s'], env),
    ]);
    results.forEach((r, i) => ok(r, i < 4 ? `backup ${i}` : 'prune'));
    ok(await holdfast(['check', '--read-data'], env), 'check --read-data');
    const snaps = await holdfast(['snapshots', '--json'], env);
    ok(snaps, 'snapshots');
    assert.equal((JSON.parse(snaps.stdout) as unknown[]).length, 5);
  });

  it('holds everything written with --lock-days in a bucket with object lock', async () => {
    const prefix = 'locked-repo';
    const env = envFor(s3.url(s3.buckets.locked, prefix));
    const src = join(work, 'lock-src');
    await makeTree(src, { seed: 5, bigBytes: 1024 * 1024 });
    ok(await holdfast(['repo', 'init'], env), 'init');
    ok(await holdfast(['backup', src, '--lock-days', '2'], env), 'backup --lock-days 2');
    const data = (await keys(s3.buckets.locked, `${prefix}/`)).filter((k) => k.startsWith('data/'));
    assert.ok(data.length > 0);
    const r = await s3.admin.send(new GetObjectRetentionCommand({ Bucket: s3.buckets.locked, Key: `${prefix}/${data[0]}` }));
    assert.equal(r.Retention?.Mode, 'COMPLIANCE');
    const days = (r.Retention!.RetainUntilDate!.getTime() - Date.now()) / 86_400_000;
    assert.ok(days > 1.9 && days <= 2, String(days));
    // forget may not remove what the bucket holds: it reports the snapshot as held until its date.
    ok(await holdfast(['backup', src, '--lock-days', '2'], env), 'second backup');
    const f = await holdfast(['forget', '--keep-last', '1', '--json'], env);
    ok(f, 'forget');
    const held = (JSON.parse(f.stdout) as { held: Array<{ id: string; until?: string }> }).held;
    assert.equal(held.length, 1, f.stdout);
    assert.ok(held[0]!.until && new Date(held[0]!.until).getTime() > Date.now() + 86_400_000, f.stdout);
    const snaps = await holdfast(['snapshots', '--json'], env);
    assert.equal((JSON.parse(snaps.stdout) as unknown[]).length, 2);
    ok(await holdfast(['check', '--read-data'], env), 'check');
  });

  it('extends the retention of older packs a new backup reuses, so its data is held as long as it is', async () => {
    const prefix = 'extend-repo';
    const env = envFor(s3.url(s3.buckets.locked, prefix));
    const src = join(work, 'extend-src');
    await makeTree(src, { seed: 9, bigBytes: 1024 * 1024 });
    ok(await holdfast(['repo', 'init'], env), 'init');
    ok(await holdfast(['backup', src, '--lock-days', '1'], env), 'backup --lock-days 1');
    const data = (await keys(s3.buckets.locked, `${prefix}/`)).filter((k) => k.startsWith('data/'));
    // Nothing changed: the second backup writes no pack and references only the first one's.
    ok(await holdfast(['backup', src, '--lock-days', '3'], env), 'backup --lock-days 3');
    assert.deepEqual((await keys(s3.buckets.locked, `${prefix}/`)).filter((k) => k.startsWith('data/')), data);
    for (const k of data) {
      const r = await s3.admin.send(new GetObjectRetentionCommand({ Bucket: s3.buckets.locked, Key: `${prefix}/${k}` }));
      const days = (r.Retention!.RetainUntilDate!.getTime() - Date.now()) / 86_400_000;
      assert.ok(days > 2.9 && days <= 3, `${k} held for ${days.toFixed(2)} days, not the second backup's 3`);
    }
  });

  it('refuses --lock-days in a bucket without object lock with one line, exit 2, and leaves no data behind', async () => {
    const prefix = 'nolock-repo';
    const env = envFor(s3.url(s3.buckets.plain, prefix));
    ok(await holdfast(['repo', 'init'], env), 'init');
    const before = await keys(s3.buckets.plain, `${prefix}/`);
    const r = await holdfast(['backup', join(work, 'lock-src'), '--lock-days', '2'], env);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /^holdfast: .*bucket "holdfast-plain" has no object lock/);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.deepEqual((await keys(s3.buckets.plain, `${prefix}/`)).sort(), before.sort());
  });

  it('takes credentials from a named profile in the shared credentials file', async () => {
    const file = join(work, 'aws-credentials');
    await writeFile(file, `[holdfast-test]\naws_access_key_id = ${s3.accessKeyId}\naws_secret_access_key = ${s3.secretAccessKey}\n`, { mode: 0o600 });
    const env = envFor(s3.url(s3.buckets.plain, 'profile-repo'), {
      AWS_SHARED_CREDENTIALS_FILE: file,
      AWS_CONFIG_FILE: join(work, 'no-aws-config'),
      AWS_PROFILE: 'holdfast-test',
      AWS_EC2_METADATA_DISABLED: 'true',
    });
    delete env.AWS_ACCESS_KEY_ID;
    delete env.AWS_SECRET_ACCESS_KEY;
    ok(await holdfast(['repo', 'init'], env), 'init with a profile');
    const wrong = await holdfast(['repo', 'init'], { ...env, AWS_PROFILE: 'no-such-profile' });
    assert.equal(wrong.code, 3, wrong.stderr);
    assert.match(wrong.stderr.trim(), /^holdfast: open s3:.*profile-repo: no credentials found; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY or AWS_PROFILE$/);
  });

  const bad: Array<[string, () => NodeJS.ProcessEnv, number, RegExp]> = [
    ['a wrong secret key', () => envFor(s3.url(s3.buckets.plain, 'x'), { AWS_SECRET_ACCESS_KEY: 'not-the-secret-0000' }), 3, /^holdfast: open s3:https:\/\/127\.0\.0\.1:\d+\/holdfast-plain\/x: the secret key is wrong/],
    ['a missing bucket', () => envFor(s3.url('nobucket', 'x')), 4, /^holdfast: open s3:https:\/\/127\.0\.0\.1:\d+\/nobucket\/x: bucket "nobucket" does not exist at https:\/\/127\.0\.0\.1:\d+$/],
    ['an untrusted certificate', () => envFor(s3.url(s3.buckets.plain, 'x'), { HOLDFAST_S3_CA_FILE: '', HOLDFAST_S3_RETRIES: '1' }), 9, /^holdfast: open s3:https:\/\/127\.0\.0\.1:\d+\/holdfast-plain\/x: TLS certificate not trusted/],
    ['a repository that asks for locking in a bucket without it', () => envFor(s3.url(s3.buckets.plain, 'x') + '?lock=compliance'), 2, /^holdfast: open .*holdfast-plain\/x: bucket "holdfast-plain" has no object lock/],
  ];
  for (const [what, env, code, re] of bad)
    it(`reports ${what} in one line with exit ${code} and no secret`, async () => {
      const e = env();
      const r = await holdfast(['repo', 'init'], e);
      assert.equal(r.code, code, r.stderr);
      assert.match(r.stderr.trim(), re);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      for (const secret of [s3.secretAccessKey, e.AWS_SECRET_ACCESS_KEY!, password]) assert.ok(!(r.stdout + r.stderr).includes(secret), 'a secret was printed');
    });
});
