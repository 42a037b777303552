import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { retireGateDecision, type ServingOld } from './retire-gate.js';
import type { IssuedRecord } from './store.js';

const live: IssuedRecord = { serial: 'aa'.repeat(16), name: 'serve/web', caId: 'old', notBefore: '', notAfter: '', issuedAt: '2026-12-01T08:00:00.000Z' };
const serving: ServingOld = { name: 'serve/web', endpoint: '127.0.0.1:8443', serial: 'bb'.repeat(16) };

describe('retireGateDecision: the old root leaves only when nothing issued or served depends on it', () => {
  const cases: { name: string; live: IssuedRecord[]; servingOld: ServingOld[]; open: boolean; message: RegExp }[] = [
    { name: 'opens when no leaf from the old CA is live and no endpoint serves one', live: [], servingOld: [], open: true, message: /^no live leaf from old, and no recorded endpoint serves one$/ },
    { name: 'holds while a leaf from the old CA is live, naming it', live: [live], servingOld: [], open: false, message: /^serve\/web \(serial a{16}…, issued 2026-12-01T08:00:00\.000Z\) still live from old; its issuer must renew it first/ },
    {
      name: 'holds while an endpoint still serves a leaf from the old CA although its replacement was issued',
      live: [],
      servingOld: [serving],
      open: false,
      message: /^127\.0\.0\.1:8443 \(serve\/web\) serves serial b{16}… from old; its workload must reload the leaf from new first$/,
    },
    { name: 'names both when both hold it', live: [live], servingOld: [serving], open: false, message: /still live from old; .*; 127\.0\.0\.1:8443 \(serve\/web\) serves/ },
  ];
  for (const c of cases)
    it(c.name, () => {
      const d = retireGateDecision({ oldCaId: 'old', newCaId: 'new', live: c.live, servingOld: c.servingOld });
      assert.equal(d.open, c.open);
      assert.match(d.message, c.message);
    });
});
