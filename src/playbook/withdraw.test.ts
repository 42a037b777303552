import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decideWithdraw } from './withdraw.js';

describe('decideWithdraw', () => {
  const proposal = { id: 'inc-2', volume: 'shop-data', findingId: 'f2' };
  const cases: [string, Parameters<typeof decideWithdraw>[0], boolean, string][] = [
    ['keeps a proposal nothing else covers', { proposal, stillDeployed: true }, false, 'keep'],
    ['withdraws a second proposal for the same volume from the same upload', { proposal, keptForUpload: 'inc-1', stillDeployed: true }, true, 'same-upload'],
    ['keeps the proposal the upload kept', { proposal, keptForUpload: 'inc-2', stillDeployed: true }, false, 'keep'],
    ['withdraws a proposal whose version is gone after an incident on its volume succeeded', { proposal, succeeded: 'inc-1', stillDeployed: false }, true, 'resolved'],
    ['keeps a proposal whose version still runs after another incident succeeded', { proposal, succeeded: 'inc-1', stillDeployed: true }, false, 'keep'],
    ['keeps a proposal whose version is gone while no incident has succeeded on the volume', { proposal, stillDeployed: false }, false, 'keep'],
  ];
  for (const [name, input, withdraw, reason] of cases)
    it(name, () => {
      const d = decideWithdraw(input);
      assert.deepEqual([d.withdraw, d.reason], [withdraw, reason], d.message);
      assert.match(d.message, /inc-/);
    });
});
