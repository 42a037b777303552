/**
 * End to end from the command line: real backups with provenance (`holdfast backup --provenance`),
 * real Bandit reports for a clean and a vulnerable commit, deploy records, and
 * `holdfast restore-point choose` picking the clean restore point — or refusing, with the reason,
 * when a scan is missing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Checkout, bandit } from './scanners.js';
import { bin, cleanThenVulnerable, cli, cliDir, digest, ok } from './cli.js';

const clean = 'c1ea000000000000000000000000000000000001';
const vulnerable = 'bad0000000000000000000000000000000000002';

function setup() {
  const dir = cliDir('holdfast-e2e-');
  // Bandit on the vulnerable app, and on a copy with its high findings fixed.
  const co = new Checkout('py-notes');
  const vulnReport = bandit(co);
  co.write('notes.py', co.read('notes.py').replace(', shell=True)', ', shell=False)').replace('hashlib.md5(body).hexdigest()\n\n\ndef calc', 'hashlib.sha256(body).hexdigest()\n\n\ndef calc'));
  const cleanReport = bandit(co);
  co.dispose();
  writeFileSync(join(dir, 'vuln.sarif.gz'), gzipSync(vulnReport));
  writeFileSync(join(dir, 'clean.sarif'), cleanReport);
  cleanThenVulnerable(dir, clean, vulnerable);
  return dir;
}

test('restore-point choose picks the clean backup taken before the vulnerable version went live, and refuses without a scan', () => {
  const dir = setup();
  try {
    const snaps = JSON.parse(ok(dir, ['snapshots', '--json'])) as { id: string; tags: string[] }[];
    const before = snaps.find((s) => s.tags.includes('before'))!.id;

    // Only the vulnerable commit is scanned: the clean one's verdict is unknown, so the choice is refused.
    ok(dir, ['sast', 'ingest', 'vuln.sarif.gz', '--repository', 'github.com/acme/notes', '--commit', vulnerable, '--ref', 'refs/heads/main', '--image-digest', digest('2')]);
    const refused = cli(dir, ['restore-point', 'choose', '--volume', 'shop-data', '--severity', 'high']);
    assert.equal(refused.code, 6, refused.out + refused.err);
    assert.match(refused.out, /^refused: volume shop-data: cannot tell when findings at or above high went live: version c1ea00000000 deployed to shop at \S+: no successful scan/);
    const refusedJson = JSON.parse(cli(dir, ['restore-point', 'choose', '--volume', 'shop-data', '--json']).out);
    assert.equal(refusedJson.reason, 'unknown-deployment');
    assert.equal(refusedJson.unknown[0].link, 'deployment');

    // With the clean commit scanned too, the backup taken before the exposure is chosen, with its reasons.
    // (It was scanned before the vulnerable commit was; a late report changes no finding's state.)
    ok(dir, ['sast', 'ingest', '-', '--repository', 'github.com/acme/notes', '--commit', clean, '--ref', 'refs/heads/main', '--scan-time', '2026-01-01T00:00:00Z'], readFileSync(join(dir, 'clean.sarif')));
    const chosen = cli(dir, ['restore-point', 'choose', '--volume', 'shop-data', '--severity', 'high', '--json']);
    assert.equal(chosen.code, 0, chosen.err);
    const c = JSON.parse(chosen.out);
    assert.equal(c.decision, 'chosen');
    assert.equal(c.snapshotId, before);
    assert.equal(c.exposure.version, vulnerable.slice(0, 12));
    const words = ok(dir, ['restore-point', 'choose', '--volume', 'shop-data']);
    assert.match(words, new RegExp(`^chosen: volume shop-data: restore ${before} taken .* before bad000000000 went live on shop`));
    assert.match(words, /skipped|not candidates/);
    assert.match(ok(dir, ['restore-point', 'keep', '--volume', 'shop-data']), new RegExp(`keep ${before}`));

    // forget with the catalog: --keep-last 1 alone would drop the clean backup; the security hook keeps it.
    const plan = JSON.parse(ok(dir, ['forget', '--keep-last', '1', '--dry-run', '--json'])) as { removed: string[]; groups: { decisions: { id: string; reasons: string[] }[] }[] };
    assert.deepEqual(plan.removed, []);
    assert.ok(plan.groups[0]!.decisions.find((d) => d.id === before)!.reasons.some((r) => r.includes('known-good')));
    const noCatalog = spawnSync(process.execPath, [bin, 'forget', '--keep-last', '1', '--dry-run', '--json'], {
      cwd: dir, encoding: 'utf8', env: { ...process.env, HOLDFAST_CATALOG: '', HOLDFAST_PASSWORD_FILE: join(dir, 'pw'), HOLDFAST_REPO: join(dir, 'repo') },
    });
    assert.deepEqual(JSON.parse(noCatalog.stdout).removed, [before]);

    // The CLI around it: verdicts, findings, dismissal.
    assert.match(ok(dir, ['sast', 'verdict', digest('2')]), /VULNERABLE/);
    const findings = JSON.parse(ok(dir, ['sast', 'findings', '--severity', 'high', '--state', 'open', '--json'])) as { id: string; ruleId: string }[];
    assert.ok(findings.some((f) => f.ruleId === 'B602'));
    // SLA: with high findings due the day they are seen, the open ones are overdue; dismissed ones have no deadline.
    const due = JSON.parse(ok(dir, ['sast', 'findings', '--severity', 'high', '--state', 'open', '--sla', 'high=0', '--json'])) as { sla: string; slaMessage: string }[];
    assert.deepEqual([...new Set(due.map((f) => f.sla))], ['Overdue']);
    assert.match(due[0]!.slaMessage, /^overdue since .*: high findings are due within 0 days$/);
    assert.match(ok(dir, ['sast', 'findings', '--severity', 'high', '--sla', 'high=0']), /OVERDUE/);
    const badSla = cli(dir, ['sast', 'findings', '--sla', 'high=soon']);
    assert.equal(badSla.code, 2);
    assert.equal(badSla.err, 'holdfast: --sla high=soon: expected severity=days, e.g. high=30\n');
    for (const f of findings) ok(dir, ['sast', 'dismiss', f.id, '--reason', 'risk-accepted', '--comment', 'accepted for the test']);
    assert.match(ok(dir, ['sast', 'verdict', vulnerable]), /CLEAN/);
    const dismissed = JSON.parse(ok(dir, ['sast', 'findings', '--state', 'dismissed', '--sla', 'high=0', '--json'])) as { sla: string; dueAt?: string }[];
    assert.ok(dismissed.length >= findings.length);
    assert.ok(dismissed.every((f) => f.sla === 'Closed' && f.dueAt === undefined));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bad reports fail with one line and a non-zero exit, and leave nothing behind', () => {
  const dir = mkdtempSync(join(tmpdir(), 'holdfast-e2e-bad-'));
  try {
    writeFileSync(join(dir, 'pw'), 'x\n');
    writeFileSync(join(dir, 'not.json'), 'this is not json');
    writeFileSync(join(dir, 'twice.sarif'), '{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"T"}},"results":[{"ruleId":"R","level":"error","level":"note"}]}]}');
    writeFileSync(join(dir, 'latin1.sarif'), Buffer.concat([Buffer.from('{"version":"2.1.0","runs":[],"x":"caf'), Buffer.from([0xe9]), Buffer.from('"}')]));
    writeFileSync(join(dir, 'trunc.sarif.gz'), gzipSync(Buffer.from(JSON.stringify({ version: '2.1.0', runs: [] }))).subarray(0, 15));
    const env = ['--repository', 'github.com/acme/notes', '--ref', 'main'];
    const cases: [string[], number, RegExp][] = [
      [['not.json', '--commit', clean, ...env], 2, /^holdfast: ingest report not\.json: not JSON/],
      [['trunc.sarif.gz', '--commit', clean, ...env], 2, /^holdfast: read report trunc\.sarif\.gz: gzip data is damaged or truncated/],
      [['not.json', '--commit', 'HEAD', ...env], 2, /^holdfast: commit "head": not a commit/],
      [['missing.sarif', '--commit', clean, ...env], 4, /^holdfast: read report missing\.sarif: no such file/],
      [['twice.sarif', '--commit', clean, ...env], 2, /^holdfast: ingest report twice\.sarif: duplicate key "level" at byte 100 /],
      [['latin1.sarif', '--commit', clean, ...env], 2, /^holdfast: ingest report latin1\.sarif: not UTF-8: invalid byte 0xe9 at byte 37$/m],
      [['twice.sarif', '--commit', clean, ...env, '--max-size', '64'], 8, /^holdfast: read report twice\.sarif: larger than the 64 B limit \(raise it with --max-size\)$/m],
    ];
    for (const [args, code, re] of cases) {
      const r = cli(dir, ['sast', 'ingest', ...args]);
      // The ingest runs in a worker thread: its errors still end the CLI with the kind's exit code.
      assert.equal(r.code, code, r.err);
      assert.match(r.err, re);
      assert.equal(r.err.trim().split('\n').length, 1, r.err);
    }
    const list = JSON.parse(ok(dir, ['sast', 'findings', '--json']));
    assert.deepEqual(list, []);
    // restore-point record: a provenance that is not one is refused in one line; a good one is indexed.
    writeFileSync(join(dir, 'bad-prov.json'), JSON.stringify({ workloads: [{ workload: 'shop', commit: 'not-a-commit' }] }));
    const badProv = cli(dir, ['restore-point', 'record', '--snapshot', 's1', '--volume', 'v', '--time', '2026-01-01T00:00:00Z', '--provenance', 'bad-prov.json']);
    assert.equal(badProv.code, 2);
    assert.match(badProv.err, /^holdfast: read provenance bad-prov\.json: workloads\.0\.commit: commit must be 7 to 40 lowercase hex digits\n$/);
    writeFileSync(join(dir, 'prov.json'), JSON.stringify({ workloads: [{ workload: 'shop', commit: clean }] }));
    assert.match(ok(dir, ['restore-point', 'record', '--snapshot', 's1', '--volume', 'v', '--time', '2026-01-01T00:00:00Z', '--provenance', 'prov.json']), /recorded restore point s1 of v/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
