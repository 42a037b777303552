import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isHoldfastError } from '../base/errors.js';
import { tempCatalog } from '../catalog/testing.js';
import { ManualClock } from '../platform/clock.js';
import { keptNew } from './kept-new.js';
import { offThreadIngester } from './off-thread.js';
import { HandedReport } from './read-report.js';
import { commit1, result, sarifOf, snykContainer } from './testing.js';

const clock = new ManualClock(new Date('2026-03-01T00:00:00Z'));
const env = { repository: 'github.com/acme/shop', commit: commit1, ref: 'refs/heads/main' };
const count = (t: ReturnType<typeof tempCatalog>, table: string) => (t.catalog.db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;

/** A report big enough that its ingest is still running when the test acts. */
const big = () => sarifOf('Big', Array.from({ length: 60_000 }, (_, i) => result(`R${i % 50}`, `src/f${i % 500}.py`, i, `call_${i}()`)));

test('a report ingested off-thread lands in the catalog the caller reads, with the same summary', async () => {
  const t = tempCatalog();
  const ing = offThreadIngester({ catalogPath: t.path, clock });
  try {
    const s = await ing.ingest(snykContainer('vulnerable'), env, { name: 'snyk.sarif' });
    assert.deepEqual(s.scans.map((x) => [x.tool, x.runs, x.new]), [['Snyk Container', [0, 1], 3]]);
    assert.equal(s.newOpenFindings.length, 3);
    assert.deepEqual(t.catalog.sast.listFindings().map((f) => f.id).sort(), s.newOpenFindings.map((f) => f.id).sort());
    assert.equal(t.catalog.sast.listFindings()[0]!.firstSeenAt, '2026-03-01T00:00:00.000Z', 'the injected clock decides the time');
  } finally {
    await ing.close();
    t.dispose();
  }
});

test('a handed report moves to the worker (the caller keeps no copy); a Buffer is copied and stays the caller\'s', async () => {
  const t = tempCatalog();
  const ing = offThreadIngester({ catalogPath: t.path, clock });
  try {
    const report = snykContainer('vulnerable');
    const owned = Buffer.allocUnsafeSlow(report.length);
    report.copy(owned);
    const s = await ing.ingest(new HandedReport(owned), env, { name: 'snyk.sarif' });
    assert.equal(s.scans[0]!.new, 3);
    assert.equal(owned.byteLength, 0, 'moved, not copied');
    const again = await ing.ingest(report, { ...env, ref: 'refs/heads/release' }, { name: 'snyk.sarif' });
    assert.equal(again.scans[0]!.new, 3);
    assert.deepEqual(report, snykContainer('vulnerable'), 'a Buffer is copied: the caller still has it whole');
  } finally {
    await ing.close();
    t.dispose();
  }
});

test('a bad report fails off-thread with the same one-line error, and nothing is written', async () => {
  const t = tempCatalog();
  const ing = offThreadIngester({ catalogPath: t.path, clock });
  try {
    await assert.rejects(ing.ingest(Buffer.from('hello'), env, { name: 'r.sarif' }), (e: unknown) => isHoldfastError(e, 'REPORT_NOT_JSON') && e.message.startsWith('ingest report r.sarif: not JSON'));
    assert.equal(count(t, 'scans'), 0);
  } finally {
    await ing.close();
    t.dispose();
  }
});

test('an ingest past its deadline is ended with REPORT_TOO_SLOW, and nothing is written', async () => {
  const t = tempCatalog();
  const ing = offThreadIngester({ catalogPath: t.path, clock, deadlineMs: 50 });
  try {
    await assert.rejects(ing.ingest(big(), env, { name: 'big.sarif' }), (e: unknown) => isHoldfastError(e, 'REPORT_TOO_SLOW') && e.kind === 'resource' && /not done within 0 s/.test(e.message));
    assert.equal(count(t, 'scans') + count(t, 'findings') + count(t, 'versions'), 0);
  } finally {
    await ing.close();
    t.dispose();
  }
});

test('close() ends a running ingest at once with INGEST_ABORTED and refuses new ones', async () => {
  const t = tempCatalog();
  const ing = offThreadIngester({ catalogPath: t.path, clock });
  try {
    const running = ing.ingest(big(), env, { name: 'big.sarif' });
    await new Promise((r) => setTimeout(r, 200));
    await ing.close();
    await assert.rejects(running, (e: unknown) => isHoldfastError(e, 'INGEST_ABORTED') && e.kind === 'transient');
    await assert.rejects(ing.ingest(snykContainer('clean'), env, { name: 'again.sarif' }), (e: unknown) => isHoldfastError(e, 'INGEST_ABORTED'));
    assert.equal(count(t, 'scans') + count(t, 'findings'), 0);
  } finally {
    t.dispose();
  }
});

test('a stop while the report is read ends the worker at once: INGEST_INTERRUPTED, nothing written', async () => {
  const t = tempCatalog();
  const ing = offThreadIngester({ catalogPath: t.path, clock, deadlineMs: Infinity });
  try {
    const stop = new AbortController();
    const running = ing.ingest(big(), env, { name: 'big.sarif', signal: stop.signal, onWriting: () => assert.fail('it never began writing') });
    stop.abort();
    await assert.rejects(running, (e: unknown) => isHoldfastError(e, 'INGEST_INTERRUPTED') && e.kind === 'transient');
    assert.equal(count(t, 'scans') + count(t, 'findings') + count(t, 'versions') + count(t, 'audit_events'), 0);
  } finally {
    await ing.close();
    t.dispose();
  }
});

test('a stop while the report is written rolls its one transaction back: INGEST_INTERRUPTED, nothing written, and it ingests whole after', async () => {
  const t = tempCatalog();
  const ing = offThreadIngester({ catalogPath: t.path, clock, deadlineMs: Infinity });
  try {
    const stop = new AbortController();
    let writing = 0;
    const onWriting = (n: number) => {
      writing = n;
      stop.abort();
    };
    await assert.rejects(ing.ingest(big(), env, { name: 'big.sarif', signal: stop.signal, onWriting }), (e: unknown) => isHoldfastError(e, 'INGEST_INTERRUPTED'));
    assert.equal(writing, 60_000, 'told how many results it writes once it began');
    assert.equal(count(t, 'scans') + count(t, 'findings') + count(t, 'scan_findings') + count(t, 'versions') + count(t, 'audit_events') + count(t, 'catalog_records'), 0);
    const again = await ing.ingest(big(), env, { name: 'big.sarif' });
    assert.equal(again.sameAs, undefined, 'the interrupted report was not recorded as ingested');
    assert.equal(again.scans[0]!.new, 60_000);
  } finally {
    await ing.close();
    t.dispose();
  }
});

test('keptNew: every new finding at or above the threshold comes back, and the most severe of the rest up to the cap', () => {
  const f = (id: string, severity: 'critical' | 'high' | 'medium' | 'low') => ({ id, severity, ruleId: 'R', message: 'm' });
  const all = [f('l1', 'low'), f('h1', 'high'), f('m1', 'medium'), f('c1', 'critical'), f('l2', 'low'), f('m2', 'medium')];
  assert.deepEqual(keptNew(all, { atOrAbove: 'high', max: 4 }).map((x) => x.id), ['h1', 'c1', 'm1', 'm2']);
  assert.deepEqual(keptNew(all, { atOrAbove: 'high', max: 1 }).map((x) => x.id), ['h1', 'c1'], 'the threshold wins over the cap');
  assert.deepEqual(keptNew(all, { atOrAbove: 'low', max: 1 }).length, 6);
  assert.deepEqual(keptNew(all, { max: 2 }).map((x) => x.id), ['c1', 'h1'], 'without a threshold, only the most severe up to the cap');
});
