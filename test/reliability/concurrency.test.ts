/**
 * The CI slice of the concurrency campaign: a backup paused at one of its steps while prune runs
 * to completion, and prune paused while a backup (of the very tree whose blobs it condemns), a
 * restore and a check run; then on S3 (versitygw behind the fault proxy) random kills and a round.
 * Every snapshot must restore afterwards and `check --read-data` pass.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { CI_SEED, runSlice } from './slice.js';

it(`backup, prune, restore and check on one repository at once lose nothing, on a directory and on S3 (seed ${CI_SEED})`, async () => {
  const { report, failed, log } = await runSlice({
    rounds: 2,
    s3Kills: 1,
    s3Rounds: 1,
    commands: ['backup', 'forget'],
    families: ['concurrency', 'random-kill', 'kill-point'],
  });
  assert.deepEqual(failed, [], log);
  const kinds = new Set(report.results.map((r) => `${r.backend} ${r.family}`));
  for (const k of ['fs concurrency', 's3 concurrency']) assert.ok(kinds.has(k), `no ${k} trial ran:\n${log}`);
  assert.ok(report.results.some((r) => r.backend === 's3' && r.killed), `no kill on S3:\n${log}`);
});
