/**
 * End to end: the scheduled prune under the real `holdfast serve` (a child process), on a real
 * repository on disk. Backups taken through the API, retention forgetting the older snapshot, then
 * prune runs through `POST /api/v1/jobs/prune/<repository>/run`: beside a live backup's lock it
 * defers (condemns, deletes nothing), after it the space is freed on disk (measured with du), and
 * `holdfast check --read-data` passes on what is left.
 *
 * "A live backup" is the engine's own shared lock held by this test process — exactly what a
 * running `holdfast backup` holds for its whole run, without racing a real backup's duration.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { acquireShared, Repository } from '../../src/backup/index.js';
import { openBlobStore } from '../../src/storage/index.js';
import { Serve } from '../harness/serve.js';
import { deadPort } from '../harness/webhook.js';

const root = join(import.meta.dirname, '..', '..');
process.env.HOLDFAST_TEST_FAST_KDF = '1';

interface Run {
  id: number;
  kind: string;
  status: string;
  message?: string;
  bytes?: number;
  durationMs?: number;
  details: Record<string, unknown>;
}

const du = (dir: string) => Number(spawnSync('du', ['-sb', dir], { encoding: 'utf8' }).stdout.split('\t')[0]);

describe('holdfast serve prunes what retention forgot', { timeout: 180_000 }, () => {
  let tmp: string;
  let serve: Serve;
  let token: string;
  let ca: Buffer;
  const repo = () => join(tmp, 'repo');

  const api = <T>(path: string, method = 'GET'): Promise<T> =>
    new Promise((resolve, reject) => {
      const req = request(new URL(path, serve.url), { method, ca, headers: { authorization: `Bearer ${token}` } }, (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (c: string) => (text += c));
        res.on('end', () => (res.statusCode! >= 400 ? reject(new Error(`${method} ${path}: HTTP ${res.statusCode} ${text}`)) : resolve(JSON.parse(text) as T)));
      });
      req.on('error', reject);
      req.end();
    });

  /** Triggers a job and waits for the run it starts to finish. */
  async function runJob(job: string, kind: string): Promise<Run> {
    const seen = new Set((await api<Run[]>(`/api/v1/runs?kind=${kind}&limit=1000`)).map((r) => r.id));
    const queued = await api<{ queued: boolean }>(`/api/v1/jobs/${job}/run`, 'POST');
    assert.equal(queued.queued, true, job);
    for (const deadline = Date.now() + 60_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 200))) {
      const run = (await api<Run[]>(`/api/v1/runs?kind=${kind}&limit=1000`)).find((r) => !seen.has(r.id) && r.status !== 'running');
      if (run) return run;
    }
    throw new Error(`${job}: no finished run within 60 s\n${serve.stderr.slice(-2000)}`);
  }

  before(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'holdfast-prune-e2e-'));
    mkdirSync(join(tmp, 'vol'));
    const config = join(tmp, 'holdfast.yaml');
    // Schedules that never fire during the test: every run here is asked for through the API.
    writeFileSync(
      config,
      `version: 1
server: { listen: "127.0.0.1:${await deadPort()}", dataDir: ./state }
repositories:
  local:
    location: ./repo
    password: { file: ./repo-password, generate: true }
    maxConcurrent: 2
    # Grace 0: the packs of this test are seconds old; the default (1h) would rightly keep them.
    prune: { schedule: "0 0 1 1 *", grace: 0s }
volumes:
  vol: { path: ./vol }
backupPolicies:
  nightly:
    repository: local
    volumes: [vol]
    schedule: "0 0 1 1 *"
    retention: { keepLast: 1 }
`,
    );
    serve = new Serve(config, { ...process.env, HOLDFAST_TEST_FAST_KDF: '1' });
    await serve.start();
    token = readFileSync(join(tmp, 'state', 'api-token'), 'utf8').trim();
    ca = readFileSync(join(tmp, 'state', 'tls', 'ca.crt'));
  });

  after(async () => {
    await serve?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('defers beside a live backup, then frees the forgotten bytes on disk, and the repository checks clean with every byte read', async () => {
    const size = 4 << 20;
    writeFileSync(join(tmp, 'vol', 'data.bin'), randomBytes(size));
    writeFileSync(join(tmp, 'vol', 'kept.txt'), 'kept across every snapshot\n');
    assert.equal((await runJob('backup/nightly/vol', 'backup')).status, 'succeeded');
    writeFileSync(join(tmp, 'vol', 'data.bin'), randomBytes(size));
    const second = await runJob('backup/nightly/vol', 'backup');
    assert.equal(second.status, 'succeeded', second.message);
    assert.equal((second.details.forgotten as string[]).length, 1, 'retention forgot the first snapshot');
    const before = du(repo());

    // A backup is live: its shared lock predates the deletion plan this prune writes.
    const password = readFileSync(join(tmp, 'repo-password'), 'utf8').trim();
    const lock = await acquireShared(await Repository.open(await openBlobStore(repo()), password));
    let deferred: Run;
    try {
      deferred = await runJob('prune/local', 'prune');
    } finally {
      await lock.release();
    }
    assert.equal(deferred.status, 'succeeded', deferred.message);
    assert.equal((deferred.details.deferred as string[]).length, 1, deferred.message);
    assert.equal(deferred.details.deletedPacks, 0, 'nothing deleted under a live backup');
    assert.ok((deferred.details.condemnedPacks as number) >= 1, deferred.message);
    assert.ok(du(repo()) >= before - 64 * 1024, 'the repository did not shrink while deferred');

    const freed = await runJob('prune/local', 'prune');
    assert.equal(freed.status, 'succeeded', freed.message);
    assert.deepEqual(freed.details.deferred, []);
    const after = du(repo());
    assert.ok(before - after >= size * 0.9, `du: ${before} → ${after} bytes`);
    assert.ok(freed.bytes! >= size * 0.9, `the run says ${freed.bytes} bytes freed`);
    console.log(`prune e2e: du ${before} → ${after} bytes (${before - after} freed on disk; run says ${freed.bytes}); prune took ${freed.durationMs} ms, the deferring one ${deferred.durationMs} ms`);

    const metrics = await new Promise<string>((resolve, reject) => {
      request(new URL('/metrics', serve.url), { ca, headers: { authorization: `Bearer ${token}` } }, (res) => {
        let t = '';
        res.setEncoding('utf8').on('data', (c: string) => (t += c)).on('end', () => resolve(t));
      }).on('error', reject).end();
    });
    assert.match(metrics, new RegExp(`holdfast_prune_last_freed_bytes\\{repository="local"\\} ${freed.bytes}`));

    // A backup after the prune (serve's pooled repository saw the index rewritten) and the check.
    writeFileSync(join(tmp, 'vol', 'more.txt'), 'after the prune\n');
    assert.equal((await runJob('backup/nightly/vol', 'backup')).status, 'succeeded');
    const check = spawnSync(process.execPath, [join(root, 'bin/holdfast.js'), 'check', '--read-data', '--repo', repo(), '--password-file', join(tmp, 'repo-password')], {
      encoding: 'utf8',
      env: { ...process.env, HOLDFAST_TEST_FAST_KDF: '1' },
    });
    assert.equal(check.status, 0, `holdfast check --read-data: ${check.stdout}${check.stderr}`);
  });
});
