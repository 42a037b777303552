/**
 * What a repository does when its small objects go wrong: an init killed half-way, a key file or
 * a lock that does not parse, a lock dated in the future. Through the real binary, as users meet it.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prng, treeDifferences } from '../../src/backup/testing.js';
import { Repository } from '../../src/backup/index.js';
import { FsBlobStore } from '../../src/storage/index.js';
import { PASSWORD, ok as okRun, run as hf } from './cli.js';

const ok = (repo: string, ...args: string[]) => okRun(repo, ...args).out;

let work: string;
function source(name: string): string {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'data.bin'), prng(3)(200_000));
  return dir;
}
function assertBacksUpAndRestores(repo: string, label: string): void {
  const src = source(`src-${label}`);
  ok(repo, 'backup', src);
  const out = join(work, `out-${label}`);
  ok(repo, 'restore', 'latest', '--target', out);
  assert.deepEqual(treeDifferences(src, out), []);
}
const oneLine = (err: string) => assert.equal(err.trim().split('\n').length, 1, `expected one line, got: ${err}`);

describe('repository lifecycle under damage', () => {
  before(() => {
    work = mkdtempSync(join(tmpdir(), 'hf-lifecycle-'));
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  it('an init killed after its key file is finished by running init again with the same password', () => {
    const repo = join(work, 'init-killed');
    const killed = hf(repo, ['repo', 'init'], { HOLDFAST_FAULT: 'init:key-written=kill' });
    assert.equal(killed.code, null, 'init was not killed at init:key-written');
    assert.equal(readdirSync(join(repo, 'keys')).length, 1);
    const open = hf(repo, ['snapshots']);
    assert.equal(open.code, 4);
    assert.match(open.err, /repo init/);
    ok(repo, 'repo', 'init');
    assert.equal(readdirSync(join(repo, 'keys')).length, 1, 'the re-run reuses the key the first run wrote');
    assertBacksUpAndRestores(repo, 'init');
  });

  it('an init killed after its key file, re-run with another password, says exactly what to remove', () => {
    const repo = join(work, 'init-other');
    hf(repo, ['repo', 'init'], { HOLDFAST_FAULT: 'init:key-written=kill' });
    const r = hf(repo, ['repo', 'init'], { HOLDFAST_PASSWORD: 'another-password' });
    assert.equal(r.code, 6);
    oneLine(r.err);
    assert.match(r.err, /interrupted init .* remove .*keys\//);
    assert.doesNotMatch(r.err, /another-password|test-password/);
  });

  it('a malformed key file beside a good one is named by key list and breaks nothing', () => {
    const repo = join(work, 'bad-key');
    ok(repo, 'repo', 'init');
    const badId = randomBytes(32).toString('hex');
    writeFileSync(join(repo, 'keys', badId), '{"version": 1, "kdf": "scrypt", "N": ');
    assertBacksUpAndRestores(repo, 'badkey');
    const list = ok(repo, 'key', 'list');
    assert.match(list, new RegExp(`${badId.slice(0, 12)}.*damaged: not valid JSON`));
    ok(repo, 'key', 'remove', badId.slice(0, 12));
    assert.doesNotMatch(ok(repo, 'key', 'list'), /damaged/);
  });

  it('a lock that cannot be read holds prune back, is shown by locks and removed by unlock', () => {
    const repo = join(work, 'bad-lock');
    ok(repo, 'repo', 'init');
    ok(repo, 'backup', source('lock-src'));
    mkdirSync(join(repo, 'locks'), { recursive: true });
    writeFileSync(join(repo, 'locks', randomBytes(32).toString('hex')), randomBytes(100));
    assert.match(ok(repo, 'locks'), /unreadable: .*counted as held/);
    assert.match(ok(repo, 'unlock'), /removed 1 lock/);
    assert.match(ok(repo, 'locks'), /no locks/);
    ok(repo, 'prune', '--grace', '0s');
  });

  it('an exclusive lock dated in the future does not block prune for good', async () => {
    const repo = join(work, 'future-lock');
    ok(repo, 'repo', 'init');
    process.env.HOLDFAST_TEST_FAST_KDF = '1';
    const r = await Repository.open(new FsBlobStore(repo), PASSWORD);
    const future = new Date(Date.now() + 30 * 86_400_000).toISOString();
    await r.saveUnretained('locks/exclusive', { exclusive: true, started: future, refreshed: future, host: 'clock-was-wrong', pid: 1 }, true);
    assert.match(ok(repo, 'locks'), /stale: dated .* in the future/);
    ok(repo, 'prune', '--grace', '0s');
  });
});
