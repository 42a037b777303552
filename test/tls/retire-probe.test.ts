/**
 * The retire gate probes what endpoints serve, not only what was issued: serve renews its leaf from
 * the new CA (so issued.jsonl has no live leaf from the old one), but the workload has not reloaded
 * and still serves the old leaf. `rotate-ca` must keep the old root, say in status what it waits
 * for, and retire it once the endpoint serves the new leaf.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createServer } from 'node:tls';
import { tlsEngine } from '../../src/server/engines/tls.js';
import { systemClock } from '../../src/platform/clock.js';
import { CaStore, type RotationState } from '../../src/tls/index.js';
import { makeEngine, tempDir } from './harness.js';

const DAY = 86_400_000;

describe('rotate-ca retire gate: probes what endpoints serve', () => {
  it('keeps the old root while an endpoint still serves a leaf from it, shows that in status, and retires it once the endpoint reloads', async () => {
    const t = await tempDir();
    // A workload that serves what it loaded until it is told to reload.
    const server = createServer({}, (s) => s.end());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as { port: number }).port;
    try {
      const caDir = join(t.dir, 'ca');
      const serve = tlsEngine(systemClock);
      const endpoint = { host: '127.0.0.1', port, serverName: 'localhost' };
      const issue = (replaces?: string) =>
        serve.issue({ caDir, inventoryName: 'serve/web', commonName: 'localhost', dnsNames: ['localhost'], ipAddresses: [], validityMs: 30 * DAY, endpoint, ...(replaces ? { replaces } : {}) });
      const first = await issue();
      server.setSecureContext({ cert: first.certPem, key: first.keyPem });

      const cli = (retireWaitMs: number) => makeEngine(caDir, { rotationTimings: { propagationMs: 0, retireWaitMs } });
      // As before: the leaf serve issued from the old CA is live, so the gate holds.
      await assert.rejects(cli(0).rotateCa(), /retire gate: serve\/web \(serial [0-9a-f]+…, issued [^)]+\) still live from ca-\S+/);

      // serve renews from the new CA and writes the files; the workload has not reloaded.
      const second = await issue(first.serial);
      const store = new CaStore(caDir);
      const state = await store.readState();
      assert.ok(new X509Certificate(second.certPem).verify(new X509Certificate(await store.issuingPem(state.active)).publicKey), 'renewed from the new CA');
      await assert.rejects(
        cli(0).rotateCa(),
        new RegExp(`retire gate: 127\\.0\\.0\\.1:${port} \\(SNI localhost\\) \\(serve/web\\) serves serial ${first.serial.slice(0, 16)}… from ca-\\S+; its workload must reload the leaf from ca-\\S+ first`),
      );
      assert.equal((await store.readState()).trusted.length, 2, 'the old root is still trusted');

      // Waiting for it, the rotation says so in rotation.json (what status and the dashboard show).
      const run = cli(120_000).rotateCa();
      const waiting = async () => (JSON.parse(await readFile(join(caDir, 'rotation.json'), 'utf8')) as RotationState).waiting;
      for (let i = 0; i < 600 && !(await waiting())?.for.includes('serves serial'); i++) await new Promise((r) => setTimeout(r, 100));
      const w = await waiting();
      assert.equal(w?.step, 'retire:gate');
      assert.match(w!.for, new RegExp(`127\\.0\\.0\\.1:${port} .*\\(serve/web\\) serves serial ${first.serial.slice(0, 16)}`));

      // The workload reloads: the gate opens and the old root leaves.
      server.setSecureContext({ cert: second.certPem, key: second.keyPem });
      const done = await run;
      assert.ok(done.finished);
      assert.deepEqual((await store.readState()).trusted, [state.active]);
    } finally {
      await new Promise((r) => server.close(r));
      await t.cleanup();
    }
  });
});
