import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tempCatalog } from '../catalog/testing.js';
import { ManualClock } from '../platform/clock.js';
import { ingestBytes } from './ingest.js';
import { dismissFinding } from './dismiss.js';
import { versionVerdict } from './verdict.js';
import { commit1, commit2, commit3, result, sarifOf } from './testing.js';
import { isHoldfastError } from '../base/errors.js';

const clock = new ManualClock(new Date('2026-03-01T00:00:00Z'));
function ingest(t: ReturnType<typeof tempCatalog>, commit: string, when: string, log: Buffer) {
  return ingestBytes(log, { repository: 'github.com/acme/shop', commit, ref: 'refs/heads/main', scanTime: when }, { catalog: t.catalog, clock, name: 'r' });
}
const A = result('R1', 'app.py', 10, 'os.system(cmd)');
const B = result('R2', 'app.py', 20, 'eval(x)');
const states = (t: ReturnType<typeof tempCatalog>) => Object.fromEntries(t.catalog.sast.listFindings().map((f) => [f.ruleId, f.state]));

test('consecutive complete scans give new, unchanged and fixed, with first- and last-seen commits', () => {
  const t = tempCatalog();
  try {
    assert.equal(ingest(t, commit1, '2026-01-01T00:00:00Z', sarifOf('T', [A, B])).scans[0]!.new, 2);
    const s2 = ingest(t, commit2, '2026-01-02T00:00:00Z', sarifOf('T', [{ ...A, locations: [{ physicalLocation: { artifactLocation: { uri: 'app.py' }, region: { startLine: 14, snippet: { text: 'os.system(cmd)' } } } }] }]));
    assert.deepEqual([s2.scans[0]!.new, s2.scans[0]!.unchanged, s2.scans[0]!.fixed], [0, 1, 1]);
    const [r1, r2] = ['R1', 'R2'].map((r) => t.catalog.sast.listFindings().find((f) => f.ruleId === r)!);
    assert.deepEqual([r1!.state, r1!.firstSeenCommit, r1!.lastSeenCommit, r1!.startLine], ['open', commit1, commit2, 14]);
    assert.deepEqual([r2!.state, r2!.fixedCommit], ['fixed', commit2]);
  } finally {
    t.dispose();
  }
});

test('a run with executionSuccessful false never fixes anything', () => {
  const t = tempCatalog();
  try {
    ingest(t, commit1, '2026-01-01T00:00:00Z', sarifOf('T', [A, B]));
    const s = ingest(t, commit2, '2026-01-02T00:00:00Z', sarifOf('T', [], { invocations: [{ executionSuccessful: false }] }));
    assert.equal(s.scans[0]!.status, 'failed');
    assert.deepEqual(states(t), { R1: 'open', R2: 'open' });
    assert.equal(versionVerdict(t.catalog, t.catalog.versions.findByCommit(commit2)!.id, { severity: 'high' }).verdict, 'unknown');
  } finally {
    t.dispose();
  }
});

test('a run without a results array is unknown, not clean, and fixes nothing', () => {
  const t = tempCatalog();
  try {
    ingest(t, commit1, '2026-01-01T00:00:00Z', sarifOf('T', [A]));
    const s = ingest(t, commit2, '2026-01-02T00:00:00Z', sarifOf('T', undefined));
    assert.equal(s.scans[0]!.status, 'unknown');
    assert.deepEqual(states(t), { R1: 'open' });
    assert.equal(versionVerdict(t.catalog, t.catalog.versions.findByCommit(commit2)!.id, { severity: 'low' }).verdict, 'unknown');
  } finally {
    t.dispose();
  }
});

test('a dismissal with a reason survives re-scans that still see the finding, and is audited', () => {
  const t = tempCatalog();
  try {
    ingest(t, commit1, '2026-01-01T00:00:00Z', sarifOf('T', [A]));
    const f = t.catalog.sast.listFindings()[0]!;
    assert.throws(() => dismissFinding(t.catalog, clock, { id: f.id, reason: 'because' }), (e: unknown) => isHoldfastError(e, 'BAD_DISMISS_REASON'));
    dismissFinding(t.catalog, clock, { id: f.id, reason: 'false-positive', comment: 'cmd is a constant' });
    const s = ingest(t, commit2, '2026-01-02T00:00:00Z', sarifOf('T', [A]));
    assert.equal(s.scans[0]!.dismissed, 1);
    const after = t.catalog.sast.getFinding(f.id)!;
    assert.deepEqual([after.state, after.dismissedReason, after.dismissedComment, after.lastSeenCommit], ['dismissed', 'false-positive', 'cmd is a constant', commit2]);
    assert.equal(versionVerdict(t.catalog, t.catalog.versions.findByCommit(commit2)!.id, { severity: 'high' }).verdict, 'clean');
    assert.equal(t.catalog.audit.list({ object: `finding:${f.id}` })[0]!.action, 'sast.dismiss');
  } finally {
    t.dispose();
  }
});

test('a fixed finding that comes back is re-opened', () => {
  const t = tempCatalog();
  try {
    ingest(t, commit1, '2026-01-01T00:00:00Z', sarifOf('T', [A]));
    ingest(t, commit2, '2026-01-02T00:00:00Z', sarifOf('T', []));
    assert.deepEqual(states(t), { R1: 'fixed' });
    assert.equal(ingest(t, commit3, '2026-01-03T00:00:00Z', sarifOf('T', [A])).scans[0]!.reopened, 1);
    assert.deepEqual(states(t), { R1: 'open' });
  } finally {
    t.dispose();
  }
});

test('suppressed results are recorded as suppressed and do not make a version vulnerable', () => {
  const t = tempCatalog();
  try {
    ingest(t, commit1, '2026-01-01T00:00:00Z', sarifOf('T', [{ ...A, suppressions: [{ kind: 'inSource' }] }]));
    assert.deepEqual(states(t), { R1: 'suppressed' });
    assert.equal(versionVerdict(t.catalog, t.catalog.versions.findByCommit(commit1)!.id, { severity: 'low' }).verdict, 'clean');
  } finally {
    t.dispose();
  }
});

test('a late report of an older commit adds evidence to that version but changes no state', () => {
  const t = tempCatalog();
  try {
    ingest(t, commit2, '2026-01-02T00:00:00Z', sarifOf('T', [A]));
    ingest(t, commit1, '2026-01-01T00:00:00Z', sarifOf('T', [A, B]));
    assert.deepEqual(states(t), { R1: 'open', R2: 'fixed' });
    assert.equal(t.catalog.sast.listFindings().find((f) => f.ruleId === 'R1')!.firstSeenCommit, commit1);
    assert.equal(versionVerdict(t.catalog, t.catalog.versions.findByCommit(commit1)!.id, { severity: 'high' }).findings.length, 2);
  } finally {
    t.dispose();
  }
});

test('streams are separate: another tool, category or ref never fixes this one’s findings', () => {
  const t = tempCatalog();
  try {
    ingest(t, commit1, '2026-01-01T00:00:00Z', sarifOf('T', [A]));
    ingest(t, commit2, '2026-01-02T00:00:00Z', sarifOf('U', []));
    ingestBytes(sarifOf('T', []), { repository: 'github.com/acme/shop', commit: commit2, ref: 'refs/heads/dev', scanTime: '2026-01-02T00:00:00Z' }, { catalog: t.catalog, clock, name: 'r' });
    assert.deepEqual(states(t), { R1: 'open' });
  } finally {
    t.dispose();
  }
});

test('a re-scan that re-rates a finding updates its severity and location', () => {
  const t = tempCatalog();
  try {
    ingest(t, commit1, '2026-01-01T00:00:00Z', sarifOf('T', [A]));
    ingest(t, commit2, '2026-01-02T00:00:00Z', sarifOf('T', [{ ...A, level: 'note' }]));
    const f = t.catalog.sast.listFindings()[0]!;
    assert.deepEqual([f.severity, f.state, f.lastSeenCommit], ['low', 'open', commit2]);
  } finally {
    t.dispose();
  }
});
