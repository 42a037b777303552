import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSummary } from './summary.js';

test('the snapshot id is read from snapshotId, snapshot.id or id', () => {
  for (const s of ['{"snapshotId":"a1"}', '{"snapshot":{"id":"a1","files":3}}', '{"id":"a1"}']) {
    const r = parseSummary(s);
    assert.ok(r.ok && r.summary.snapshotId === 'a1', s);
  }
});

test('the pretty-printed summary of holdfast backup --json is read', () => {
  const text = JSON.stringify({ type: 'summary', snapshot: '9c2e41aa', files: 3, bytes: 10 }, null, 2);
  const r = parseSummary(text + '\n');
  assert.ok(r.ok && r.summary.snapshotId === '9c2e41aa');
});

test('progress lines before the JSON summary are ignored', () => {
  const r = parseSummary('scanning...\n{"snapshotId":"b2","time":"2026-12-01T08:00:00Z"}\n');
  assert.deepEqual(r, { ok: true, summary: { snapshotId: 'b2', time: '2026-12-01T08:00:00Z' } });
});

test('an empty termination message is its own reason', () => {
  assert.equal((parseSummary('') as { reason: string }).reason, 'NoTerminationMessage');
});

test('a summary without a snapshot id is refused rather than recorded as an empty restore point', () => {
  assert.equal((parseSummary('{"files":3}') as { reason: string }).reason, 'BadSummary');
  assert.equal((parseSummary('not json') as { reason: string }).reason, 'BadSummary');
});
