import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { x509 } from '../../tls/keys.js';
import { CaStore } from '../../tls/index.js';
import { baseYaml, testPlane } from '../testing.js';

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
