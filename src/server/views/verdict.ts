/**
 * A version's SAST verdict as the control plane shows it, from src/sast's verdict rules: every open
 * finding its deciding scans saw (not the lifecycle state: a finding fixed later is still present in
 * the old version), judged against the config's blockAt threshold.
 */
import { compareSeverity, decideVerdict, isSeverity, versionEvidence, type Severity } from '../../sast/index.js';
import type { HoldfastConfig } from '../../config/index.js';
import type { ReadDeps } from './deps.js';

export interface VersionVerdict {
  commit: string;
  /** unscanned: no complete scan; clean: none open; findings: open below blockAt; blocked: at or above blockAt. */
  verdict: 'unscanned' | 'clean' | 'findings' | 'blocked';
  highest: Severity | undefined;
  message: string;
  findings: { id: string; severity: string; ruleId: string; message: string; path: string | undefined }[];
}

const ttlMs = 5000;

export type VerdictDeps = Pick<ReadDeps, 'catalog' | 'clock' | 'verdicts'> & { config: Pick<HoldfastConfig, 'sast'> };

export function versionVerdict(cp: VerdictDeps, commit: string): VersionVerdict {
  const now = cp.clock.now().getTime();
  // The threshold is part of the verdict: a reloaded config with another blockAt is a change too.
  const generation = `${cp.catalog.sast.verdictGeneration()}:${cp.config.sast.blockAt}`;
  const hit = cp.verdicts.get(commit);
  // Unchanged scans and dismissals: the same verdict, however long ago (the health sweep and every
  // page ask again; at 200k findings each answer read them all and held serve for seconds).
  if (hit && (hit.generation === generation || now - hit.at < ttlMs)) return hit.value as VersionVerdict;
  const value = computeVerdict(cp, commit);
  cp.verdicts.set(commit, { at: now, generation, value });
  return value;
}

function computeVerdict(cp: Omit<VerdictDeps, 'verdicts'>, commit: string): VersionVerdict {
  let version;
  try {
    version = cp.catalog.versions.findByCommit(commit);
  } catch {
    version = undefined;
  }
  if (!version)
    return {
      commit,
      verdict: 'unscanned',
      highest: undefined,
      message: 'version not in the catalog',
      findings: [],
    };
  // Both targets are decided from one read of the version's scans (at 200k findings the read is the cost).
  const evidence = versionEvidence(cp.catalog, version.id);
  const all = decideVerdict(evidence, { severity: 'info' });
  if (all.verdict === 'unknown')
    return {
      commit: version.commit,
      verdict: 'unscanned',
      highest: undefined,
      message: all.message,
      findings: [],
    };
  const findings = all.findings
    .map((f) => ({ id: f.id, severity: f.severity, ruleId: f.ruleId, message: f.message, path: f.path }))
    .sort((a, b) =>
      isSeverity(a.severity) && isSeverity(b.severity) ? compareSeverity(a.severity, b.severity) : 0,
    );
  if (findings.length === 0)
    return { commit: version.commit, verdict: 'clean', highest: undefined, message: all.message, findings };
  const blocked = decideVerdict(evidence, { severity: cp.config.sast.blockAt });
  const highest = findings.map((f) => f.severity).find(isSeverity);
  return {
    commit: version.commit,
    verdict: blocked.verdict === 'vulnerable' ? 'blocked' : 'findings',
    highest,
    message: blocked.verdict === 'vulnerable' ? blocked.message : all.message,
    findings,
  };
}
