/**
 * Steps 1 and 2: which deployed versions carry the vulnerability (since when, writing which
 * volumes), and which restore point to go back to — the SAST restore-point choice of
 * src/policy/restore-point.ts fed from the catalog exactly as `holdfast restore-point choose` does.
 */
import { conflict } from '../../base/errors.js';
import type { Catalog } from '../../catalog/index.js';
import { chooseRestorePoint, explainChoice, versionName, type Choice } from '../../policy/restore-point.js';
import { gatherChooseInput } from '../../policy/restore-point-evidence.js';
import { describeTarget } from '../../sast/index.js';
import type { IncidentFacts, IncidentParams } from '../facts.js';
import { refusalOptions } from '../refusal.js';
import type { StepKind } from './types.js';

export interface Assessment {
  target: string;
  finding?: { id: string; ruleId: string; severity: string; message: string; path?: string | undefined; line?: number | undefined } | undefined;
  affected: { workload: string; version: string; commit?: string | undefined; imageDigest?: string | undefined; since: string; until?: string | undefined; why: string; volumes: string[] }[];
  exposedSince?: string | undefined;
}

export function assess(catalog: Catalog, facts: IncidentFacts, params: IncidentParams): Assessment {
  const input = gatherChooseInput(catalog, facts.volume.name, params.target, params.onUnknown, !!params.allowSuspicious);
  const volumesOf = (w: string) => [...new Set([facts.volume.name, ...(facts.workloads.find((x) => x.name === w)?.config.volumes ?? [])])];
  const affected = input.deployments
    .filter((d) => d.version.verdict === 'vulnerable')
    .map((d) => ({ workload: d.workload, version: versionName(d.version), commit: d.version.commit, imageDigest: d.version.imageDigest, since: d.startedAt.toISOString(), until: d.endedAt?.toISOString(), why: d.version.why, volumes: volumesOf(d.workload) }));
  const f = 'findingId' in params.target ? catalog.sast.getFinding(params.target.findingId) : undefined;
  return {
    target: describeTarget(params.target),
    finding: f ? { id: f.id, ruleId: f.ruleId, severity: f.severity, message: f.message, path: f.path, line: f.startLine } : undefined,
    affected,
    exposedSince: affected[0]?.since,
  };
}

/** The choice, or a refusal that lists what the operator can do; nothing is changed either way. */
export function choose(catalog: Catalog, facts: IncidentFacts, params: IncidentParams): Choice {
  const choice = chooseRestorePoint(gatherChooseInput(catalog, facts.volume.name, params.target, params.onUnknown, !!params.allowSuspicious));
  if (choice.decision === 'chosen') return choice;
  throw Object.assign(conflict('INCIDENT_NO_CLEAN_RESTORE_POINT', `incident on volume ${facts.volume.name}: no restore point can be chosen, nothing was changed: ${choice.message}; options: ${refusalOptions({ unknownVersions: choice.unknown.length, reason: choice.reason, onUnknown: params.onUnknown, skippedSuspicious: choice.suspicious?.some((s) => s.skipped) ?? false })}`), { choice, explanation: explainChoice(choice) });
}

export const assessStep: StepKind = {
  uses: 'assess',
  describe: ({ params }) => `find the deployed versions with ${describeTarget(params.target)}, since when, and the volumes they wrote`,
  async run(env) {
    const a = assess(env.catalog, env.facts, env.params);
    env.log(`${a.affected.length} vulnerable deployment(s); exposed since ${a.exposedSince ?? 'never'}`);
    return { ...a };
  },
  cannotUndo: 'assess only reads the catalog: nothing to undo',
};

export const chooseStep: StepKind = {
  uses: 'choose-restore-point',
  describe: ({ facts }) => `choose the latest restore point of ${facts.volume.name} taken before the exposure with only clean versions`,
  async run(env) {
    const c = choose(env.catalog, env.facts, env.params);
    const point = env.catalog.restorePoints.get(c.snapshotId!);
    env.log(c.message);
    return { ...c, provenance: point?.provenance ?? { workloads: [] } };
  },
  cannotUndo: 'choosing only reads the catalog: nothing to undo',
};
