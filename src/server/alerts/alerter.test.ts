import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WebhookReceiver } from '../../../test/harness/webhook.js';
import { silentLogger } from '../../base/log.js';
import { EvidenceStore } from '../../catalog/evidence.js';
import { tempCatalog } from '../../catalog/testing.js';
import { ManualClock } from '../../platform/clock.js';
import { Alerter } from './alerter.js';
import { safeUrl } from './webhook.js';

describe('alerts to webhooks', () => {
  it('sends a persisting condition once a day, and only to webhooks subscribed to its event', async () => {
    const all = new WebhookReceiver();
    const onlyMissed = new WebhookReceiver();
    const c = tempCatalog();
    try {
      const clock = new ManualClock(new Date('2026-12-01T08:00:00Z'));
      const base = { timeout: 2000, retries: 1, backoff: 10 };
      const alerter = new Alerter({
        webhooks: [
          { name: 'all', url: await all.start(), ...base },
          { name: 'missed', url: await onlyMissed.start(), events: ['schedule-missed'], ...base },
        ],
        evidence: new EvidenceStore(c.catalog.db),
        clock,
        log: silentLogger,
      });
      const stale = {
        event: 'verification-stale',
        key: 'data',
        severity: 'warning',
        summary: 'volume data: never verified',
      } as const;
      assert.equal(alerter.fire(stale), 1);
      assert.equal(alerter.fire(stale), 0, 'the same condition an hour later is not sent again');
      clock.advance(25 * 3_600_000);
      assert.equal(alerter.fire(stale), 1, 'a day later it is sent again');
      assert.equal(
        alerter.fire({
          event: 'schedule-missed',
          key: 'backup/p/v:Downtime',
          severity: 'warning',
          summary: 'missed',
        }),
        2,
      );
      await alerter.idle();
      assert.deepEqual(
        all.received.map((a) => a.event),
        ['verification-stale', 'verification-stale', 'schedule-missed'],
      );
      assert.deepEqual(
        onlyMissed.received.map((a) => a.event),
        ['schedule-missed'],
      );
      assert.equal(all.received[0]!.time, '2026-12-01T08:00:00.000Z');
    } finally {
      c.dispose();
      await all.close();
      await onlyMissed.close();
    }
  });

  it('never logs the credentials or query of a webhook URL', () => {
    assert.equal(safeUrl('https://user:s3cret@hooks.example/x?token=abc'), 'https://hooks.example/x?…');
  });
});
