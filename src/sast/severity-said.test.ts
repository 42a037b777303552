import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Said } from './severity-policy.js';
import { explainSeverity, packSaid, unpackSaid } from './severity-said.js';

const tag: Said = { source: 'tag', raw: 'MEDIUM', severity: 'medium' };
const level: Said = { source: 'rule-level', raw: 'error', severity: 'high' };
const score: Said = { source: 'security-severity', raw: '9.8', severity: 'critical' };

test('what each source said is packed with the decider first and read back unchanged', () => {
  const packed = packSaid(level, [tag, level]);
  assert.equal(packed, 'rule-level=error:high,tag=MEDIUM:medium');
  assert.deepEqual(unpackSaid(packed), [level, tag]);
});

test('entries a newer Holdfast wrote that this one cannot read are left out, not guessed', () => {
  assert.deepEqual(unpackSaid('rule-level=error:high,epss=0.9:critical,tag=MEDIUM:severe'), [level]);
});

test('the explanation names the decider and what the others said, the strictest first', () => {
  const e = explainSeverity('high', packSaid(level, [tag, level]), 'gosec');
  assert.equal(e.recorded, true);
  assert.equal(e.decidedBy?.label, "the rule's SARIF level error");
  assert.deepEqual(e.alsoSaid.map((s) => [s.label, s.severity, s.stricter]), [["gosec's tag MEDIUM", 'medium', false]]);
  assert.equal(e.text, "high — decided by the rule's SARIF level error → high; also said: gosec's tag MEDIUM → medium");
});

test('a stricter word a policy passed over is shown as stricter, never dropped', () => {
  const e = explainSeverity('medium', packSaid(tag, [score, tag, level]), 'Trivy');
  assert.deepEqual(e.alsoSaid.map((s) => [s.source, s.stricter]), [['security-severity', true], ['rule-level', true]]);
  assert.match(e.text, /^medium — decided by Trivy's tag MEDIUM → medium; also said: security-severity 9\.8 \(CVSS\) → critical \(stricter, not chosen by the severity policy\)/);
});

test('a finding ingested before the sources were kept says so', () => {
  const e = explainSeverity('high', undefined, 'Bandit');
  assert.deepEqual([e.recorded, e.decidedBy, e.alsoSaid], [false, undefined, []]);
  assert.match(e.text, /^high — which sources said what was not recorded/);
});
