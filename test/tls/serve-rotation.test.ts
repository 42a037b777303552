/**
 * `holdfast serve` (the real CLI, a child process) keeps a certificate with a 40 s lifetime for an
 * endpoint that re-reads its files, and its own API certificate; clients of each re-read the trust
 * bundle serve writes for them (the certificate's caFile, <dataDir>/tls/ca.crt) every 0 s, 5 s
 * and 60 s and connect every 50 ms. Through serve's own renewals (a new key each time), a CA
 * rotation started through serve's API, and then `holdfast tls rotate-ca` run beside serve on the
 * same data directory: zero failed handshakes for every client, and the endpoint and the API end
 * up serving leaves from the last CA (each verified against that CA's root alone) without a restart.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createSecureContext, createServer, type SecureContext, type Server } from 'node:tls';
import { Serve, serveGet } from '../harness/serve.js';
import { deadPort } from '../harness/webhook.js';
import { cli, handshake, startClient, tempDir } from './harness.js';

/** A handshake that waits on a loaded machine (2 cores, a test runner, serve, its children) is slow, not refused. */
const slow = { timeoutMs: 30_000 };

/** 70 s: longer than the slowest client's re-read interval, with room for its jitter. */
const PROPAGATION = '70s';

/**
 * The endpoint: a TLS server that picks up new files on the next connection, as a workload that
 * watches its certificate directory does. serve writes the key, then the certificate: a pair that
 * does not match yet is not used, the previous one goes on.
 */
async function fileServer(dir: string, port: number): Promise<Server> {
  let ctx: SecureContext | undefined;
  let seen = '';
  const current = () => {
    try {
      const stamp = ['tls.crt', 'tls.key'].map((f) => statSync(join(dir, f)).mtimeMs).join();
      if (stamp !== seen) {
        ctx = createSecureContext({ cert: readFileSync(join(dir, 'tls.crt')), key: readFileSync(join(dir, 'tls.key')) });
        seen = stamp;
      }
    } catch {
      // Not written yet, or a key without its certificate: keep serving the last good pair.
    }
    return ctx;
  };
  const server = createServer({ SNICallback: (_name, cb) => cb(null, current()) }, (s) => s.end());
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
  return server;
}

interface GateView {
  id: string;
  state: string;
  for?: string;
}
interface RotationStatus {
  rotation?: { id: string; newCaId: string; phase: string; finishedAt?: string; gates: GateView[] };
  runningHere: boolean;
  lastError?: string;
  certificates: { name: string; for: string }[];
}

describe('CA rotation driven by holdfast serve, and by the CLI beside it', { timeout: 900_000 }, () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let serve: Serve;
  let web: Server;
  const clients: { what: string; reloadS: number; client: ReturnType<typeof startClient> }[] = [];
  let data: string;
  const auth = () => ({ token: readFileSync(join(data, 'api-token'), 'utf8').trim(), ca: readFileSync(join(data, 'tls', 'ca.crt')) });
  const rotation = async () => JSON.parse((await serveGet(serve.url, '/api/v1/tls/rotation', auth())).text) as RotationStatus;
  const post = (path: string, body: unknown) =>
    new Promise<{ status: number; body: Record<string, unknown> }>((resolve, reject) => {
      const a = auth();
      const req = request(new URL(path, serve.url), { method: 'POST', ca: a.ca, headers: { authorization: `Bearer ${a.token}`, 'content-type': 'application/json' } }, (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown> }));
      });
      req.on('error', reject);
      req.end(JSON.stringify(body));
    });
  const apiServed = () => handshake(Number(new URL(serve.url).port), auth().ca);
  let webPort: number;
  /** Both endpoints verified against one CA's root alone: they serve leaves from that CA. */
  const bothServeFrom = async (caId: string) => {
    const root = readFileSync(join(data, 'ca', 'cas', caId, 'root.crt'));
    for (const [what, port] of [['web', webPort], ['api', Number(new URL(serve.url).port)]] as const)
      await handshake(port, root, slow).catch((e: Error) => assert.fail(`${what} does not serve a leaf from ${caId}: ${e.message}`));
  };

  before(async () => {
    tmp = await tempDir('hf-serve-rot-');
    data = join(tmp.dir, 'data');
    webPort = await deadPort();
    const config = join(tmp.dir, 'holdfast.yaml');
    writeFileSync(
      config,
      [
        'version: 1',
        `server: { listen: "127.0.0.1:${await deadPort()}", dataDir: ./data }`,
        'certificates:',
        '  web:',
        '    commonName: localhost',
        '    dnsNames: [localhost]',
        '    certFile: ./web/tls.crt',
        '    keyFile: ./web/tls.key',
        '    caFile: ./web/ca.crt',
        '    validity: 40s',
        '    renewBefore: 20s',
        "    schedule: '*/2 * * * * *'",
        `    endpoint: "127.0.0.1:${webPort}"`,
        '',
      ].join('\n'),
    );
    serve = new Serve(config, { ...process.env, HOLDFAST_LOG_LEVEL: 'info' });
    await serve.start();
    web = await fileServer(join(tmp.dir, 'web'), webPort);
    for (const reloadS of [0, 5, 60]) {
      clients.push({ what: 'web', reloadS, client: startClient(webPort, join(tmp.dir, 'web', 'ca.crt'), reloadS * 1000, slow) });
      clients.push({ what: 'api', reloadS, client: startClient(Number(new URL(serve.url).port), join(data, 'tls', 'ca.crt'), reloadS * 1000, slow) });
    }
  });

  after(async () => {
    for (const c of clients) await c.client.stop();
    await serve?.stop();
    await new Promise((r) => web?.close(r));
    await tmp?.cleanup();
  });

  async function until<T>(what: string, f: () => Promise<T | undefined | false>, ms: number): Promise<T> {
    for (const end = Date.now() + ms; ; await new Promise((r) => setTimeout(r, 500))) {
      const v = await f();
      if (v) return v;
      if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms\n${serve.stderr.slice(-4000)}`);
    }
  }

  it('serve renews on its own, then rotates its CA through the API: every gate shows what it waits for', async () => {
    const firstApiLeaf = await apiServed();
    const firstWeb = new X509Certificate(readFileSync(join(tmp.dir, 'web', 'tls.crt'))).serialNumber;
    await until('a renewal of web by serve', async () => new X509Certificate(readFileSync(join(tmp.dir, 'web', 'tls.crt'))).serialNumber !== firstWeb, 60_000);
    const started = await post('/api/v1/tls/rotate-ca', { propagation: PROPAGATION });
    assert.equal(started.status, 202, JSON.stringify(started.body));
    assert.match(String(started.body.plan), /wait the propagation period/);
    assert.equal((await post('/api/v1/tls/rotate-ca', {})).status, 409, 'one rotation at a time');
    const waiting = await until('the propagation gate waiting', async () => (await rotation()).rotation?.gates.find((g) => g.state === 'waiting'), 30_000);
    assert.match(waiting.for!, /consumers to re-read the trust bundle with both roots \(propagation 70s\)/);
    const seen = new Set<string>();
    const done = await until('the rotation finished', async () => {
      const r = await rotation();
      for (const c of r.certificates) seen.add(c.name);
      assert.equal(r.lastError, undefined, r.lastError);
      return r.rotation?.finishedAt && !r.runningHere ? r : undefined;
    }, 400_000);
    assert.ok(done.rotation!.gates.every((g) => g.state === 'done'));
    // serve writes the narrowed bundle at its next check of each certificate (the API's every 10 s).
    const roots = (f: string) => readFileSync(f, 'utf8').match(/BEGIN CERTIFICATE/g)?.length;
    await until('the bundles narrowed to the new root', async () => roots(join(data, 'tls', 'ca.crt')) === 1 && roots(join(tmp.dir, 'web', 'ca.crt')) === 1, 30_000);
    assert.notEqual(await apiServed(), firstApiLeaf, 'the API serves a leaf from the new CA without a restart');
    await bothServeFrom(done.rotation!.newCaId);
  });

  it('holdfast tls rotate-ca beside serve on the same data directory: serve follows it', async () => {
    const before = await apiServed();
    const r = await cli(['tls', 'rotate-ca', '--ca-dir', join(data, 'ca'), '--propagation', PROPAGATION], tmp.dir);
    assert.equal(r.status, 0, r.stderr + r.stdout);
    const final = /finished: (\S+) is the only trusted CA/.exec(r.stdout)?.[1];
    assert.ok(final, r.stdout);
    assert.notEqual(await apiServed(), before, 'the API moved to the CLI rotation\'s CA');
    await bothServeFrom(final);
    // One more re-read interval of the fastest periodic client, after the old root left the bundles.
    await new Promise((res) => setTimeout(res, 5_500));
  });

  it('zero failed handshakes for clients re-reading every 0, 5 and 60 s, of the endpoint and of the API', async (tc) => {
    for (const c of clients) {
      const t = await c.client.stop();
      tc.diagnostic(`${c.what} reload every ${c.reloadS} s: ${t.ok} handshakes, ${t.failed.length} failed, ${t.refreshes} bundle re-reads`);
      assert.deepEqual(t.failed.slice(0, 3), [], `${c.what} every ${c.reloadS} s`);
      assert.ok(t.ok > 100, `${c.what} every ${c.reloadS} s: only ${t.ok} handshakes`);
    }
  });
});
