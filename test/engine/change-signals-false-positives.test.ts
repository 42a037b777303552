/**
 * False positives of the ransomware signals, measured on ordinary churn: 30 daily backups of a
 * log-heavy volume (six services appending, weekly rotation, gzipped archives) and 30 backups of a
 * real PostgreSQL data directory between pgbench runs (the server stays up, as in production). No
 * backup may be marked suspicious. Each test prints what it measured (t.diagnostic) for
 * docs/ransomware-signals.md.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it, type TestContext } from 'node:test';
import { gzipSync } from 'node:zlib';
import { initRepository, Repository, runBackup, type Snapshot } from '../../src/backup/index.js';
import { incompressibleShare, rewrittenShare, topRename } from '../../src/policy/change-signals.js';
import { FsBlobStore } from '../../src/storage/fs/fs-store.js';
import { logsDay } from '../harness/volume-churn.js';

const work = mkdtempSync(join(tmpdir(), 'hf-fp-'));
after(() => rmSync(work, { recursive: true, force: true }));

async function freshRepo(name: string): Promise<Repository> {
  const store = new FsBlobStore(join(work, name));
  await initRepository(store, 'pw', { kdf: { N: 1 << 10, r: 8, p: 1 } });
  return Repository.open(store, 'pw');
}

/** What a series of backups measured, in one line for the docs, and the suspicious ones. */
function measure(t: TestContext, label: string, snaps: Snapshot[]): Snapshot[] {
  const judged = snaps.filter((s) => s.suspicion?.verdict !== 'unjudged');
  const sig = snaps.map((s) => s.signals!).filter((s) => !s.initial);
  const pct = (x: number) => `${Math.round(x * 100)}%`;
  const inc = sig.map(incompressibleShare).filter((x): x is number => x !== undefined);
  const renames = sig.map(topRename).filter((x) => x !== undefined);
  t.diagnostic(
    `${label}: ${snaps.length} backups, ${judged.length} judged, ${snaps.filter((s) => s.suspicion?.verdict === 'suspicious').length} suspicious; ` +
      `rewritten share max ${pct(Math.max(...sig.map(rewrittenShare)))}, incompressible share of new data max ${pct(Math.max(0, ...inc))}, ` +
      `largest rename burst ${renames.length ? Math.max(...renames.map((r) => r.count)) : 0}, new bytes per backup max ${Math.max(...sig.map((s) => s.bytesNew))}`,
  );
  return snaps.filter((s) => s.suspicion?.verdict === 'suspicious');
}

describe('ransomware signals on ordinary churn', () => {
  it('mark none of 30 daily backups of a log-heavy volume suspicious (appends, weekly rotation, gzipped archives)', async (t) => {
    const repo = await freshRepo('logs-repo');
    const src = join(work, 'logs');
    mkdirSync(src);
    const snaps: Snapshot[] = [];
    for (let day = 0; day < 30; day++) {
      logsDay(src, day, (b) => gzipSync(b));
      snaps.push((await runBackup(repo, { source: src, provenance: { volume: 'logs' } })).snapshot);
    }
    const bad = measure(t, 'log-heavy volume', snaps);
    assert.equal(snaps.filter((s) => s.suspicion?.verdict === 'normal').length, 24, 'every backup after the learning period was judged');
    assert.deepEqual(bad.map((s) => s.suspicion!.reasons), []);
  });

  it('mark none of 30 backups of a live PostgreSQL data directory between pgbench runs suspicious', async (t) => {
    const bin = readdirSync('/usr/lib/postgresql', { withFileTypes: true }).map((d) => join('/usr/lib/postgresql', d.name, 'bin')).find((b) => existsSync(join(b, 'pgbench')));
    assert.ok(bin, 'PostgreSQL is not prepared: scripts/prepare/00-debian.sh installs the postgresql package (server and pgbench)');
    // PostgreSQL refuses to run as root: as root, run it as the postgres user the package creates.
    const asRoot = process.getuid?.() === 0;
    const pg = (cmd: string, args: string[]) =>
      execFileSync(asRoot ? 'runuser' : join(bin, cmd), asRoot ? ['-u', 'postgres', '--', join(bin, cmd), ...args] : args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: '/' }).toString();
    const home = join(work, 'pg');
    const data = join(home, 'data');
    mkdirSync(home);
    chmodSync(work, 0o755);
    if (asRoot) {
      const [uid, gid] = execFileSync('id', ['-u', 'postgres']).toString().trim().concat(' ', execFileSync('id', ['-g', 'postgres']).toString().trim()).split(' ').map(Number);
      chownSync(home, uid!, gid!);
    }
    const port = String(20000 + (process.pid % 20000));
    pg('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync']);
    pg('pg_ctl', ['start', '-D', data, '-w', '-l', join(home, 'server.log'), '-o', `-k ${home} -p ${port} -c listen_addresses=''`]);
    try {
      const conn = ['-h', home, '-p', port, '-U', 'postgres'];
      pg('pgbench', [...conn, '-i', '-s', '2', '-q', 'postgres']);
      const repo = await freshRepo('pg-repo');
      const snaps: Snapshot[] = [];
      for (let i = 0; i < 30; i++) {
        pg('pgbench', [...conn, '-n', '-c', '2', '-t', '400', 'postgres']);
        pg('psql', [...conn, '-q', '-c', 'CHECKPOINT', 'postgres']);
        snaps.push((await runBackup(repo, { source: data, provenance: { volume: 'pg' }, onWarning: () => {} })).snapshot);
      }
      const bad = measure(t, 'PostgreSQL under pgbench', snaps);
      assert.equal(snaps.filter((s) => s.suspicion?.verdict === 'normal').length, 24, 'every backup after the learning period was judged');
      assert.deepEqual(bad.map((s) => s.suspicion!.reasons), []);
    } finally {
      pg('pg_ctl', ['stop', '-D', data, '-m', 'fast', '-w']);
    }
  });
});
