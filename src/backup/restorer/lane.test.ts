import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { leastLoaded, type LaneLoad } from './lane.js';

describe('the write worker that takes new work', () => {
  const idle = { sent: 0, assigned: 0 };
  const MiB = 1024 * 1024;
  const cases: [string, LaneLoad[], number][] = [
    ['with every worker idle the first takes it', [idle, idle], 0],
    ['a large file given to the first worker but not yet read sends the next one to the second', [{ sent: 0, assigned: 300 * MiB }, idle], 1],
    ['a third large file goes to the worker with the smaller file left', [{ sent: 0, assigned: 300 * MiB }, { sent: 2 * MiB, assigned: 40 * MiB }], 1],
    ['bytes sent and not yet written count as much as bytes assigned', [{ sent: 4 * MiB, assigned: 0 }, { sent: 0, assigned: 3 * MiB }], 1],
    ['a small batch goes to the worker with less queued', [{ sent: 2 * MiB, assigned: 0 }, { sent: 4 * MiB, assigned: 0 }], 0],
    ['equal loads go to the first', [{ sent: 1, assigned: 1 }, { sent: 2, assigned: 0 }, { sent: 0, assigned: 2 }], 0],
    ['the least loaded of eight is found wherever it is', [5, 4, 3, 6, 2, 7, 9, 8].map((n) => ({ sent: n, assigned: 0 })), 4],
  ];
  for (const [name, lanes, want] of cases) it(name, () => assert.equal(leastLoaded(lanes), want));
});
