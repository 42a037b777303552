/**
 * Real scanners on the fixture apps: Bandit and Semgrep on a Python service, ESLint (+ the SARIF
 * formatter) on a JavaScript one. What the tools actually print is what Holdfast must handle.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tempCatalog } from '../../src/catalog/testing.js';
import { ManualClock } from '../../src/platform/clock.js';
import { ingestBytes, versionVerdict, type IngestSummary } from '../../src/sast/index.js';
import { Checkout, bandit, eslint, semgrep } from './scanners.js';

const c1 = '1111111111111111111111111111111111111111';
const c2 = '2222222222222222222222222222222222222222';
const c3 = '3333333333333333333333333333333333333333';
const clock = new ManualClock(new Date('2026-03-01T00:00:00Z'));

function ingest(t: ReturnType<typeof tempCatalog>, report: Buffer, commit: string, day: number, sourceRoot?: string): IngestSummary {
  return ingestBytes(
    report,
    { repository: 'github.com/acme/notes', commit, ref: 'refs/heads/main', scanTime: new Date(Date.UTC(2026, 0, day)), ...(sourceRoot ? { sourceRoot } : {}) },
    { catalog: t.catalog, clock, name: 'report' },
  );
}

test('Bandit: findings survive a line shift, a real fix marks them fixed, and the verdict follows', () => {
  const t = tempCatalog();
  const co = new Checkout('py-notes');
  try {
    const first = ingest(t, bandit(co), c1, 1).scans[0]!;
    assert.equal(first.tool, 'Bandit');
    assert.equal(first.status, 'complete');
    assert.ok(first.new >= 8, `Bandit found ${first.new}`);
    const shell = t.catalog.sast.listFindings({ tool: 'Bandit' }).find((f) => f.ruleId === 'B602')!;
    assert.deepEqual([shell.path, shell.severity, shell.cwes], ['notes.py', 'high', ['CWE-78']]);
    assert.equal(versionVerdict(t.catalog, t.catalog.versions.findByCommit(c1)!.id, { severity: 'high' }).verdict, 'vulnerable');

    // Three new lines at the top move every finding down; none is new, none is fixed.
    co.write('notes.py', '# Copyright Acme\n# Licensed for fixtures only\n\n' + co.read('notes.py'));
    const shifted = ingest(t, bandit(co), c2, 2).scans[0]!;
    assert.deepEqual([shifted.new, shifted.fixed, shifted.unchanged], [0, 0, first.new]);
    assert.equal(t.catalog.sast.getFinding(shell.id)!.startLine, shell.startLine! + 3);

    // Fix the two high findings for real.
    co.write('notes.py', co.read('notes.py').replace(', shell=True)', ', shell=False)').replace('hashlib.md5(body).hexdigest()\n\n\ndef calc', 'hashlib.sha256(body).hexdigest()\n\n\ndef calc'));
    const fixed = ingest(t, bandit(co), c3, 3).scans[0]!;
    assert.ok(fixed.fixed >= 2, `fixed ${fixed.fixed}`);
    assert.equal(t.catalog.sast.getFinding(shell.id)!.state, 'fixed');
    assert.equal(t.catalog.sast.getFinding(shell.id)!.fixedCommit, c3);
    assert.equal(versionVerdict(t.catalog, t.catalog.versions.findByCommit(c3)!.id, { severity: 'high' }).verdict, 'clean');
    // The old version is still vulnerable: its own scan saw the findings.
    assert.equal(versionVerdict(t.catalog, t.catalog.versions.findByCommit(c1)!.id, { severity: 'high' }).verdict, 'vulnerable');
  } finally {
    co.dispose();
    t.dispose();
  }
});

test('Semgrep: a nosemgrep result is suppressed, "requires login" fingerprints are not trusted, and rule levels give severity', () => {
  const t = tempCatalog();
  const co = new Checkout('py-notes');
  try {
    const s = ingest(t, semgrep(co), c1, 1);
    assert.match(s.warnings.join('\n'), /uriBaseId %SRCROOT% is not defined/);
    const list = t.catalog.sast.listFindings({ tool: s.scans[0]!.tool });
    const md5 = list.filter((f) => f.ruleId === 'python-md5');
    assert.deepEqual(md5.map((f) => f.state).sort(), ['open', 'suppressed']);
    const shell = list.find((f) => f.ruleId === 'python-subprocess-shell-true')!;
    assert.deepEqual([shell.path, shell.severity, shell.cwes], ['notes.py', 'high', ['CWE-78']]);
    assert.equal(list.find((f) => f.ruleId === 'python-md5' && f.state === 'open')!.severity, 'low');
    // Distinct identities although every result carries the same placeholder fingerprint.
    assert.equal(new Set(list.map((f) => f.identity)).size, list.length);
  } finally {
    co.dispose();
    t.dispose();
  }
});

test('ESLint: absolute file:/// URIs become checkout-relative, and message-based identity survives a line shift', () => {
  const t = tempCatalog();
  const co = new Checkout('js-notes');
  try {
    const first = ingest(t, eslint(co), c1, 1, co.root).scans[0]!;
    assert.equal(first.tool, 'ESLint');
    const list = t.catalog.sast.listFindings({ tool: 'ESLint' });
    assert.ok(list.length >= 4);
    assert.deepEqual([...new Set(list.map((f) => f.path))], ['server.js']);
    assert.equal(list.find((f) => f.ruleId === 'no-eval')!.severity, 'high');

    co.write('server.js', '// header\n// header\n' + co.read('server.js'));
    const again = ingest(t, eslint(co), c2, 2).scans[0]!; // no source root: the common directory is used
    assert.deepEqual([again.new, again.fixed, again.unchanged], [0, 0, first.new]);
  } finally {
    co.dispose();
    t.dispose();
  }
});
