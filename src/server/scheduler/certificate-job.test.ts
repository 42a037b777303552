import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServer, type Server } from 'node:tls';
import { describe, it } from 'node:test';
import { deadPort, WebhookReceiver } from '../../../test/harness/webhook.js';
import { ManualClock } from '../../platform/clock.js';
import { CaStore, TlsEngine, createAuthority, DEFAULT_MAX_LIFETIME_MS, issueLeaf, splitPem } from '../../tls/index.js';
import { ServingCertKeeper } from '../serving-cert.js';
import { baseYaml, testPlane } from '../testing.js';

const DAY = 86_400_000;

async function listen(cert: string | Buffer, key: string | Buffer): Promise<{ server: Server; port: number }> {
  const server = createServer({ cert, key }, (s) => s.end());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { server, port: (server.address() as { port: number }).port };
}

const close = (s: Server) => new Promise((r) => s.close(r));

/** `holdfast tls` on serve's CA directory, in this process: it rotates the CA, serve owns the certificates. */
const cliBeside = (caDir: string, retireWaitMs = 0) =>
  new TlsEngine({
    store: new CaStore(caDir),
    targets: () => {
      throw new Error('serve owns these certificates');
    },
    rotationTimings: { propagationMs: 0, retireWaitMs },
  });

async function planWith(endpoint: number, hook: string) {
  return testPlane({
    yaml: baseYaml(
      `certificates:\n  web: { commonName: web.local, ipAddresses: [127.0.0.1], certFile: ./certs/tls.crt, keyFile: ./certs/tls.key, endpoint: "127.0.0.1:${endpoint}" }\n` +
        `alerts:\n  webhooks: [{ name: ops, url: "${hook}", events: [certificate-served-invalid] }]\n`,
    ),
  });
}

describe('certificate job: serve never shows green over an endpoint its clients reject', () => {
  it('alerts once, with the reason, when the endpoint serves a leaf from a CA the bundle does not hold', async () => {
    const hooks = new WebhookReceiver();
    const url = await hooks.start();
    const clock = new ManualClock(new Date('2026-12-01T08:00:00Z'));
    const stranger = await createAuthority({ id: 'stranger', commonName: 'stranger', algorithm: 'ecdsa-p256', lifetimeMs: 365 * DAY }, clock);
    const leaf = await issueLeaf(
      { name: 'web', sans: { dns: [], ip: ['127.0.0.1'], uri: [] }, usages: ['serverAuth'], algorithm: 'ecdsa-p256', lifetimeMs: 30 * DAY, maxLifetimeMs: DEFAULT_MAX_LIFETIME_MS },
      stranger,
      clock,
    );
    const srv = await listen(leaf.chainPem, leaf.keyPem);
    const t = await planWith(srv.port, url);
    const auth = { authorization: `Bearer ${t.token}` };
    try {
      await t.cp.scheduler.runNow('certificate/web');
      await t.cp.scheduler.runNow('certificate/web');
      await t.cp.alerter.idle();
      const alerts = hooks.received.filter((a) => a.event === 'certificate-served-invalid');
      assert.equal(alerts.length, 1, 'once, not on every probe');
      assert.match(alerts[0]!.summary, /certificate web: 127\.0\.0\.1:\d+ serves serial [0-9a-f]+ .* which does not chain to a root of the trust bundle/);
      assert.equal((alerts[0]!.details as { reason: string }).reason, 'Untrusted');
      const [c] = (await t.app.inject({ url: '/api/v1/certificates', headers: auth })).json();
      assert.notEqual(c.state, 'Valid');
      assert.match(c.message, /does not chain to a root of the trust bundle/);
    } finally {
      await t.dispose();
      await close(srv.server);
      await hooks.close();
    }
  });

  it('alerts once, with the reason, when the endpoint still serves the expired certificate it was issued, though the file was renewed (not at every sweep)', async () => {
    const hooks = new WebhookReceiver();
    const url = await hooks.start();
    let srv: { server: Server; port: number } | undefined;
    // The endpoint is named before it serves: a free port, then the first certificate served on it.
    const port = await deadPort();
    const t = await planWith(port, url);
    try {
      await t.cp.scheduler.runNow('certificate/web');
      const dir = join(t.dir, 'certs');
      srv = await new Promise((resolve) => {
        const server = createServer(
          { cert: readFileSync(join(dir, 'tls.crt')), key: readFileSync(join(dir, 'tls.key')) },
          (s) => s.end(),
        );
        server.listen(port, '127.0.0.1', () => resolve({ server, port }));
      });
      t.clock.advance(31 * DAY); // past the 30d validity; the job renews the file, the server never reloads
      await t.cp.scheduler.runNow('certificate/web');
      // Both of serve's probes go on seeing it: the certificate's own checks and the health sweep (every 10 minutes).
      for (let i = 0; i < 3; i++) {
        t.clock.advance(10 * 60_000);
        await t.cp.health.sweep();
        await t.cp.scheduler.runNow('certificate/web');
      }
      await t.cp.alerter.idle();
      const alerts = hooks.received.filter((a) => a.event === 'certificate-served-invalid');
      assert.equal(alerts.length, 1, `once, not at every sweep: ${alerts.map((a) => a.summary).join('; ')}`);
      assert.match(alerts[0]!.summary, /^certificate web: 127\.0\.0\.1:\d+ serves serial [0-9a-f]+ \(CN=127\.0\.0\.1\) that expired on /);
      assert.equal((alerts[0]!.details as { reason: string }).reason, 'Expired');
      assert.equal(alerts[0]!.severity, 'critical');
      const [c] = (await t.app.inject({ url: '/api/v1/certificates', headers: { authorization: `Bearer ${t.token}` } })).json();
      assert.notEqual(c.state, 'Valid');
      assert.match(c.message, /expired on /);
    } finally {
      await t.dispose();
      if (srv) await close(srv.server);
      await hooks.close();
    }
  });

  it('one authority: rotate-ca on serve\'s CA directory waits for serve\'s leaves, which serve renews from the new CA with both roots in caFile', async () => {
    const t = await testPlane({
      yaml: baseYaml(
        `certificates:\n  web: { commonName: web.local, dnsNames: [web.local], certFile: ./certs/tls.crt, keyFile: ./certs/tls.key, caFile: ./certs/ca.crt }\n`,
      ),
      start: new Date(),
    });
    try {
      await t.cp.scheduler.runNow('certificate/web');
      const caDir = join(t.cp.dataDir, 'ca');
      const cli = (retireWaitMs: number) => cliBeside(caDir, retireWaitMs);
      // serve's leaf is in the CA's inventory (issued.jsonl), so the old root cannot be retired yet.
      await assert.rejects(cli(0).rotateCa(), /retire gate: serve\/web \(serial [0-9a-f]+…, issued [^)]+\) still live from ca-\S+; its issuer must renew it first/);
      const state = await new CaStore(caDir).readState();
      assert.equal(state.trusted.length, 2, 'the old root is still trusted');
      // serve's next check sees a leaf from a CA that no longer issues and renews it from the active one.
      await t.cp.scheduler.runNow('certificate/web');
      const leaf = new X509Certificate(readFileSync(join(t.dir, 'certs', 'tls.crt')));
      const active = new X509Certificate(await new CaStore(caDir).issuingPem(state.active));
      assert.ok(leaf.verify(active.publicKey), 'renewed from the new CA');
      assert.equal(splitPem(readFileSync(join(t.dir, 'certs', 'ca.crt'), 'utf8')).length, 2, 'caFile holds both roots while the old one is trusted');
      const done = await cli(0).rotateCa();
      assert.ok(done.finished);
      assert.deepEqual((await new CaStore(caDir).readState()).trusted, [state.active]);
    } finally {
      await t.dispose();
    }
  });

  it('issues a validity above 398 days only under a raised maxValidity, and says so in the run log', async () => {
    const t = await testPlane({
      yaml: baseYaml(`certificates:\n  web: { commonName: web.local, dnsNames: [web.local], certFile: ./certs/tls.crt, keyFile: ./certs/tls.key, validity: 450d, renewBefore: 30d, maxValidity: 500d }\n`),
      start: new Date(),
    });
    try {
      const run = (await t.cp.scheduler.runNow('certificate/web'))!;
      assert.equal(run.status, 'succeeded', run.message);
      const leaf = new X509Certificate(readFileSync(join(t.dir, 'certs', 'tls.crt')));
      assert.equal(Math.round((Date.parse(leaf.validTo) - Date.parse(leaf.validFrom)) / 86_400_000), 450);
      const warned = t.cp.runs.logs(run.id).filter((l) => l.level === 'warn').map((l) => l.message);
      assert.deepEqual(warned, ['web: certificate web.local: lifetime 450d is above 398d, which public clients refuse (allowed by the raised cap of 500d)']);
    } finally {
      await t.dispose();
    }
  });

  it("one authority: a policy named api and serve's own API certificate each hold the old root until both moved to the new CA", async () => {
    const t = await testPlane({ yaml: baseYaml(`certificates:\n  api: { commonName: localhost, dnsNames: [localhost], certFile: ./certs/api.crt, keyFile: ./certs/api.key }\n`), start: new Date() });
    try {
      const keeper = new ServingCertKeeper({ dataDir: t.cp.dataDir, host: '127.0.0.1', clock: t.clock, certs: t.cp.d.certs });
      await keeper.check();
      await t.cp.scheduler.runNow('certificate/api');
      const caDir = join(t.cp.dataDir, 'ca');
      const rotateCa = () => cliBeside(caDir).rotateCa();
      await assert.rejects(rotateCa(), /retire gate: .* still live from ca-\S+/);
      // The policy moves to the new CA; the API's leaf still comes from the old one and must hold it.
      await t.cp.scheduler.runNow('certificate/api');
      const apiLeaf = new X509Certificate(readFileSync(join(t.cp.dataDir, 'tls', 'server.crt'))).serialNumber.toLowerCase();
      await assert.rejects(rotateCa(), new RegExp(`retire gate: serve:api \\(serial ${apiLeaf.slice(0, 16)}…, issued [^)]+\\) still live from ca-\\S+`));
      assert.equal((await new CaStore(caDir).readState()).trusted.length, 2, "the old root still signs the API's leaf");
      assert.equal((await keeper.check()).renewed, true);
      assert.ok((await rotateCa()).finished);
    } finally {
      await t.dispose();
    }
  });

  // `legacy`: the leaves were recorded by an older serve, under the policies' shared commonName.
  for (const legacy of [false, true])
    it(`one authority: two policies with one commonName each hold the old root until both moved to the new CA${legacy ? ' (records under the commonName)' : ''}`, async () => {
      const policy = (n: string) =>
        `  ${n}: { commonName: localhost, dnsNames: [localhost], certFile: ./certs/${n}.crt, keyFile: ./certs/${n}.key }\n`;
      const t = await testPlane({ yaml: baseYaml(`certificates:\n${policy('a')}${policy('b')}`), start: new Date() });
      try {
        await t.cp.scheduler.runNow('certificate/a');
        await t.cp.scheduler.runNow('certificate/b');
        const caDir = join(t.cp.dataDir, 'ca');
        if (legacy) {
          const issued = join(caDir, 'issued.jsonl');
          writeFileSync(issued, readFileSync(issued, 'utf8').replace(/"name":"serve\/[ab]"/g, '"name":"localhost"'));
        }
        const rotateCa = () => cliBeside(caDir).rotateCa();
        await assert.rejects(rotateCa(), /retire gate: .* still live from ca-\S+/);
        // a moves to the new CA; b's leaf, under the same commonName, still comes from the old one.
        await t.cp.scheduler.runNow('certificate/a');
        const b = new X509Certificate(readFileSync(join(t.dir, 'certs', 'b.crt'))).serialNumber.toLowerCase();
        const name = legacy ? 'localhost' : 'serve\\/b';
        await assert.rejects(rotateCa(), new RegExp(`retire gate: ${name} \\(serial ${b.slice(0, 16)}…, issued [^)]+\\) still live from ca-\\S+`));
        assert.equal((await new CaStore(caDir).readState()).trusted.length, 2, 'the old root still signs b');
        await t.cp.scheduler.runNow('certificate/b');
        assert.ok((await rotateCa()).finished);
        assert.equal((await new CaStore(caDir).readState()).trusted.length, 1);
      } finally {
        await t.dispose();
      }
    });
});
