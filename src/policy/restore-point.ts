/**
 * Security-aware restore-point choice. For a volume and a vulnerability target, find when the first
 * vulnerable version went live on any workload that mounts the volume (the exposure), and pick the
 * latest restore point taken before it whose recorded versions are all clean. Pure: every fact is
 * passed in, already judged (each version with its verdict).
 *
 * Fail closed: when a link of the evidence is missing — a deployment before the exposure whose
 * version was never successfully scanned, a restore point that records no versions or a version
 * without a verdict — the choice is refused and the answer names that exact link, unless the
 * caller allows skipping unknown restore points (`onUnknown: 'skip'`), which only ever picks an
 * older, fully clean point. Deployments that are unknown before the exposure always refuse: the
 * exposure itself might have started there.
 *
 * Ransomware signals: a restore point whose backup was judged suspicious (policy/change-signals.ts)
 * is not a candidate, and neither is any point taken after the oldest suspicious one, since data
 * encrypted then is still encrypted in every later backup. The operator may allow suspicious points
 * (`allowSuspicious`); the steps say which points were skipped or allowed, and why.
 */
import type { Suspicion } from './change-signals.js';

export type Verdict = 'clean' | 'vulnerable' | 'unknown';

export interface JudgedVersion {
  commit?: string | undefined;
  imageDigest?: string | undefined;
  verdict: Verdict;
  /** Why, in words: "2 open findings at or above high: ..." or "no successful scan". */
  why: string;
}

export interface DeploymentFact {
  workload: string;
  startedAt: Date;
  endedAt?: Date | undefined;
  version: JudgedVersion;
}

export interface RestorePointFact {
  snapshotId: string;
  time: Date;
  versions: (JudgedVersion & { workload: string })[];
  /** The ransomware-signal judgement stored with the snapshot, when it has one. */
  suspicion?: Suspicion | undefined;
  /** A person checked a suspicious point and cleared it as a false positive. */
  cleared?: { actor: string; reason: string; at: Date } | undefined;
}

export interface ChooseInput {
  volume: string;
  /** "findings at or above high", "finding 3f2a…": for the words. */
  target: string;
  /** Workloads that mount the volume. */
  workloads: readonly string[];
  deployments: readonly DeploymentFact[];
  restorePoints: readonly RestorePointFact[];
  onUnknown?: 'refuse' | 'skip';
  /** Consider restore points marked suspicious, and those after them (the operator's override). */
  allowSuspicious?: boolean;
}

export type ChoiceReason =
  | 'before-exposure'
  | 'not-exposed'
  | 'no-workloads'
  | 'no-deployments'
  | 'unknown-deployment'
  | 'unknown-restore-point'
  | 'no-clean-restore-point';

export interface UnknownLink {
  link: 'deployment' | 'restore-point';
  subject: string;
  detail: string;
}

export interface Choice {
  decision: 'chosen' | 'refused';
  reason: ChoiceReason;
  message: string;
  volume: string;
  target: string;
  snapshotId?: string;
  restorePointTime?: string;
  exposure?: { workload: string; version: string; startedAt: string; why: string };
  unknown: UnknownLink[];
  /** Restore points marked suspicious by their change signals, and whether they were skipped. */
  suspicious?: { snapshotId: string; time: string; reasons: string[]; skipped: boolean; cleared?: { actor: string; reason: string; at: string } }[];
  /** The reasoning, step by step, as a person would check it. */
  steps: string[];
}

export const versionName = (v: { commit?: string | undefined; imageDigest?: string | undefined }) =>
  v.commit ? v.commit.slice(0, 12) : v.imageDigest ? v.imageDigest.slice(0, 19) : '(unrecorded version)';
const iso = (d: Date) => d.toISOString();

export function chooseRestorePoint(input: ChooseInput): Choice {
  const { volume, target } = input;
  const steps: string[] = [];
  const base: Pick<Choice, 'volume' | 'target' | 'unknown' | 'steps' | 'suspicious'> = { volume, target, unknown: [] as UnknownLink[], steps };
  const refuse = (reason: ChoiceReason, message: string, extra: Partial<Choice> = {}): Choice => ({ ...base, ...extra, decision: 'refused', reason, message });

  const workloads = new Set(input.workloads);
  for (const p of input.restorePoints) for (const v of p.versions) workloads.add(v.workload);
  if (workloads.size === 0) return refuse('no-workloads', `volume ${volume}: no workload is known to mount it and no restore point records one`);
  steps.push(`workloads that write volume ${volume}: ${[...workloads].sort().join(', ')}`);

  const deps = input.deployments.filter((d) => workloads.has(d.workload)).sort((a, b) => a.startedAt.getTime() - b.startedAt.getTime());
  if (deps.length === 0) return refuse('no-deployments', `volume ${volume}: no deployment is recorded for ${[...workloads].sort().join(', ')}, so when a vulnerable version went live is unknown`);

  const firstBad = deps.find((d) => d.version.verdict === 'vulnerable');
  const cutoff = firstBad?.startedAt;
  // Every deployment that started before the exposure (or any, when none is vulnerable) must be judged.
  const unknownDeps = deps.filter((d) => d.version.verdict === 'unknown' && (!cutoff || d.startedAt.getTime() <= cutoff.getTime()));
  if (unknownDeps.length > 0) {
    const unknown = unknownDeps.map((d) => ({
      link: 'deployment' as const,
      subject: `${d.workload}@${iso(d.startedAt)}`,
      detail: `version ${versionName(d.version)} deployed to ${d.workload} at ${iso(d.startedAt)}: ${d.version.why}`,
    }));
    const u = unknown[0]!;
    return { ...refuse('unknown-deployment', `volume ${volume}: cannot tell when ${target} went live: ${u.detail}`), unknown };
  }
  let exposure: Choice['exposure'];
  if (firstBad) {
    exposure = { workload: firstBad.workload, version: versionName(firstBad.version), startedAt: iso(firstBad.startedAt), why: firstBad.version.why };
    steps.push(`first vulnerable version: ${exposure.version} went live on ${exposure.workload} at ${exposure.startedAt} (${exposure.why})`);
  } else steps.push(`no deployed version of ${[...workloads].sort().join(', ')} has ${target}: the volume was never exposed`);

  const judgedSuspicious = input.restorePoints.filter((p) => p.suspicion?.verdict === 'suspicious').sort((a, b) => a.time.getTime() - b.time.getTime());
  const marked = judgedSuspicious.filter((p) => !p.cleared);
  const skipSuspicious = marked.length > 0 && !input.allowSuspicious;
  if (judgedSuspicious.length) {
    base.suspicious = judgedSuspicious.map((p) => ({
      snapshotId: p.snapshotId,
      time: iso(p.time),
      reasons: p.suspicion!.reasons,
      skipped: skipSuspicious && !p.cleared,
      ...(p.cleared ? { cleared: { actor: p.cleared.actor, reason: p.cleared.reason, at: iso(p.cleared.at) } } : {}),
    }));
    for (const p of judgedSuspicious)
      steps.push(
        `restore point ${p.snapshotId} (${iso(p.time)}) is marked suspicious: ${p.suspicion!.reasons.join('; ')}` +
          (p.cleared ? `; cleared as a false positive by ${p.cleared.actor} at ${iso(p.cleared.at)} (${p.cleared.reason}), so it is a candidate` : ''),
      );
  }
  const firstSuspicious = skipSuspicious ? marked[0]!.time.getTime() : Infinity;
  const candidates = input.restorePoints
    .filter((p) => (!cutoff || p.time.getTime() < cutoff.getTime()) && p.time.getTime() < firstSuspicious)
    .sort((a, b) => b.time.getTime() - a.time.getTime());
  const later = input.restorePoints.filter((p) => cutoff && p.time.getTime() >= cutoff.getTime()).length;
  if (later > 0) steps.push(`${later} restore point(s) taken at or after the exposure are not candidates`);
  if (skipSuspicious) {
    const n = input.restorePoints.filter((p) => p.time.getTime() >= firstSuspicious).length;
    steps.push(`${n} restore point(s) taken at or after suspicious ${marked[0]!.snapshotId} (${iso(marked[0]!.time)}) are not candidates: data encrypted then stays encrypted in later backups (allow suspicious points to consider them)`);
  } else if (marked.length) steps.push(`suspicious restore points were allowed by the operator: they are candidates like any other`);
  const unknown: UnknownLink[] = [];
  for (const p of candidates) {
    const name = `restore point ${p.snapshotId} (${iso(p.time)})`;
    if (p.versions.length === 0) {
      unknown.push({ link: 'restore-point', subject: p.snapshotId, detail: `${name} records no workload versions in its provenance` });
    } else {
      const bad = p.versions.find((v) => v.verdict === 'vulnerable');
      const unk = p.versions.find((v) => v.verdict === 'unknown');
      if (bad) {
        steps.push(`${name}: skipped, it records vulnerable version ${versionName(bad)} on ${bad.workload} (${bad.why})`);
        continue;
      }
      if (unk) unknown.push({ link: 'restore-point', subject: p.snapshotId, detail: `${name}: version ${versionName(unk)} on ${unk.workload}: ${unk.why}` });
      else {
        steps.push(`${name}: chosen, every recorded version is clean (${p.versions.map((v) => `${v.workload}=${versionName(v)}`).join(', ')})`);
        const when =
          (firstBad ? `before ${versionName(firstBad.version)} went live on ${firstBad.workload} at ${iso(firstBad.startedAt)}` : 'and the volume was never exposed') +
          (skipSuspicious ? `, and before suspicious ${marked[0]!.snapshotId} (${iso(marked[0]!.time)})` : '');
        return {
          ...base,
          unknown,
          decision: 'chosen',
          reason: firstBad ? 'before-exposure' : 'not-exposed',
          message: `volume ${volume}: restore ${p.snapshotId} taken ${iso(p.time)}, the latest with only clean versions ${when}`,
          snapshotId: p.snapshotId,
          restorePointTime: iso(p.time),
          ...(exposure ? { exposure } : {}),
        };
      }
    }
    const u = unknown[unknown.length - 1]!;
    if ((input.onUnknown ?? 'refuse') === 'refuse') {
      return { ...refuse('unknown-restore-point', `volume ${volume}: refusing to choose: ${u.detail}`, exposure ? { exposure } : {}), unknown };
    }
    steps.push(`${u.detail}: skipped (unknown evidence)`);
  }
  return {
    ...refuse(
      'no-clean-restore-point',
      `volume ${volume}: no restore point ${cutoff ? 'taken before ' + iso(cutoff) + ' ' : ''}${skipSuspicious ? `and before suspicious ${marked[0]!.snapshotId} ` : ''}has only clean versions (${candidates.length} candidate(s))`,
      exposure ? { exposure } : {},
    ),
    unknown,
  };
}

/** The decision in words, for humans: the message, then each step. */
export function explainChoice(c: Choice): string {
  return [c.decision === 'chosen' ? `chosen: ${c.message}` : `refused: ${c.message}`, ...c.steps.map((s) => `  - ${s}`), ...c.unknown.map((u) => `  ! unknown ${u.link}: ${u.detail}`)].join('\n');
}
