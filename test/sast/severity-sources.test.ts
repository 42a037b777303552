/**
 * A scanner's own severity is kept beside the decided one, from real reports: gosec labels ten
 * rules MEDIUM in their tags and writes them at level error (test/fixtures/sast/conformance), Snyk
 * Container gives a CVSS `security-severity` and a level (test/fixtures/sast/snyk-container). The
 * policy (sast.severityPolicy) picks which source decides; every source's word is stored, shown,
 * and replayed the same way on a rebuilt catalog.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { tempCatalog } from '../../src/catalog/testing.js';
import { ManualClock } from '../../src/platform/clock.js';
import { explainSeverity, ingestBytes, replayReport, type SeverityPolicy } from '../../src/sast/index.js';
import { snykContainer } from '../../src/sast/testing.js';
import type { Catalog } from '../../src/catalog/index.js';

const gosec = readFileSync(new URL('../fixtures/sast/conformance/gosec-go-notes.sarif.json', import.meta.url));
const clock = new ManualClock(new Date('2026-03-01T00:00:00Z'));
const env = (commit: string) => ({ repository: 'github.com/acme/notes', commit: commit.repeat(40), ref: 'main' });

const ingest = (catalog: Catalog, report: Buffer, commit: string, severityPolicy?: SeverityPolicy) =>
  ingestBytes(report, env(commit), { catalog, clock, name: 'report.sarif', severityPolicy });

function bySeverity(catalog: Catalog): Record<string, number> {
  const out: Record<string, number> = {};
  for (const f of catalog.sast.listFindings({})) out[f.severity] = (out[f.severity] ?? 0) + 1;
  return out;
}

test("gosec's MEDIUM tag at level error: high by the strictest, with the tag kept beside it", () => {
  const t = tempCatalog();
  try {
    ingest(t.catalog, gosec, 'a');
    // gosec's own text output: 4 HIGH, 10 MEDIUM, 4 LOW; its SARIF levels: 14 error, 4 warning.
    assert.deepEqual(bySeverity(t.catalog), { high: 14, medium: 4 });
    const g401 = t.catalog.sast.listFindings({}).find((f) => f.ruleId === 'G401')!;
    assert.equal(g401.severitySaid, 'level=error:high,tag=MEDIUM:medium');
    assert.equal(explainSeverity(g401.severity, g401.severitySaid, g401.tool).text, "high — decided by the result's SARIF level error → high; also said: gosec's tag MEDIUM → medium");
    const g104 = t.catalog.sast.listFindings({}).find((f) => f.ruleId === 'G104')!;
    assert.equal(g104.severitySaid, 'level=warning:medium,tag=LOW:low');
  } finally {
    t.dispose();
  }
});

test("the policy decides: gosec's labels alone give its own 4 HIGH, 10 MEDIUM, 4 LOW; its levels alone 14 high, 4 medium", () => {
  for (const [policy, want] of [
    ['scanner-label', { high: 4, medium: 10, low: 4 }],
    ['sarif-level', { high: 14, medium: 4 }],
  ] as const) {
    const t = tempCatalog();
    try {
      ingest(t.catalog, gosec, 'a', policy);
      assert.deepEqual(bySeverity(t.catalog), want, policy);
      if (policy === 'scanner-label') {
        const g401 = t.catalog.sast.listFindings({}).find((f) => f.ruleId === 'G401')!;
        assert.equal(g401.severitySaid, 'tag=MEDIUM:medium,level=error:high');
        assert.match(explainSeverity(g401.severity, g401.severitySaid, g401.tool).text, /^medium — decided by gosec's tag MEDIUM → medium; also said: the result's SARIF level error → high \(stricter, not chosen by the severity policy\)$/);
      }
    } finally {
      t.dispose();
    }
  }
});

test("Snyk's security-severity is kept with the level it agrees with", () => {
  const t = tempCatalog();
  try {
    ingest(t.catalog, snykContainer('vulnerable'), 'a');
    const said = Object.fromEntries(t.catalog.sast.listFindings({}).map((f) => [f.ruleId, [f.severity, f.severitySaid]]));
    assert.deepEqual(said, {
      'SNYK-DEBIAN12-OPENSSL-5788364': ['high', 'security-severity=7.5:high,level=error:high'],
      'SNYK-DEBIAN12-ZLIB-6008963': ['low', 'security-severity=3.3:low,level=note:low'],
      'SNYK-JS-LODASH-1018905': ['medium', 'security-severity=5.3:medium,level=warning:medium'],
    });
  } finally {
    t.dispose();
  }
});

test('a finding stored before the sources were kept shows "not recorded" until a report sees it again', () => {
  const t = tempCatalog();
  try {
    ingest(t.catalog, gosec, 'a');
    t.catalog.db.prepare('UPDATE findings SET severity_said = NULL').run();
    const old = t.catalog.sast.listFindings({})[0]!;
    assert.equal(old.severitySaid, undefined);
    assert.equal(explainSeverity(old.severity, old.severitySaid, old.tool).recorded, false);
    // The next commit's report (a new policy with it) re-decides and records every finding.
    ingest(t.catalog, gosec, 'b', 'scanner-label');
    assert.deepEqual(bySeverity(t.catalog), { high: 4, medium: 10, low: 4 });
    assert.ok(t.catalog.sast.listFindings({}).every((f) => f.severitySaid !== undefined));
  } finally {
    t.dispose();
  }
});

test("a rebuilt catalog decides by the policy the report was ingested under, not today's default", () => {
  const a = tempCatalog();
  const b = tempCatalog();
  try {
    ingest(a.catalog, gosec, 'a', 'scanner-label');
    const [record] = a.catalog.records.pending('test');
    assert.equal(record!.kind, 'sast-report');
    assert.equal(record!.body.severityPolicy, 'scanner-label');
    replayReport(b.catalog, record!.body);
    const rows = (c: Catalog) => c.sast.listFindings({}).map((f) => [f.id, f.severity, f.severitySaid]);
    assert.deepEqual(rows(b.catalog), rows(a.catalog));
    assert.deepEqual(bySeverity(b.catalog), { high: 4, medium: 10, low: 4 });
  } finally {
    a.dispose();
    b.dispose();
  }
});
