/**
 * The seeded campaign: builds a lab per backend, plans every trial from the seed (the list of
 * fault points comes from traced runs, so it follows the code), runs them a few at a time, and
 * tallies. A trial is named by its id and numbered; `--seed S --only <id or #n>` runs just that one.
 */
import { seededRandom } from '../harness/fault-proxy.js';
import { COMMANDS, rerun, type CommandSpec } from './commands.js';
import type { Lab } from './lab.js';
import { killTrial, problems, tracePoints, type Family, type TrialResult } from './trials.js';

export interface Planned {
  id: string;
  family: Family;
  run(): Promise<TrialResult>;
}

export interface KillPlanOptions {
  seed: number;
  /** Kill budget for this lab: named points first (all of them when they fit), seeded random times for the rest. */
  kills: number;
  /** At least this share of the budget goes to random-time kills. */
  randomShare?: number;
  commands?: string[];
  /** Random-time kills only (S3: every fs fault point is also an S3 put, so points add little there). */
  randomOnly?: boolean;
  /** Leave these trials out of the plan (the CI slice leaves out known failures). */
  exclude?: (id: string) => boolean;
  /** At most this many named points per command, spread evenly (the CI slice keeps it short). */
  maxPointsPerCommand?: number;
  log?: (line: string) => void;
}

/** A seeded stream per purpose, so adding trials of one kind does not shift another's draws. */
export const streamFor = (seed: number, purpose: string) => {
  let h = seed >>> 0;
  for (const ch of purpose) h = Math.imul(h ^ ch.charCodeAt(0), 0x9e3779b1) >>> 0;
  return seededRandom(h);
};

/** Picks `n` of `items` spread evenly, starting at a seeded offset (all when n ≥ length). */
export function sample<T>(items: T[], n: number, random: () => number): T[] {
  if (n >= items.length) return items;
  const step = items.length / n;
  const start = random() * step;
  return Array.from({ length: n }, (_, i) => items[Math.floor(start + i * step)]!);
}

/** The first item of each list, then the second of each, and so on. */
export function roundRobin<T>(lists: readonly T[][]): T[] {
  const out: T[] = [];
  for (let i = 0; lists.some((l) => i < l.length); i++) for (const l of lists) if (i < l.length) out.push(l[i]!);
  return out;
}

export async function planKills(lab: Lab, o: KillPlanOptions): Promise<Planned[]> {
  // S3 prunes with --grace 0s (lab.pruneArgs): object dates cannot be set back past the grace period.
  const adjust = (c: CommandSpec): CommandSpec => (c.name === 'prune' ? { ...c, prepare: () => lab.pruneArgs, recover: (ctx) => rerun(ctx, lab.pruneArgs) } : c);
  const specs = COMMANDS.filter((c) => !o.commands || o.commands.includes(c.name)).map(adjust);
  const perCommand: Planned[][] = [];
  const durations = new Map<string, number>();
  for (const spec of specs) {
    const { hits, run } = await tracePoints(lab, spec);
    durations.set(spec.name, run.ms);
    o.log?.(`${lab.backend} ${spec.name}: ${hits.length} fault points reached (${[...new Set(hits.map((h) => h.point))].join(', ')})`);
    if (o.randomOnly) continue;
    const mine: Planned[] = [];
    for (const h of hits) {
      const id = `${lab.backend}/kill-point/${spec.name}/${h.point}@${h.nth}`;
      if (!o.exclude?.(id)) mine.push({ id, family: 'kill-point', run: () => killTrial(lab, spec, h, id, 'kill-point') });
    }
    perCommand.push(sample(mine, o.maxPointsPerCommand ?? Infinity, streamFor(o.seed, `${lab.backend}:points:${spec.name}`)));
  }
  const minRandom = Math.ceil(o.kills * (o.randomShare ?? 0.25));
  // Every command's first point before any command's second: a slice with fewer trials than points
  // still kills as many commands as it has trials (an even spread over all the points skipped whole
  // commands whenever another command gained a point).
  const points = roundRobin(perCommand).slice(0, Math.max(0, o.kills - minRandom));
  const random = streamFor(o.seed, `${lab.backend}:random-kill`);
  const randomTrials: Planned[] = [];
  const eligible = specs.filter((s) => !o.exclude?.(`${lab.backend}/random-kill/${s.name}/`));
  for (let i = 0; eligible.length && randomTrials.length < o.kills - points.length; i++) {
    const spec = eligible[i % eligible.length]!;
    // Seeded from the seed and trial alone (not from measured durations), so a trial keeps its
    // delay across runs; a delay reaches across start-up into the command's work.
    const d = durations.get(spec.name) ?? 1000;
    const afterMs = Math.round(d * (0.2 + 0.75 * random()));
    const id = `${lab.backend}/random-kill/${spec.name}/#${i}`;
    randomTrials.push({ id, family: 'random-kill', run: () => killTrial(lab, spec, { afterMs }, id, 'random-kill') });
  }
  return [...points, ...randomTrials];
}

/**
 * Merges groups of trials round-robin, so a campaign cut short by its time limit has run some of
 * every kind rather than all of the first.
 */
export function interleave<T>(groups: T[][]): T[] {
  const out: T[] = [];
  for (let i = 0; out.length < groups.reduce((a, g) => a + g.length, 0); i++) for (const g of groups) if (i < g.length) out.push(g[i]!);
  return out;
}

/**
 * Runs planned trials `jobs` at a time, logging one line per trial (and its problems). After
 * `deadline` (ms since the epoch) no trial starts; the ones not run are left out of the results.
 */
export async function runPlanned(plan: Planned[], jobs: number, log: (line: string) => void, deadline = Infinity): Promise<TrialResult[]> {
  const results: TrialResult[] = new Array(plan.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < plan.length && Date.now() < deadline; i = next++) {
      const p = plan[i]!;
      let r: TrialResult;
      try {
        r = await p.run();
      } catch (e) {
        r = {
          id: p.id,
          family: p.family,
          backend: p.id.startsWith('s3/') ? 's3' : 'fs',
          command: p.id.split('/')[2] ?? '?',
          detail: 'the trial itself failed',
          killed: false,
          runs: [],
          verdict: { lost: [], silentWrong: [], notes: [`trial error: ${e instanceof Error ? e.message : String(e)}`] },
          ms: 0,
        };
      }
      results[i] = r;
      const bad = problems(r);
      log(`[#${i + 1}/${plan.length}] ${r.id} ${r.killed ? 'killed' : 'not killed'} — ${bad.length ? 'FAIL' : 'ok'} (${(r.ms / 1000).toFixed(1)}s)`);
      for (const b of bad) log(`    ${b}`);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, jobs) }, worker));
  const ran = results.filter(Boolean);
  if (ran.length < plan.length) log(`time limit reached: ran ${ran.length} of ${plan.length} planned trials`);
  return ran;
}
