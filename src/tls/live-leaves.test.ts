import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { liveLeaves } from './live-leaves.js';
import type { IssuedRecord } from './store.js';

const now = new Date('2026-06-01T00:00:00Z');
const rec = (name: string, caId: string, serial: string, issuedAt: string, notAfter = '2026-09-01T00:00:00Z'): IssuedRecord => ({
  name,
  caId,
  serial,
  notBefore: issuedAt,
  notAfter,
  issuedAt,
});

describe('liveLeaves: what a CA signed that may still be served', () => {
  const cases: { name: string; issued: IssuedRecord[]; revoked?: Record<string, { serial: string; revokedAt: string; reason: 'keyCompromise' }[]>; want: string[] }[] = [
    { name: 'a leaf serve issued is live though no inventory spec names it', issued: [rec('api', 'old', 'a1', '2026-05-01T00:00:00Z')], want: ['a1'] },
    {
      name: 'a leaf superseded by a newer one under its name is not live, whichever CA issued the newer one',
      issued: [rec('api', 'old', 'a1', '2026-05-01T00:00:00Z'), rec('api', 'new', 'b1', '2026-05-20T00:00:00Z')],
      want: ['b1'],
    },
    {
      name: 'a leaf recorded under an older name is not live once a record replaces its serial',
      issued: [rec('localhost', 'old', 'a1', '2026-05-01T00:00:00Z'), { ...rec('serve/a', 'new', 'b1', '2026-05-20T00:00:00Z'), replaces: 'a1' }],
      want: ['b1'],
    },
    {
      name: 'a leaf recorded under an older name stays live while nothing replaces its serial',
      issued: [rec('localhost', 'old', 'a1', '2026-05-01T00:00:00Z'), { ...rec('serve/b', 'new', 'b1', '2026-05-20T00:00:00Z'), replaces: 'c1' }],
      want: ['a1', 'b1'],
    },
    { name: 'an expired leaf is not live', issued: [rec('api', 'old', 'a1', '2026-01-01T00:00:00Z', '2026-03-01T00:00:00Z')], want: [] },
    {
      name: 'a revoked leaf is not live',
      issued: [rec('api', 'old', 'a1', '2026-05-01T00:00:00Z')],
      revoked: { old: [{ serial: 'a1', revokedAt: '2026-05-02T00:00:00Z', reason: 'keyCompromise' }] },
      want: [],
    },
  ];
  for (const c of cases)
    it(c.name, () =>
      assert.deepEqual(
        liveLeaves(c.issued, c.revoked ?? {}, now).map((r) => r.serial),
        c.want,
      ),
    );
});
