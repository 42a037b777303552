import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normaliseQuirk } from './testing.js';

test('severity comes from security-severity bands, then tool fields, then the level, then the SARIF default', () => {
  const { runs } = normaliseQuirk('severity-without-level');
  const [bandit, gosec, scorer] = runs;
  assert.deepEqual(bandit!.results.map((r) => [r.ruleId, r.severity, r.severitySource]), [
    ['B602', 'high', 'tool'],
    ['B101', 'low', 'tool'],
  ]);
  assert.deepEqual(gosec!.results.map((r) => [r.ruleId, r.severity]), [
    ['G101', 'high'],
    ['G104', 'low'],
  ]);
  assert.deepEqual(scorer!.results.map((r) => [r.ruleId, r.severity, r.severitySource]), [
    ['X1', 'critical', 'security-severity'], // 9.8 beats the result's own "note"
    ['X2', 'high', 'security-severity'],
    ['X3', 'medium', 'security-severity'],
    ['X4', 'low', 'security-severity'],
    ['X5', 'high', 'rule-level'],
    ['X6', 'medium', 'default-level'],
    ['X6', 'medium', 'security-severity'],
  ]);
});

test('CWE ids are read from tags, metadata text, relationships, taxa and Bandit issue_cwe', () => {
  const { runs } = normaliseQuirk('cwe-shapes');
  assert.deepEqual(runs[0]!.results.map((r) => r.cwes), [['CWE-79'], ['CWE-89'], ['CWE-22'], ['CWE-502'], ['CWE-78']]);
});

test('absolute file URIs lose their scheme, percent-encoding and the given checkout root', () => {
  const { runs, warnings } = normaliseQuirk('absolute-file-uris', ['/home/runner/work/shop/shop', 'C:/builds/shop']);
  assert.deepEqual(runs[0]!.results.map((r) => r.path), ['src/app.py', 'src/db/query builder.py', 'src/win.py']);
  assert.deepEqual(warnings, []);
});

test('absolute paths under no known root are made relative to their common directory, with a warning', () => {
  const { runs, warnings } = normaliseQuirk('absolute-file-uris', ['C:/builds/shop']);
  assert.deepEqual(runs[0]!.results.map((r) => r.path), ['app.py', 'db/query builder.py', 'src/win.py']);
  assert.match(warnings.join('\n'), /took \/home\/runner\/work\/shop\/shop\/src\/ as the root/);
});

test('uriBaseId is resolved through originalUriBaseIds, and an undefined one means the checkout root', () => {
  const { runs, warnings } = normaliseQuirk('base-ids');
  assert.deepEqual(runs[0]!.results.map((r) => r.path), ['app/main.py', 'lib/x.py', 'web/index.js', 'y.py', 'abs.py']);
  assert.match(warnings.join('\n'), /uriBaseId %UNDEFINED% is not defined/);
});

test('a message given only by id is taken from the rule’s messageStrings with its arguments', () => {
  const { runs } = normaliseQuirk('message-id-only');
  assert.equal(runs[0]!.results[0]!.message, 'Untrusted input reaches exec() at handler');
});

test('results whose kind is not fail are not findings, and odd fields are warnings instead of crashes', () => {
  const { runs, warnings } = normaliseQuirk('kinds-and-odd-fields');
  const r = runs[0]!;
  assert.equal(r.notFailures, 2);
  assert.equal(r.status, 'complete');
  assert.deepEqual(r.results.map((x) => [x.ruleId, x.severity]), [
    ['K1', 'high'],
    ['K1', 'medium'],
    ['K1', 'medium'],
    ['unknown-rule', 'medium'],
  ]);
  assert.equal(r.results[2]!.path, undefined);
  assert.match(warnings.join('\n'), /results\[3\]\.level: .*ignored/);
  assert.match(warnings.join('\n'), /results\[5\]\.ruleId: .*ignored/);
});

test('suppressed results are kept and marked suppressed', () => {
  const { runs } = normaliseQuirk('suppressed-only');
  assert.deepEqual(runs[0]!.results.map((r) => r.suppressed), [true, true]);
});

test('a repeated or placeholder line hash is not trusted as identity; a unique one is', () => {
  const { runs } = normaliseQuirk('fingerprints');
  const r = runs[0]!.results;
  assert.deepEqual(r.map((x) => x.identityBasis), ['snippet', 'snippet', 'message', 'fingerprint']);
  assert.equal(new Set(r.map((x) => x.identity)).size, 4);
});

test('a run without results is unknown, a failed run is failed, and an empty one is complete', () => {
  assert.equal(normaliseQuirk('results-omitted').runs[0]!.status, 'unknown');
  assert.equal(normaliseQuirk('execution-failed').runs[0]!.status, 'failed');
  assert.equal(normaliseQuirk('results-empty').runs[0]!.status, 'complete');
});

test('several runs keep their own tools and categories from automationDetails', () => {
  const { runs } = normaliseQuirk('several-runs');
  assert.deepEqual(runs.map((r) => [r.tool, r.category]), [
    ['ToolA', 'backend'],
    ['ToolB', 'frontend'],
  ]);
});
