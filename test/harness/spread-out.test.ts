import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { spreadOut } from '../../scripts/spread-out.mjs';

test('spreadOut places the picked items evenly among the others, keeping both orders', () => {
  const picked = (x: string) => x.startsWith('n');
  const cases: [string[], string[]][] = [
    [['a', 'b', 'c', 'd', 'n1', 'n2'], ['a', 'n1', 'b', 'c', 'n2', 'd']],
    [['a', 'b', 'c', 'd', 'e', 'f', 'n1', 'n2', 'n3'], ['a', 'n1', 'b', 'c', 'n2', 'd', 'e', 'n3', 'f']],
    [['n1', 'a', 'b', 'c', 'd'], ['a', 'b', 'n1', 'c', 'd']],
    [['a', 'b'], ['a', 'b']],
    [['n1', 'n2'], ['n1', 'n2']],
    [['a', 'n1', 'n2', 'n3'], ['n1', 'n2', 'n3', 'a']],
    [[], []],
  ];
  for (const [list, want] of cases) assert.deepEqual(spreadOut(list, picked), want, list.join(' '));
});
