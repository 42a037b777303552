/**
 * The Incident half of cli-multi-run.test.ts: the same timeline and the same two-run Snyk Container
 * reports (the OpenSSL finding in run 0 only), but the restore point is the one an Incident chooses:
 * the proposal `sast ingest --config` makes for the new finding (serve's upload trigger) and
 * `holdfast incident plan` for it. Were the runs compared with each other, run 1 would mark the
 * finding fixed in the very report that found it: nothing would be proposed, and the plan would
 * restore the backup the vulnerable image wrote.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { snykContainer } from '../../src/sast/testing.js';
import { cleanThenVulnerable, cliDir, digest, ok } from './cli.js';

const clean = 'c1ea000000000000000000000000000000000005';
const vulnerable = 'bad0000000000000000000000000000000000006';

test('an incident for a finding of a two-run Snyk Container report restores the backup written before the vulnerable image', () => {
  const dir = cliDir('holdfast-e2e-multirun-incident-');
  try {
    cleanThenVulnerable(dir, clean, vulnerable);
    writeFileSync(
      join(dir, 'holdfast.yaml'),
      `version: 1
server: { dataDir: ./holdfast }
repositories:
  local: { location: ./repo, password: { file: ./pw } }
volumes:
  shop-data: { path: ./data }
workloads:
  shop: { volumes: [shop-data], start: "true" }
backupPolicies:
  shop: { repository: local, volumes: [shop-data], schedule: "0 * * * *" }
`,
    );
    writeFileSync(join(dir, 'clean.sarif'), snykContainer('clean'));
    writeFileSync(join(dir, 'vulnerable.sarif'), snykContainer('vulnerable'));
    const env = ['--repository', 'github.com/acme/shop', '--ref', 'refs/heads/main'];
    ok(dir, ['sast', 'ingest', 'clean.sarif', ...env, '--commit', clean, '--image-digest', digest('1'), '--scan-time', '2026-01-01T00:00:00Z']);
    // With --config, as holdfast serve's upload: the new high finding in the deployed image proposes an incident.
    const ingested = JSON.parse(ok(dir, ['sast', 'ingest', 'vulnerable.sarif', ...env, '--commit', vulnerable, '--image-digest', digest('2'), '--scan-time', '2026-01-02T00:00:00Z', '--config', 'holdfast.yaml', '--json'])) as {
      incidents: { proposed: { id: string; findingId: string; message: string }[] };
    };
    const findings = JSON.parse(ok(dir, ['sast', 'findings', '--json'])) as { id: string; ruleId: string }[];
    const ssl = findings.find((f) => f.ruleId === 'SNYK-DEBIAN12-OPENSSL-5788364')!;
    const snaps = JSON.parse(ok(dir, ['snapshots', '--json'])) as { id: string; tags: string[] }[];
    const before = snaps.find((s) => s.tags.includes('before'))!.id;
    assert.deepEqual(ingested.incidents.proposed.map((p) => p.findingId), [ssl.id], JSON.stringify(ingested.incidents));
    assert.match(ingested.incidents.proposed[0]!.message, new RegExp(`restore point ${before}$`));

    const plan = JSON.parse(ok(dir, ['incident', 'plan', '--config', 'holdfast.yaml', '--catalog', join(dir, 'holdfast.db'), '--volume', 'shop-data', '--finding', ssl.id, '--json'])) as {
      choice: { decision: string; snapshotId: string; exposure: { version: string } };
    };
    assert.equal(plan.choice.decision, 'chosen');
    assert.equal(plan.choice.snapshotId, before);
    assert.equal(plan.choice.exposure.version, vulnerable.slice(0, 12));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
