import { test } from 'node:test';
import assert from 'node:assert/strict';
import { missingCaDecision } from './missing-ca.js';

const base = { caSecret: 'holdfast-system/holdfast-ca', tlsSecret: 'Secret shop/shop-tls', newCaRequested: false };

test('on first use, with nothing issued yet, the CA is created', () => {
  assert.deepEqual(missingCaDecision({ ...base, issuedByCaId: undefined }), { create: true, reason: 'FirstUse' });
});

test('a CA lost after it issued certificates is not silently replaced: CAMissing says how to restore it or ask for a new one', () => {
  const d = missingCaDecision({ ...base, issuedByCaId: 'ca-20261201' });
  assert.equal(d.create, false);
  assert.equal(d.reason, 'CAMissing');
  assert.match(!d.create ? d.message : '', /CA Secret holdfast-system\/holdfast-ca is missing but Secret shop\/shop-tls was issued by CA ca-20261201.*holdfast\.dev\/new-ca=true/);
});

test('a new CA the user asked for with the annotation is created', () => {
  assert.deepEqual(missingCaDecision({ ...base, issuedByCaId: 'ca-20261201', newCaRequested: true }), { create: true, reason: 'NewCaRequested' });
});
