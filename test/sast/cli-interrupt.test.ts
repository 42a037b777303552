/**
 * Ctrl-C during `holdfast sast ingest`, as a user presses it: the real CLI process gets SIGINT
 * while it writes a large report. It must say so in one line and exit non-zero, leave the catalog
 * exactly as it was (no scan, no finding, no record of the report's digest, so a rerun is not
 * taken for "the same report") and no stray files, and the rerun must then ingest the report whole.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { commit1, commit2, result, sarifOf } from '../../src/sast/testing.js';
import { bin, ok } from './cli.js';

// Large enough that writing it takes seconds of CPU: the interrupt lands inside the transaction.
const results = 150_000;
const env = ['--repository', 'github.com/acme/shop', '--ref', 'refs/heads/main', '--json'];

/** Every row of every table, in a fixed order: "unchanged" means this is equal. */
function dump(db: string): Record<string, string[]> {
  const d = new Database(db, { fileMustExist: true });
  try {
    const tables = (d.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map((t) => t.name);
    return Object.fromEntries(tables.map((t) => [t, d.prepare(`SELECT * FROM "${t}"`).all().map((row) => JSON.stringify(row)).sort()]));
  } finally {
    d.close();
  }
}

/** Runs the CLI; sends SIGINT once its progress says the report is being written. */
function interruptedIngest(dir: string, file: string): Promise<{ code: number | null; signal: string | null; err: string; out: string; writing: unknown }> {
  const p = spawn(process.execPath, [bin, 'sast', 'ingest', file, ...env, '--commit', commit2], {
    cwd: dir,
    env: { ...process.env, HOLDFAST_CATALOG: join(dir, 'holdfast.db'), HOLDFAST_FROM_SOURCE: '1' },
  });
  let err = '';
  let out = '';
  let writing: unknown;
  p.stdout.on('data', (b: Buffer) => (out += b.toString()));
  p.stderr.on('data', (b: Buffer) => {
    err += b.toString();
    const line = err.split('\n').find((l) => l.includes('"progress"'));
    if (line && writing === undefined) {
      writing = JSON.parse(line);
      p.kill('SIGINT');
    }
  });
  return new Promise((resolve) => p.on('close', (code, signal) => resolve({ code, signal, err, out, writing })));
}

test('Ctrl-C while `sast ingest` writes a large report: one line, non-zero, the catalog as it was, and a rerun ingests it', { timeout: 900_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'holdfast-sast-interrupt-'));
  try {
    writeFileSync(join(dir, 'small.sarif'), sarifOf('Big', [result('R1', 'src/app.py', 3, 'eval(x)')]));
    ok(dir, ['sast', 'ingest', 'small.sarif', ...env, '--commit', commit1]);
    writeFileSync(join(dir, 'big.sarif'), sarifOf('Big', Array.from({ length: results }, (_, i) => result(`R${i % 40}`, `src/m${i % 300}/f${i % 37}.py`, (i % 900) + 1, `run(query_${i})`))));
    const before = dump(join(dir, 'holdfast.db'));
    const files = readdirSync(dir).sort();

    const r = await interruptedIngest(dir, 'big.sarif');
    assert.deepEqual(r.writing, { type: 'progress', phase: 'writing', results }, r.err);
    assert.equal(r.signal, null, 'the CLI handles the interrupt itself');
    assert.notEqual(r.code, 0, r.err);
    assert.equal(r.out, '', 'no summary of an ingest that did not happen');
    const lines = r.err.split('\n').filter((l) => l && !l.includes('"progress"'));
    assert.deepEqual(lines, ['holdfast: ingest report big.sarif: interrupted; nothing was written, run it again to ingest the report']);

    assert.deepEqual(dump(join(dir, 'holdfast.db')), before, 'no scan, finding, record or audit event of the interrupted ingest');
    assert.deepEqual(readdirSync(dir).sort(), files, 'no journal, WAL or temporary file left behind');

    const again = JSON.parse(ok(dir, ['sast', 'ingest', 'big.sarif', ...env, '--commit', commit2])) as { sameAs?: unknown; scans: { new: number; unchanged: number; results: number }[] };
    assert.equal(again.sameAs, undefined, 'the interrupted report was not recorded as ingested');
    assert.deepEqual(again.scans.map((s) => [s.results, s.new + s.unchanged]), [[results, results]]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
