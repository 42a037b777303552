/**
 * A run's outcome in one line, for the Result column of the Jobs and Runs tables: what a
 * succeeded run produced (its kind's details), why a failed or missed one did not, and that a
 * running one runs. Succeeded runs carry their facts in `details`, not `message`, so a column
 * that printed only `message` was empty in every row.
 */
import { formatBytes, formatDuration } from '../../base/format.js';
import type { RunRow } from '../../catalog/run-history.js';

type RunFacts = Pick<RunRow, 'kind' | 'status' | 'reason' | 'message' | 'snapshotId' | 'bytes' | 'durationMs' | 'details'>;

const num = (v: unknown) => (typeof v === 'number' ? v : undefined);
const str = (v: unknown) => (typeof v === 'string' ? v : undefined);

export function runResult(r: RunFacts): string {
  if (r.status === 'running') return 'running now';
  if (r.status !== 'succeeded') return [r.reason, r.message].filter(Boolean).join(': ') || r.status;
  const d = r.details ?? {};
  switch (r.kind) {
    case 'backup': {
      const files = num(d.files);
      const added = num(d.addedBytes);
      return [
        `snapshot ${r.snapshotId?.slice(0, 12) ?? '?'}`,
        `${files ?? '?'} file(s), ${formatBytes(r.bytes ?? 0)}`,
        added !== undefined ? `${formatBytes(added)} new` : undefined,
      ]
        .filter(Boolean)
        .join(' · ');
    }
    case 'verify': {
      const ms = num(d.restoreMs);
      return `restored ${r.snapshotId?.slice(0, 12) ?? '?'}: ${num(d.files) ?? '?'} file(s), ${formatBytes(r.bytes ?? 0)}${ms !== undefined ? ` in ${formatDuration(ms)}` : ''}; check passed`;
    }
    case 'certificate': {
      const renewed = str(d.renewed);
      const decision = str(d.decision) ?? 'checked';
      const served = str(d.servedError) ? `; endpoint serves nothing (${str(d.servedError)})` : str(d.served) ? '; endpoint probed' : '';
      if (renewed && d.reloaded === false) return `renewed, serial ${renewed}; reload waits: the workload is not ready`;
      return renewed ? `renewed (${decision}), serial ${renewed}${served}` : `no renewal needed (${decision})${served}`;
    }
    case 'report': {
      const md = str(d.markdown);
      return md ? `review written: ${md}` : (r.message ?? 'review written');
    }
    case 'prune':
      return r.message ?? `${formatBytes(r.bytes ?? 0)} freed`;
    default:
      return r.message ?? 'succeeded';
  }
}
