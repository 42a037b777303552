import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeIdentities, type IdentityInput } from './identity.js';

const base: IdentityInput = { tool: 'T', ruleId: 'R', path: 'a.py', lineHash: undefined, logical: undefined, snippet: 'eval(x)', message: 'm', line: 10, column: 1 };

test('moving a result to another line keeps its identity', () => {
  const [a] = computeIdentities([base]);
  const [b] = computeIdentities([{ ...base, line: 42 }]);
  assert.equal(a!.identity, b!.identity);
});

test('the rule, the path and the tool are part of the identity', () => {
  const ids = computeIdentities([base, { ...base, ruleId: 'R2' }, { ...base, path: 'b.py' }, { ...base, tool: 'U' }]).map((i) => i.identity);
  assert.equal(new Set(ids).size, 4);
});

test('two identical snippets in one file stay two findings, ordered by position', () => {
  const first = computeIdentities([base, { ...base, line: 20 }]).map((i) => i.identity);
  assert.equal(new Set(first).size, 2);
  // Both move down by 5 lines: same identities.
  const moved = computeIdentities([{ ...base, line: 25 }, { ...base, line: 15 }]).map((i) => i.identity);
  assert.deepEqual(new Set(moved), new Set(first));
});

test('the logical location is preferred to the snippet, and the message is the last resort with numbers blanked', () => {
  assert.equal(computeIdentities([{ ...base, logical: 'pkg.mod.handler' }])[0]!.basis, 'logical-location');
  const [a, b] = [
    computeIdentities([{ ...base, snippet: undefined, message: 'tainted at line 10' }])[0]!,
    computeIdentities([{ ...base, snippet: undefined, message: 'tainted at line 99', line: 99 }])[0]!,
  ];
  assert.equal(a.basis, 'message');
  assert.equal(a.identity, b.identity);
});

test('a unique primaryLocationLineHash wins; a repeated one does not', () => {
  assert.equal(computeIdentities([{ ...base, lineHash: 'abc:1' }])[0]!.basis, 'fingerprint');
  const twice = computeIdentities([{ ...base, lineHash: 'abc:1' }, { ...base, lineHash: 'abc:1', snippet: 'other()' }]);
  assert.deepEqual(twice.map((i) => i.basis), ['snippet', 'snippet']);
  assert.equal(computeIdentities([{ ...base, lineHash: 'requires login' }])[0]!.basis, 'snippet');
});

test('a line hash repeated in another run of the same report is not trusted either', () => {
  assert.equal(computeIdentities([{ ...base, lineHash: 'abc:1' }], new Set(['abc:1']))[0]!.basis, 'snippet');
});

test('colliding results are told apart by the lines the scanner quoted around them, so removing one shifts no other', () => {
  const copy = (fn: string, line: number): IdentityInput => ({ ...base, line, context: `def ${fn}(blob):\n    eval(x)\n\n` });
  const three = computeIdentities([copy('a', 10), copy('b', 20), copy('c', 30)]);
  assert.deepEqual(three.map((i) => i.basis), ['snippet', 'context', 'context']);
  const two = computeIdentities([copy('a', 10), copy('c', 26)]);
  assert.deepEqual(two.map((i) => i.identity), [three[0]!.identity, three[2]!.identity]);
  const [alone] = computeIdentities([copy('a', 10)]);
  assert.equal(three[0]!.identity, alone!.identity, 'a finding keeps its identity when a copy of it is pasted below');
  assert.equal(computeIdentities([base])[0]!.identity, computeIdentities([{ ...base, context: 'around' }])[0]!.identity, 'a result that collides with none keeps its identity');
});
