import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nextSwapAction, type SwapState } from './swap.js';

const cases: [string, SwapState, string][] = [
  ['restores into scratch when nothing has been done yet', { volume: true, old: false, scratch: false, complete: false }, 'restore'],
  ['starts a partial scratch copy again rather than trusting it', { volume: true, old: false, scratch: true, complete: false }, 'restore'],
  ['swaps a complete scratch copy in', { volume: true, old: false, scratch: true, complete: true }, 'swap'],
  ['finishes the swap after a crash between the two renames', { volume: false, old: true, scratch: true, complete: true }, 'finish-swap'],
  ['puts the old data back when the volume is gone and no complete copy exists', { volume: false, old: true, scratch: false, complete: false }, 'put-back-old'],
  ['is done when the restored copy is in place and the old data beside it', { volume: true, old: true, scratch: false, complete: false }, 'done'],
  ['restores even when the volume directory is missing (nothing to keep)', { volume: false, old: false, scratch: false, complete: false }, 'restore'],
];

for (const [name, state, want] of cases)
  test(name, () => {
    assert.equal(nextSwapAction(state).action, want);
  });
