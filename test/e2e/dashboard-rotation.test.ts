/**
 * The certificates page in a real Chromium shows what each CA rotation gate waits for: a rotation
 * started through serve's API waiting out its propagation period, then its retire gate waiting for
 * serve to renew its certificate from the new CA, and that certificate waiting for the clients of
 * its caFile to learn the new root. The control plane is real (CA, catalog, scheduler) with a
 * manual clock, so the waits are exact.
 */
import assert from 'node:assert/strict';
import { utimesSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { baseYaml, testPlane, type TestPlane } from '../../src/server/testing.js';
import { launchBrowser, loggedInPage } from '../harness/browser.js';

describe('the certificates page shows what each rotation gate waits for', { timeout: 180_000 }, () => {
  let t: TestPlane;
  let url = '';
  const status = async () =>
    (await t.app.inject({ url: '/api/v1/tls/rotation', headers: { authorization: `Bearer ${t.token}` } })).json() as {
      rotation?: { gates: { id: string; state: string }[] };
      certificates: { name: string }[];
    };
  const waitingAt = async (gate: string) => {
    for (const end = Date.now() + 30_000; Date.now() < end; await new Promise((r) => setTimeout(r, 100)))
      if ((await status()).rotation?.gates.some((g) => g.id === gate && g.state === 'waiting')) return;
    throw new Error(`the rotation never waited at ${gate}: ${JSON.stringify(await status())}`);
  };

  before(async () => {
    t = await testPlane({
      yaml: baseYaml(`certificates:\n  web: { commonName: web.local, dnsNames: [web.local], certFile: ./certs/tls.crt, keyFile: ./certs/tls.key, caFile: ./certs/ca.crt, validity: 2h, renewBefore: 1h }\n`),
    });
    await t.cp.scheduler.runNow('certificate/web');
    url = await t.app.listen({ host: '127.0.0.1', port: 0 });
  });
  after(() => t?.dispose());

  it('propagation, then the retire gate and the certificate it waits for', async () => {
    const r = await t.app.inject({ method: 'POST', url: '/api/v1/tls/rotate-ca', headers: { authorization: `Bearer ${t.token}` }, payload: { propagation: '1h' } });
    assert.equal(r.statusCode, 202, r.body);
    await waitingAt('distribute:propagate');
    const b = await launchBrowser();
    try {
      const page = await loggedInPage(b.context, url, t.token);
      await page.goto(`${url}/ui/certificates`);
      const gate = (id: string) => page.locator(`#ca-rotation tr.gate[data-gate="${id}"]`);
      assert.equal(await gate('prepare:gate').getAttribute('data-state'), 'done');
      assert.equal(await gate('distribute:propagate').getAttribute('data-state'), 'waiting');
      assert.match(await gate('distribute:propagate').innerText(), /consumers to re-read the trust bundle with both roots \(propagation 3600s\)\s+until 2026-12-01T09:00:\d\d/);
      assert.equal(await gate('retire:gate').getAttribute('data-state'), 'ahead');

      // The period passes: the new CA issues, and the retire gate waits for serve's leaf of the old one.
      t.clock.advance(3_601_000);
      await waitingAt('retire:gate');
      // serve wrote the caFile with both roots ten minutes ago: its clients get the rest of the hour.
      const since = new Date(t.clock.now().getTime() - 600_000);
      utimesSync(join(t.dir, 'certs', 'ca.crt'), since, since);
      await t.cp.scheduler.runNow('certificate/web');
      await page.reload();
      assert.equal(await gate('distribute:propagate').getAttribute('data-state'), 'done');
      assert.equal(await gate('retire:gate').getAttribute('data-state'), 'waiting');
      assert.match(await gate('retire:gate').innerText(), /serve\/web \(serial [0-9a-f]+…, issued [^)]+\) still live from ca-\S+; its issuer must renew it first/);
      const wait = page.locator('#ca-rotation li.certificate-wait[data-certificate="web"]');
      assert.match(await wait.innerText(), /web: waiting until \S+ for clients of \S+ca\.crt to re-read it with the new root \(propagation 3600s\)/);
    } finally {
      await b.close();
    }
  });
});
