/**
 * The plan of an incident (`holdfast incident plan`, and the first thing `run` does): what would
 * happen, to which volume and certificates, the restore point chosen and why — computed from the
 * same functions the steps run, reading only. A refused choice throws before anything is written.
 */
import { readFileSync } from 'node:fs';
import type { Catalog } from '../catalog/index.js';
import { IncidentStore } from '../catalog/incidents.js';
import type { LoadedConfig } from '../config/index.js';
import type { Choice } from '../policy/restore-point.js';
import { builtinPlaybooks } from './builtin.js';
import { parsePlaybook, type Playbook } from './definition.js';
import { gatherFacts, type IncidentFacts, type IncidentParams } from './facts.js';
import { assess, choose, type Assessment } from './steps/assess.js';
import { knownStepKinds, stepKinds } from './steps/index.js';
import { knownGoodVersions } from './steps/restart.js';
import { conflict, invalidInput } from '../base/errors.js';

export type LoadedPlaybook = Playbook & { order: string[]; text: string; source: string };

/** A built-in playbook by name, or a YAML file. */
export function loadPlaybook(nameOrFile: string): LoadedPlaybook {
  const builtin = builtinPlaybooks[nameOrFile];
  if (builtin) return { ...parsePlaybook(builtin, `(built-in ${nameOrFile})`, knownStepKinds), text: builtin, source: `built-in ${nameOrFile}` };
  if (!/[./]/.test(nameOrFile)) throw invalidInput('PLAYBOOK_UNKNOWN', `playbook ${nameOrFile}: no built-in playbook has that name (built-in: ${Object.keys(builtinPlaybooks).join(', ')}); give a .yaml file to use your own`);
  let text: string;
  try {
    text = readFileSync(nameOrFile, 'utf8');
  } catch (e) {
    throw invalidInput('PLAYBOOK_UNREADABLE', `read playbook ${nameOrFile}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  return { ...parsePlaybook(text, nameOrFile, knownStepKinds), text, source: nameOrFile };
}

export interface IncidentPlan {
  playbook: string;
  volume: { name: string; path: string };
  repository: string;
  target: string;
  assessment: Assessment;
  choice: Choice;
  knownGood: { workload: string; commit?: string | undefined; imageDigest?: string | undefined }[];
  certificates: { name: string; certFile: string; endpoint?: string | undefined }[];
  rotateCa: boolean;
  activeIncident?: string | undefined;
  steps: { id: string; uses: string; what: string }[];
}

export function planIncident(loaded: LoadedConfig, catalog: Catalog, params: IncidentParams, playbook: LoadedPlaybook): { plan: IncidentPlan; facts: IncidentFacts } {
  const facts = gatherFacts(loaded, params.volume);
  const assessment = assess(catalog, facts, params);
  const choice = choose(catalog, facts, params);
  const provenance = catalog.restorePoints.get(choice.snapshotId!)?.provenance;
  const versions = knownGoodVersions(facts, params, { provenance });
  const active = new IncidentStore(catalog.db, () => new Date()).active(params.volume);
  const unmet = playbook.order.flatMap((id) => {
    const s = playbook.steps.find((x) => x.id === id)!;
    const why = stepKinds.get(s.uses)!.precondition?.({ facts, params, with: s.with });
    return why ? [`step ${id}: ${why}`] : [];
  });
  if (unmet.length) throw conflict('INCIDENT_PRECONDITION', `incident on volume ${params.volume}: not started, nothing was changed: ${unmet.join('; ')}`);
  const plan: IncidentPlan = {
    playbook: playbook.playbook,
    volume: facts.volume,
    repository: `${facts.repository.name} (${facts.repository.location})`,
    target: assessment.target,
    assessment,
    choice,
    knownGood: [...versions].map(([workload, v]) => ({ workload, ...v })),
    certificates: facts.certificates.map((c) => ({ name: c.name, certFile: c.certFile, endpoint: c.endpoint ? `${c.endpoint.host}:${c.endpoint.port}` : undefined })),
    rotateCa: params.rotateCa,
    activeIncident: active?.id,
    steps: playbook.order.map((id) => {
      const s = playbook.steps.find((x) => x.id === id)!;
      return { id, uses: s.uses, what: stepKinds.get(s.uses)!.describe({ facts, params, with: s.with }) };
    }),
  };
  return { plan, facts };
}

/** The plan in words, for a person deciding whether to run it. */
export function explainPlan(p: IncidentPlan): string {
  return [
    `incident plan (dry run, nothing changed): playbook ${p.playbook} on volume ${p.volume.name} (${p.volume.path})`,
    `vulnerability: ${p.target}; ${p.assessment.affected.length} vulnerable deployment(s)${p.assessment.exposedSince ? `, exposed since ${p.assessment.exposedSince}` : ''}`,
    ...p.assessment.affected.map((a) => `  - ${a.workload} ran ${a.version} from ${a.since}${a.until ? ` until ${a.until}` : ' (still running)'}`),
    `restore point: ${p.choice.message}`,
    ...p.choice.steps.map((s) => `  - ${s}`),
    `restart on: ${p.knownGood.map((k) => `${k.workload}=${k.commit?.slice(0, 12)}`).join(', ')}`,
    `certificates: ${p.certificates.map((c) => `${c.name} (${c.certFile}${c.endpoint ? ` on ${c.endpoint}` : ''})`).join(', ') || 'none'}${p.rotateCa ? '; the CA is rotated too' : ''}`,
    ...(p.activeIncident ? [`! incident ${p.activeIncident} is active on this volume: run will be refused until it is resumed or aborted`] : []),
    'steps:',
    ...p.steps.map((s, i) => `  ${i + 1}. ${s.id}: ${s.what}`),
  ].join('\n');
}
