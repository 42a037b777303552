import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { budgetDecision, planRenewals, type Candidate } from './budget.js';
import type { RenewalDecision } from './renewal.js';

const now = new Date('2026-06-01T12:00:00Z');
const ago = (s: number) => new Date(now.getTime() - s * 1000);
const budget = { max: 2, windowMs: 600_000 };

describe('budgetDecision', () => {
  const cases: { name: string; history: Date[]; allowed: boolean; retryAt?: Date }[] = [
    { name: 'allows a renewal when the window is empty', history: [], allowed: true },
    {
      name: 'allows a renewal while fewer than max happened in the window',
      history: [ago(30)],
      allowed: true,
    },
    {
      name: 'refuses when max renewals happened in the window and says when a slot frees',
      history: [ago(500), ago(30)],
      allowed: false,
      retryAt: new Date(ago(500).getTime() + 600_000),
    },
    { name: 'forgets renewals older than the window', history: [ago(900), ago(700), ago(30)], allowed: true },
    {
      name: 'ignores entries in the future (clock skew) as not yet spent',
      history: [new Date(now.getTime() + 5000), ago(10)],
      allowed: true,
    },
  ];
  for (const c of cases)
    it(c.name, () => {
      const d = budgetDecision(c.history, now, budget);
      assert.equal(d.allowed, c.allowed);
      if (c.retryAt) assert.equal(d.retryAt?.toISOString(), c.retryAt.toISOString());
    });
});

describe('planRenewals', () => {
  const due: RenewalDecision = { renew: true, reason: 'Due', message: 'due', urgent: false };
  const notDue: RenewalDecision = { renew: false, reason: 'NotDue', message: 'later', urgent: false };
  const missing: RenewalDecision = { renew: true, reason: 'Missing', message: 'none', urgent: true };
  const far = new Date(now.getTime() + 30 * 86_400_000);
  const c = (name: string, decision: RenewalDecision, notAfter?: Date): Candidate => ({
    name,
    decision,
    ...(notAfter ? { notAfter } : {}),
  });

  it('never renews more than the budget when a whole fleet is due at once', () => {
    const fleet = Array.from({ length: 10 }, (_, i) => c(`svc-${i}`, due, far));
    const plan = planRenewals(fleet, [], now, budget);
    assert.equal(plan.filter((p) => p.action === 'renew').length, 2);
    assert.equal(plan.filter((p) => p.action === 'defer').length, 8);
    assert.ok(plan.find((p) => p.action === 'defer')!.message.includes('next slot'));
  });

  it('spends the budget on the certificates that expire first', () => {
    const plan = planRenewals(
      [
        c('late', due, far),
        c('soon', due, new Date(far.getTime() - 86_400_000)),
        c('mid', due, new Date(far.getTime() - 3600_000)),
      ],
      [],
      now,
      budget,
    );
    assert.deepEqual(
      plan.filter((p) => p.action === 'renew').map((p) => p.name),
      ['soon', 'mid'],
    );
  });

  it('lets an urgent renewal through even when the budget is spent', () => {
    const plan = planRenewals([c('broken', missing), c('fine', due, far)], [ago(10), ago(20)], now, budget);
    assert.deepEqual(
      plan.map((p) => [p.name, p.action]),
      [
        ['broken', 'renew'],
        ['fine', 'defer'],
      ],
    );
  });

  it('lets a renewal through when the certificate would expire before the next slot', () => {
    const plan = planRenewals(
      [c('edge', due, new Date(now.getTime() + 60_000))],
      [ago(10), ago(20)],
      now,
      budget,
    );
    assert.equal(plan[0]!.action, 'renew');
    assert.match(plan[0]!.message, /expires before the next slot/);
  });

  it('skips what is not due without spending budget', () => {
    const plan = planRenewals([c('a', notDue, far), c('b', due, far), c('c', due, far)], [], now, budget);
    assert.deepEqual(plan.map((p) => p.action).sort(), ['renew', 'renew', 'skip']);
  });
});
