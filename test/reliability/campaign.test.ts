/** The kill plan's pure parts: which point trials a small slice keeps. */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { roundRobin } from './campaign.js';

const cases: [string, string[][], string[]][] = [
  ['takes the first point of every command before the second of any', [['b1', 'b2'], ['f1', 'f2'], ['k1']], ['b1', 'f1', 'k1', 'b2', 'f2']],
  ['a command with more points does not push another one out of the first round', [['b1'], ['f1', 'f2', 'f3', 'f4'], ['k1']], ['b1', 'f1', 'k1', 'f2', 'f3', 'f4']],
  ['nothing from nothing', [[], []], []],
];
for (const [name, lists, want] of cases) it(name, () => assert.deepEqual(roundRobin(lists), want));
