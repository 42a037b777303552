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
