/**
 * The full reliability campaign (run by scripts/reliability.mjs): prints the seed first, a line per
 * trial, the table, and writes everything to bench/out/reliability-<seed>.json.
 *
 *   --seed N          seed (default: random, printed)
 *   --kills N         kill trials on the filesystem (named points first, then random times); default 200
 *   --s3-kills N      random-time kills on S3 (versitygw behind the fault proxy); default 24, 0 to skip S3
 *   --flips N         bit flips per kind of repository file; default 3
 *   --rounds N        concurrency rounds on the filesystem; default 6
 *   --s3-rounds N     concurrency rounds on S3; default 3
 *   --jobs N          trials at once; default 2
 *   --commands a,b    only these commands (e.g. "backup,prune")
 *   --families a,b    only these families (kill-point, random-kill, flip, concurrency)
 *   --only S          only trials whose id contains S, or "#n" for the nth trial of the plan
 *   --minutes N       start no trial after N minutes (the rest is reported as not run)
 *   --keep            keep the work directory
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runCampaign } from './run-campaign.js';
import { formatTally } from './tally.js';

const { values } = parseArgs({
  options: {
    seed: { type: 'string' },
    kills: { type: 'string', default: '200' },
    's3-kills': { type: 'string', default: '24' },
    flips: { type: 'string', default: '3' },
    rounds: { type: 'string', default: '6' },
    's3-rounds': { type: 'string', default: '3' },
    jobs: { type: 'string', default: '2' },
    commands: { type: 'string' },
    families: { type: 'string' },
    only: { type: 'string' },
    keep: { type: 'boolean', default: false },
    minutes: { type: 'string' },
  },
});
const seed = values.seed !== undefined ? Number(values.seed) : Math.floor(Math.random() * 2 ** 31);
const root = mkdtempSync(join(tmpdir(), `hf-reliability-${seed}-`));
console.log(`reliability campaign: seed ${seed} (reproduce any trial: node scripts/reliability.mjs --seed ${seed} --only '<trial id>')`);
console.log(`work directory: ${root}`);
const t0 = Date.now();
const report = await runCampaign({
  seed,
  root,
  kills: Number(values.kills),
  s3Kills: Number(values['s3-kills']),
  flipsPerKind: Number(values.flips),
  rounds: Number(values.rounds),
  s3Rounds: Number(values['s3-rounds']),
  jobs: Number(values.jobs),
  started: t0,
  ...(values.minutes ? { minutes: Number(values.minutes) } : {}),
  ...(values.commands ? { commands: values.commands.split(',') } : {}),
  ...(values.families ? { families: values.families.split(',') } : {}),
  ...(values.only ? { only: values.only } : {}),
  log: (l) => console.log(l),
});
console.log('');
console.log(formatTally(report.tally));
if (report.results.length < report.planned) console.log(`(time limit: ${report.results.length} of ${report.planned} planned trials ran)`);
const failed = report.results.filter((r) => r.problems.length);
if (failed.length) {
  console.log(`\n${failed.length} failed trial(s) (seed ${seed}):`);
  for (const f of failed) console.log(`  ${f.id}${f.known ? ` [known: ${f.known}]` : ' [NEW]'}\n    ${f.problems.join('\n    ')}`);
}
const outDir = join(import.meta.dirname, '..', '..', 'bench', 'out');
mkdirSync(outDir, { recursive: true });
const file = join(outDir, `reliability-${seed}.json`);
writeFileSync(file, JSON.stringify({ ...report, minutes: (Date.now() - t0) / 60_000 }, null, 2));
console.log(`\nwrote ${file} (${((Date.now() - t0) / 60_000).toFixed(1)} min)`);
if (!values.keep) rmSync(root, { recursive: true, force: true });
process.exit(failed.length ? 1 : 0);
