/**
 * Concurrency: backup, prune, restore and check on one repository at once. The dangerous
 * interleavings are forced with pause points rather than hoped for:
 * - prune paused at each of its steps while a backup runs to completion (the backup backs up the
 *   forgotten version's tree, so it deduplicates against exactly the blobs prune is deleting), a
 *   restore and a check run meanwhile; then prune resumes;
 * - a backup paused at each of its steps while a prune runs to completion;
 * - all four started together with seeded offsets.
 * Afterwards every template snapshot and every snapshot a concurrent backup reported must restore
 * exactly, `check --read-data` must pass and a new backup must restore; a restore that exited 0
 * meanwhile must have given the right bytes.
 */
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { prng, treeDifferences } from '../../src/backup/testing.js';
import { describeRun, run, start, type RunResult, type Running, type Site } from './cli.js';
import { sample, streamFor, type Planned } from './campaign.js';
import { commandNamed, type CommandSpec } from './commands.js';
import { internalError, short, verifyRepository, type Verdict } from './invariants.js';
import type { Lab } from './lab.js';
import { setUp, tearDown, tracePoints, type PointHit, type TrialResult } from './trials.js';
import { copyTree, snapshotIdOf, type SnapshotRecord } from './world.js';

/**
 * The forgotten version's tree and one new file: backing it up deduplicates against the blobs
 * prune condemns, and writes a pack of its own.
 */
function forgottenSource(lab: Lab, dir: string): string {
  const src = join(dir, 'src-forgotten');
  copyTree(lab.world.templates.base.snapshots[0]!.expected, src);
  writeFileSync(join(src, 'concurrent-new.bin'), prng(lab.world.seed + 99)(150_000));
  return src;
}

/** The concurrent backup as a command, so its fault points can be traced from the same template. */
const concurrentBackup = (lab: Lab): CommandSpec => ({
  ...commandNamed('backup'),
  template: 'forgotten',
  prepare: (ctx) => ['backup', forgottenSource(lab, ctx.dir), '--json'],
});

type Round = { kind: 'prune-paused'; at: PointHit } | { kind: 'backup-paused'; at: PointHit } | { kind: 'together'; offsets: number[] };

/** Starts a command paused at a point; resolves once it is there (or has ended without reaching it). */
async function startPaused(site: Site, args: string[], at: PointHit, gate: string, extra: { env?: NodeJS.ProcessEnv } = {}): Promise<{ running: Running; reached: boolean }> {
  const running = start(site, args, { fault: `${at.point}@${at.nth}=pause:${gate}`, ...extra });
  let ended = false;
  void running.done.then(() => (ended = true));
  while (!existsSync(`${gate}.reached`) && !ended) await sleep(20);
  return { running, reached: existsSync(`${gate}.reached`) };
}

interface Side {
  runs: RunResult[];
  /** Snapshots the concurrent backups reported, with the tree each must restore to. */
  made: SnapshotRecord[];
}

async function backupInto(site: Site, src: string, side: Side, running?: Running): Promise<void> {
  const r = running ? await running.done : await run(site, ['backup', src, '--json']);
  side.runs.push(r);
  if (r.code === 0) side.made.push({ id: snapshotIdOf(r.out), version: -1, expected: src });
}

/** A restore beside a prune may fail loudly (the pack it needed is gone) but never exit 0 with wrong bytes. */
async function restoreBeside(site: Site, snap: SnapshotRecord, target: string, side: Side, v: Verdict): Promise<void> {
  const r = await run(site, ['restore', snap.id, '--target', target]);
  side.runs.push(r);
  if (r.code === 0) {
    const diff = treeDifferences(snap.expected, target);
    if (diff.length) v.silentWrong.push(`restore of ${short(snap.id)} beside prune exited 0 with: ${diff.slice(0, 3).join('; ')}`);
  } else v.notes.push(`restore of ${short(snap.id)} beside prune failed: ${describeRun(r)}`);
  rmSync(target, { recursive: true, force: true });
}

export async function concurrencyRound(lab: Lab, round: Round, id: string): Promise<TrialResult> {
  const t0 = Date.now();
  const ctx = await setUp(lab, { ...commandNamed('prune') }, id);
  const { site, dir } = ctx;
  const template = ctx.template!;
  const v: Verdict = { lost: [], silentWrong: [], notes: [] };
  const side: Side = { runs: [], made: [] };
  const src = forgottenSource(lab, dir);
  const keepSnap = template.snapshots.at(-1)!;
  let detail: string;
  let prune: RunResult | undefined;
  if (round.kind === 'prune-paused') {
    detail = `prune paused at ${round.at.point}@${round.at.nth}; backup, restore, check meanwhile`;
    const gate = join(dir, 'gate');
    const p = await startPaused(site, lab.pruneArgs, round.at, gate);
    if (!p.reached) v.notes.push(`prune never reached ${round.at.point}@${round.at.nth}`);
    await backupInto(site, src, side);
    await restoreBeside(site, keepSnap, join(dir, 'beside'), side, v);
    const c = await run(site, ['check', '--read-data']);
    side.runs.push(c);
    if (c.code !== 0) v.notes.push(`check beside a paused prune reports damage: ${describeRun(c)}`);
    writeFileSync(gate, '');
    prune = await p.running.done;
  } else if (round.kind === 'backup-paused') {
    detail = `backup paused at ${round.at.point}@${round.at.nth}; prune, restore, check meanwhile`;
    const gate = join(dir, 'gate');
    const b = await startPaused(site, ['backup', src, '--json'], round.at, gate);
    if (!b.reached) v.notes.push(`backup never reached ${round.at.point}@${round.at.nth}`);
    prune = await run(site, lab.pruneArgs);
    await restoreBeside(site, keepSnap, join(dir, 'beside'), side, v);
    writeFileSync(gate, '');
    await backupInto(site, src, side, b.running);
  } else {
    detail = `backup, prune, restore and check started ${round.offsets.join('/')} ms apart`;
    const at = (i: number) => sleep(round.offsets[i]!);
    const [, p] = await Promise.all([
      at(0).then(() => backupInto(site, src, side)),
      at(1).then(() => run(site, lab.pruneArgs)),
      at(2).then(() => restoreBeside(site, keepSnap, join(dir, 'beside'), side, v)),
      at(3).then(async () => {
        const c = await run(site, ['check', '--read-data']);
        side.runs.push(c);
        if (c.code !== 0) v.notes.push(`check beside prune reports damage: ${describeRun(c)}`);
      }),
    ]);
    prune = p;
  }
  if (prune) side.runs.push(prune);
  if (prune && prune.code !== 0) v.notes.push(`prune beside the others failed: ${describeRun(prune)}`);
  for (const r of side.runs) {
    const ie = internalError(r);
    if (ie) v.notes.push(ie);
    if (r.args[0] === 'backup' && r.code !== 0) v.notes.push(`backup beside prune failed: ${describeRun(r)}`);
  }
  const after = await verifyRepository(site, { world: lab.world, scratch: join(dir, 'verify'), keep: [...template.snapshots, ...side.made] });
  after.notes.unshift(...v.notes);
  after.silentWrong.unshift(...v.silentWrong);
  await tearDown(lab, ctx);
  return { id, family: 'concurrency', backend: lab.backend, command: round.kind, detail, killed: false, runs: side.runs.map(describeRun), verdict: after, ms: Date.now() - t0 };
}

/** Rounds cycle through the three kinds; pause points are spread over each command's traced steps. */
export async function planConcurrency(lab: Lab, seed: number, rounds: number, exclude?: (id: string) => boolean): Promise<Planned[]> {
  if (rounds <= 0) return [];
  const random = streamFor(seed, `${lab.backend}:concurrency`);
  const prunePoints = (await tracePoints(lab, { ...commandNamed('prune'), prepare: () => lab.pruneArgs })).hits;
  const backupPoints = (await tracePoints(lab, concurrentBackup(lab))).hits;
  const perKind = Math.ceil(rounds / 3);
  const kinds: Round[][] = [
    sample(prunePoints, perKind, random).map((at) => ({ kind: 'prune-paused' as const, at })),
    sample(backupPoints, perKind, random).map((at) => ({ kind: 'backup-paused' as const, at })),
    Array.from({ length: perKind }, () => ({ kind: 'together' as const, offsets: [0, 1, 2, 3].map(() => Math.floor(random() * 400)) })),
  ];
  const out: Planned[] = [];
  for (let i = 0; out.length < rounds && i < perKind * 3; i++) {
    const r = kinds[i % 3]![Math.floor(i / 3)];
    if (!r) continue;
    const id = `${lab.backend}/concurrency/${r.kind}/${r.kind === 'together' ? `#${Math.floor(i / 3)}` : `${r.at.point}@${r.at.nth}`}`;
    if (exclude?.(id)) continue;
    out.push({ id, family: 'concurrency', run: () => concurrencyRound(lab, r, id) });
  }
  return out;
}
