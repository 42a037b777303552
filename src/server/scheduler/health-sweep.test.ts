import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ingestBytes } from '../../sast/index.js';
import { result, sarifOf } from '../../sast/testing.js';
import { x509 } from '../../tls/keys.js';
import { CaStore } from '../../tls/index.js';
import { WebhookReceiver } from '../../../test/harness/webhook.js';
import { baseYaml, commit, testPlane } from '../testing.js';

const DAY = 86_400_000;

const crlTimes = (path: string) => {
  const crl = new x509.X509Crl(readFileSync(path, 'utf8'));
  return { thisUpdate: crl.thisUpdate.toISOString(), nextUpdate: crl.nextUpdate?.toISOString() };
};

describe('health sweep: serve keeps its CA\'s CRLs fresh', () => {
  it('re-signs the CRL at half its validity even when no certificate is configured (only the API certificate is issued)', async () => {
    const t = await testPlane({ yaml: baseYaml() });
    try {
      assert.deepEqual(t.cp.config.certificates, {}, 'no certificate policy: no certificate job refreshes anything');
      const caDir = join(t.cp.dataDir, 'ca');
      await t.cp.d.certs.issue({ caDir, inventoryName: 'serve:api', commonName: 'holdfast-control-plane', dnsNames: ['localhost'], ipAddresses: [], validityMs: 90 * DAY });
      const store = new CaStore(caDir);
      const path = store.crlPath((await store.readState()).active);
      const first = crlTimes(path);
      assert.equal(first.thisUpdate, t.clock.now().toISOString(), 'a new CA publishes its CRL from the start');

      t.clock.advance(3 * DAY);
      await t.cp.health.sweep();
      assert.deepEqual(crlTimes(path), first, 'not due before half of its 7 days');

      t.clock.advance(DAY);
      await t.cp.health.sweep();
      const now = t.clock.now();
      assert.deepEqual(crlTimes(path), { thisUpdate: now.toISOString(), nextUpdate: new Date(now.getTime() + 7 * DAY).toISOString() }, 're-signed 3.5 days before nextUpdate');
    } finally {
      await t.dispose();
    }
  });
});

describe('health sweep: critical findings in a deployed version', () => {
  it('alerts 20 one by one and the rest in one alert, once, and again only when there are more', async () => {
    const hook = new WebhookReceiver();
    const url = await hook.start();
    const t = await testPlane({ yaml: baseYaml(`alerts:\n  webhooks: [{ name: ops, url: "${url}" }]\n`) });
    try {
      const report = (n: number) => sarifOf('Semgrep', Array.from({ length: n }, (_, i) => result('sqli', `src/q${i}.py`, 1, `query ${i}`, { properties: { 'security-severity': '9.8' } })));
      t.cp.d.catalog.deployments.record({ workload: 'app', commit, repository: 'github.com/holdfast/shop', at: t.clock.now(), volumes: ['data'] });
      const ingest = (n: number) => ingestBytes(report(n), { repository: 'github.com/holdfast/shop', commit, ref: 'refs/heads/main' }, { catalog: t.cp.d.catalog, clock: t.clock, name: `${n}.sarif` });
      const alerts = () => t.cp.evidence.alerts({ event: 'critical-finding-deployed', limit: 1000 });
      const keys = () => new Set(alerts().map((a) => a.key));

      ingest(25);
      await t.cp.health.sweep();
      await t.cp.health.sweep();
      assert.equal(keys().size, 21, '20 findings and one summary, not 25 webhooks, and not again at the next sweep');
      const summary = alerts().find((a) => a.key.startsWith('5 more@'));
      assert.match(String(summary?.payload.summary), /^5 more critical findings in app at 0eeab4ac3343, not alerted one by one/);

      t.clock.advance(60_000);
      ingest(30);
      await t.cp.health.sweep();
      assert.ok(keys().has(`10 more@${commit}`), 'more critical findings in the same version: a new summary');
      assert.ok(keys().size <= 21 + 21, `still at most 21 new alerts for the version in a sweep (${keys().size} in all)`);
    } finally {
      await t.dispose();
      await hook.close();
    }
  });
});
