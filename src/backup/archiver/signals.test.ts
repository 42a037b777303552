import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, mkdtempSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FsBlobStore } from '../../storage/fs/fs-store.js';
import { initRepository, Repository } from '../repository/repository.js';
import { runBackup } from '../run.js';
import type { TreeNode } from '../snapshot/tree.js';
import { extensionOf, RENAMED_KEPT, WalkSignals } from './signals.js';

const file = (name: string): TreeNode => ({ name, type: 'file', mode: 0o644, uid: 0, gid: 0, mtimeNs: '0' });
const dir = (name: string): TreeNode => ({ ...file(name), type: 'dir', subtree: 'x' });
const byName = (nodes: TreeNode[]) => new Map(nodes.map((n) => [n.name, n]));

describe('renamed-extension counting', () => {
  const cases: { name: string; before: TreeNode[]; after: TreeNode[]; renamed: Record<string, number>; removed: number }[] = [
    { name: 'counts x.docx becoming x.docx.locked under .locked', before: [file('a.docx'), file('b.xlsx')], after: [file('a.docx.locked'), file('b.xlsx.locked')], renamed: { '.locked': 2 }, removed: 2 },
    { name: 'counts x.docx becoming x.crypt (extension replaced) under .crypt', before: [file('report.docx')], after: [file('report.crypt')], renamed: { '.crypt': 1 }, removed: 1 },
    { name: 'does not count a new file beside one that stays', before: [file('a.docx')], after: [file('a.docx'), file('a.docx.bak')], renamed: {}, removed: 0 },
    { name: 'does not count a removed file and an unrelated new one', before: [file('a.txt')], after: [file('b.txt')], renamed: {}, removed: 1 },
    { name: 'pairs each removed file with one new file at most', before: [file('a.docx')], after: [file('a.docx.locked'), file('a.locked')], renamed: { '.locked': 1 }, removed: 1 },
    { name: 'counts removed files but not removed directories', before: [file('a'), dir('d')], after: [], renamed: {}, removed: 1 },
    { name: 'counts nothing in a directory the parent did not have', before: [], after: [file('a.locked')], renamed: {}, removed: 0 },
  ];
  for (const c of cases)
    it(c.name, () => {
      const w = new WalkSignals();
      w.directory(byName(c.before), c.after);
      assert.deepEqual(w.renamed, c.renamed);
      assert.equal(w.filesRemoved, c.removed);
    });

  it(`keeps the ${RENAMED_KEPT} extensions most files were renamed to, so the signals stay small`, () => {
    const w = new WalkSignals();
    const before = Array.from({ length: 80 }, (_, i) => file(`f${i}.txt`));
    // f0 → .e0, f1..f2 → .e1, f3..f5 → .e2, ...: extension k gets k+1 files (13 extensions in all).
    const after = before.map((_, i) => file(`f${i}.e${Math.floor((Math.sqrt(8 * i + 1) - 1) / 2)}`));
    w.directory(byName(before), after);
    assert.equal(Object.keys(w.renamed).length, 13);
    const s = w.finish(80, 0, undefined, false);
    assert.deepEqual(Object.keys(s.renamed), ['.e11', '.e10', '.e9', '.e8', '.e7', '.e6', '.e5', '.e4', '.e3', '.e2']);
    assert.equal(s.renamed['.e11'], 12);
  });

  it('takes the last short suffix as the extension, never a leading dot or a long tail', () => {
    assert.deepEqual(['x.DOCX', '.bashrc', 'noext', 'a.b.locked', `a.${'x'.repeat(20)}`].map(extensionOf), ['.docx', '', '', '.locked', '']);
  });
});

describe('change signals of a real backup', () => {
  const work = mkdtempSync(join(tmpdir(), 'hf-signals-'));
  after(() => rmSync(work, { recursive: true, force: true }));

  it('counts new, changed, removed and renamed files, new versus reused bytes, and what zstd could not shrink', async () => {
    const store = new FsBlobStore(join(work, 'repo'));
    await initRepository(store, 'pw', { kdf: { N: 1 << 10, r: 8, p: 1 } });
    const repo = await Repository.open(store, 'pw');
    const src = join(work, 'src');
    mkdirSync(join(src, 'docs'), { recursive: true });
    for (let i = 0; i < 10; i++) writeFileSync(join(src, 'docs', `d${i}.txt`), `paragraph ${i}\n`.repeat(20_000));
    writeFileSync(join(src, 'app.log'), 'start\n');
    const first = await runBackup(repo, { source: src, provenance: { volume: 'v' } });
    assert.equal(first.snapshot.signals?.initial, true);
    assert.equal(first.snapshot.suspicion?.verdict, 'unjudged');

    appendFileSync(join(src, 'app.log'), 'line\n'.repeat(1000));
    // Encrypted-like (random) content under a new name for two documents; a third simply removed.
    for (const i of [0, 1]) {
      unlinkSync(join(src, 'docs', `d${i}.txt`));
      writeFileSync(join(src, 'docs', `d${i}.txt.locked`), randomBytes(300_000));
    }
    unlinkSync(join(src, 'docs', 'd2.txt'));
    // A plain rename: same content, so its chunks are reused.
    renameSync(join(src, 'docs', 'd3.txt'), join(src, 'docs', 'd3.md'));
    const second = await runBackup(repo, { source: src, provenance: { volume: 'v' } });
    const s = second.snapshot.signals!;
    assert.equal(s.initial, undefined);
    assert.deepEqual(
      { files: s.files, filesNew: s.filesNew, filesChanged: s.filesChanged, filesRemoved: s.filesRemoved, renamed: s.renamed },
      { files: 10, filesNew: 3, filesChanged: 1, filesRemoved: 4, renamed: { '.locked': 2, '.md': 1 } },
    );
    assert.equal(s.bytesChanged, 6 + 5000 + 600_000 + 20_000 * 'paragraph 3\n'.length);
    // The random bytes are new and incompressible; the renamed document's chunks were reused.
    assert.ok(s.bytesNewIncompressible >= 600_000 && s.bytesNewIncompressible <= s.bytesNew, JSON.stringify(s));
    assert.ok(s.bytesDeduplicated >= 20_000 * 'paragraph 3\n'.length, JSON.stringify(s));
    assert.equal(s.bytesNew + s.bytesDeduplicated, s.bytesChanged);
    assert.ok(s.bytesNewStored < s.bytesNew, JSON.stringify(s));
    assert.equal(second.snapshot.suspicion?.verdict, 'unjudged');
    assert.match(second.snapshot.suspicion!.reasons[0]!, /^0 of the 5 earlier backups/);
  });
});
