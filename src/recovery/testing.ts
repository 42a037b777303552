/**
 * Test helpers for recovery: a repository and a catalog that lived through a small story — the
 * shop ran v1 and was backed up, ran v2 and was backed up again; a real Bandit report judges v2
 * (B602 shell=True, high) and the same report with its high results fixed judges v1; a medium
 * finding was dismissed, a restore verified, a certificate issued, an incident journaled.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initRepository, Repository, runBackup } from '../backup/index.js';
import { Catalog } from '../catalog/index.js';
import { EvidenceStore } from '../catalog/evidence.js';
import { IncidentStore } from '../catalog/incidents.js';
import { systemClock } from '../platform/clock.js';
import { chooseRestorePoint } from '../policy/restore-point.js';
import { gatherChooseInput } from '../policy/restore-point-evidence.js';
import { dismissFinding, ingestBytes, type VerdictTarget } from '../sast/index.js';
import { openBlobStore } from '../storage/index.js';

process.env.HOLDFAST_TEST_FAST_KDF = '1';
export const password = 'correct horse battery staple';
export const v1 = 'c1ea000000000000000000000000000000000001';
export const v2 = 'bad0000000000000000000000000000000000002';
export const digest = (c: string) => 'sha256:' + c.slice(-1).repeat(64);

const fixture = new URL('../../test/fixtures/sast/conformance/bandit-py-notes.sarif.json', import.meta.url).pathname;

/** The real Bandit report, and the same report with its high-severity results fixed. */
export function banditFixture(): { vuln: Buffer; clean: Buffer } {
  const vuln = readFileSync(fixture);
  const log = JSON.parse(vuln.toString()) as { runs: { results: { properties?: { issue_severity?: string } }[] }[] };
  for (const run of log.runs) run.results = run.results.filter((r) => r.properties?.issue_severity !== 'HIGH');
  return { vuln, clean: Buffer.from(JSON.stringify(log)) };
}

export interface Story {
  dir: string;
  repoPath: string;
  catalogPath: string;
  repo(): Promise<Repository>;
  open(path?: string): Catalog;
  dispose(): void;
}

export async function newStory(): Promise<Story> {
  const dir = mkdtempSync(join(tmpdir(), 'holdfast-rebuild-'));
  const repoPath = join(dir, 'repo');
  const data = join(dir, 'data');
  mkdirSync(data);
  await initRepository(await openBlobStore(repoPath), password);
  const s: Story = {
    dir,
    repoPath,
    catalogPath: join(dir, 'catalog.db'),
    repo: async () => Repository.open(await openBlobStore(repoPath), password),
    open: (path = s.catalogPath) => Catalog.open(path),
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
  const c = s.open();
  try {
    const backup = async (commit: string, tag: string) => {
      writeFileSync(join(data, 'orders.txt'), `written by ${commit}\n`);
      const provenance = { volume: 'shop-data', workloads: [{ workload: 'shop', commit, imageDigest: digest(commit) }], hooks: [], labels: {} };
      const r = await runBackup(await s.repo(), { source: data, tags: [tag], provenance });
      // As the scheduled backup records it: with the change signals and their judgement.
      c.restorePoints.record({ repository: repoPath, snapshotId: r.snapshotId, time: new Date(r.snapshot.time), volume: 'shop-data', tags: [tag], provenance, signals: r.snapshot.signals, suspicion: r.snapshot.suspicion });
    };
    const pause = () => new Promise((r) => setTimeout(r, 5));
    c.deployments.record({ workload: 'shop', commit: v1, imageDigest: digest(v1), at: new Date(Date.now() - 60_000), volumes: ['shop-data'] });
    await backup(v1, 'v1');
    await pause();
    c.deployments.record({ workload: 'shop', commit: v2, imageDigest: digest(v2), at: new Date(), volumes: ['shop-data'] });
    await pause();
    await backup(v2, 'v2');
    const reports = banditFixture();
    const env = (commit: string) => ({ repository: 'github.com/acme/notes', commit, ref: 'main', imageDigests: [digest(commit)] });
    ingestBytes(reports.vuln, env(v2), { catalog: c, clock: systemClock, name: 'bandit-v2.sarif', actor: 'test' });
    ingestBytes(reports.clean, { ...env(v1), scanTime: '2026-01-01T00:00:00Z' }, { catalog: c, clock: systemClock, name: 'bandit-v1.sarif', actor: 'test' });
    const medium = c.sast.listFindings({ severities: ['medium'] })[0]!;
    dismissFinding(c, systemClock, { id: medium.id, reason: 'false-positive', comment: 'constant input', actor: 'test' });
    const evidence = new EvidenceStore(c.db);
    evidence.addVerification({ snapshotId: c.restorePoints.list()[0]!.snapshotId, volume: 'shop-data', runId: undefined, time: new Date(), result: 'passed', bytes: 42, files: 1, restoreMs: 12, checkExit: 0, message: 'restored and checked' });
    evidence.addCertificateEvent({ name: 'shop-tls', time: new Date(), action: 'issued', serial: '0a1b', fingerprint: 'ab:cd', notAfter: new Date(Date.now() + 3_600_000), message: 'first certificate' });
    const incidents = new IncidentStore(c.db, () => new Date());
    incidents.create({ id: 'inc-test-1', playbook: 'restore-secure-and-rotate', volume: 'shop-data', status: 'running', configFile: '/etc/holdfast.yaml', params: { volume: 'shop-data' }, runnerPid: process.pid, steps: [{ step: 'assess', uses: 'assess' }, { step: 'choose', uses: 'choose-restore-point' }] });
    incidents.startStep('inc-test-1', 'assess');
    incidents.completeStep('inc-test-1', 'assess', { affected: 1 });
    incidents.setStatus('inc-test-1', 'aborted', { runnerPid: null, message: 'aborted by the test' });
  } finally {
    c.close();
  }
  return s;
}

/** What `restore-point choose --json` prints for this catalog and target. */
export function chooseJson(c: Catalog, target: VerdictTarget): string {
  return JSON.stringify(chooseRestorePoint(gatherChooseInput(c, 'shop-data', target)), null, 2);
}

/** The B602 finding (shell=True, high) the story's v2 report holds. */
export const b602 = (c: Catalog) => c.sast.listFindings().find((f) => f.ruleId === 'B602')!.id;
