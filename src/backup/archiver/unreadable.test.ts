import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { shortPath, unreadableReason } from './unreadable.js';

describe('unreadable entries', () => {
  const cases: [string, string | undefined, string | undefined][] = [
    ['a file the backup may not open is skipped as permission denied', 'EACCES', 'permission denied'],
    ['an operation the kernel refuses is skipped as permission denied', 'EPERM', 'permission denied'],
    ['a path beyond PATH_MAX is skipped as too long', 'ENAMETOOLONG', 'path longer than the system allows'],
    ['a full disk is not skipped past', 'ENOSPC', undefined],
    ['an I/O error is not skipped past: the disk may be failing', 'EIO', undefined],
    ['an error without an errno is not skipped past', undefined, undefined],
  ];
  for (const [name, errno, want] of cases) it(name, () => assert.equal(unreadableReason(errno), want));

  it('keeps a short path whole and cuts the middle of a long one', () => {
    assert.equal(shortPath('db/seg-1'), 'db/seg-1');
    const long = 'a/'.repeat(3000) + 'end';
    const s = shortPath(long);
    assert.ok(s.startsWith('a/a/') && s.includes('…') && s.endsWith('/end (6003 bytes)'), s);
    assert.ok(s.length < 230);
  });
});
