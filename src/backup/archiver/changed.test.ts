import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { changedWhileRead, type FileStamp } from './changed.js';

describe('changed while read', () => {
  const before: FileStamp = { size: 100n, mtimeNs: 1_000n, ctimeNs: 2_000n, ino: 7n };
  const cases: [string, Partial<FileStamp>, number, boolean][] = [
    ['a file that stayed put is unchanged', {}, 100, false],
    ['a file appended to during the read has changed', { size: 150n, mtimeNs: 1_500n, ctimeNs: 2_500n }, 150, true],
    ['a file grown within one timestamp tick has changed (size alone tells)', { size: 150n }, 150, true],
    ['a file truncated during the read has changed', { size: 10n, mtimeNs: 1_500n, ctimeNs: 2_500n }, 10, true],
    ['a file rewritten in place with the same size has changed', { mtimeNs: 1_500n, ctimeNs: 2_500n }, 100, true],
    ['a file whose mtime was set back still has a new ctime', { ctimeNs: 2_500n }, 100, true],
    ['a path replaced by another file between stat and open has changed', { ino: 8n }, 100, true],
    ['fewer bytes read than the file holds at the end means it changed under the reader', {}, 60, true],
  ];
  for (const [name, after, read, want] of cases) it(name, () => assert.equal(changedWhileRead(before, { ...before, ...after }, read), want));
});
