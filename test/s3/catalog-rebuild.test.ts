/**
 * Disaster recovery of the catalog from an S3 repository alone (issue 17), on the local platform:
 * the shop runs v1 and is backed up, runs v2 and is backed up, real Bandit reports judge v1 clean
 * and v2 vulnerable (test/playbook/harness.ts), the repository is synced and an incident planned.
 * Then the catalog is deleted and rebuilt from the bucket: `restore-point choose --json` and
 * `incident plan --json` print the same bytes as before, and the incident playbook runs on the
 * rebuilt catalog. A wrong password writes nothing; a report missing from the bucket is named and
 * its version stays unknown, so the choice refuses instead of guessing.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { readCatalogRecords } from '../../src/backup/index.js';
import { startS3Server, type S3TestServer } from '../harness/s3-server.js';
import { Story, v1 } from '../playbook/harness.js';

interface Summary {
  restorePoints: number;
  records: { read: number; rebuilt: Record<string, number> };
  missing: string[];
  skipped: string[];
  complete: boolean;
}

const removeCatalog = (path: string) => {
  for (const p of [path, `${path}-wal`, `${path}-shm`]) rmSync(p, { force: true });
};

describe('catalog rebuild from an S3 repository', () => {
  let s3: S3TestServer;
  let story: Story;
  let finding = '';
  let catalogPath = '';

  before(async () => {
    s3 = await startS3Server();
    // In-process opens and the CLI the story runs reach the bucket with these.
    Object.assign(process.env, s3.env());
    story = new Story({ repoLocation: s3.url(s3.buckets.plain, `rebuild-${randomBytes(4).toString('hex')}`) });
    catalogPath = join(story.dataDir, 'catalog.db');
    finding = await story.setUp();
  });
  after(async () => {
    await story?.dispose();
    await s3?.stop();
  });

  it('gives back the same restore-point choice and incident plan, byte for byte, and the playbook runs on it', async () => {
    const synced = story.ok(['restore-point', 'sync']);
    assert.match(synced, /indexed 2 restore point\(s\) from s3:.*; pushed \d+ catalog record\(s\) to it/);
    const choose = ['restore-point', 'choose', '--volume', 'shop-data', '--severity', 'high', '--json'];
    const plan = ['incident', 'plan', '--volume', 'shop-data', '--finding', finding, '--json'];
    const chosenBefore = story.ok(choose);
    const planBefore = story.ok(plan);
    assert.equal(JSON.parse(chosenBefore).decision, 'chosen');
    assert.equal(JSON.parse(chosenBefore).snapshotId, story.v1Snapshot);

    removeCatalog(catalogPath);
    const r = story.cli(['catalog', 'rebuild', '--json']);
    assert.equal(r.code, 0, r.err);
    const summary = JSON.parse(r.out) as Summary;
    assert.equal(summary.complete, true, JSON.stringify(summary));
    assert.equal(summary.restorePoints, 2);
    assert.equal(summary.records.rebuilt['sast-report'], 2);
    assert.equal(summary.records.rebuilt.deployment, 2);
    assert.match(r.err, /"msg":"read 2 snapshot\(s\)"/);

    assert.equal(story.ok(choose), chosenBefore);
    assert.equal(story.ok(plan), planBefore);

    // The playbook on the rebuilt catalog: the v1 data comes back, and the incident reaches the bucket.
    story.startClient();
    const run = await story.cliAsync(['incident', 'run', '--volume', 'shop-data', '--finding', finding, '--yes', '--json']).done;
    await story.client!.stop();
    assert.equal(run.code, 0, run.err);
    const incident = JSON.parse(run.out) as { id: string; status: string };
    assert.equal(incident.status, 'succeeded');
    assert.equal(readFileSync(join(story.data, 'items.jsonl'), 'utf8'), story.v1Items);
    const { records } = await readCatalogRecords(await story.repo());
    const journal = records.filter((x) => x.record.kind === 'incident' && (x.record.body.incident as { id: string }).id === incident.id);
    assert.ok(journal.length > 0, 'the incident journal is in the bucket');
    assert.match(story.ok(['catalog', 'push']), /^pushed 0 catalog record\(s\) to s3:/, 'the run pushed its own records');
    assert.ok(!records.some((x) => JSON.stringify(x.record).includes('PRIVATE KEY')), 'no private key in a catalog record');

    // And a second disaster, the data directory's reports lost too: the incident comes back with its outcome and its report.
    const reportFile = join(story.dataDir, 'incidents', incident.id, 'report.md');
    const report = readFileSync(reportFile, 'utf8');
    rmSync(reportFile);
    removeCatalog(catalogPath);
    const second = story.cli(['catalog', 'rebuild', '--json']);
    assert.equal(second.code, 0, second.err);
    assert.equal((JSON.parse(second.out) as Summary).records.rebuilt['incident-report'], 1);
    assert.equal(readFileSync(reportFile, 'utf8'), report);
    const status = JSON.parse(story.ok(['incident', 'status', incident.id, '--json'])) as { status: string; steps: { status: string }[] };
    assert.equal(status.status, 'succeeded');
    assert.ok(status.steps.every((x) => x.status === 'completed'));
  });

  it('refuses a wrong password with exit 3 and writes nothing', () => {
    writeFileSync(join(story.dir, 'wrong-pw'), 'not the password\n');
    const target = join(story.dir, 'wrong.db');
    const r = story.cli(['catalog', 'rebuild', '--catalog', target, '--password-file', join(story.dir, 'wrong-pw')]);
    assert.equal(r.code, 3, r.err);
    assert.match(r.err, /^holdfast: open repository s3:.*: wrong password/);
    assert.equal(r.err.trim().split('\n').length, 1);
    assert.equal(existsSync(target), false);
  });

  it('refuses to replace a catalog that holds records without --force', () => {
    const r = story.cli(['catalog', 'rebuild']);
    assert.equal(r.code, 6, r.err);
    assert.match(r.err, /already holds \d+ row\(s\).*nothing was written.*--force/);
  });

  it('names a report missing from the bucket and leaves its version unknown: the choice refuses', async () => {
    const repo = await story.repo();
    const { records } = await readCatalogRecords(repo);
    const v1Report = records.find((x) => x.record.kind === 'sast-report' && (x.record.body.envelope as { commit: string }).commit === v1)!;
    await repo.store.delete(v1Report.name);
    const target = join(story.dir, 'partial.db');
    const r = story.cli(['catalog', 'rebuild', '--catalog', target, '--json']);
    assert.equal(r.code, 0, r.err);
    const summary = JSON.parse(r.out) as Summary;
    assert.equal(summary.complete, false);
    assert.ok(summary.missing.some((m) => m.includes(`version ${v1.slice(0, 19)}`) && m.includes('verdict stays unknown')), summary.missing.join('\n'));
    const choice = story.cli(['restore-point', 'choose', '--catalog', target, '--volume', 'shop-data', '--severity', 'high', '--json']);
    assert.equal(choice.code, 6);
    assert.equal(JSON.parse(choice.out).decision, 'refused');
  });
});
