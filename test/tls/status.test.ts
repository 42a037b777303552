/**
 * `holdfast tls status` over endpoints that serve something a client rejects: each false green the
 * probe used to show (an expired certificate that is also the installed one, a leaf from a CA no
 * client trusts, a name the client does not ask for, a closed port) is now not READY, says why in
 * one line, and exits with the code docs/tls.md gives.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { ManualClock } from '../../src/platform/clock.js';
import { rotationLine } from '../../src/cli/commands/tls-actions.js';
import { cli, makeEngine, spec, startDirServer, tempDir } from './harness.js';

const DAY = 86_400_000;

async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

/** A CA in `dir/name`, created `daysAgo` days ago, and an engine over it at that time. */
async function ca(dir: string, name: string, daysAgo = 0) {
  const clock = new ManualClock(new Date(Date.now() - daysAgo * DAY));
  const engine = makeEngine(join(dir, name), { clock });
  await engine.initCa({ commonName: name, algorithm: 'ecdsa-p256', lifetimeMs: 365 * DAY, intermediate: false });
  return { engine, clock };
}

const webSpec = (dir: string, extra: object = {}) =>
  spec({ name: 'web', dnsNames: ['localhost'], outDir: join(dir, 'out'), ...extra }, dir);

async function status(dir: string) {
  const r = await cli(['tls', 'status', '--ca-dir', 'ca'], dir);
  const json = await cli(['tls', 'status', '--ca-dir', 'ca', '--json'], dir);
  const row = (JSON.parse(json.stdout) as { name: string; ready: boolean; probe?: { reason: string } }[])[0]!;
  return { ...r, row };
}

function oneLine(stderr: string, re: RegExp): void {
  const lines = stderr.trim().split('\n');
  assert.equal(lines.length, 1, stderr);
  assert.match(lines[0]!, re);
}

const local = (serverName?: string) => (port: number) => ({ host: '127.0.0.1', port, ...(serverName ? { serverName } : {}) });

/**
 * A CA, a leaf for web (from `issuer`, a CA of that name, instead of ours when given) installed in
 * out/ and served from there by a Node TLS server (unless `serve` is false), the inventory probing
 * it as `probe` says; `check` gets what `tls status` printed and its JSON row.
 */
async function withServedLeaf(
  o: { probe: (port: number) => { host: string; port: number; serverName?: string } | Promise<{ host: string; port: number }>; daysAgo?: number; lifetime?: string; issuer?: string; serve?: boolean },
  check: (r: Awaited<ReturnType<typeof status>>, dir: string) => void | Promise<void>,
): Promise<void> {
  const t = await tempDir();
  let srv: Awaited<ReturnType<typeof startDirServer>> | undefined;
  try {
    const { engine } = await ca(t.dir, 'ca', o.daysAgo);
    const extra = o.lifetime ? { lifetime: o.lifetime } : {};
    const issuer = o.issuer ? (await ca(t.dir, o.issuer)).engine : engine;
    await issuer.issue('web', webSpec(t.dir, extra));
    if (o.serve !== false) srv = await startDirServer(join(t.dir, 'out'));
    await engine.upsertSpec(webSpec(t.dir, { ...extra, probe: await o.probe(srv?.port ?? 0) }));
    await check(await status(t.dir), t.dir);
  } finally {
    await srv?.close();
    await t.cleanup();
  }
}

describe('tls status never shows green over a broken endpoint', () => {
  it('an expired certificate that is also the installed one: not ready, EXPIRED, exit 9', () =>
    withServedLeaf({ daysAgo: 3, lifetime: '1d', probe: local('localhost') }, (r) => {
      assert.equal(r.status, 9, r.stderr);
      oneLine(r.stderr, /^holdfast: certificate web: 127\.0\.0\.1:\d+ \(SNI localhost\) serves serial [0-9a-f]+ \(CN=localhost\) that expired on /);
      assert.match(r.stdout, /\nweb .* no\s+EXPIRED/);
      assert.deepEqual([r.row.ready, r.row.probe?.reason], [false, 'Expired']);
    }));

  // Our inventory names the directory another CA wrote: what is installed and served is foreign.
  it('a leaf from a CA no client trusts: not ready, UNTRUSTED, exit 9', () =>
    withServedLeaf({ issuer: 'foreign-ca', probe: local('localhost') }, async (r, dir) => {
      assert.equal(r.status, 9, r.stderr);
      oneLine(r.stderr, /serves serial [0-9a-f]+ \(CN=localhost\) issued by CN=foreign-ca .*, which does not chain to a root of the trust bundle$/);
      assert.match(r.stdout, /\nweb .* no\s+UNTRUSTED/);
      assert.deepEqual([r.row.ready, r.row.probe?.reason], [false, 'Untrusted']);
      // Unprobed, the same leaf is still not ready: nothing that trusts this CA accepts it.
      const unprobed = await cli(['tls', 'status', '--ca-dir', 'ca', '--no-probe', '--json'], dir);
      assert.equal(unprobed.status, 9, unprobed.stderr);
      assert.equal((JSON.parse(unprobed.stdout) as { ready: boolean }[])[0]!.ready, false);
    }));

  it('a name the client asks for that the leaf does not carry: not ready, WRONG-NAME, exit 9', () =>
    withServedLeaf({ probe: local('api.local') }, (r) => {
      assert.equal(r.status, 9, r.stderr);
      oneLine(r.stderr, /without the name api\.local \(has DNS:localhost\)$/);
      assert.deepEqual([r.row.ready, r.row.probe?.reason], [false, 'NameMismatch']);
    }));

  it('a closed port: not ready, UNREACHABLE, exit 7 as the docs say', () =>
    withServedLeaf({ serve: false, probe: async () => ({ host: '127.0.0.1', port: await closedPort() }) }, (r) => {
      assert.equal(r.status, 7, r.stderr);
      oneLine(r.stderr, /^holdfast: certificate web: 127\.0\.0\.1:\d+: ECONNREFUSED$/);
      assert.match(r.stdout, /\nweb .* no\s+UNREACHABLE/);
      assert.deepEqual([r.row.ready, r.row.probe?.reason], [false, 'Unreachable']);
    }));

  it('a trusted, valid, named, installed certificate: ready, valid, exit 0', () =>
    withServedLeaf({ probe: local('localhost') }, (r) => {
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /\nweb .* yes\s+valid/);
      assert.deepEqual([r.row.ready, r.row.probe?.reason], [true, 'Valid']);
    }));

  it('shows what a rotation waits for, from the state the rotation records', () => {
    const base = { version: 1 as const, id: 'rot-1', oldCaId: 'ca-old', newCaId: 'ca-new', keepKey: false, emergency: false, leaves: [], consumers: [], done: [], rolls: [], startedAt: '', updatedAt: '' };
    assert.equal(
      rotationLine({ ...base, phase: 'distribute', waiting: { step: 'distribute:propagate', until: '2026-12-07T07:00:00.000Z', for: 'consumers to re-read the trust bundle with both roots (propagation 180s)' } }),
      'rotation rot-1 (ca-old -> ca-new): phase distribute; waiting until 2026-12-07T07:00:00.000Z for consumers to re-read the trust bundle with both roots (propagation 180s)',
    );
    assert.match(rotationLine({ ...base, phase: 'retire' }), /phase retire; "holdfast tls rotate-ca" resumes it if it stopped$/);
  });
});
