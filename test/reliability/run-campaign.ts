/** One campaign: the filesystem lab (kills, flips, concurrency), then the S3 lab, then the tally. */
import { join } from 'node:path';
import { interleave, planKills, runPlanned, type Planned } from './campaign.js';
import { fsBackend, openLab } from './lab.js';
import { planFlips } from './flips.js';
import { planConcurrency } from './concurrency.js';
import { s3Backend } from './s3-lab.js';
import { tally, type Tally } from './tally.js';
import { problems, type TrialResult } from './trials.js';
import { knownFailure } from './known-failing.js';

export interface CampaignOptions {
  seed: number;
  root: string;
  kills: number;
  /** Kill trials on S3 (named points the engine adds, and random times). */
  s3Kills: number;
  s3Rounds: number;
  flipsPerKind: number;
  rounds: number;
  jobs: number;
  commands?: string[];
  families?: string[];
  only?: string;
  /** Leave these trials out (the CI slice leaves out known failures). */
  exclude?: (id: string) => boolean;
  maxPointsPerCommand?: number;
  /** Start no trial after this many minutes from `started` (the full run must end before a deadline). */
  minutes?: number;
  started: number;
  log: (line: string) => void;
}

export interface CampaignReport {
  seed: number;
  options: Omit<CampaignOptions, 'log' | 'root' | 'exclude' | 'started'>;
  /** Trials planned; fewer ran when the time limit was reached. */
  planned: number;
  tally: Tally;
  /** Each trial with its problems, and for a known failure the defect it is waiting for. */
  results: (TrialResult & { problems: string[]; known?: string })[];
}

const wanted = (o: CampaignOptions, family: string) => !o.families || o.families.includes(family);

/** Keeps the trials `--only` names: an id substring, or "#n" for the nth of the plan. */
export function selectTrials(plan: Planned[], only: string | undefined): Planned[] {
  if (!only) return plan;
  const m = /^#(\d+)$/.exec(only);
  if (m) return plan.slice(Number(m[1]) - 1, Number(m[1]));
  return plan.filter((p) => p.id.includes(only));
}

export async function runCampaign(o: CampaignOptions): Promise<CampaignReport> {
  const { log } = o;
  /** Grouped by backend and family ("fs/kill-point"), interleaved before running (see interleave). */
  const groups = new Map<string, Planned[]>();
  const plan = {
    push: (...ps: Planned[]) => {
      for (const p of ps) {
        const key = p.id.split('/').slice(0, 2).join('/');
        groups.set(key, [...(groups.get(key) ?? []), p]);
      }
    },
  };
  const closers: (() => Promise<void>)[] = [];
  const fs = await openLab(join(o.root, 'fs'), o.seed, fsBackend(join(o.root, 'fs')));
  closers.push(() => fs.close());
  const killFamilies = ['kill-point', 'random-kill'].filter((f) => wanted(o, f));
  if (killFamilies.length && o.kills > 0) {
    const kills = await planKills(fs, { seed: o.seed, kills: o.kills, commands: o.commands, exclude: o.exclude, maxPointsPerCommand: o.maxPointsPerCommand, log });
    plan.push(...kills.filter((k) => killFamilies.includes(k.family)));
  }
  if (wanted(o, 'flip') && o.flipsPerKind > 0) plan.push(...planFlips(fs, o.seed, o.flipsPerKind).filter((p) => !o.exclude?.(p.id)));
  if (wanted(o, 'concurrency')) plan.push(...(await planConcurrency(fs, o.seed, o.rounds, o.exclude)));
  if (o.s3Kills > 0 || o.s3Rounds > 0) {
    log('starting versitygw and the fault proxy for the S3 trials');
    const s3 = await openLab(join(o.root, 's3'), o.seed, await s3Backend(o.seed));
    closers.push(() => s3.close());
    if (o.s3Kills > 0 && killFamilies.length)
      plan.push(...(await planKills(s3, { seed: o.seed, kills: o.s3Kills, commands: o.commands, exclude: o.exclude, maxPointsPerCommand: o.maxPointsPerCommand, log })).filter((k) => killFamilies.includes(k.family)));
    if (wanted(o, 'concurrency')) plan.push(...(await planConcurrency(s3, o.seed, o.s3Rounds, o.exclude)));
  }
  const all = interleave([...groups.values()]);
  const chosen = selectTrials(all, o.only);
  log(`planned ${all.length} trials${o.only ? `, running ${chosen.length} (--only ${o.only})` : ''}`);
  const results = await runPlanned(chosen, o.jobs, log, o.minutes ? o.started + o.minutes * 60_000 : Infinity);
  for (const c of closers) await c();
  const { log: _l, root: _r, exclude: _e, started: _s, ...options } = o;
  return {
    seed: o.seed,
    options,
    planned: chosen.length,
    tally: tally(results),
    results: results.map((r) => {
      const p = problems(r);
      const known = p.length ? knownFailure(r.id, p) : undefined;
      return { ...r, problems: p, ...(known ? { known: known.why } : {}) };
    }),
  };
}
