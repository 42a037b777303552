/**
 * Runs an incident from its journal. Each step is marked started before its side effect and
 * completed with its outputs after it, in the catalog, with an audit event for each; a completed
 * step never runs again, an interrupted one (found started) runs again and is idempotent. So a
 * `kill -9` anywhere followed by `resume` finishes the run without repeating what was done, and
 * `abort` walks back the completed steps, undoing what can be undone and naming what cannot.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Repository } from '../backup/index.js';
import { conflict, HoldfastError } from '../base/errors.js';
import type { Catalog } from '../catalog/index.js';
import { IncidentStore, type IncidentRow } from '../catalog/incidents.js';
import { readSecret, type LoadedConfig } from '../config/index.js';
import type { Clock } from '../platform/clock.js';
import { openBlobStore } from '../storage/index.js';
import { gatherFacts, type IncidentFacts, type IncidentParams } from './facts.js';
import { loadPlaybook, planIncident, type IncidentPlan, type LoadedPlaybook } from './plan.js';
import { alive } from './service.js';
import { knownStepKinds, stepKinds, type StepEnv } from './steps/index.js';
import { parsePlaybook } from './definition.js';
import { advance, errorMessage, type Journal } from './engine.js';
import { pushCatalogRecords } from '../recovery/index.js';

export interface RunnerDeps {
  loaded: LoadedConfig;
  catalog: Catalog;
  clock: Clock;
  env: NodeJS.ProcessEnv;
  log: (line: string) => void;
}

export function newIncidentId(now: Date): string {
  return `inc-${now.toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-')}-${randomBytes(2).toString('hex')}`;
}

const audit = (d: RunnerDeps, id: string, action: string, details: Record<string, unknown> = {}) => d.catalog.audit.append({ actor: 'playbook', action, object: `incident:${id}`, details });

/**
 * HOLDFAST_PLAYBOOK_HOLD="step:point[,step:point...]": stop at those points (each once per
 * incident, so a resume passes a point it already stopped at) and wait to be killed. For the kill -9
 * tests only: a crash at an exact place, not wherever a timer lands.
 */
function hold(d: RunnerDeps, facts: IncidentFacts, id: string, stepId: string) {
  return async (point: string) => {
    const name = `${stepId}:${point}`;
    if (!(d.env.HOLDFAST_PLAYBOOK_HOLD ?? '').split(',').includes(name)) return;
    const dir = join(facts.incidentsDir, id);
    const marker = join(dir, `held-${stepId}-${point}`);
    if (existsSync(marker)) return;
    mkdirSync(dir, { recursive: true });
    writeFileSync(marker, `${process.pid}\n`);
    setInterval(() => undefined, 1 << 30); // keep the process alive until it is killed
    await new Promise(() => undefined);
  };
}

function makeEnv(d: RunnerDeps, store: IncidentStore, inc: IncidentRow, facts: IncidentFacts, stepId: string, withParams: Record<string, unknown>, repo: () => Promise<Repository>): StepEnv {
  return {
    incidentId: inc.id,
    stepId,
    with: withParams,
    params: inc.params as unknown as IncidentParams,
    facts,
    catalog: d.catalog,
    clock: d.clock,
    env: d.env,
    repo,
    outputsOf: (uses) => store.steps(inc.id).filter((s) => s.uses === uses && s.status === 'completed').at(-1)?.outputs,
    // Read live: what this attempt recorded a moment ago counts too.
    get progress() {
      return store.steps(inc.id).find((s) => s.step === stepId)?.progress ?? {};
    },
    recordProgress: (p) => store.recordProgress(inc.id, stepId, p),
    log: (m) => d.log(`${stepId}: ${m}`),
    hold: hold(d, facts, inc.id, stepId),
  };
}

function repoOpener(d: RunnerDeps, facts: IncidentFacts): () => Promise<Repository> {
  let repo: Promise<Repository> | undefined;
  return () =>
    (repo ??= (async () => {
      const password = await readSecret(facts.repository.password, `repository ${facts.repository.name} password`, facts.resolvePath, d.env);
      return Repository.open(await openBlobStore(facts.repository.location), password);
    })());
}

/** The playbook as it was when the run started: its text is journaled, so editing the file mid-incident changes nothing. */
function playbookOf(inc: IncidentRow): Pick<LoadedPlaybook, 'order' | 'steps'> {
  const text = inc.params.playbookText;
  if (typeof text === 'string') return parsePlaybook(text, `incident ${inc.id} playbook`, knownStepKinds);
  return loadPlaybook(String(inc.params.playbookSource ?? inc.playbook));
}

/** The catalog as the engine's journal, with an audit event and a log line for each transition. */
function catalogJournal(d: RunnerDeps, store: IncidentStore, id: string): Journal {
  return {
    steps: () => store.steps(id),
    start(step) {
      const row = store.steps(id).find((s) => s.step === step);
      store.startStep(id, step);
      audit(d, id, 'incident.step.started', { step, attempt: (row?.attempts ?? 0) + 1 });
      d.log(`${step}: started${row && row.attempts > 0 ? ` (attempt ${row.attempts + 1}, after an interruption)` : ''}`);
    },
    complete(step, outputs) {
      store.completeStep(id, step, outputs);
      audit(d, id, 'incident.step.completed', { step });
    },
    fail(step, msg) {
      store.failStep(id, step, msg);
      store.setStatus(id, 'failed', { message: `step ${step}: ${msg}`, runnerPid: null });
      audit(d, id, 'incident.step.failed', { step, error: msg });
    },
  };
}

/**
 * The incident's repository gets the catalog's records (this journal, the deploys the restart
 * recorded): after a disaster, the incident is rebuilt with the rest. A failure is logged, never
 * thrown: the records wait in the catalog for the next run.
 */
async function pushRecords(d: RunnerDeps, repo: () => Promise<Repository>): Promise<void> {
  try {
    const r = await pushCatalogRecords(d.catalog, await repo(), () => d.clock.now());
    if (r.pushed) d.log(`pushed ${r.pushed} catalog record(s) to the repository`);
  } catch (e) {
    d.log(`catalog records not pushed this time: ${errorMessage(e)}`);
  }
}

async function execute(d: RunnerDeps, inc: IncidentRow): Promise<IncidentRow> {
  const facts = gatherFacts(d.loaded, inc.volume);
  const repo = repoOpener(d, facts);
  try {
    return await executeSteps(d, inc, facts, repo);
  } finally {
    await pushRecords(d, repo);
  }
}

async function executeSteps(d: RunnerDeps, inc: IncidentRow, facts: IncidentFacts, repo: () => Promise<Repository>): Promise<IncidentRow> {
  const store = new IncidentStore(d.catalog.db, () => d.clock.now());
  let failedAt = '';
  try {
    await advance(playbookOf(inc), catalogJournal(d, store, inc.id), async (def) => {
      failedAt = def.id;
      return { state: 'done', outputs: await stepKinds.get(def.uses)!.run(makeEnv(d, store, inc, facts, def.id, def.with, repo)) };
    });
  } catch (e) {
    const code = e instanceof HoldfastError ? e.code : 'INCIDENT_STEP_FAILED';
    const kind = e instanceof HoldfastError && e.kind !== 'bug' ? e.kind : 'permanent';
    throw new HoldfastError(code, kind, `incident ${inc.id} stopped at step ${failedAt}: ${errorMessage(e)} — fix it and run "holdfast incident resume ${inc.id}", or "holdfast incident abort ${inc.id}"`, { cause: e });
  }
  store.setStatus(inc.id, 'succeeded', { runnerPid: null, message: 'all steps completed and verified' });
  audit(d, inc.id, 'incident.succeeded');
  return store.require(inc.id);
}

/** Plans, refuses when the plan does (nothing written), then journals and runs every step. */
export async function runIncident(d: RunnerDeps, params: IncidentParams, playbookSource = 'restore-secure-and-rotate'): Promise<{ incident: IncidentRow; plan: IncidentPlan }> {
  const pb = loadPlaybook(playbookSource);
  const { plan } = planIncident(d.loaded, d.catalog, params, pb);
  const store = new IncidentStore(d.catalog.db, () => d.clock.now());
  const inc = store.create({
    id: newIncidentId(d.clock.now()),
    playbook: pb.playbook,
    volume: params.volume,
    status: 'running',
    configFile: d.loaded.file,
    params: { ...params, playbookSource, playbookText: pb.text },
    runnerPid: process.pid,
    steps: pb.order.map((id) => ({ step: id, uses: pb.steps.find((s) => s.id === id)!.uses })),
  });
  audit(d, inc.id, 'incident.started', { volume: params.volume, target: plan.target, restorePoint: plan.choice.snapshotId });
  d.log(`incident ${inc.id} started on volume ${params.volume}`);
  return { incident: await execute(d, inc), plan };
}

function checkNotRunning(inc: IncidentRow, action: string): void {
  if (inc.status === 'succeeded' || inc.status === 'aborted') throw conflict('INCIDENT_FINISHED', `${action} incident ${inc.id}: it has already ${inc.status === 'succeeded' ? 'succeeded' : 'been aborted'}`);
  if (inc.status === 'running' && inc.runnerPid && inc.runnerPid !== process.pid && alive(inc.runnerPid))
    throw conflict('INCIDENT_RUNNING', `${action} incident ${inc.id}: process ${inc.runnerPid} is running it now`);
}

/** Continues a failed or interrupted run, or approves (runs) a proposed one, from its journal. */
export async function resumeIncident(d: RunnerDeps, id: string): Promise<IncidentRow> {
  const store = new IncidentStore(d.catalog.db, () => d.clock.now());
  const inc = store.require(id);
  checkNotRunning(inc, 'resume');
  store.setStatus(id, 'running', { runnerPid: process.pid, message: 'resumed' });
  audit(d, id, 'incident.resumed', { from: inc.status });
  d.log(`incident ${id} resumed (was ${inc.status === 'running' ? 'interrupted' : inc.status})`);
  return execute(d, store.require(id));
}

export interface AbortReport {
  incident: IncidentRow;
  undone: { step: string; what: string }[];
  notUndone: { step: string; why: string }[];
}

/** Undoes the steps that did something, newest first; says what cannot be undone. */
export async function abortIncident(d: RunnerDeps, id: string): Promise<AbortReport> {
  const store = new IncidentStore(d.catalog.db, () => d.clock.now());
  const inc = store.require(id);
  checkNotRunning(inc, 'abort');
  const facts = gatherFacts(d.loaded, inc.volume);
  const pb = playbookOf(inc);
  const repo = repoOpener(d, facts);
  const undone: AbortReport['undone'] = [];
  const notUndone: AbortReport['notUndone'] = [];
  for (const row of [...store.steps(id)].reverse()) {
    if (!['completed', 'started', 'failed'].includes(row.status)) continue;
    const kind = stepKinds.get(row.uses)!;
    if (!kind.undo) {
      notUndone.push({ step: row.step, why: kind.cannotUndo ?? 'this step has no undo' });
      continue;
    }
    const def = pb.steps.find((s) => s.id === row.step);
    try {
      const what = await kind.undo(makeEnv(d, store, inc, facts, row.step, def?.with ?? {}, repo), row.outputs);
      store.markUndone(id, row.step, 'undone', what);
      audit(d, id, 'incident.step.undone', { step: row.step, what });
      undone.push({ step: row.step, what });
    } catch (e) {
      const msg = errorMessage(e);
      store.markUndone(id, row.step, 'undo-failed', msg);
      audit(d, id, 'incident.step.undo-failed', { step: row.step, error: msg });
      notUndone.push({ step: row.step, why: `undo failed: ${msg}` });
    }
  }
  store.setStatus(id, 'aborted', { runnerPid: null, message: `aborted: ${undone.length} step(s) undone, ${notUndone.length} not` });
  audit(d, id, 'incident.aborted', { undone: undone.map((u) => u.step), notUndone: notUndone.map((u) => u.step) });
  await pushRecords(d, repo);
  return { incident: store.require(id), undone, notUndone };
}
