import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decideBundleGate, type BundleGateInput } from './bundle-gate.js';

const now = new Date('2026-12-07T10:00:00Z');
const base: BundleGateInput = {
  now,
  propagationMs: 180_000,
  issuerChanges: true,
  broken: false,
  bundleSince: new Date(now.getTime() - 60_000),
  bundlePath: '/srv/web/ca.crt',
};

describe('decideBundleGate', () => {
  const cases: [string, Partial<BundleGateInput>, string, string | undefined][] = [
    ['waits while the bundle has held the new root for less than the propagation period', {}, 'AwaitingPropagation', '2026-12-07T10:02:00.000Z'],
    ['serves the new CA once the bundle has held its root for the whole period', { bundleSince: new Date(now.getTime() - 180_000) }, 'Ready', undefined],
    ['does not wait for a renewal from the CA already served: clients trust it', { issuerChanges: false }, 'Ready', undefined],
    ['does not wait when the certificate is missing or expired: waiting only prolongs the outage', { broken: true }, 'Ready', undefined],
    ['does not wait with a zero propagation period', { propagationMs: 0 }, 'Ready', undefined],
    ['does not wait when serve writes no bundle for the certificate (its clients are not known)', { bundlePath: undefined, bundleSince: undefined }, 'Ready', undefined],
  ];
  for (const [name, input, reason, until] of cases)
    it(name, () => {
      const d = decideBundleGate({ ...base, ...input });
      assert.equal(d.reason, reason);
      assert.equal(d.until?.toISOString(), until);
      if (until) assert.match(d.message, /clients of \/srv\/web\/ca\.crt to re-read it with the new root \(propagation 180s\)/);
    });
});
