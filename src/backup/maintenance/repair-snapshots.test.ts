import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { salvageFile } from './repair-snapshots.js';

describe('salvageFile', () => {
  const sizes: Record<string, number> = { a: 10, b: 20, c: 30 };
  const cases: { name: string; content: string[]; lost: string[]; want: ReturnType<typeof salvageFile> }[] = [
    { name: 'keeps a file whose chunks are all there', content: ['a', 'b', 'c'], lost: [], want: { action: 'keep' } },
    { name: 'keeps an empty file', content: [], lost: ['a'], want: { action: 'keep' } },
    { name: 'truncates at the first lost chunk, never leaving a hole of made-up bytes', content: ['a', 'b', 'c'], lost: ['b'], want: { action: 'truncate', content: ['a'], size: 10 } },
    { name: 'drops everything after the first lost chunk even when later ones survive', content: ['a', 'b', 'c', 'a'], lost: ['c'], want: { action: 'truncate', content: ['a', 'b'], size: 30 } },
    { name: 'removes a file whose first chunk is lost', content: ['a', 'b'], lost: ['a'], want: { action: 'remove' } },
  ];
  for (const c of cases)
    it(c.name, () => {
      assert.deepEqual(salvageFile(c.content, (id) => !c.lost.includes(id), (id) => sizes[id]!), c.want);
    });
});
