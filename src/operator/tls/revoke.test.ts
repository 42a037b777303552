import { test } from 'node:test';
import assert from 'node:assert/strict';
import { revokeVerdict } from './revoke.js';

const secret = 'Secret shop/shop-tls';
for (const [name, input, want] of [
  ['a leaf from the active CA is revoked', { serial: 'ab12', issuerCaId: 'ca-2', activeCaId: 'ca-2', secret }, { revoke: true }],
  ['no certificate yet: nothing to list, one is issued', { serial: undefined, issuerCaId: undefined, activeCaId: 'ca-2', secret }, { revoke: false, reason: 'NothingToRevoke' }],
  ['a leaf from a CA rotated away cannot be listed: its key is gone', { serial: 'ab12', issuerCaId: 'ca-1', activeCaId: 'ca-2', secret }, { revoke: false, reason: 'IssuerGone' }],
  ['a leaf whose Secret does not say its CA is not listed under a guessed one', { serial: 'ab12', issuerCaId: undefined, activeCaId: 'ca-2', secret }, { revoke: false, reason: 'IssuerGone' }],
] as const)
  test(name, () => {
    const v = revokeVerdict(input);
    assert.equal(v.revoke, want.revoke);
    if (!v.revoke && !want.revoke) {
      assert.equal(v.reason, want.reason);
      assert.match(v.message, /Secret shop\/shop-tls/);
    }
  });
