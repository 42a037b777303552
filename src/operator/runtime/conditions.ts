/**
 * Status conditions the way Kubernetes tooling expects them: one entry per type, and
 * lastTransitionTime changes only when the status flips, so `kubectl wait` and alerts see real
 * transitions, not every reconcile.
 */
import type { Condition } from '../api/common.js';

export interface ConditionInput {
  type: string;
  status: Condition['status'];
  reason: string;
  message: string;
}

export function setCondition(list: readonly Condition[] | undefined, c: ConditionInput, now: Date, generation?: number): Condition[] {
  const old = (list ?? []).find((x) => x.type === c.type);
  const next: Condition = {
    ...c,
    lastTransitionTime: old && old.status === c.status ? old.lastTransitionTime : now.toISOString(),
    ...(generation !== undefined ? { observedGeneration: generation } : {}),
  };
  return [...(list ?? []).filter((x) => x.type !== c.type), next].sort((a, b) => a.type.localeCompare(b.type));
}

export function conditionOf(list: readonly Condition[] | undefined, type: string): Condition | undefined {
  return list?.find((c) => c.type === type);
}

/** Whether writing `next` would change anything but timestamps: skips no-op status writes. */
export function sameConditions(a: readonly Condition[] | undefined, b: readonly Condition[] | undefined): boolean {
  const key = (l: readonly Condition[] | undefined) =>
    JSON.stringify((l ?? []).map((c) => [c.type, c.status, c.reason, c.message, c.observedGeneration]));
  return key(a) === key(b);
}
