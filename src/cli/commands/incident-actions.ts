/** The `holdfast incident` actions (declared in incident.ts), on src/playbook. */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { formatTable } from '../../base/format.js';
import { invalidInput, isHoldfastError } from '../../base/errors.js';
import { Catalog } from '../../catalog/index.js';
import { IncidentStore } from '../../catalog/incidents.js';
import { loadConfig } from '../../config/index.js';
import { abortIncident, alive, explainPlan, loadPlaybook, planIncident, resumeIncident, runIncident, type IncidentParams, type RunnerDeps } from '../../playbook/index.js';
import { cliClock, emit, parseSeverity } from './sast-catalog.js';
import type { IncidentFlags, TargetFlags } from './incident.js';

async function withDeps<T>(f: IncidentFlags, fn: (d: RunnerDeps) => Promise<T>): Promise<T> {
  const loaded = await loadConfig(f.config);
  const dataDir = loaded.resolvePath(loaded.config.server.dataDir);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const catalog = Catalog.open(f.catalog ?? join(dataDir, 'catalog.db'), { now: () => cliClock.now() });
  const log = (line: string) => process.stderr.write(f.json ? JSON.stringify({ time: cliClock.now().toISOString(), msg: line }) + '\n' : `holdfast incident: ${line}\n`);
  try {
    return await fn({ loaded, catalog, clock: cliClock, env: process.env, log });
  } finally {
    catalog.close();
  }
}

function paramsOf(f: TargetFlags): IncidentParams {
  if (f.finding && f.severity) throw invalidInput('BAD_TARGET', 'give either --finding or --severity, not both');
  const knownGood = f.knownGoodCommit ? { commit: f.knownGoodCommit.toLowerCase(), ...(f.knownGoodImageDigest ? { imageDigest: f.knownGoodImageDigest } : {}) } : undefined;
  return {
    volume: f.volume,
    target: f.finding ? { findingId: f.finding } : { severity: parseSeverity('--severity', f.severity ?? 'high') },
    onUnknown: f.skipUnknown ? 'skip' : 'refuse',
    ...(f.allowSuspicious ? { allowSuspicious: true } : {}),
    rotateCa: Boolean(f.rotateCa),
    knownGood,
    healthPath: f.healthPath,
  };
}

/** A refused choice: its reasoning on stdout (the same as `restore-point choose` shows), then the one-line error. */
function showRefusal(f: IncidentFlags, e: unknown): never {
  if (isHoldfastError(e, 'INCIDENT_NO_CLEAN_RESTORE_POINT')) {
    const x = e as unknown as { choice: unknown; explanation: string };
    emit(f, { refused: true, choice: x.choice }, () => x.explanation);
  }
  throw e;
}

export async function planAction(f: TargetFlags): Promise<void> {
  await withDeps(f, async (d) => {
    try {
      const { plan } = planIncident(d.loaded, d.catalog, paramsOf(f), loadPlaybook(f.playbook));
      emit(f, plan, () => explainPlan(plan));
    } catch (e) {
      showRefusal(f, e);
    }
  });
}

async function confirmed(f: TargetFlags, planText: string): Promise<boolean> {
  if (f.yes) return true;
  if (!process.stdin.isTTY)
    throw invalidInput('INCIDENT_NEEDS_YES', `incident run on volume ${f.volume}: refusing without --yes when not on a terminal (nobody can confirm); review "holdfast incident plan" and add --yes`);
  process.stderr.write(planText + '\n');
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return (await rl.question('type "yes" to run this incident: ')).trim() === 'yes';
  } finally {
    rl.close();
  }
}

export async function runAction(f: TargetFlags): Promise<void> {
  await withDeps(f, async (d) => {
    const params = paramsOf(f);
    let plan;
    try {
      ({ plan } = planIncident(d.loaded, d.catalog, params, loadPlaybook(f.playbook)));
    } catch (e) {
      showRefusal(f, e);
    }
    if (!(await confirmed(f, explainPlan(plan)))) {
      process.stderr.write('holdfast incident: not confirmed; nothing was changed\n');
      process.exitCode = 6;
      return;
    }
    const { incident } = await runIncident(d, params, f.playbook);
    emit(f, incident, () => `incident ${incident.id}: ${incident.status} — report in ${join(d.loaded.resolvePath(d.loaded.config.server.dataDir), 'incidents', incident.id, 'report.md')}`);
  });
}

export async function statusAction(id: string, f: IncidentFlags): Promise<void> {
  await withDeps(f, async (d) => {
    const store = new IncidentStore(d.catalog.db, () => d.clock.now());
    const inc = store.require(id);
    const steps = store.steps(id);
    const interrupted = inc.status === 'running' && inc.runnerPid !== undefined && !alive(inc.runnerPid);
    emit(f, { ...inc, interrupted, steps }, () =>
      [
        `incident ${inc.id} on volume ${inc.volume}: ${inc.status}${interrupted ? ` (interrupted: process ${inc.runnerPid} is gone; "holdfast incident resume ${inc.id}")` : ''}${inc.message ? ` — ${inc.message}` : ''}`,
        formatTable(['STEP', 'KIND', 'STATUS', 'ATTEMPTS', 'STARTED', 'COMPLETED', 'NOTE'], steps.map((s) => [s.step, s.uses, s.status, String(s.attempts), s.startedAt ?? '-', s.completedAt ?? '-', (s.error ?? '').slice(0, 80)])),
      ].join('\n'),
    );
  });
}

export async function resumeAction(id: string, f: IncidentFlags): Promise<void> {
  await withDeps(f, async (d) => {
    const inc = await resumeIncident(d, id);
    emit(f, inc, () => `incident ${inc.id}: ${inc.status}`);
  });
}

export async function abortAction(id: string, f: IncidentFlags): Promise<void> {
  await withDeps(f, async (d) => {
    const r = await abortIncident(d, id);
    emit(f, r, () => [`incident ${id}: aborted`, ...r.undone.map((u) => `  undone ${u.step}: ${u.what}`), ...r.notUndone.map((u) => `  not undone ${u.step}: ${u.why}`)].join('\n'));
  });
}

export async function listAction(f: IncidentFlags): Promise<void> {
  await withDeps(f, async (d) => {
    const rows = new IncidentStore(d.catalog.db, () => d.clock.now()).list();
    emit(f, rows, () => formatTable(['ID', 'VOLUME', 'STATUS', 'CREATED', 'MESSAGE'], rows.map((r) => [r.id, r.volume, r.status, r.createdAt, (r.message ?? '').slice(0, 60)])));
  });
}
