/**
 * The image builder's decisions that keep a layer the same from run to run (scripts/image): account
 * files without today's date, what the base layer drops, its date taken from the mirror, and which
 * cache entries go.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { addAccount, pinShadowDays } from '../../scripts/image/users.js';
import { isLeftover } from '../../scripts/image/normalise.js';
import { releaseEpoch } from '../../scripts/image/base.js';
import { stale } from '../../scripts/image/cache.js';

describe('account files are written without the date', () => {
  const files = { passwd: 'root:x:0:0:root:/root:/bin/bash\n', group: 'root:x:0:\n', shadow: 'root:*:20794:0:99999:7:::\nnobody:*::0:99999:7:::\n', gshadow: 'root:*::\n' };

  it('adds the user and its group as useradd does, with a locked password', () => {
    const out = addAccount(files, { name: 'holdfast', uid: 10001, home: '/home/holdfast', shell: '/bin/sh' }, 19000);
    assert.equal(out.passwd, 'root:x:0:0:root:/root:/bin/bash\nholdfast:x:10001:10001::/home/holdfast:/bin/sh\n');
    assert.equal(out.group, 'root:x:0:\nholdfast:x:10001:\n');
    assert.equal(out.shadow, 'root:*:19000:0:99999:7:::\nnobody:*::0:99999:7:::\nholdfast:!:19000:0:99999:7:::\n');
    assert.equal(out.gshadow, 'root:*::\nholdfast:!::\n');
  });

  it('pins every set last-change day and leaves unset ones unset', () => {
    assert.equal(pinShadowDays('a:*:20794:0:99999:7:::\nb:*::::::\n', 5), 'a:*:5:0:99999:7:::\nb:*::::::\n');
  });

  it('refuses a uid the base image already uses', () => {
    assert.throws(() => addAccount(files, { name: 'x', uid: 0, home: '/x', shell: '/bin/sh' }, 1), /uid 0 of user x is already taken/);
  });
});

describe('what the base layer drops', () => {
  const cases: [string, string, boolean][] = [
    ['var/log', 'dpkg.log', true],
    ['var/log', 'wtmp', false],
    ['var/cache/apt', 'pkgcache.bin', true],
    ['var/cache/apt/archives', 'tini_0.19.0-1_amd64.deb', true],
    ['usr/lib/python3', '__pycache__', true],
    ['etc', 'passwd', false],
  ];
  for (const [dir, name, gone] of cases) it(`${gone ? 'drops' : 'keeps'} ${dir}/${name}`, () => assert.equal(isLeftover(dir, name), gone));

  it('dates the base layer by the suite\'s Release file', () => {
    assert.equal(releaseEpoch('Origin: Debian\nDate: Sat, 10 Jan 2026 10:42:05 UTC\n'), 1768041725);
    assert.throws(() => releaseEpoch('Origin: Debian\n'), /no readable Date/);
  });
});

describe('the image cache keeps the newest few entries of each kind', () => {
  const at = (name: string, mtime: number) => ({ name, mtime });
  const group = (n: string) => /^([a-z]+)-[0-9a-f]+\.tar$/.exec(n)?.[1];

  it('drops the oldest app layers beyond the newest two and leaves other kinds alone', () => {
    const names = [at('app-aa.tar', 1), at('app-bb.tar', 3), at('app-cc.tar', 2), at('base-dd.tar', 0), at('README', 0)];
    assert.deepEqual(stale(names, group, 2), ['app-aa.tar']);
  });

  it('never drops a name outside any group', () => {
    assert.deepEqual(stale([at('notes.txt', 0), at('x.tar', 0)], group, 0), []);
  });
});
