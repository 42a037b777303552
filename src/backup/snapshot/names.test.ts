import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { escapeName, isCanonicalBase64, isSafeNameBytes, makeNamesUnique, nameBytes, nameKey, nodeName } from './names.js';

const b = (...parts: (string | number[])[]) => Buffer.concat(parts.map((p) => Buffer.from(p as string)));

describe('entry names as bytes', () => {
  const escapes: [string, Buffer, string][] = [
    ['a UTF-8 name is shown as it is', b('ünïcødé.txt'), 'ünïcødé.txt'],
    ['a UTF-8 name keeps its backslashes', b('a\\b'), 'a\\b'],
    ['a Latin-1 byte is shown as \\xNN', b('caf', [0xe9], '.txt'), 'caf\\xe9.txt'],
    ['valid sequences inside a non-UTF-8 name stay readable', b('ü', [0xff], '€'), 'ü\\xff€'],
    ['a backslash in a non-UTF-8 name is doubled, so escapes cannot be forged', b('a\\xff', [0xff]), 'a\\\\xff\\xff'],
    ['a truncated multi-byte sequence is escaped byte by byte', b('x', [0xe2, 0x82]), 'x\\xe2\\x82'],
    ['an encoded surrogate is not UTF-8', b([0xed, 0xa0, 0x80]), '\\xed\\xa0\\x80'],
  ];
  for (const [name, raw, want] of escapes) it(name, () => assert.equal(escapeName(raw), want));

  it('keeps nameRaw only for names that are not UTF-8, and gets the bytes back exactly', () => {
    assert.deepEqual(nodeName(b('plain')), { name: 'plain' });
    for (const raw of [b([0xff], '.txt'), b('\u{fffd}.txt'), b('caf', [0xe9]), b('plain')]) assert.ok(nameBytes(nodeName(raw)).equals(raw));
    assert.notEqual(nodeName(b([0xff])).name, nodeName(b('\u{fffd}')).name);
  });

  it('keys a node by its bytes as a directory listing in latin1 gives them, for ASCII, UTF-8 and raw names', () => {
    for (const raw of [b('plain.txt'), b('ünïcødé'), b('\u{1f600}'), b([0xff], '.txt'), b('caf', [0xe9]), b('a', [0x7f])])
      assert.equal(nameKey(nodeName(raw)), raw.toString('latin1'));
    // A lone surrogate is not UTF-8 once written: its key is the bytes restore would create.
    assert.equal(nameKey({ name: '\ud800' }), Buffer.from('\ud800').toString('latin1'));
  });

  const safe: [string, Buffer, boolean][] = [
    ['an ordinary name is safe', b('db'), true],
    ['a non-UTF-8 name is safe', b([0xff, 0xfe]), true],
    ['the empty name is refused', b(''), false],
    ['. is refused', b('.'), false],
    ['.. is refused', b('..'), false],
    ['... is an ordinary name', b('...'), true],
    ['a slash is refused', b('a/b'), false],
    ['NUL is refused', b('a', [0], 'b'), false],
  ];
  for (const [name, raw, want] of safe) it(name, () => assert.equal(isSafeNameBytes(raw), want));

  it('accepts only canonical base64, so one name has one encoding', () => {
    assert.equal(isCanonicalBase64(Buffer.from([0xff, 0x2e]).toString('base64')), true);
    assert.equal(isCanonicalBase64('/y4'), false);
    assert.equal(isCanonicalBase64('/y4=\n'), false);
  });

  it('renames an escaped name that collides with a literal one, never the literal one', () => {
    const nodes = [{ name: 'caf\\xe9' }, nodeName(b('caf', [0xe9])), nodeName(b('caf', [0xe9])), { name: 'caf\\xe9~1' }];
    makeNamesUnique(nodes);
    assert.deepEqual(nodes.map((n) => n.name), ['caf\\xe9', 'caf\\xe9~2', 'caf\\xe9~3', 'caf\\xe9~1']);
  });
});
