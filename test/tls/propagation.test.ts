/**
 * Consumers that re-read their trust bundle on their own schedule (every connection, every 5 s,
 * every 60 s — a kubelet-synced ConfigMap is the last kind) through a renewal, a key rotation and a
 * CA rotation: zero failed handshakes, because the rotation waits the propagation period before any
 * leaf from the new CA is served. The last case proves it is the gate that makes them pass: without
 * the period, a client that re-reads its bundle less often than the rotation takes fails.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { makeEngine, spec, startClient, startDirServer, tempDir, type ClientTally, type Reloaders } from './harness.js';

const DAY = 86_400_000;

async function run(reloadMs: number, propagationMs: number): Promise<ClientTally & { servedNew: boolean }> {
  const t = await tempDir();
  const reloaders: Reloaders = new Map();
  const engine = makeEngine(join(t.dir, 'ca'), {}, reloaders);
  await engine.initCa({ commonName: 'Prop CA', algorithm: 'ecdsa-p256', lifetimeMs: 365 * DAY, intermediate: false });
  const outDir = join(t.dir, 'web');
  const clientDir = join(t.dir, 'client');
  await engine.issue('web', spec({ name: 'web', dnsNames: ['localhost'], outDir }, t.dir));
  await engine.issue('client', spec({ name: 'client', trustOnly: true, outDir: clientDir }, t.dir));
  const srv = await startDirServer(outDir);
  reloaders.set('web', () => srv.reload());
  try {
    await engine.upsertSpec(
      spec({ name: 'web', dnsNames: ['localhost'], outDir, probe: { host: '127.0.0.1', port: srv.port, serverName: 'localhost' } }, t.dir),
    );
    const client = startClient(srv.port, join(clientDir, 'trust-bundle.pem'), reloadMs);
    await engine.renew({ force: true }); // renewal with a new key: same CA, every bundle already trusts it
    // Start right after a re-read (a full interval before the next); the long-interval client read at start.
    if (reloadMs <= 60_000) await client.nextRefresh();
    const rotating = makeEngine(join(t.dir, 'ca'), { rotationTimings: { propagationMs, retireWaitMs: 0 } }, reloaders);
    const report = await rotating.rotateCa();
    assert.ok(report.finished);
    // Keep connecting for one more interval: the client must also survive the old root leaving its bundle.
    await new Promise((r) => setTimeout(r, Math.min(reloadMs, 5_000) + 500));
    const tally = await client.stop();
    const served = (await engine.status({ probe: true })).find((r) => r.name === 'web')!;
    return { ...tally, servedNew: served.caId === report.state.newCaId && served.probe?.reason === 'Valid' };
  } finally {
    await srv.close();
    await t.cleanup();
  }
}

describe('rotation gated by consumers that re-read their trust bundle on their own schedule', () => {
  for (const reloadS of [0, 5, 60])
    it(`a client re-reading every ${reloadS} s sees 0 failed handshakes through renewal, key rotation and rotate-ca`, async (tc) => {
      const r = await run(reloadS * 1000, reloadS * 1000 + 1500);
      tc.diagnostic(`reload every ${reloadS} s: ${r.ok} handshakes, ${r.failed.length} failed, ${r.refreshes} bundle re-reads`);
      assert.deepEqual(r.failed.slice(0, 3), []);
      assert.ok(r.ok > 20, `only ${r.ok} handshakes`);
      assert.ok(r.servedNew, 'the endpoint serves a trusted leaf from the new CA at the end');
    });

  it('without the propagation period, a client re-reading every 5 min fails: the gate is what makes the others pass', async (tc) => {
    // Longer than the rotation takes on a loaded machine, so the client cannot re-read by luck.
    const r = await run(300_000, 0);
    tc.diagnostic(`reload every 300 s, no propagation: ${r.ok} handshakes, ${r.failed.length} failed`);
    assert.ok(r.failed.length > 0, 'a client with a stale bundle meets a leaf from a CA it does not trust yet');
    assert.match(r.failed[0]!, /unable to (get local issuer|verify the first) certificate/);
  });
});
