/**
 * A finding is read beside its rule: the name, short and full description, help and link the
 * scanner gave (SARIF reportingDescriptor §3.49.7–3.49.12), stored per tool and rule from real reports.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { tempCatalog } from '../../src/catalog/testing.js';
import { ManualClock } from '../../src/platform/clock.js';
import { ingestBytes } from '../../src/sast/index.js';

const dir = new URL('../fixtures/sast/conformance/', import.meta.url).pathname;
const clock = new ManualClock(new Date('2026-03-01T00:00:00Z'));

test('the rules of ingested findings are stored with the name, description, help and link their scanner gave', () => {
  const t = tempCatalog();
  try {
    for (const [file, commit] of [
      ['trivy-alpine-310.sarif.json', 'a'],
      ['gosec-go-notes.sarif.json', 'b'],
      ['eslint-js-notes.sarif.json', 'c'],
      ['bandit-py-notes.sarif.json', 'd'],
    ] as const) {
      ingestBytes(readFileSync(dir + file), { repository: 'github.com/acme/notes', commit: commit.repeat(40), ref: 'main' }, { catalog: t.catalog, clock, name: file });
    }
    const trivy = t.catalog.sast.getRule('Trivy', 'CVE-2019-1547')!;
    assert.equal(trivy.name, 'OsPackageVulnerability');
    assert.equal(trivy.shortDescription, 'CVE-2019-1547');
    assert.equal(trivy.helpUri, 'https://avd.aquasec.com/nvd/cve-2019-1547');
    assert.match(trivy.helpText!, /^Vulnerability CVE-2019-1547\nSeverity: LOW\n/);
    assert.match(trivy.helpMarkdown!, /^\*\*Vulnerability CVE-2019-1547\*\*/);
    assert.match(trivy.fullDescription!, /^Normally in OpenSSL EC groups always have a co-factor present .* Fixed in OpenSSL 1\.0\.2t \(Affected 1\.0\.2-1\.0\.2s\)\.$/);

    const gosec = t.catalog.sast.getRule('gosec', 'G104')!;
    assert.deepEqual([gosec.name, gosec.shortDescription, gosec.fullDescription, gosec.helpText], ['Improper Check or Handling of Exceptional Conditions', 'Errors unhandled', 'Errors unhandled', 'Errors unhandled\nSeverity: LOW\nConfidence: HIGH\n']);

    const eslint = t.catalog.sast.getRule('ESLint', 'security/detect-child-process')!;
    assert.match(eslint.helpUri!, /^https:\/\/github.com\/eslint-community\/eslint-plugin-security\//);

    const bandit = t.catalog.sast.getRule('Bandit', 'B602')!;
    assert.equal(bandit.fullDescription, undefined, 'Bandit gives no full description');
    assert.equal(bandit.name, 'subprocess_popen_with_shell_equals_true');
    assert.match(bandit.helpUri!, /^https:\/\/bandit.readthedocs.io\//);
  } finally {
    t.dispose();
  }
});
