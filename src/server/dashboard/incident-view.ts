/**
 * What the incident page shows, read from the journal: the steps' recorded outputs turned into
 * plain, typed sections (the choice and its reasoning, the evidence snapshots, the certificates
 * replaced, the checks, the report files). Pure: no catalog, no HTML, so it is tested by tables.
 * The journal holds what the steps chose to record (src/playbook/steps/*); a field a step did not
 * record is left out here, never guessed.
 */
import type { IncidentRow, IncidentStepRow } from '../../catalog/incidents.js';

type O = Record<string, unknown>;
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);
const arr = (v: unknown): O[] => (Array.isArray(v) ? (v.filter((x) => x && typeof x === 'object') as O[]) : []);
const done = (steps: readonly IncidentStepRow[], uses: string) => steps.filter((s) => s.uses === uses && s.status === 'completed');

/** The incident's ordering on the dashboard: what needs a person first. */
export type IncidentGroup = 'awaiting-approval' | 'active' | 'finished';

export function groupOf(status: IncidentRow['status']): IncidentGroup {
  return status === 'proposed' ? 'awaiting-approval' : status === 'running' || status === 'failed' ? 'active' : 'finished';
}

/** Proposed first, then running/failed, then finished; newest first within a group; at most `finished` finished ones. */
export function orderIncidents<T extends Pick<IncidentRow, 'status' | 'createdAt'>>(rows: readonly T[], finished = 10): T[] {
  const rank: Record<IncidentGroup, number> = { 'awaiting-approval': 0, active: 1, finished: 2 };
  const sorted = [...rows].sort((a, b) => rank[groupOf(a.status)] - rank[groupOf(b.status)] || b.createdAt.localeCompare(a.createdAt));
  const fin = sorted.filter((r) => groupOf(r.status) === 'finished').slice(0, finished);
  return [...sorted.filter((r) => groupOf(r.status) !== 'finished'), ...fin];
}

/**
 * What a person may do to an incident from the dashboard: approve a proposal, resume (approve
 * again) a failed or interrupted run, abort any of those. A run whose process is alive offers
 * nothing: cp.incidents would refuse it with INCIDENT_RUNNING.
 */
export function actionsFor(i: Pick<IncidentRow, 'status'>, interrupted: boolean): { approve: boolean; resume: boolean; abort: boolean } {
  const stopped = i.status === 'failed' || (i.status === 'running' && interrupted);
  return { approve: i.status === 'proposed', resume: stopped, abort: i.status === 'proposed' || stopped };
}

export interface ChoiceView {
  snapshotId?: string | undefined;
  restorePointTime?: string | undefined;
  message: string;
  reasoning: string[];
}

export interface EvidenceView {
  step: string;
  snapshotId: string;
  sealed: boolean;
  time?: string | undefined;
  files?: number | undefined;
  bytes?: number | undefined;
  bytesAdded?: number | undefined;
  tags: string[];
}

export interface CertificateChangeView {
  name: string;
  endpoint?: string | undefined;
  old?: { serial?: string | undefined; keyId?: string | undefined } | undefined;
  new: { serial?: string | undefined; keyId?: string | undefined; fingerprint?: string | undefined; notAfter?: string | undefined };
}

export interface CheckView {
  what: string;
  ok: boolean;
  detail: string;
}

export interface JournalView {
  finding?: { id?: string | undefined; ruleId?: string | undefined; severity?: string | undefined; message?: string | undefined; path?: string | undefined; line?: number | undefined } | undefined;
  affected: { workload: string; version: string; since: string; until?: string | undefined; why: string }[];
  choice?: ChoiceView | undefined;
  evidence: EvidenceView[];
  certificates: CertificateChangeView[];
  caRotation?: { id?: string | undefined; finished: boolean } | undefined;
  checks: CheckView[];
  report?: { markdown?: string | undefined; html?: string | undefined } | undefined;
  /** The step that is running now (started, while the incident runs), if any. */
  runningStep?: string | undefined;
}

export function choiceView(c: O): ChoiceView {
  return { snapshotId: str(c.snapshotId), restorePointTime: str(c.restorePointTime), message: str(c.message) ?? '', reasoning: (Array.isArray(c.steps) ? c.steps : []).map(String) };
}

/** `interrupted`: the journal says running but its process is gone, so no step is running now. */
export function journalView(i: Pick<IncidentRow, 'status'>, steps: readonly IncidentStepRow[], interrupted = false): JournalView {
  const assess = done(steps, 'assess')[0]?.outputs ?? {};
  const f = assess.finding as O | undefined;
  const choice = done(steps, 'choose-restore-point')[0]?.outputs;
  const rotate = done(steps, 'rotate-tls')[0]?.outputs ?? {};
  const verify = done(steps, 'verify')[0]?.outputs ?? {};
  const report = done(steps, 'report')[0]?.outputs;
  const ca = rotate.caRotation as O | undefined;
  const checks: CheckView[] = [
    ...arr(verify.health).map((h) => ({ what: `health ${String(h.endpoint)}`, ok: h.ok === true, detail: `HTTP ${String(h.status ?? '?')}` })),
    ...arr(verify.certificates).map((c) => ({
      what: `certificate ${String(c.name)} on ${String(c.endpoint)}`,
      ok: c.servesInstalled === true && c.trusted === true && c.newKey !== false,
      detail: `${c.servesInstalled ? 'serves the new certificate' : 'does NOT serve the new certificate'}; ${c.trusted ? 'trusted by the CA bundle' : 'NOT trusted'}; ${c.newKey === false ? 'OLD key' : c.newKey ? 'new key' : 'key not compared'}`,
    })),
    ...arr(verify.versions).map((v) => ({ what: `version of ${String(v.workload)}`, ok: !v.expected || v.running === v.expected, detail: `runs ${String(v.running ?? '?').slice(0, 12)}${v.expected ? `, expected ${String(v.expected).slice(0, 12)}` : ''}` })),
    ...(verify.data ? [{ what: 'restored data', ok: true, detail: `${String((verify.data as O).entries)} entr(ies), ${String((verify.data as O).bytes)} byte(s) equal to restore point ${String((verify.data as O).snapshotId).slice(0, 12)}` }] : []),
  ];
  return {
    finding: f ? { id: str(f.id), ruleId: str(f.ruleId), severity: str(f.severity), message: str(f.message), path: str(f.path), line: num(f.line) } : undefined,
    affected: arr(assess.affected).map((a) => ({ workload: String(a.workload), version: String(a.version), since: String(a.since), until: str(a.until), why: String(a.why ?? '') })),
    choice: choice ? choiceView(choice) : undefined,
    evidence: done(steps, 'preserve-evidence')
      .filter((s) => typeof s.outputs.snapshotId === 'string')
      .map((s) => ({ step: s.step, snapshotId: String(s.outputs.snapshotId), sealed: s.outputs.sealed === true, time: str(s.outputs.time), files: num(s.outputs.files), bytes: num(s.outputs.bytes), bytesAdded: num(s.outputs.bytesAdded), tags: (Array.isArray(s.outputs.tags) ? s.outputs.tags : []).map(String) })),
    certificates: arr(rotate.certificates).map((c) => {
      const o = c.old as O | undefined;
      const n = (c.new ?? {}) as O;
      return { name: String(c.name), endpoint: str(c.endpoint), old: o ? { serial: str(o.serial), keyId: str(o.keyId) } : undefined, new: { serial: str(n.serial), keyId: str(n.keyId), fingerprint: str(n.fingerprint), notAfter: str(n.notAfter) } };
    }),
    caRotation: ca ? { id: str(ca.id), finished: ca.finished === true } : undefined,
    checks,
    report: report ? { markdown: str(report.markdown), html: str(report.html) } : undefined,
    runningStep: i.status === 'running' && !interrupted ? steps.find((s) => s.status === 'started')?.step : undefined,
  };
}
