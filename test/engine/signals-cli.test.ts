/**
 * Ransomware signals through the real `holdfast` binary: after a week of ordinary backups, the
 * backup of a ransomware pass says it is suspicious and why; `snapshots` marks it; and `forget`
 * keeps the clean snapshots before it whatever --keep-last says.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { listSnapshots, Repository, runBackup } from '../../src/backup/index.js';
import { openBlobStore } from '../../src/storage/index.js';
import { documentsDay, ransomwarePass, writeDocuments } from '../harness/volume-churn.js';
import { ok, PASSWORD } from './cli.js';

const work = mkdtempSync(join(tmpdir(), 'hf-signals-cli-'));
after(() => rmSync(work, { recursive: true, force: true }));

describe('holdfast CLI and ransomware signals', () => {
  it('backup says a ransomware pass is suspicious, snapshots marks it, forget keeps the clean snapshots before it', async () => {
    const repoDir = join(work, 'repo');
    const data = join(work, 'data');
    ok(repoDir, 'repo', 'init');
    writeDocuments(data, 150);
    // The week of history, in process (each CLI start costs seconds); the same engine and repository.
    const repo = await Repository.open(await openBlobStore(repoDir), PASSWORD);
    for (let d = 1; d <= 7; d++) {
      if (d > 1) documentsDay(data, d);
      await runBackup(repo, { source: data, provenance: { volume: 'docs' } });
    }
    const clean = (await listSnapshots(repo)).map((s) => s.id);

    const encrypted = ransomwarePass(data, 0.6);
    const backup = ok(repoDir, 'backup', data, '--volume', 'docs');
    assert.match(backup.out, new RegExp(`^suspicious: this backup is unlike the volume's history: .*${encrypted.length} files renamed to \\.locked with new content`, 'm'));

    const listed = ok(repoDir, 'snapshots', '--volume', 'docs');
    assert.match(listed.out, /signals/);
    assert.match(listed.out, new RegExp(`^suspicious [0-9a-f]{8}: .*${encrypted.length} files renamed to \\.locked`, 'm'));
    const json = JSON.parse(ok(repoDir, 'snapshots', '--json').out) as { id: string; suspicion?: { verdict: string }; signals?: { renamed: Record<string, number> }; signalHistory?: unknown }[];
    const last = json.at(-1)!;
    assert.equal(last.suspicion?.verdict, 'suspicious');
    assert.equal(last.signals?.renamed['.locked'], encrypted.length);
    assert.equal(last.signalHistory, undefined, 'the carried history is left out of the listing');

    const forget = JSON.parse(ok(repoDir, 'forget', '--keep-last', '1', '--keep-before-suspicious', '2', '--json').out) as { removed: string[] };
    const kept = (await listSnapshots(repo)).map((s) => s.id);
    assert.deepEqual(kept, [...clean.slice(-2), last.id]);
    assert.deepEqual(forget.removed.sort(), clean.slice(0, -2).sort());
  });
});
