/** One campaign: the filesystem lab (kills, flips, concurrency), then the S3 lab, then the tally. */
import { join } from 'node:path';
import { planKills, runPlanned, type Planned } from './campaign.js';
import { fsBackend, openLab } from './lab.js';
import { tally, type Tally } from './tally.js';
import { problems, type TrialResult } from './trials.js';
import { knownFailure } from './known-failing.js';

export interface CampaignOptions {
  seed: number;
  root: string;
  kills: number;
  s3Kills: number;
  flipsPerKind: number;
  rounds: number;
  jobs: number;
  commands?: string[];
  families?: string[];
  only?: string;
  /** Leave these trials out (the CI slice leaves out known failures). */
  exclude?: (id: string) => boolean;
  maxPointsPerCommand?: number;
  log: (line: string) => void;
}

export interface CampaignReport {
  seed: number;
  options: Omit<CampaignOptions, 'log' | 'root'>;
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
  const plan: Planned[] = [];
  const closers: (() => Promise<void>)[] = [];
  const fs = await openLab(join(o.root, 'fs'), o.seed, fsBackend(join(o.root, 'fs')));
  closers.push(() => fs.close());
  const killFamilies = ['kill-point', 'random-kill'].filter((f) => wanted(o, f));
  if (killFamilies.length && o.kills > 0) {
    const kills = await planKills(fs, { seed: o.seed, kills: o.kills, commands: o.commands, exclude: o.exclude, maxPointsPerCommand: o.maxPointsPerCommand, log });
    plan.push(...kills.filter((k) => killFamilies.includes(k.family)));
  }
  const chosen = selectTrials(plan, o.only);
  log(`planned ${plan.length} trials${o.only ? `, running ${chosen.length} (--only ${o.only})` : ''}`);
  const results = await runPlanned(chosen, o.jobs, log);
  for (const c of closers) await c();
  const { log: _l, root: _r, exclude: _e, ...options } = o;
  return {
    seed: o.seed,
    options,
    tally: tally(results),
    results: results.map((r) => ({ ...r, problems: problems(r), ...(knownFailure(r.id) && problems(r).length ? { known: knownFailure(r.id)!.why } : {}) })),
  };
}
