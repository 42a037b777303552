/**
 * The CI slice of the reliability campaign (the full run is scripts/reliability.mjs): with a fixed
 * seed, kill -9 the real binary at a few named fault points of each command and at a few seeded
 * random times, recover as a user would, and require every invariant: nothing lost, the repository
 * opens, `check --read-data` passes, a new backup restores. Known failures of issue 19 are left out
 * here (known-failing.ts) and kept in the full run.
 */
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { knownFailure } from './known-failing.js';
import { runCampaign } from './run-campaign.js';

const SEED = 20261207;
let root: string;
before(() => {
  root = mkdtempSync(join(tmpdir(), 'hf-reliability-ci-'));
});
after(() => rmSync(root, { recursive: true, force: true }));

it(`kill -9 at named points and random times of backup, forget, prune, key and init loses nothing (seed ${SEED})`, async () => {
  const lines: string[] = [];
  const report = await runCampaign({
    seed: SEED,
    root,
    kills: 14,
    maxPointsPerCommand: 2,
    s3Kills: 0,
    flipsPerKind: 0,
    rounds: 0,
    jobs: 2,
    families: ['kill-point', 'random-kill'],
    exclude: (id) => !!knownFailure(id),
    log: (l) => lines.push(l),
  });
  const failed = report.results.filter((r) => r.problems.length).map((r) => `${r.id}: ${r.problems.join('; ')}`);
  assert.deepEqual(failed, [], `seed ${SEED}; reproduce one with: node scripts/reliability.mjs --seed ${SEED} --only '<id>'\n${lines.join('\n')}`);
  assert.ok(report.tally.total.kills >= 12, `only ${report.tally.total.kills} of the trials killed their process:\n${lines.join('\n')}`);
  for (const command of ['backup', 'prune', 'key passwd']) assert.ok(report.results.some((r) => r.command === command && r.killed), `no kill of ${command}`);
});
