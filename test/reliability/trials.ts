/**
 * Kill trials: run a command from a template repository, kill -9 it (at the Nth time it reaches a
 * named fault point, or after a seeded delay), recover as a user would, and check the invariants.
 * Listing a command's fault points is a traced run of the same command from the same template.
 */
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describeRun, run, PASSWORD, type RunResult } from './cli.js';
import type { CommandSpec, Recovery, TrialContext } from './commands.js';
import { emptyVerdict, listSnapshotIds, verifyRepository, type Verdict } from './invariants.js';
import type { Lab } from './lab.js';
import type { SnapshotRecord } from './world.js';

export type Family = 'kill-point' | 'random-kill' | 'flip' | 'concurrency';

export interface TrialResult {
  id: string;
  family: Family;
  backend: 'fs' | 's3';
  command: string;
  /** The kill point, delay, flipped bit or interleaving. */
  detail: string;
  killed: boolean;
  runs: string[];
  recoveryFailed?: string;
  verdict: Verdict;
  /** Bit flips: whether the damage was noticed by check or a restore, and whether it mattered. */
  flip?: { detected: boolean; mattered: boolean; undetectedThatMatters: boolean };
  ms: number;
}

/** Everything wrong with a trial, one line each; a trial passes when this is empty. */
export function problems(t: TrialResult): string[] {
  const v = t.verdict;
  return [
    ...(t.recoveryFailed ? [`recovery failed: ${t.recoveryFailed}`] : []),
    ...(v.unusable ? [`repository unusable: ${v.unusable}`] : []),
    ...v.lost.map((l) => `lost ${l}`),
    ...v.silentWrong.map((s) => `SILENT WRONG DATA: ${s}`),
    ...(v.checkFailed ? [`check --read-data fails: ${v.checkFailed}`] : []),
    ...(t.flip?.undetectedThatMatters ? ['damage that matters went undetected by check --read-data'] : []),
    ...v.notes,
  ];
}

export const slug = (s: string) => s.replace(/[^a-zA-Z0-9@.-]+/g, '_');

export async function setUp(lab: Lab, spec: CommandSpec, name: string): Promise<TrialContext> {
  const dir = join(lab.root, 'trials', slug(name));
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const template = spec.template === 'none' ? undefined : lab.world.templates[spec.template];
  const site = template ? await lab.clone(template, slug(name)) : lab.empty(slug(name));
  return { world: lab.world, site, dir, template };
}

export async function tearDown(lab: Lab, ctx: TrialContext): Promise<void> {
  await lab.discard(ctx.site);
  rmSync(ctx.dir, { recursive: true, force: true });
}

export interface PointHit {
  point: string;
  nth: number;
}

/** The fault points a command reaches from its template, each with its occurrence number. */
export async function tracePoints(lab: Lab, spec: CommandSpec): Promise<{ hits: PointHit[]; run: RunResult }> {
  const ctx = await setUp(lab, spec, `trace-${lab.backend}-${spec.name}`);
  const file = join(ctx.dir, 'trace');
  const r = await run(ctx.site, spec.prepare(ctx), { trace: file, env: spec.env });
  if (r.code !== 0) throw new Error(`tracing ${spec.name}: ${describeRun(r)}`);
  const seen = new Map<string, number>();
  const hits: PointHit[] = [];
  let lines: string[] = [];
  try {
    lines = readFileSync(file, 'utf8').split('\n').filter(Boolean);
  } catch {
    // A command that reaches no fault point leaves no trace file.
  }
  for (const point of lines) {
    const nth = (seen.get(point) ?? 0) + 1;
    seen.set(point, nth);
    hits.push({ point, nth });
  }
  await tearDown(lab, ctx);
  return { hits, run: r };
}

export type Kill = { point: string; nth: number } | { afterMs: number };

export const describeKill = (k: Kill) => ('point' in k ? `${k.point}@${k.nth}` : `after ${k.afterMs} ms`);

/** Snapshots the trial must find restorable: the template's, less those being forgotten, plus any the command made. */
async function expectedSnapshots(ctx: TrialContext, spec: CommandSpec, password: string): Promise<{ keep: SnapshotRecord[]; gone: SnapshotRecord[] }> {
  const t = ctx.template;
  const gone = t && spec.forgets ? spec.forgets(t) : [];
  const keep = (t?.snapshots ?? []).filter((s) => !gone.includes(s));
  const made = spec.made?.(ctx);
  if (made) {
    const { ids } = await listSnapshotIds(ctx.site, password);
    for (const id of ids ?? []) if (!t?.snapshots.some((s) => s.id === id)) keep.push({ id, version: ctx.world.nextVersion, expected: made });
  }
  return { keep, gone };
}

export async function killTrial(lab: Lab, spec: CommandSpec, kill: Kill, id: string, family: Family): Promise<TrialResult> {
  const t0 = Date.now();
  const ctx = await setUp(lab, spec, id);
  const args = spec.prepare(ctx);
  // The command and the user's recovery meet the store's faults (S3: the proxy); the checks do not.
  const faulty = { ...ctx, site: lab.underFaults(ctx.site) };
  const first = await run(faulty.site, args, {
    env: spec.env,
    ...('point' in kill ? { fault: `${kill.point}@${kill.nth}=kill` } : { killAfterMs: kill.afterMs }),
  });
  const killed = first.signal === 'SIGKILL' && !first.timedOut;
  const runs = [describeRun(first)];
  const notes: string[] = [];
  let rec: Recovery = { steps: [], password: spec.passwordAfter ?? PASSWORD };
  if (killed || first.code !== 0) {
    if (!killed) notes.push(`failed without a kill: ${describeRun(first)}`);
    rec = await spec.recover(faulty, args);
    runs.push(...rec.steps);
  }
  let verdict: Verdict;
  if (rec.failed && spec.template === 'none') {
    verdict = { ...emptyVerdict(), unusable: `repo init cannot be completed: ${rec.failed}` };
  } else {
    const { keep, gone } = await expectedSnapshots(ctx, spec, rec.password);
    verdict = await verifyRepository(ctx.site, { world: ctx.world, scratch: join(ctx.dir, 'verify'), password: rec.password, keep, gone });
    await spec.after?.(ctx, rec, verdict);
  }
  verdict.notes.unshift(...notes);
  const result: TrialResult = {
    id,
    family,
    backend: lab.backend,
    command: spec.name,
    detail: describeKill(kill),
    killed,
    runs,
    ...(rec.failed ? { recoveryFailed: rec.failed } : {}),
    verdict,
    ms: Date.now() - t0,
  };
  await tearDown(lab, ctx);
  return result;
}
