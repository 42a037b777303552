import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DumpReader, parseToolError, printDump, quote, readErrorMeaning, restoredXattr, sortXattrs, unquote, xattrDifferences, xattrProblem, type Xattr } from './format.js';
import { xattrsProblem } from '../snapshot/tree.js';

const b64 = (s: string | number[]) => Buffer.from(s as string).toString('base64');
const x = (name: string, value: string | number[]): Xattr => ({ name, value: b64(value) });

/** What `getfattr -R -P -h -d -m - -e base64 --absolute-names` printed here for a small tree. */
const DUMP = [
  '# file: /src/a b',
  'system.posix_acl_access=0sAgAAAAEABgD/////AgAHANIEAAAEAAQA/////xAABwD/////IAAEAP////8=',
  'user.bin=0sAP8B',
  'user.e\\075q=0seA==',
  'user.empty=0s',
  '',
  '# file: /src/new\\012line',
  'user.k=0sdmFs',
  '',
  `# file: /src/lat${String.fromCharCode(0xe9)}`,
  'user.z=0seg==',
  'user.a=0sYQ==',
  '',
];

describe('the attr tools dump format', () => {
  it('reads entries with escaped paths and names, binary and empty values, sorted by name', () => {
    const r = new DumpReader();
    const got = [...DUMP.map((l) => r.line(l)), r.end()].filter((e) => e !== undefined);
    assert.deepEqual(
      got.map((e) => [e.path.toString('latin1'), e.xattrs.map((a) => [a.name, Buffer.from(a.value, 'base64').toString('hex')])]),
      [
        ['/src/a b', [['system.posix_acl_access', '0200000001000600ffffffff02000700d204000004000400ffffffff10000700ffffffff20000400ffffffff'], ['user.bin', '00ff01'], ['user.e=q', '78'], ['user.empty', '']]],
        ['/src/new\nline', [['user.k', '76616c']]],
        [`/src/lat${String.fromCharCode(0xe9)}`, [['user.a', '61'], ['user.z', '7a']]],
      ],
    );
  });

  it('refuses a value that is not base64 rather than guessing', () => {
    const r = new DumpReader();
    r.line('# file: /src/f');
    assert.throws(() => r.line('user.k="val"'), /unexpected line/);
  });

  it('writes what it reads: print then read gives the same entries', () => {
    const entries = [
      { path: Buffer.from('/t/a b\n\\=é'), xattrs: sortXattrs([x('user.k', 'v'), x('user.e=q', [0, 255]), { name: 'user.\\xff', nameRaw: b64([0x75, 0x73, 0x65, 0x72, 0x2e, 0xff]), value: '' }]) },
      { path: Buffer.from('/t/plain'), xattrs: [x('trusted.t', 'sym')] },
    ];
    const r = new DumpReader();
    const back = [...printDump(entries).toString('latin1').split('\n').map((l) => r.line(l)), r.end()].filter((e) => e !== undefined);
    assert.deepEqual(back, entries);
  });

  const quoting: [string, number[], boolean, string][] = [
    ['plain ASCII stays', [...Buffer.from('user.k')], true, 'user.k'],
    ['space, newline, backslash and = are octal', [0x20, 0x0a, 0x5c, 0x3d], false, '\\040\\012\\134\\075'],
    ['a high byte stays raw in a path', [0xe9], false, String.fromCharCode(0xe9)],
    ['a high byte is octal in a name', [0xe9], true, '\\351'],
  ];
  for (const [name, bytes, strict, want] of quoting)
    it(name, () => {
      assert.equal(quote(Buffer.from(bytes), strict), want);
      assert.deepEqual([...unquote(want)], bytes);
    });

  const errors: [string, string, { path: string; reason: string } | undefined][] = [
    ['a getfattr error names the path, unquoted', 'getfattr: /s/d\\012x: Permission denied', { path: '/s/d\nx', reason: 'Permission denied' }],
    ['an attribute that could not be read names its entry', '/s/f: user.k: Permission denied', { path: '/s/f', reason: 'Permission denied' }],
    ['a path with ": " in it keeps it', 'setfattr: /s/a: b: Operation not supported', { path: '/s/a: b', reason: 'Operation not supported' }],
    ['a line that names no path is not an entry error', 'getfattr: invalid option -- z', undefined],
  ];
  for (const [name, line, want] of errors)
    it(name, () => {
      const got = parseToolError(line);
      assert.deepEqual(got && { path: got.path.toString('latin1'), reason: got.reason }, want);
    });
});

describe('what a read error means for an entry', () => {
  const cases: [string, string, string][] = [
    ['an entry that vanished has nothing to record', 'No such file or directory', 'skip'],
    ['a filesystem without xattrs has none, as restic treats it', 'Operation not supported', 'skip'],
    ['a path too deep for the tool is left to the walk, which reports it', 'File name too long', 'skip'],
    ['permission denied makes the entry incomplete', 'Permission denied', 'permission denied'],
    ['an unknown error is reported as the tool said', 'Input/output error', 'Input/output error'],
  ];
  for (const [name, reason, want] of cases) it(name, () => assert.equal(readErrorMeaning(reason), want));
});

describe('stored attributes a restore may trust', () => {
  const cases: [string, Xattr[], RegExp | undefined][] = [
    ['user, trusted, security and ACL attributes are fine', [x('user.k', 'v'), x('system.posix_acl_access', [2, 0, 0, 0])], undefined],
    ['a name without a namespace is refused', [x('k', 'v')], /invalid name/],
    ['an empty name is refused', [x('', 'v')], /invalid name/],
    ['a NUL in a name is refused', [x('user.a\0b', 'v')], /invalid name/],
    ['a value that is not canonical base64 is refused', [{ name: 'user.k', value: 'dmFs' + '\n' }], /malformed value/],
    ['a value over 64 KiB is refused', [x('user.k', 'a'.repeat(65537))], /malformed value/],
    ['the same name twice is refused', [x('user.k', 'a'), x('user.k', 'b')], /twice/],
  ];
  for (const [name, list, want] of cases)
    it(name, () => {
      const got = xattrsProblem(list);
      if (want) assert.match(got ?? '', want);
      else assert.equal(got, undefined);
    });
  it('a single attribute is judged alone too', () => assert.equal(xattrProblem(x('user.k', 'v')), undefined));
});

describe('which stored attributes restore sets', () => {
  const cases: [string, Xattr, boolean][] = [
    ['user attributes', x('user.k', 'v'), true],
    ['POSIX ACLs', x('system.posix_acl_access', [2, 0, 0, 0]), true],
    ['file capabilities', x('security.capability', [1]), true],
    ['not an SELinux label: the target host labels what it creates', x('security.selinux', 'system_u:object_r:container_file_t:s0:c1,c2'), false],
  ];
  for (const [name, a, want] of cases) it(name, () => assert.equal(restoredXattr(a), want));
});

describe('comparing restored attributes', () => {
  const cases: [string, Xattr[], Xattr[], string[]][] = [
    ['equal lists have no difference', [x('user.k', 'v')], [x('user.k', 'v')], []],
    ['a missing attribute is named', [x('user.k', 'v')], [], ['f: extended attribute user.k is missing']],
    ['another value is a difference', [x('user.k', 'v')], [x('user.k', 'w')], ['f: extended attribute user.k differs from the restore point']],
    ['an extra attribute is a difference', [], [x('user.new', 'v')], ['f: extended attribute user.new is not in the restore point']],
    ["the target host's SELinux label is not", [], [x('security.selinux', 'system_u:object_r:tmp_t:s0')], []],
    ['nor is another label than the stored one, which restore does not set', [x('security.selinux', 'a')], [x('security.selinux', 'b')], []],
  ];
  for (const [name, want, got, problems] of cases) it(name, () => assert.deepEqual(xattrDifferences('f', want, got), problems));
});
