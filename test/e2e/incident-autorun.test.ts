/**
 * incidents.autoRun, on the control plane's incident engine (src/server/engines/incidents.ts) with
 * the real example shop of test/playbook/harness.ts (v1 clean and backed up, v2 vulnerable and
 * running, real Bandit reports): a finding the policy auto-runs is proposed, alerted as auto-run,
 * and run in this process without anyone approving it; the volume ends with the v1 data. One
 * upload proposes one incident per volume; the restore withdraws a proposal it made moot.
 * Alerts go through the real Alerter to a real webhook receiver.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { silentLogger } from '../../src/base/log.js';
import { Catalog } from '../../src/catalog/index.js';
import { EvidenceStore } from '../../src/catalog/evidence.js';
import { loadConfig } from '../../src/config/index.js';
import { systemClock } from '../../src/platform/clock.js';
import { Alerter } from '../../src/server/alerts/alerter.js';
import { IncidentEngine } from '../../src/server/engines/incidents.js';
import { WebhookReceiver } from '../harness/webhook.js';
import { Story, v1 } from '../playbook/harness.js';

const s = new Story();
const hook = new WebhookReceiver();
after(async () => {
  await s.dispose();
  await hook.close();
});

test('a finding that incidents.autoRun covers is proposed once per volume, alerted as auto-run, and run without approval; the proposals it made moot are withdrawn', { timeout: 300_000 }, async () => {
  const findingId = await s.setUp();
  const url = await hook.start();
  const loaded = await loadConfig(s.config);
  const catalog = Catalog.open(join(s.dataDir, 'catalog.db'));
  let engine: IncidentEngine | undefined;
  try {
    const alerter = new Alerter({ webhooks: [{ name: 'receiver', url, timeout: 5000, retries: 2, backoff: 100 }], evidence: new EvidenceStore(catalog.db), clock: systemClock, log: silentLogger });
    let autoRun = false;
    engine = new IncidentEngine({ loaded, catalog, clock: systemClock, env: s.env, log: silentLogger, alerter, policy: () => ({ threshold: 'high', autoRun: { enabled: autoRun, atOrAbove: 'high', volumes: ['shop-data'] } }) });
    // v2's other high finding (Bandit B324, md5), proposed earlier while auto-run was off: it waits.
    const md5 = catalog.sast.listFindings({ severities: ['high'], states: ['open'] }).find((f) => f.ruleId === 'B324')!;
    const earlier = await engine.onNewFindings([md5.id]);
    assert.equal(earlier.proposed[0]!.autoRun, false);
    const waiting = earlier.proposed[0]!.id;

    // One upload with both high findings, auto-run on: one incident for the volume (the first of
    // the most severe, in the upload's order), covering the second (same scan, same plan), and it runs by itself.
    autoRun = true;
    const t0 = performance.now();
    const out = await engine.onNewFindings([md5.id, findingId]);
    assert.equal(out.refused.length, 0, JSON.stringify(out.refused));
    assert.equal(out.proposed.length, 1, JSON.stringify(out));
    const [p] = out.proposed;
    assert.ok(p);
    assert.equal(p.autoRun, true, p.autoRunMessage);
    assert.deepEqual([p.findingId, p.alsoFindings], [md5.id, [findingId]]);
    assert.deepEqual(out.withdrawn, []);
    assert.equal(engine.list().find((i) => i.id === p.id)!.runningHere, true, 'already running when the upload would answer');
    const alert = await hook.waitFor((a) => a.event === 'incident-proposed' && a.key === p.id);
    assert.equal(alert.details.autoRun, true);
    assert.match(alert.summary, /auto-run by policy$/);
    await engine.idle();
    console.log(`auto-run: findings → proposal ${out.triggerMs} ms; findings → incident succeeded ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const row = engine.get(p.id)!;
    assert.equal(row.incident.status, 'succeeded', row.incident.message);
    assert.equal(readFileSync(join(s.data, 'items.jsonl'), 'utf8'), s.v1Items);
    assert.equal(JSON.parse(readFileSync(join(s.dir, 'version.json'), 'utf8')).commit, v1);
    assert.deepEqual(catalog.audit.list({ object: `incident:${p.id}`, action: 'incident.approved' }).map((a) => a.actor), ['incidents.autoRun']);
    assert.ok(engine.reportPath(p.id, 'md'));
    // The restore made the earlier proposal moot (v2 no longer runs): it is withdrawn, not left awaiting approval.
    const moot = engine.get(waiting)!.incident;
    assert.equal(moot.status, 'aborted');
    assert.match(moot.message!, new RegExp(`^withdrawn: incident ${p.id} restored volume shop-data and the version with finding ${md5.id} is no longer deployed`));
    await alerter.idle();
  } finally {
    await engine?.idle(); // a failed assertion must not leave a run writing to a closed catalog
    catalog.close();
  }
});
