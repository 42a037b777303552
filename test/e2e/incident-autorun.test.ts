/**
 * incidents.autoRun, on the control plane's incident engine (src/server/engines/incidents.ts) with
 * the real example shop of test/playbook/harness.ts (v1 clean and backed up, v2 vulnerable and
 * running, real Bandit reports): a finding the policy auto-runs is proposed, alerted as auto-run,
 * and run in this process without anyone approving it; the volume ends with the v1 data.
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

test('a finding that incidents.autoRun covers is proposed, alerted as auto-run, and run without approval', { timeout: 300_000 }, async () => {
  const findingId = await s.setUp();
  const url = await hook.start();
  const loaded = await loadConfig(s.config);
  const catalog = Catalog.open(join(s.dataDir, 'catalog.db'));
  try {
    const alerter = new Alerter({ webhooks: [{ name: 'receiver', url, timeout: 5000, retries: 2, backoff: 100 }], evidence: new EvidenceStore(catalog.db), clock: systemClock, log: silentLogger });
    const engine = new IncidentEngine({ loaded, catalog, clock: systemClock, env: s.env, log: silentLogger, alerter, policy: () => ({ threshold: 'high', autoRun: { enabled: true, atOrAbove: 'high', volumes: ['shop-data'] } }) });
    const out = await engine.onNewFindings([findingId]);
    assert.equal(out.refused.length, 0, JSON.stringify(out.refused));
    const [p] = out.proposed;
    assert.ok(p);
    assert.equal(p.autoRun, true, p.autoRunMessage);
    assert.equal(engine.list()[0]!.runningHere, true, 'already running when the upload would answer');
    const alert = await hook.waitFor((a) => a.event === 'incident-proposed' && a.key === p.id);
    assert.equal(alert.details.autoRun, true);
    assert.match(alert.summary, /auto-run by policy$/);
    await engine.idle();
    const row = engine.get(p.id)!;
    assert.equal(row.incident.status, 'succeeded', row.incident.message);
    assert.equal(readFileSync(join(s.data, 'items.jsonl'), 'utf8'), s.v1Items);
    assert.equal(JSON.parse(readFileSync(join(s.dir, 'version.json'), 'utf8')).commit, v1);
    assert.deepEqual(catalog.audit.list({ object: `incident:${p.id}`, action: 'incident.approved' }).map((a) => a.actor), ['incidents.autoRun']);
    assert.ok(engine.reportPath(p.id, 'md'));
    await alerter.idle();
  } finally {
    catalog.close();
  }
});
