/**
 * check on a hostile repository: a crafted snapshot whose trees name one directory 64 times at each
 * of five levels (a billion paths from six small trees) is checked at the cost of what it stores.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Repository, listSnapshots, type TreeNode } from '../../src/backup/index.js';
import { encodeTree, parseTree } from '../../src/backup/snapshot/tree.js';
import { saveSnapshot } from '../../src/backup/snapshot/snapshot.js';
import { FsBlobStore } from '../../src/storage/index.js';

const bin = join(import.meta.dirname, '..', '..', 'bin', 'holdfast.js');
const env = (repo: string) => ({ ...process.env, HOLDFAST_REPO: repo, HOLDFAST_PASSWORD: 'test-password-1', HOLDFAST_TEST_FAST_KDF: '1' });
let work: string;

describe('check on a tree bomb', () => {
  before(() => {
    work = mkdtempSync(join(tmpdir(), 'hf-check-bomb-'));
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  it('walks each distinct tree once and passes', async () => {
    const repo = join(work, 'repo');
    const src = join(work, 'src');
    mkdirSync(src);
    writeFileSync(join(src, 'a.txt'), 'content');
    for (const args of [['repo', 'init'], ['backup', src]]) assert.equal(spawnSync(process.execPath, [bin, ...args], { env: env(repo) }).status, 0);
    process.env.HOLDFAST_TEST_FAST_KDF = '1';
    const r = await Repository.open(new FsBlobStore(repo), 'test-password-1');
    await r.loadIndex();
    const [genuine] = await listSnapshots(r);
    const leaf = parseTree(await r.loadBlob(genuine!.snapshot.tree, 'tree'), genuine!.snapshot.tree).nodes[0]!;
    let level = (await r.saveBlob('tree', encodeTree({ nodes: [leaf] }))).id;
    for (let l = 0; l < 5; l++) {
      const nodes: TreeNode[] = Array.from({ length: 64 }, (_, i) => ({ name: `d${i}`, type: 'dir', mode: 0o755, uid: 0, gid: 0, mtimeNs: leaf.mtimeNs, subtree: level }));
      level = (await r.saveBlob('tree', encodeTree({ nodes }))).id;
    }
    await r.flush();
    await saveSnapshot(r, { ...genuine!.snapshot, tree: level, tags: ['bomb'] });
    // Without the bound, check walks a billion paths; the timeout only keeps a failure from hanging.
    const c = spawnSync(process.execPath, [bin, 'check'], { env: env(repo), encoding: 'utf8', timeout: 120_000 });
    assert.equal(c.status, 0, c.stderr || 'check did not finish');
    assert.match(c.stdout, /checked 2 snapshots/);
  });
});
