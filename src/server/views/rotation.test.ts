import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RotationState } from '../../tls/index.js';
import { gatesOf } from './rotation.js';

const state: RotationState = {
  version: 1,
  id: 'rot-1',
  oldCaId: 'ca-a',
  newCaId: 'ca-b',
  keepKey: false,
  emergency: false,
  leaves: ['web'],
  consumers: ['web'],
  phase: 'distribute',
  done: ['prepare:create-ca', 'prepare:trust-new', 'prepare:gate', 'distribute:bundle-both:web'],
  rolls: [],
  waiting: { step: 'distribute:propagate', for: 'consumers to re-read the trust bundle with both roots (propagation 180s)', until: '2026-12-07T10:03:00Z' },
  startedAt: '2026-12-07T10:00:00Z',
  updatedAt: '2026-12-07T10:00:00Z',
};

describe('gatesOf', () => {
  it('shows each gate as done, waiting (for what, until when) or ahead', () => {
    const g = gatesOf(state);
    assert.deepEqual(
      g.map((x) => [x.id, x.state]),
      [
        ['prepare:gate', 'done'],
        ['distribute:propagate', 'waiting'],
        ['distribute:gate', 'ahead'],
        ['reissue:gate', 'ahead'],
        ['roll:gate', 'ahead'],
        ['retire:gate', 'ahead'],
      ],
    );
    assert.equal(g[1]!.until, '2026-12-07T10:03:00Z');
    assert.match(g[1]!.for!, /propagation 180s/);
  });

  it('shows nothing waiting once the rotation is done, whatever was recorded last', () => {
    const done = gatesOf({ ...state, phase: 'done', done: [] });
    assert.ok(done.every((x) => x.state !== 'waiting'));
  });
});
