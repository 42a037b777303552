/**
 * How a repository treats metadata it cannot read: damage is skipped, recorded and warned about;
 * anything else (the store failing) is not mistaken for damage.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isHoldfastError, transient } from '../../base/errors.js';
import { FsBlobStore } from '../../storage/index.js';
import type { BlobStore } from '../../storage/blob-store.js';
import { initRepository, Repository } from './repository.js';

const FAST_KDF = { N: 1 << 10, r: 8, p: 1 };
let dir: string;

async function repoWith(name: string, opts: { failGet?: (name: string) => boolean } = {}) {
  const root = join(dir, name);
  const fs = new FsBlobStore(root);
  await initRepository(fs, 'pw', { kdf: FAST_KDF });
  const store: BlobStore = opts.failGet
    ? Object.assign(Object.create(fs) as BlobStore, { get: (n: string, r?: { offset: number; length: number }) => (opts.failGet!(n) ? Promise.reject(transient('NET', `read ${n}: connection reset`)) : fs.get(n, r)) })
    : fs;
  const warnings: string[] = [];
  const repo = await Repository.open(store, 'pw', { onWarning: (m) => warnings.push(m) });
  return { root, repo, warnings };
}
const flip = (path: string) => {
  const b = readFileSync(path);
  b[b.length >> 1]! ^= 1;
  writeFileSync(path, b);
};

describe('damaged metadata', () => {
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'hf-repo-damage-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('skips an index segment it cannot decrypt, records and warns once, and forgets it when it is gone', async () => {
    const { root, repo, warnings } = await repoWith('seg');
    await repo.saveBlob('data', Buffer.from('kept'));
    await repo.flush();
    const good = [...repo.loadedSegments][0]!;
    const bad = await repo.saveJson('index', { version: 1, packs: [] });
    flip(join(root, bad));
    await repo.loadIndex();
    await repo.loadIndex();
    assert.deepEqual(repo.damaged.map((d) => [d.kind, d.name]), [['index', bad]]);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /authentication failed.*repair index/);
    assert.ok(repo.loadedSegments.has(good));
    assert.throws(() => repo.assertUndamaged('prune'), (e) => isHoldfastError(e, 'REPO_DAMAGED') && e.message.includes(bad));
    rmSync(join(root, bad));
    await repo.loadIndex();
    assert.deepEqual(repo.damaged, []);
    repo.assertUndamaged('prune');
  });

  it('ignores a deletion plan it cannot read (its packs stay live) without stopping prune', async () => {
    const { root, repo } = await repoWith('plan');
    const plan = 'deletions/' + 'ab'.repeat(32);
    await repo.saveUnretained(plan, { time: new Date().toISOString(), packs: ['p1'] }, true);
    assert.deepEqual([...(await repo.condemnedPacks())], ['p1']);
    flip(join(root, plan));
    assert.deepEqual([...(await repo.condemnedPacks())], []);
    assert.deepEqual(repo.damaged.map((d) => d.kind), ['deletion']);
    repo.assertUndamaged('prune');
  });

  it('does not mistake a store that fails for damage: the error reaches the caller', async () => {
    const { repo } = await repoWith('net', { failGet: (n) => n.startsWith('index/') });
    await repo.saveJson('index', { version: 1, packs: [] });
    await assert.rejects(repo.loadIndex(), (e) => isHoldfastError(e, 'NET'));
    assert.deepEqual(repo.damaged, []);
  });
});
