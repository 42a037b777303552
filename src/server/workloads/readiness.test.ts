import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as netServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createServer as tlsServer } from 'node:tls';
import type { HoldfastConfig, WorkloadConfig } from '../../config/index.js';
import { systemClock } from '../../platform/clock.js';
import { probeReady, readinessOf } from './readiness.js';

const workload = (o: Partial<WorkloadConfig> = {}) => ({ volumes: [], ...o }) as unknown as WorkloadConfig;
const certificates = { shop: { workload: 'shop', endpoint: '127.0.0.1:8444', dnsNames: ['shop.local'], commonName: 'shop.local' } } as unknown as HoldfastConfig['certificates'];

describe('readinessOf', () => {
  const cases: [string, ReturnType<typeof readinessOf>, Partial<ReturnType<typeof readinessOf>>][] = [
    ['a ready command wins', readinessOf('shop', workload({ ready: { command: 'test -f up', timeout: 1000 } }), certificates), { kind: 'command', command: 'test -f up' }],
    ['a ready tcp address is a TCP connect', readinessOf('shop', workload({ ready: { tcp: '127.0.0.1:9000', timeout: 1000 } }), certificates), { kind: 'tcp', host: '127.0.0.1', port: 9000 }],
    ["else its certificate's endpoint, by a TLS handshake with the certificate's name", readinessOf('shop', workload(), certificates), { kind: 'tls', host: '127.0.0.1', port: 8444, serverName: 'shop.local', what: '127.0.0.1:8444 completes a TLS handshake' }],
    ['else only its process', readinessOf('other', workload(), certificates), { kind: 'process' }],
  ];
  for (const [name, check, expected] of cases)
    it(name, () => {
      for (const [k, v] of Object.entries(expected)) assert.deepEqual(check[k as keyof typeof check], v, k);
    });
});

describe('probeReady on real sockets', () => {
  const dir = mkdtempSync(join(tmpdir(), 'holdfast-ready-'));
  const servers: Server[] = [];
  after(() => {
    for (const s of servers) s.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const listen = (s: Server) =>
    new Promise<number>((resolve) => {
      servers.push(s);
      s.listen(0, '127.0.0.1', () => resolve((s.address() as { port: number }).port));
    });
  const o = { cwd: dir, clock: systemClock, timeoutMs: 500 };

  it('a TLS server that answers is ready', async () => {
    const r = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', '/CN=shop.local', '-days', '1', '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.pem')], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const port = await listen(tlsServer({ key: readFileSync(join(dir, 'k.pem')), cert: readFileSync(join(dir, 'c.pem')) }, (s) => s.end()));
    assert.deepEqual(await probeReady({ kind: 'tls', host: '127.0.0.1', port, serverName: 'shop.local', what: 'answers' }, o), { ok: true, detail: 'answers' });
  });

  it('a process that accepts connections but does not answer is not ready by TLS, though a TCP connect passes', async () => {
    // The kernel completes the TCP handshake for a listening socket whatever its process does.
    const port = await listen(netServer(() => undefined));
    assert.equal((await probeReady({ kind: 'tcp', host: '127.0.0.1', port, what: 'accepts' }, o)).ok, true);
    assert.deepEqual(await probeReady({ kind: 'tls', host: '127.0.0.1', port, serverName: undefined, what: 'answers' }, o), { ok: false, detail: `127.0.0.1:${port}: no TLS handshake within 500 ms` });
  });

  it('nothing listening is not ready, with the reason', async () => {
    const port = await listen(netServer());
    servers.pop()!.close();
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(await probeReady({ kind: 'tls', host: '127.0.0.1', port, serverName: undefined, what: 'answers' }, o), { ok: false, detail: `127.0.0.1:${port}: ECONNREFUSED` });
  });
});
