/**
 * The disruption budget: at most `max` renewals (each one a reload or restart of a workload) within
 * any sliding `windowMs`, so a fleet issued together never renews — or restarts — all at once.
 * Pure functions over a history of past disruption times.
 *
 * A renewal whose reason is urgent (nothing installed, key mismatch, expired) or whose certificate
 * would expire before the budget frees a slot is let through anyway and counted: a restart storm is
 * bad, an expired certificate is an outage.
 */
import type { RenewalDecision } from './renewal.js';

export interface Budget {
  max: number;
  windowMs: number;
}

export interface BudgetDecision {
  allowed: boolean;
  reason: 'WithinBudget' | 'BudgetExhausted';
  message: string;
  used: number;
  /** When exhausted: the earliest time a slot frees. */
  retryAt?: Date;
}

export function budgetDecision(history: Date[], now: Date, budget: Budget): BudgetDecision {
  const since = now.getTime() - budget.windowMs;
  const inWindow = history
    .map((d) => d.getTime())
    .filter((t) => t > since && t <= now.getTime())
    .sort((a, b) => a - b);
  const used = inWindow.length;
  if (used < budget.max)
    return {
      allowed: true,
      reason: 'WithinBudget',
      message: `${used} of ${budget.max} used in the window`,
      used,
    };
  const retryAt = new Date(inWindow[used - budget.max]! + budget.windowMs);
  return {
    allowed: false,
    reason: 'BudgetExhausted',
    message: `${used} of ${budget.max} renewals already in the last ${Math.round(budget.windowMs / 1000)}s; next slot at ${retryAt.toISOString()}`,
    used,
    retryAt,
  };
}

export interface Candidate {
  name: string;
  decision: RenewalDecision;
  /** Expiry of the installed certificate, if any: the sooner, the earlier it is served. */
  notAfter?: Date;
}

export type PlannedAction = 'renew' | 'defer' | 'skip';

export interface PlannedRenewal {
  name: string;
  action: PlannedAction;
  reason: string;
  message: string;
}

/**
 * Orders the candidates (urgent first, then soonest expiry, then name) and spends the budget on them.
 * Returns one entry per candidate, in that order.
 */
export function planRenewals(
  candidates: Candidate[],
  history: Date[],
  now: Date,
  budget: Budget,
): PlannedRenewal[] {
  const spent = [...history];
  const order = [...candidates].sort(
    (a, b) =>
      Number(b.decision.urgent) - Number(a.decision.urgent) ||
      (a.notAfter?.getTime() ?? 0) - (b.notAfter?.getTime() ?? 0) ||
      a.name.localeCompare(b.name),
  );
  return order.map((c) => {
    const d = c.decision;
    if (!d.renew) return { name: c.name, action: 'skip', reason: d.reason, message: d.message };
    const b = budgetDecision(spent, now, budget);
    const expiresFirst =
      c.notAfter !== undefined && b.retryAt !== undefined && c.notAfter.getTime() <= b.retryAt.getTime();
    if (b.allowed || d.urgent || expiresFirst) {
      spent.push(now);
      const why = b.allowed
        ? d.message
        : `${d.message} (over budget: ${d.urgent ? 'urgent' : 'expires before the next slot'})`;
      return { name: c.name, action: 'renew', reason: d.reason, message: why };
    }
    return {
      name: c.name,
      action: 'defer',
      reason: b.reason,
      message: `${d.message}; deferred: ${b.message}`,
    };
  });
}
