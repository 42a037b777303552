import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { renewalDecision, renewalTime, unitHash, type Installed } from './renewal.js';

const D = 86_400_000;
const t0 = new Date('2026-01-01T00:00:00Z');
const at = (days: number) => new Date(t0.getTime() + days * D);

describe('renewalTime', () => {
  const cases: {
    name: string;
    lifetimeDays: number;
    renewBeforeDays?: number;
    jitter?: number;
    serial: string;
    want: (d: Date) => boolean;
  }[] = [
    {
      name: 'renews at exactly 2/3 of the lifetime without jitter',
      lifetimeDays: 90,
      jitter: 0,
      serial: 'a',
      want: (d) => d.getTime() === at(60).getTime(),
    },
    {
      name: 'renews renewBefore ahead of expiry when it is set',
      lifetimeDays: 90,
      renewBeforeDays: 10,
      jitter: 0,
      serial: 'a',
      want: (d) => d.getTime() === at(80).getTime(),
    },
    {
      name: 'ignores a renewBefore as long as the lifetime and falls back to 2/3',
      lifetimeDays: 30,
      renewBeforeDays: 30,
      jitter: 0,
      serial: 'a',
      want: (d) => d.getTime() === at(20).getTime(),
    },
    {
      name: 'moves renewal earlier with jitter, never later',
      lifetimeDays: 90,
      jitter: 0.1,
      serial: 'b',
      want: (d) => d <= at(60) && d >= at(54),
    },
    {
      name: 'caps a jitter above 1 at the whole span before the renewal point',
      lifetimeDays: 90,
      jitter: 5,
      serial: 'c',
      want: (d) => d >= t0 && d <= at(60),
    },
  ];
  for (const c of cases)
    it(c.name, () => {
      const d = renewalTime(
        { notBefore: t0, notAfter: at(c.lifetimeDays), serial: c.serial },
        {
          ...(c.jitter !== undefined ? { jitter: c.jitter } : {}),
          ...(c.renewBeforeDays ? { renewBeforeMs: c.renewBeforeDays * D } : {}),
        },
      );
      assert.ok(c.want(d), d.toISOString());
    });

  it('gives the same time for the same serial every time', () => {
    const c = { notBefore: t0, notAfter: at(90), serial: '7f01' };
    assert.equal(renewalTime(c).getTime(), renewalTime(c).getTime());
  });

  it('spreads a fleet issued at the same instant over the jitter window', () => {
    const times = Array.from({ length: 200 }, (_, i) =>
      renewalTime({ notBefore: t0, notAfter: at(90), serial: `s${i}` }).getTime(),
    );
    const distinctHours = new Set(times.map((t) => Math.floor(t / 3_600_000)));
    assert.ok(distinctHours.size > 50, `only ${distinctHours.size} distinct hours`);
    assert.ok(Math.min(...times) >= at(54).getTime() && Math.max(...times) <= at(60).getTime());
  });

  it('hashes seeds into [0, 1)', () => {
    for (const s of ['', 'a', 'ffff']) assert.ok(unitHash(s) >= 0 && unitHash(s) < 1);
  });
});

describe('renewalDecision', () => {
  const ok: Installed = {
    notBefore: t0,
    notAfter: at(90),
    serial: '01',
    keyMatches: true,
    issuerCaId: 'ca-1',
    specMatches: true,
  };
  const cases: {
    name: string;
    now: Date;
    installed: Installed | undefined;
    renew: boolean;
    reason: string;
    urgent: boolean;
  }[] = [
    {
      name: 'issues when nothing is installed',
      now: at(1),
      installed: undefined,
      renew: true,
      reason: 'Missing',
      urgent: true,
    },
    {
      name: 'reissues at once when the key does not match the certificate',
      now: at(1),
      installed: { ...ok, keyMatches: false },
      renew: true,
      reason: 'KeyMismatch',
      urgent: true,
    },
    {
      name: 'reissues an expired certificate as urgent',
      now: at(91),
      installed: ok,
      renew: true,
      reason: 'Expired',
      urgent: true,
    },
    {
      name: 'reissues when the SANs or usages changed in the spec',
      now: at(1),
      installed: { ...ok, specMatches: false },
      renew: true,
      reason: 'SpecChanged',
      urgent: false,
    },
    {
      name: 'reissues a certificate from a CA that is no longer the active one',
      now: at(1),
      installed: { ...ok, issuerCaId: 'ca-0' },
      renew: true,
      reason: 'IssuerChanged',
      urgent: false,
    },
    {
      name: 'renews once the renewal time has passed',
      now: at(61),
      installed: ok,
      renew: true,
      reason: 'Due',
      urgent: false,
    },
    {
      name: 'does nothing before the renewal time',
      now: at(30),
      installed: ok,
      renew: false,
      reason: 'NotDue',
      urgent: false,
    },
    {
      name: 'prefers the key mismatch reason over expiry when both hold',
      now: at(95),
      installed: { ...ok, keyMatches: false },
      renew: true,
      reason: 'KeyMismatch',
      urgent: true,
    },
  ];
  for (const c of cases)
    it(c.name, () => {
      const d = renewalDecision({
        now: c.now,
        installed: c.installed,
        activeCaId: 'ca-1',
        timing: { jitter: 0 },
      });
      assert.deepEqual([d.renew, d.reason, d.urgent], [c.renew, c.reason, c.urgent]);
      assert.ok(d.message.length > 0);
    });
});
