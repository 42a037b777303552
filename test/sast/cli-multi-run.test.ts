/**
 * End to end from the command line with a report of two runs of one tool (Snyk Container's shape):
 * the vulnerable image's OpenSSL finding is in run 0 only. Were the runs compared with each other,
 * run 1 would mark it fixed, the image would look clean, and the choice would restore the backup
 * that image wrote.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { snykContainer } from '../../src/sast/testing.js';
import { cleanThenVulnerable, cliDir, digest, ok } from './cli.js';

const clean = 'c1ea000000000000000000000000000000000003';
const vulnerable = 'bad0000000000000000000000000000000000004';

test('restore-point choose with two-run Snyk Container reports picks the backup written before the vulnerable image', () => {
  const dir = cliDir('holdfast-e2e-multirun-');
  try {
    cleanThenVulnerable(dir, clean, vulnerable);
    writeFileSync(join(dir, 'clean.sarif'), snykContainer('clean'));
    writeFileSync(join(dir, 'vulnerable.sarif'), snykContainer('vulnerable'));
    const env = ['--repository', 'github.com/acme/shop', '--ref', 'refs/heads/main'];
    ok(dir, ['sast', 'ingest', 'clean.sarif', ...env, '--commit', clean, '--image-digest', digest('1'), '--scan-time', '2026-01-01T00:00:00Z']);
    const out = ok(dir, ['sast', 'ingest', 'vulnerable.sarif', ...env, '--commit', vulnerable, '--image-digest', digest('2'), '--scan-time', '2026-01-02T00:00:00Z']);
    assert.match(out, /Snyk Container \(snyk-container, runs 0\+1 merged\): complete, 3 result\(s\): 1 new, 2 unchanged, 0 reopened, 0 fixed/);

    assert.match(ok(dir, ['sast', 'verdict', digest('2'), '--severity', 'high']), /VULNERABLE/);
    const snaps = JSON.parse(ok(dir, ['snapshots', '--json'])) as { id: string; tags: string[] }[];
    const before = snaps.find((s) => s.tags.includes('before'))!.id;
    const c = JSON.parse(ok(dir, ['restore-point', 'choose', '--volume', 'shop-data', '--severity', 'high', '--json']));
    assert.equal(c.decision, 'chosen');
    assert.equal(c.snapshotId, before);
    assert.equal(c.exposure.version, vulnerable.slice(0, 12));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
