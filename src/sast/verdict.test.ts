import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decideVerdict, type ScanEvidence } from './verdict.js';

let id = 0;
const scan = (status: 'complete' | 'failed' | 'unknown', day: number, findings: Partial<ScanEvidence['findings'][number]>[] = [], tool = 'T'): ScanEvidence => ({
  scan: { id: ++id, ref: 'main', tool, category: tool.toLowerCase(), status, scanTime: new Date(Date.UTC(2026, 0, day)) },
  findings: findings.map((f, i) => ({ id: `f${i}`, severity: 'high', state: 'open', ruleId: 'R', path: 'a.py', message: 'm', suppressedInScan: false, ...f })),
});

const cases: [string, ScanEvidence[], string][] = [
  ['a version with no scan is unknown', [], 'unknown'],
  ['a version with only a failed scan is unknown', [scan('failed', 1)], 'unknown'],
  ['a version with a complete scan and no finding at the threshold is clean', [scan('complete', 1, [{ severity: 'medium' }])], 'clean'],
  ['an open high finding makes the version vulnerable', [scan('complete', 1, [{}])], 'vulnerable'],
  ['a failed scan’s partial results still prove a finding present', [scan('complete', 1), scan('failed', 2, [{}])], 'vulnerable'],
  ['a dismissed finding does not make the version vulnerable', [scan('complete', 1, [{ state: 'dismissed' }])], 'clean'],
  ['a finding suppressed in the scan does not make the version vulnerable', [scan('complete', 1, [{ suppressedInScan: true }])], 'clean'],
  ['a newer complete scan of the same stream supersedes an older one', [scan('complete', 1, [{}]), scan('complete', 2)], 'clean'],
  ['a clean scan by one tool does not hide another tool’s finding', [scan('complete', 1, [{}], 'A'), scan('complete', 1, [], 'B')], 'vulnerable'],
];
for (const [name, evidence, want] of cases) {
  test(name, () => assert.equal(decideVerdict(evidence, { severity: 'high' }).verdict, want));
}

test('for one finding, only that finding’s stream decides', () => {
  const ev = [scan('complete', 1, [{ id: 'x' }], 'A'), scan('complete', 1, [], 'B')];
  assert.equal(decideVerdict(ev, { findingId: 'x' }, { ref: 'main', tool: 'A', category: 'a' }).verdict, 'vulnerable');
  assert.equal(decideVerdict(ev, { findingId: 'y' }, { ref: 'main', tool: 'A', category: 'a' }).verdict, 'clean');
  assert.equal(decideVerdict(ev, { findingId: 'z' }, { ref: 'main', tool: 'C', category: 'c' }).reason, 'no-scan');
});
