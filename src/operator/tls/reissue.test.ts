import { test } from 'node:test';
import assert from 'node:assert/strict';
import { reissueDecision } from './reissue.js';

for (const [name, input, want] of [
  ['no annotation: nothing forced', { requested: undefined, handled: undefined, secretIssuedFor: undefined }, { forced: false, handled: undefined }],
  ['a new value forces one reissue', { requested: 't1', handled: undefined, secretIssuedFor: undefined }, { forced: true, handled: 't1' }],
  ['a value already handled in status forces nothing', { requested: 't1', handled: 't1', secretIssuedFor: 't1' }, { forced: false, handled: 't1' }],
  [
    'a stale cached policy (status not yet showing the value) forces nothing when the Secret was already issued for it',
    { requested: 't1', handled: undefined, secretIssuedFor: 't1' },
    { forced: false, handled: 't1' },
  ],
  ['a second new value forces another reissue', { requested: 't2', handled: 't1', secretIssuedFor: 't1' }, { forced: true, handled: 't2' }],
] as const)
  test(name, () => assert.deepEqual(reissueDecision(input), want));
