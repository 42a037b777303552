/**
 * Bit flips: one seeded bit flipped in one file of each kind a repository holds (config, keys,
 * index segments, snapshots, packs, locks, deletion plans), then every user-facing command run
 * over it. No restore may exit 0 with wrong bytes; damage that makes a snapshot unrestorable must
 * be reported by `check --read-data`; prune must not make the damage worse (a snapshot that
 * restored before prune still restores after it); and the repair check's help prescribes
 * (`repair index --read-all-data`, `repair snapshots --forget`) must leave a repository that
 * passes `check --read-data` and still restores every snapshot that restored before.
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeRun, run, type Site } from './cli.js';
import type { Planned } from './campaign.js';
import { streamFor } from './campaign.js';
import { commandNamed, type CommandSpec } from './commands.js';
import { emptyVerdict, internalError, listSnapshotIds, restoreMatches, short, type Verdict } from './invariants.js';
import type { Lab } from './lab.js';
import { setUp, tearDown, tracePoints, type TrialResult } from './trials.js';
import { snapshotIdOf, trialSource, type SnapshotRecord } from './world.js';

export const FLIP_KINDS = ['config', 'keys', 'index', 'snapshots', 'data', 'locks', 'deletions'] as const;
export type FlipKind = (typeof FLIP_KINDS)[number];

/**
 * Files of a kind in a repository directory (temporaries left out), sorted by size, then name:
 * names are random per run but sizes follow from the seeded sources, so the seed picks the same
 * file (the same pack, the same segment) every run.
 */
export function filesOfKind(repoDir: string, kind: FlipKind): string[] {
  const top = join(repoDir, kind);
  let st;
  try {
    st = statSync(top);
  } catch {
    return [];
  }
  if (st.isFile()) return [top];
  const out: string[] = [];
  const walk = (d: string) => {
    for (const n of readdirSync(d).sort()) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else if (!n.startsWith('.tmp-')) out.push(p);
    }
  };
  walk(top);
  const size = new Map(out.map((f) => [f, statSync(f).size]));
  return out.sort((a, b) => size.get(a)! - size.get(b)! || a.localeCompare(b));
}

/** Flips bit `bit` of a file in place. */
export function flipBit(file: string, bit: number): void {
  const b = readFileSync(file);
  b[bit >> 3]! ^= 1 << (bit & 7);
  writeFileSync(file, b);
}

/**
 * Makes the repository hold a file of `kind` that a clean template lacks: a lock is what a killed
 * backup leaves; a deletion plan is what a prune killed just after writing it leaves.
 */
async function plant(lab: Lab, site: Site, kind: FlipKind, dir: string): Promise<string | undefined> {
  if (kind !== 'locks' && kind !== 'deletions') return undefined;
  const spec: CommandSpec = kind === 'locks' ? commandNamed('backup') : commandNamed('prune');
  const point = kind === 'locks' ? 'fs:publish:data@1' : await pointAfterPlan(lab, spec);
  if (!point) return 'prune never writes a deletion plan from the template';
  const args = kind === 'locks' ? ['backup', trialSource(lab.world, join(dir, 'lock-src'), lab.world.nextVersion)] : ['prune'];
  const r = await run(site, args, { fault: `${point}=kill` });
  if (r.signal !== 'SIGKILL') return `planting a ${kind} file: ${describeRun(r)}`;
  return undefined;
}

const afterPlan = new WeakMap<Lab, Promise<string | undefined>>();
/** The first fault point prune reaches after publishing its deletion plan. */
function pointAfterPlan(lab: Lab, spec: CommandSpec): Promise<string | undefined> {
  if (!afterPlan.has(lab))
    afterPlan.set(
      lab,
      tracePoints(lab, spec).then(({ hits }) => {
        const i = hits.findIndex((h) => h.point === 'fs:publish:deletions');
        const next = i >= 0 ? hits[i + 1] : undefined;
        return next && `${next.point}@${next.nth}`;
      }),
    );
  return afterPlan.get(lab)!;
}

/** Kinds whose damage may leave the repository unusable: without its config or its only key nothing opens. */
const FATAL_KINDS: FlipKind[] = ['config', 'keys'];

export async function flipTrial(lab: Lab, kind: FlipKind, k: number, seed: number, id: string): Promise<TrialResult> {
  const t0 = Date.now();
  const spec = { ...commandNamed('backup'), template: kind === 'deletions' ? ('forgotten' as const) : ('base' as const) };
  const ctx = await setUp(lab, spec, id);
  const template = ctx.template!;
  const v: Verdict = emptyVerdict();
  const runs: string[] = [];
  const planted = await plant(lab, ctx.site, kind, ctx.dir);
  const files = filesOfKind(ctx.site.dir!, kind);
  const random = streamFor(seed, `${id}`);
  if (planted || files.length === 0) {
    v.notes.push(`no ${kind} file to flip: ${planted ?? 'none in the repository'}`);
    await tearDown(lab, ctx);
    return { id, family: 'flip', backend: lab.backend, command: `flip ${kind}`, detail: '-', killed: false, runs, verdict: v, ms: Date.now() - t0 };
  }
  const file = files[Math.floor(random() * files.length)]!;
  const bit = Math.floor(random() * statSync(file).size * 8);
  flipBit(file, bit);
  const detail = `${file.slice(ctx.site.dir!.length + 1)} bit ${bit} (trial ${k})`;

  // What the user sees: the list, every restore, check, a new backup, then prune and the restores again.
  const listed = await listSnapshotIds(ctx.site, 'reliability-pw-1');
  runs.push(describeRun(listed.run));
  const restoredBefore: SnapshotRecord[] = [];
  const lostNow = emptyVerdict();
  for (const s of template.snapshots) if (await restoreMatches(ctx.site, 'reliability-pw-1', s, ctx.dir, lostNow)) restoredBefore.push(s);
  v.silentWrong.push(...lostNow.silentWrong);
  v.notes.push(...lostNow.notes);
  const check = await run(ctx.site, ['check', '--read-data']);
  runs.push(describeRun(check));
  const src = trialSource(lab.world, join(ctx.dir, 'next-src'), lab.world.nextVersion + 1);
  const b = await run(ctx.site, ['backup', src, '--json']);
  runs.push(describeRun(b));
  const fresh = emptyVerdict();
  let freshOk = false;
  if (b.code === 0) freshOk = await restoreMatches(ctx.site, 'reliability-pw-1', { id: snapshotIdOf(b.out), version: -1, expected: src }, ctx.dir, fresh);
  v.silentWrong.push(...fresh.silentWrong);
  for (const r of [listed.run, check, b]) {
    const ie = internalError(r);
    if (ie) v.notes.push(ie);
  }
  if (kind === 'locks') {
    const u = await run(ctx.site, ['unlock']);
    runs.push(describeRun(u));
    const left = await run(ctx.site, ['locks', '--json']);
    if (u.code !== 0 || left.code !== 0 || left.out.trim() !== '[]') v.notes.push(`unlock does not clear a damaged lock: ${describeRun(u)}; ${describeRun(left)}`);
  }
  const p = await run(ctx.site, ['prune']);
  runs.push(describeRun(p));
  const pie = internalError(p);
  if (pie) v.notes.push(pie);
  const after = emptyVerdict();
  for (const s of restoredBefore) await restoreMatches(ctx.site, 'reliability-pw-1', s, ctx.dir, after);
  v.silentWrong.push(...after.silentWrong);
  // Prune may not delete what still held a restorable snapshot's data.
  v.lost.push(...after.lost.map((l) => `${l} (restored before prune, not after)`));

  // Damage check reports is repaired as its help says; then check passes and nothing that
  // restored before is lost.
  if (check.code !== 0 && !FATAL_KINDS.includes(kind)) {
    for (const args of [['repair', 'index', '--read-all-data'], ['repair', 'snapshots', '--forget'], ['check', '--read-data']]) {
      const r = await run(ctx.site, args);
      runs.push(describeRun(r));
      const ie = internalError(r);
      if (ie) v.notes.push(ie);
      // The whole report, not just its last line: this is what the maintainer needs to see.
      if (r.code !== 0) v.notes.push(`after one damaged ${kind} file, ${args.join(' ')} fails: ${describeRun(r)} [${(r.out + r.err).trim().split('\n').slice(-6).join(' | ')}]`);
    }
    const repaired = emptyVerdict();
    for (const s of restoredBefore) await restoreMatches(ctx.site, 'reliability-pw-1', s, ctx.dir, repaired);
    v.silentWrong.push(...repaired.silentWrong);
    v.lost.push(...repaired.lost.map((l) => `${l} (restored before repair, not after)`));
  }

  const unrestorable = template.snapshots.length - restoredBefore.length;
  const mattered = !listed.ids || unrestorable > 0 || b.code !== 0 || !freshOk;
  const detected = check.code !== 0 || !listed.ids || unrestorable > 0;
  const newBackupBroken = b.code !== 0 ? describeRun(b) : !freshOk ? fresh.lost.join('; ') : undefined;
  // A damaged pack may hold a blob the new backup deduplicates against; that is the damage, not a new defect.
  if (newBackupBroken && !FATAL_KINDS.includes(kind) && kind !== 'data') v.unusable = `after one damaged ${kind} file a new backup fails: ${newBackupBroken}`;
  if (!listed.ids && !FATAL_KINDS.includes(kind)) v.unusable = `after one damaged ${kind} file the repository does not open: ${describeRun(listed.run)}`;
  runs.push(`${restoredBefore.length} of ${template.snapshots.length} snapshots restored after the flip: ${template.snapshots.filter((s) => !restoredBefore.includes(s)).map((s) => short(s.id)).join(', ') || 'all'}`);
  await tearDown(lab, ctx);
  return {
    id,
    family: 'flip',
    backend: lab.backend,
    command: `flip ${kind}`,
    detail,
    killed: false,
    runs,
    verdict: v,
    flip: { detected, mattered, undetectedThatMatters: mattered && check.code === 0 && !!listed.ids },
    ms: Date.now() - t0,
  };
}

export function planFlips(lab: Lab, seed: number, perKind: number, kinds: readonly FlipKind[] = FLIP_KINDS): Planned[] {
  const out: Planned[] = [];
  for (const kind of kinds)
    for (let k = 0; k < perKind; k++) {
      const id = `${lab.backend}/flip/${kind}/#${k}`;
      out.push({ id, family: 'flip', run: () => flipTrial(lab, kind, k, seed, id) });
    }
  return out;
}
