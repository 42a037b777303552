/** Tiny HTML templating for the server-rendered dashboard: everything interpolated is escaped unless it is already Html. */
import type { WorkloadState } from '../workloads/decide.js';

export class Html {
  constructor(readonly s: string) {}
  toString(): string {
    return this.s;
  }
}

export const esc = (v: unknown): string =>
  String(v ?? '').replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

export function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  let out = strings[0]!;
  values.forEach((v, i) => {
    const part = Array.isArray(v)
      ? v.map((x) => (x instanceof Html ? x.s : esc(x))).join('')
      : v instanceof Html
        ? v.s
        : esc(v);
    out += part + strings[i + 1]!;
  });
  return new Html(out);
}

export const ago = (iso: string | undefined, now: Date): string => {
  if (!iso) return 'never';
  const s = Math.round((now.getTime() - new Date(iso).getTime()) / 1000);
  const abs = Math.abs(s);
  const t =
    abs < 90
      ? `${abs}s`
      : abs < 5400
        ? `${Math.round(abs / 60)}m`
        : abs < 129_600
          ? `${Math.round(abs / 3600)}h`
          : `${Math.round(abs / 86400)}d`;
  return s >= 0 ? `${t} ago` : `in ${t}`;
};

export type BadgeClass = 'good' | 'bad' | 'warn' | 'neutral';

/**
 * Every workload state has its colour, checked by the compiler: a state added to decide.ts
 * without one does not build (`unready` was shown unstyled, as if it were nothing to look at).
 * Down states are bad; on the way up (or held by an incident, or a planned deploy) warn.
 */
export const workloadStateClass: Record<WorkloadState, BadgeClass> = {
  ready: 'good',
  reloading: 'warn',
  starting: 'warn',
  deploying: 'warn',
  restarting: 'warn',
  held: 'warn',
  unready: 'bad',
  exited: 'bad',
  down: 'bad',
  stopped: 'neutral',
  external: 'neutral',
};

export const badge = (state: string, text?: string) => {
  const good = ['ok', 'completed', 'undone', 'succeeded', 'passed', 'Fresh', 'Valid', 'clean', 'delivered', 'WithinSla'];
  const bad = [
    'failed',
    'Failed',
    'Stale',
    'NeverVerified',
    'Expired',
    'blocked',
    'Overdue',
    'missed',
    'ServedMismatch',
    'Mismatch',
    'degraded',
    'critical',
    'high',
    'undo-failed',
    'NotServed',
    'suspicious',
  ];
  // Waiting on a person or in progress: stands out without reading as broken.
  const warn = ['proposed', 'running', 'started', 'interrupted'];
  const cls = Object.hasOwn(workloadStateClass, state) ? workloadStateClass[state as WorkloadState] : good.includes(state) ? 'good' : bad.includes(state) ? 'bad' : warn.includes(state) ? 'warn' : 'neutral';
  return html`<span class="badge ${cls}" data-state="${state}">${text ?? state}</span>`;
};

/** An id or digest cut to its first characters, the way git shows commits; a dash when absent. */
export const short = (s: string | undefined, n = 12) => (s ? s.slice(0, n) : '—');

/** An ISO time as the dashboard prints it: UTC, to the second, without the T and the zone. */
export const stamp = (iso: string) => iso.slice(0, 19).replace('T', ' ');
