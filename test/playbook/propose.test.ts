/**
 * One report's new findings to proposals when the report is large: one plan per scan stream and
 * volume, not one per finding. The findings of one stream were first seen by the same scan, so
 * the restore point before them is the same; planning each (and writing, then withdrawing, an
 * incident for each) took serve's upload of a 200k-result report past 20 minutes.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { Catalog } from '../../src/catalog/index.js';
import { loadConfig } from '../../src/config/index.js';
import { proposeForReport } from '../../src/playbook/index.js';
import { systemClock } from '../../src/platform/clock.js';
import { Story, v2 } from './harness.js';
import { join } from 'node:path';

const stories: Story[] = [];
after(async () => {
  for (const s of stories) await s.dispose();
});

/** A second scanner's report of `n` errors (high) in v2: a stream no scan of v1 covers. */
function bigReport(n: number): Buffer {
  const results = Array.from({ length: n }, (_, k) => ({
    ruleId: 'BIG1',
    level: 'error',
    message: { text: `tainted input reaches a shell, case ${k}` },
    locations: [{ physicalLocation: { artifactLocation: { uri: `gen/mod${k % 50}.py` }, region: { startLine: k + 1 } } }],
  }));
  return Buffer.from(JSON.stringify({ version: '2.1.0', runs: [{ tool: { driver: { name: 'BigScanner', rules: [{ id: 'BIG1' }] } }, results }] }));
}

test('a report with thousands of high findings makes one proposal per volume and one refusal per scan stream, naming the rest', { timeout: 600_000 }, async () => {
  const s = new Story();
  stories.push(s);
  const b602 = await s.setUp();
  await s.ingest(bigReport(3000), v2);
  const catalog = Catalog.open(join(s.dataDir, 'catalog.db'));
  try {
    const high = catalog.sast.listFindings({ severities: ['high'], states: ['open'] });
    const bandit = high.filter((f) => f.tool.toLowerCase() === 'bandit').map((f) => f.id);
    const big = high.filter((f) => f.tool === 'BigScanner').map((f) => f.id);
    assert.equal(big.length, 3000);
    assert.ok(bandit.length >= 2 && bandit.includes(b602), JSON.stringify(bandit));
    const ids = [b602, ...bandit.filter((id) => id !== b602), ...big];
    const d = { loaded: await loadConfig(s.config), catalog, clock: systemClock, env: s.env, log: () => undefined };
    const r = await proposeForReport(d, ids, { threshold: 'high' });

    // Bandit's stream: v1 was scanned clean by it, so its first finding is proposed and the other Bandit finding rides along.
    assert.equal(r.proposed.length, 1, JSON.stringify(r.proposed));
    const [p] = r.proposed;
    assert.equal(p!.findingId, b602);
    assert.deepEqual(p!.alsoFindings.sort(), bandit.filter((id) => id !== b602).sort());
    assert.deepEqual(r.withdrawn, []);
    // BigScanner's stream: no scan of v1 by it, so no restore point is known clean: refused once, for all 3000.
    assert.equal(r.refused.length, 1, JSON.stringify(r.refused.slice(0, 3)));
    assert.equal(r.refused[0]!.findingId, big[0]);
    assert.match(r.refused[0]!.message, /\(the same for 2999 more new finding\(s\) of the same scan\)$/);
    assert.equal(r.outcomes.length, ids.length, 'every finding has its decision');
    assert.equal(r.outcomes.filter((o) => o.incidents.some((i) => i.coveredBy)).length, ids.length - 2);

    const rows = catalog.db.prepare('SELECT status FROM incidents').all() as { status: string }[];
    assert.deepEqual(rows.map((x) => x.status), ['proposed'], 'one incident written, none to withdraw');
    assert.equal(catalog.audit.list({ action: 'incident.refused', limit: 10_000 }).length, 1);
  } finally {
    catalog.close();
  }
});
