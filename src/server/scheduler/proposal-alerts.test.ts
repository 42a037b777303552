/**
 * Proposals made outside the server (the CLI's ingest) are alerted by the health sweep: the
 * decision as a table, then the sweep in a real control plane with a real webhook receiver.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WebhookReceiver } from '../../../test/harness/webhook.js';
import { IncidentStore } from '../../catalog/incidents.js';
import { baseYaml, testPlane } from '../testing.js';
import { decideProposalAlert, PROPOSAL_SETTLE_MS } from './proposal-alerts.js';

describe('decideProposalAlert', () => {
  const now = new Date('2026-12-01T12:00:00Z');
  const at = (msAgo: number) => new Date(now.getTime() - msAgo).toISOString();
  const cases: [string, { status: string; updatedAt: string }, boolean, boolean, string][] = [
    ['alerts a settled proposal nobody was alerted about', { status: 'proposed', updatedAt: at(PROPOSAL_SETTLE_MS) }, false, true, 'Unalerted'],
    ['does not alert a proposal the upload alerted already', { status: 'proposed', updatedAt: at(3_600_000) }, true, false, 'Alerted'],
    ['waits while a fresh proposal may still be withdrawn by the report that made it', { status: 'proposed', updatedAt: at(1000) }, false, false, 'Settling'],
    ['does not alert a withdrawn proposal', { status: 'aborted', updatedAt: at(3_600_000) }, false, false, 'NotProposed'],
    ['does not alert an incident that runs', { status: 'running', updatedAt: at(3_600_000) }, false, false, 'NotProposed'],
  ];
  for (const [name, inc, alreadyAlerted, alert, reason] of cases)
    it(name, () => {
      const d = decideProposalAlert({ incident: { id: 'inc-1', ...inc }, now, alreadyAlerted });
      assert.deepEqual([d.alert, d.reason], [alert, reason], d.message);
    });
});

describe('the health sweep and proposals made elsewhere', () => {
  it('alerts a proposal written by another process once, after it settled, and never one the upload alerted', async () => {
    const hook = new WebhookReceiver();
    const url = await hook.start();
    const t = await testPlane({ yaml: baseYaml(`alerts:\n  webhooks: [{ name: ops, url: "${url}" }]\n`) });
    try {
      // What `holdfast sast ingest --config` leaves in the catalog: a proposal row, no alert.
      const store = new IncidentStore(t.cp.d.catalog.db, () => t.clock.now());
      const steps = [{ step: 'assess', uses: 'assess' }];
      store.create({ id: 'inc-cli', playbook: 'restore-secure-and-rotate', volume: 'data', status: 'proposed', configFile: 'x', params: { target: { findingId: 'f1' } }, steps });
      store.setStatus('inc-cli', 'proposed', { message: 'proposed: finding f1 (high) is deployed on app; restore point abc' });
      store.create({ id: 'inc-upload', playbook: 'restore-secure-and-rotate', volume: 'data', status: 'proposed', configFile: 'x', params: {}, steps });
      t.cp.alerter.fire({ event: 'incident-proposed', key: 'inc-upload', severity: 'critical', summary: 'incident inc-upload proposed (by the upload)' });

      await t.cp.health.sweep();
      await t.cp.alerter.idle();
      assert.deepEqual(hook.received.map((a) => a.key), ['inc-upload'], 'nothing for a proposal that may still be withdrawn');
      t.clock.advance(PROPOSAL_SETTLE_MS);
      await t.cp.health.sweep();
      await t.cp.health.sweep();
      await t.cp.alerter.idle();
      assert.deepEqual(hook.received.map((a) => a.key).sort(), ['inc-cli', 'inc-upload']);
      const a = hook.received.find((x) => x.key === 'inc-cli')!;
      assert.equal(a.event, 'incident-proposed');
      assert.match(a.summary, /^incident inc-cli proposed for volume data outside this server .*: proposed: finding f1 \(high\).*; approve with POST \/api\/v1\/incidents\/inc-cli\/approve$/);
    } finally {
      await t.dispose();
      await hook.close();
    }
  });
});
