import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dismissFinding, dismissReasons, ingestBytes } from '../../sast/index.js';
import { result, sarifOf } from '../../sast/testing.js';
import { commit, testPlane } from '../testing.js';
import { versionVerdict } from './verdict.js';

const report = (n: number) => sarifOf('Semgrep', Array.from({ length: n }, (_, i) => result('sqli', `src/q${i}.py`, 1, `query ${i}`, { properties: { 'security-severity': '8.1' } })));

describe("a version's verdict as the views read it", () => {
  it('is read from the findings once while no scan and no dismissal changed, however long ago, and again after either', async () => {
    const t = await testPlane();
    try {
      const ingest = (n: number) => ingestBytes(report(n), { repository: 'github.com/holdfast/shop', commit, ref: 'refs/heads/main' }, { catalog: t.cp.d.catalog, clock: t.clock, name: `${n}.sarif` });
      let reads = 0;
      const sast = t.cp.d.catalog.sast;
      // One read of the version's scans per verdict computed (then every finding of each scan).
      const read = sast.scansOfVersion.bind(sast);
      sast.scansOfVersion = (id) => (reads++, read(id));

      ingest(3);
      assert.equal(versionVerdict(t.cp, commit).verdict, 'blocked');
      t.clock.advance(3_600_000);
      t.cp.runs.list(); // other writes and reads of the catalog change nothing
      t.cp.d.catalog.deployments.record({ workload: 'app', commit, repository: 'github.com/holdfast/shop', at: t.clock.now(), volumes: ['data'] });
      assert.equal(versionVerdict(t.cp, commit).findings.length, 3);
      assert.equal(reads, 1, 'an hour later, nothing it depends on changed: not read again');

      t.clock.advance(10_000);
      ingest(2);
      assert.equal(versionVerdict(t.cp, commit).findings.length, 2, 'a new scan: read again');
      assert.equal(reads, 2);

      t.clock.advance(10_000);
      for (const f of versionVerdict(t.cp, commit).findings) dismissFinding(t.cp.d.catalog, t.clock, { id: f.id, reason: dismissReasons[0] });
      assert.equal(versionVerdict(t.cp, commit).verdict, 'clean', 'dismissed: read again');
      assert.equal(reads, 3);
    } finally {
      await t.dispose();
    }
  });
});
