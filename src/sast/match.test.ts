import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matchPrevious, packMatch, surroundingsDiffer, unpackMatch, type MatchSide } from './match.js';

const at = (line: number, o: Partial<MatchSide> = {}): MatchSide => ({ key: 'k1', context: undefined, path: 'a.py', line, ...o });
const none = { scanned: new Set<string>(), known: new Set<string>() };

const cases: { name: string; results: MatchSide[]; candidates: MatchSide[]; paths?: { scanned: string[]; known: string[] }; want: [number, number][] }[] = [
  { name: 'a moved result matches the finding of the same key in its file', results: [at(40)], candidates: [at(10)], want: [[0, 0]] },
  { name: 'a result of another key matches nothing', results: [at(10, { key: 'k2' })], candidates: [at(10)], want: [] },
  {
    name: 'copies after lines inserted above keep their order: each takes the nearest',
    results: [at(13), at(23), at(33)],
    candidates: [at(10), at(20), at(30)],
    want: [[0, 0], [1, 1], [2, 2]],
  },
  { name: 'with the middle copy deleted, the last copy keeps its own finding, not the middle one', results: [at(10), at(26)], candidates: [at(10), at(20), at(30)], want: [[0, 0], [1, 2]] },
  {
    name: 'the lines quoted around a copy decide before the distance',
    results: [at(10, { context: 'c2' })],
    candidates: [at(10, { context: 'c1' }), at(30, { context: 'c2' })],
    want: [[0, 1]],
  },
  {
    name: 'a renamed file: its findings match the results of the file that appeared',
    results: [at(10, { path: 'b.py' })],
    candidates: [at(10)],
    paths: { scanned: ['b.py'], known: ['a.py'] },
    want: [[0, 0]],
  },
  {
    name: 'not a rename while the old file still has results',
    results: [at(10, { path: 'b.py' })],
    candidates: [at(10)],
    paths: { scanned: ['a.py', 'b.py'], known: ['a.py'] },
    want: [],
  },
  {
    name: 'not a rename when the new file had findings before: the same code in two files stays two findings',
    results: [at(10, { path: 'b.py' })],
    candidates: [at(10)],
    paths: { scanned: ['b.py'], known: ['a.py', 'b.py'] },
    want: [],
  },
  {
    name: 'a finding in the same file is preferred to one in a renamed file',
    results: [at(10)],
    candidates: [at(10, { path: 'old.py' }), at(90)],
    paths: { scanned: ['a.py'], known: ['a.py', 'old.py'] },
    want: [[0, 1]],
  },
  { name: 'each finding is taken once: a pasted copy stays unmatched', results: [at(10), at(11)], candidates: [at(10)], want: [[0, 0]] },
];

for (const c of cases) {
  test(`matchPrevious: ${c.name}`, () => {
    const paths = c.paths ? { scanned: new Set(c.paths.scanned), known: new Set(c.paths.known) } : none;
    assert.deepEqual([...matchPrevious(c.results, c.candidates, paths)].sort((a, b) => a[0] - b[0]), c.want);
  });
}

test('match data packs into one string and back', () => {
  for (const m of [
    { key: 'ab12', context: undefined },
    { key: 'ab12', context: 'ff00' },
  ])
    assert.deepEqual(unpackMatch(packMatch(m)), m);
});

for (const [a, b, want, why] of [
  ['k1~c1', 'k1~c2', true, 'both know their surroundings and they differ'],
  ['k1~c1', 'k1~c1', false, 'the same surroundings'],
  ['k1', 'k1~c1', false, 'one does not know its surroundings'],
  ['k1', 'k1', false, 'neither knows'],
] as const)
  test(`surroundingsDiffer: ${why}`, () => assert.equal(surroundingsDiffer(a, b), want));
