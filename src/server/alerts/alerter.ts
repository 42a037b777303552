/**
 * Alerts: a condition (backup failed, schedule missed, verification failed or stale, certificate
 * expiring, critical finding in a deployed version) becomes one JSON payload sent to every webhook
 * subscribed to its event. A condition is identified by (event, key) and sent once per
 * `repeatAfter` while it persists, so a stale volume does not page every minute. Delivery runs in
 * the background, is recorded in the catalog and logged, and is never fatal to the caller.
 */
import type { Logger } from '../../base/log.js';
import type { EvidenceStore } from '../../catalog/evidence.js';
import type { AlertEvent, WebhookConfig } from '../../config/index.js';
import type { Clock } from '../../platform/clock.js';
import { deliverWebhook, safeUrl } from './webhook.js';

export interface AlertInput {
  event: AlertEvent;
  /** What the condition is about, stable while it persists: "shop-data", "policy/volume", a finding id. */
  key: string;
  severity: 'critical' | 'warning';
  summary: string;
  details?: Record<string, unknown>;
}

export interface AlerterOptions {
  webhooks: WebhookConfig[];
  evidence: EvidenceStore;
  clock: Clock;
  log: Logger;
  /** Resend a persisting condition after this long (default 24h). */
  repeatAfterMs?: number;
  backoffMs?: number;
}

export class Alerter {
  private readonly inFlight = new Set<Promise<void>>();
  constructor(private readonly o: AlerterOptions) {}

  /** Returns how many webhooks the alert was queued for (0 when de-duplicated or unsubscribed). */
  fire(a: AlertInput): number {
    const now = this.o.clock.now();
    const last = this.o.evidence.alerts({ event: a.event, key: a.key, limit: 1 })[0];
    if (last && now.getTime() - last.time.getTime() < (this.o.repeatAfterMs ?? 86_400_000)) return 0;
    const payload = {
      source: 'holdfast',
      event: a.event,
      key: a.key,
      severity: a.severity,
      summary: a.summary,
      time: now.toISOString(),
      details: a.details ?? {},
    };
    let queued = 0;
    for (const w of this.o.webhooks) {
      if (w.events && !w.events.includes(a.event)) continue;
      const row = this.o.evidence.addAlert({
        time: now,
        event: a.event,
        key: a.key,
        webhook: w.name,
        status: 'pending',
        attempts: 0,
        lastError: undefined,
        payload,
      });
      const log = this.o.log.child({ webhook: w.name, event: a.event, key: a.key });
      const p = deliverWebhook(w.url, payload, {
        timeoutMs: w.timeout,
        retries: w.retries,
        backoffMs: this.o.backoffMs ?? w.backoff,
        onAttempt: (n, err) => {
          if (err)
            log.warn(
              `alert to webhook ${w.name} (${safeUrl(w.url)}) failed, attempt ${n}/${w.retries + 1}: ${err}`,
            );
        },
      })
        .then((r) => {
          this.o.evidence.updateAlert(row.id, {
            status: r.delivered ? 'delivered' : 'failed',
            attempts: r.attempts,
            lastError: r.lastError,
          });
          if (r.delivered) log.info(`alert delivered to webhook ${w.name}`, { attempts: r.attempts });
          else log.error(`alert to webhook ${w.name} given up after ${r.attempts} attempts: ${r.lastError}`);
        })
        .catch((e) => log.error(`alert to webhook ${w.name}: ${e instanceof Error ? e.message : String(e)}`))
        .finally(() => this.inFlight.delete(p));
      this.inFlight.add(p);
      queued++;
    }
    return queued;
  }

  /** Resolves when every delivery started so far has finished (delivered or given up). */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }
}
