import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isHoldfastError } from '../../base/errors.js';
import { nodeName } from './names.js';
import { encodeTree, parseTree, type TreeNode } from './tree.js';

const file = (n: { name: string; nameRaw?: string }): TreeNode => ({ ...n, type: 'file', mode: 0o644, uid: 0, gid: 0, mtimeNs: '0', size: 0, content: [] });
const raw = (...bytes: number[]) => Buffer.from(bytes).toString('base64');
const parse = (nodes: TreeNode[]) => parseTree(encodeTree({ nodes }), 'ab'.repeat(32));
const refused = (code: string) => (e: unknown) => isHoldfastError(e, code);

describe('trees with names as bytes', () => {
  it('keeps names that differ only in bytes that are not UTF-8 apart, and apart from a real U+FFFD', () => {
    const names = [Buffer.from([0xff]), Buffer.from([0xfe]), Buffer.from('\u{fffd}')].map(nodeName);
    const t = parse(names.map(file));
    assert.equal(t.nodes.length, 3);
    // A reader that knows nothing of nameRaw still sees three different names.
    assert.equal(new Set(t.nodes.map((n) => n.name)).size, 3);
  });

  const bad: [string, TreeNode[], string][] = [
    ['refuses two entries with the same bytes, one spelled as nameRaw', [file({ name: 'a' }), file({ name: 'b', nameRaw: raw(0x61) })], 'TREE_DUPLICATE'],
    ['refuses two entries with the same readable name, even with different bytes', [file({ name: 'x', nameRaw: raw(0xff) }), file({ name: 'x', nameRaw: raw(0xfe) })], 'TREE_DUPLICATE'],
    ['refuses nameRaw that is ".." whatever name says', [file({ name: 'innocent', nameRaw: raw(0x2e, 0x2e) })], 'TREE_UNSAFE_NAME'],
    ['refuses nameRaw holding a slash', [file({ name: 'x', nameRaw: raw(0x61, 0x2f, 0xff) })], 'TREE_UNSAFE_NAME'],
    ['refuses nameRaw holding NUL', [file({ name: 'x', nameRaw: raw(0x61, 0, 0xff) })], 'TREE_UNSAFE_NAME'],
    ['refuses an empty nameRaw', [file({ name: 'x', nameRaw: '' })], 'TREE_UNSAFE_NAME'],
    ['refuses a readable name older readers would misuse, even with a safe nameRaw', [file({ name: '../x', nameRaw: raw(0xff) })], 'TREE_UNSAFE_NAME'],
    ['refuses base64 that is not canonical (two spellings of one name)', [file({ name: 'x', nameRaw: '/w' })], 'TREE_FORMAT'],
  ];
  for (const [name, nodes, code] of bad) it(name, () => assert.throws(() => parse(nodes), refused(code)));
});

describe('tree entries are checked field by field', () => {
  const tree = (nodes: unknown[]) => Buffer.from(JSON.stringify({ nodes }));
  const ok = { name: 'a', type: 'file', mode: 420, uid: 0, gid: 0, mtimeNs: '1', size: 3, content: ['ab'] };
  it('keeps every known field as stored', () => {
    const full = { ...ok, nameRaw: raw(0xff), atimeNs: '2', ctimeNs: '3', inode: 7, device: 8, links: 1, linkTarget: 't', linkTargetRaw: raw(0x74), xattrs: [{ name: 'user.a', value: '' }] };
    assert.deepEqual(parseTree(tree([{ ...full, name: '\u{fffd}' }]), 'ab'.repeat(32)).nodes, [{ ...full, name: '\u{fffd}' }]);
  });
  it('drops fields it does not know, so they never reach restore', () => {
    assert.deepEqual(parseTree(tree([{ ...ok, evil: 1 }]), 'ab'.repeat(32)).nodes, [ok]);
  });
  const bad: [string, unknown[], RegExp][] = [
    ['an entry that is not an object', [1], /entry 0 is not an object/],
    ['a missing mtimeNs', [{ ...ok, mtimeNs: undefined }], /entry 0 has no mtimeNs/],
    ['a time that is not decimal digits', [{ ...ok, mtimeNs: '-1' }], /entry 0 has a malformed mtimeNs/],
    ['an unknown type', [{ ...ok, type: 'fifo' }], /malformed type/],
    ['a fractional mode', [{ ...ok, mode: 1.5 }], /malformed mode/],
    ['a negative size', [{ ...ok, size: -1 }], /malformed size/],
    ['content that is not a list of ids', [{ ...ok, content: [1] }], /malformed content/],
    ['null for an optional field', [ok, { ...ok, name: 'b', subtree: null }], /entry 1 has a malformed subtree/],
    ['an attribute without a value', [{ ...ok, xattrs: [{ name: 'user.a' }] }], /malformed xattrs/],
  ];
  for (const [name, nodes, message] of bad)
    it(`refuses ${name}`, () => assert.throws(() => parseTree(tree(nodes), 'ab'.repeat(32)), (e) => isHoldfastError(e, 'TREE_FORMAT') && message.test(e.message)));
  it('refuses a tree without a list of entries', () => assert.throws(() => parseTree(Buffer.from('{"nodes":{}}'), 'ab'.repeat(32)), refused('TREE_FORMAT')));
});
