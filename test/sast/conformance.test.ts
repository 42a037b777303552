/**
 * Conformance: real reports from real scanners (and published samples), each with counts checked
 * by hand against the report and the tool's own output (test/fixtures/sast/conformance/README.md
 * says how each was made and how its counts were checked). A change in how Holdfast reads SARIF
 * that moves any count here changes what a reviewer is told about a version.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { tempCatalog } from '../../src/catalog/testing.js';
import { ManualClock } from '../../src/platform/clock.js';
import { ingestBytes, type Severity } from '../../src/sast/index.js';

const dir = new URL('../fixtures/sast/conformance/', import.meta.url).pathname;

interface Expected {
  /** Scans recorded (runs of one tool and category are one scan). */
  scans: number;
  /** Results that are findings (kind "fail"), over all runs. */
  results: number;
  /** Distinct rules among them. */
  rules: number;
  severities: Partial<Record<Severity, number>>;
  suppressed: number;
}

const cases: { file: string; tool: string; expected: Expected }[] = [
  { file: 'bandit-py-notes.sarif.json', tool: 'Bandit', expected: { scans: 1, results: 9, rules: 9, severities: { high: 2, medium: 4, low: 3 }, suppressed: 0 } },
  { file: 'semgrep-apps.sarif.json', tool: 'Semgrep OSS', expected: { scans: 1, results: 5, rules: 4, severities: { high: 2, medium: 1, low: 2 }, suppressed: 1 } },
  { file: 'eslint-js-notes.sarif.json', tool: 'ESLint', expected: { scans: 1, results: 5, rules: 5, severities: { high: 1, medium: 4 }, suppressed: 0 } },
  { file: 'ruff-py-notes.sarif.json', tool: 'ruff', expected: { scans: 1, results: 8, rules: 7, severities: { high: 8 }, suppressed: 0 } },
  { file: 'flawfinder-c-notes.sarif.json', tool: 'Flawfinder', expected: { scans: 1, results: 15, rules: 10, severities: { high: 5, medium: 1, low: 9 }, suppressed: 0 } },
  { file: 'gosec-go-notes.sarif.json', tool: 'gosec', expected: { scans: 1, results: 18, rules: 12, severities: { high: 14, medium: 4 }, suppressed: 0 } },
  { file: 'checkov-dockerfile-k8s.sarif.json', tool: 'Checkov', expected: { scans: 1, results: 8, rules: 8, severities: { high: 8 }, suppressed: 0 } },
  { file: 'trivy-alpine-310.sarif.json', tool: 'Trivy', expected: { scans: 1, results: 8, rules: 4, severities: { medium: 6, low: 2 }, suppressed: 0 } },
];

for (const c of cases) {
  test(`conformance: ${c.tool} (${c.file}) gives the hand-checked counts of results, rules, severities and suppressed`, () => {
    const t = tempCatalog();
    try {
      const s = ingestBytes(
        readFileSync(dir + c.file),
        { repository: 'github.com/acme/notes', commit: 'a'.repeat(40), ref: 'refs/heads/main' },
        { catalog: t.catalog, clock: new ManualClock(new Date('2026-03-01T00:00:00Z')), name: c.file },
      );
      assert.deepEqual(
        s.scans.map((x) => [x.tool, x.status]),
        Array.from({ length: c.expected.scans }, () => [c.tool, 'complete']),
      );
      const findings = t.catalog.sast.listFindings({});
      const severities: Partial<Record<string, number>> = {};
      for (const f of findings) severities[f.severity] = (severities[f.severity] ?? 0) + 1;
      assert.deepEqual(
        {
          scans: s.scans.length,
          results: s.scans.reduce((n, x) => n + x.results, 0),
          rules: new Set(findings.map((f) => f.ruleId)).size,
          severities,
          suppressed: s.scans.reduce((n, x) => n + x.suppressed, 0),
        },
        c.expected,
      );
      // Every result is its own finding: no two collapse into one identity.
      assert.equal(findings.length, c.expected.results);
    } finally {
      t.dispose();
    }
  });
}
