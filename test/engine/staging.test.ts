/**
 * Pack staging through the real `holdfast` binary: a backup killed while storing a pack leaves its
 * staged pack files in the repository's staging directory; the next backup removes them, but not
 * the files of a backup that still holds a live lock.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prng } from '../../src/backup/testing.js';
import { acquireShared, Repository } from '../../src/backup/index.js';
import { stagingPrefix } from '../../src/backup/archiver/staging.js';
import { STAGING_DIR } from '../../src/storage/fs/fs-store.js';
import { openBlobStore } from '../../src/storage/index.js';
import { PASSWORD, hf, ok, run } from './cli.js';

let work: string;

describe('pack staging through the binary', () => {
  before(() => {
    work = mkdtempSync(join(tmpdir(), 'hf-staging-cli-'));
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  it('what a killed backup staged is removed by the next backup; a live backup\'s staged file is kept', async () => {
    const repo = join(work, 'repo');
    ok(repo, 'repo', 'init');
    const src = join(work, 'src');
    mkdirSync(src);
    // 40 MB of random data: two workers each finish a 16 MiB pack before the backup ends.
    const rnd = prng(3);
    for (let i = 0; i < 10; i++) writeFileSync(join(src, `f-${i}`), rnd(4_000_000));
    const staging = join(repo, STAGING_DIR);

    const killed = run(repo, ['backup', src], { HOLDFAST_FAULT: 'fs:publish:data=kill' });
    assert.equal(killed.code, null, `the fault point should have killed the backup: ${killed.err}`);
    const left = readdirSync(staging);
    assert.ok(left.length > 0, 'the killed backup left its staged packs');

    // A backup running beside us (this process, holding a live shared lock) has a pack staged.
    const store = await openBlobStore(repo);
    const lock = await acquireShared(await Repository.open(store, PASSWORD));
    const live = `${stagingPrefix()}0-0`;
    writeFileSync(join(staging, live), 'a pack being filled');
    try {
      ok(repo, 'backup', src);
      assert.deepEqual(readdirSync(staging), [live]);
    } finally {
      await lock.release();
      await store.close?.();
    }
    ok(repo, 'check', '--read-data');
    // With the lock released, the file's owner holds none: the next backup removes it.
    ok(repo, 'backup', src);
    assert.deepEqual(readdirSync(staging), []);
    assert.equal(hf(repo, 'snapshots', '--json').code, 0);
  });
});
