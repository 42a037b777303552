/**
 * Dismissing a finding: a person's decision, with a reason, that survives re-scans and is audited.
 */
import { invalidInput } from '../base/errors.js';
import type { Catalog, FindingRow } from '../catalog/index.js';
import type { Clock } from '../platform/clock.js';

export const dismissReasons = ['false-positive', 'risk-accepted'] as const;
export type DismissReason = (typeof dismissReasons)[number];

export function dismissFinding(
  catalog: Catalog,
  clock: Clock,
  d: { id: string; reason: string; comment?: string | undefined; actor?: string },
): FindingRow {
  if (!(dismissReasons as readonly string[]).includes(d.reason)) {
    throw invalidInput('BAD_DISMISS_REASON', `dismiss finding ${d.id}: reason must be one of ${dismissReasons.join(', ')}, not ${JSON.stringify(d.reason)}`);
  }
  return catalog.transaction(() => {
    const at = clock.now();
    const f = catalog.sast.dismiss(d.id, d.reason, d.comment, at);
    catalog.records.append('dismissal', at, { id: d.id, reason: d.reason, comment: d.comment ?? null, at: at.toISOString(), actor: d.actor ?? 'holdfast' });
    catalog.audit.append({ actor: d.actor ?? 'holdfast', action: 'sast.dismiss', object: `finding:${d.id}`, details: { reason: d.reason, comment: d.comment ?? null } });
    return f;
  });
}
