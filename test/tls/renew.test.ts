/**
 * Renewal against real TLS servers: a due certificate is renewed with a new key and served after
 * the reload (the shop, over SIGHUP); a kept key stays; the budget spreads a fleet.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ManualClock } from '../../src/platform/clock.js';
import { makeEngine, spec, startDirServer, startShop, tempDir, text, type Reloaders } from './harness.js';
import { handshake } from './harness.js';

const DAY = 86_400_000;

describe('renewal', () => {
  it('renews a due certificate with a new key, and the shop serves it after its SIGHUP reload', async () => {
    const t = await tempDir();
    const clock = new ManualClock(new Date(Date.now() - 25 * DAY));
    const engine = makeEngine(join(t.dir, 'ca'), { clock });
    await engine.initCa({
      commonName: 'Renew CA',
      algorithm: 'ecdsa-p256',
      lifetimeMs: 365 * DAY,
      intermediate: true,
    });
    const outDir = join(t.dir, 'shop-tls');
    const pidFile = join(t.dir, 'shop.pid');
    const base = { name: 'shop', dnsNames: ['localhost'], lifetime: '30d', outDir };
    const first = await engine.issue('shop', spec(base, t.dir));
    const firstKey = await text(join(outDir, 'tls.key'));
    const shop = await startShop({ dataDir: join(t.dir, 'data'), certDir: outDir, pidFile });
    try {
      await engine.upsertSpec(
        spec(
          {
            ...base,
            reload: { signal: 'SIGHUP', pidFile },
            probe: { host: '127.0.0.1', port: shop.port, serverName: 'localhost' },
          },
          t.dir,
        ),
      );
      clock.set(new Date(Date.now() - 10 * DAY));
      const early = await engine.renew();
      assert.deepEqual(
        early.plan.map((p) => [p.name, p.action, p.reason]),
        [['shop', 'skip', 'NotDue']],
      );

      clock.set(new Date());
      const r = await engine.renew();
      assert.deepEqual(
        r.plan.map((p) => [p.name, p.action, p.reason]),
        [['shop', 'renew', 'Due']],
      );
      assert.notEqual(r.renewed[0]!.serial, first.serial);
      assert.notEqual(await text(join(outDir, 'tls.key')), firstKey, 'the leaf key rotates on renewal');
      const bundle = await text(join(outDir, 'trust-bundle.pem'));
      assert.equal(await handshake(shop.port, bundle), r.renewed[0]!.serial);
      assert.ok(shop.logs.some((l) => l.includes('"why":"SIGHUP"') && l.includes(r.renewed[0]!.serial)));
      const [row] = await engine.status({ probe: true });
      assert.deepEqual([row!.serial, row!.probe?.matches, row!.ready], [r.renewed[0]!.serial, true, true]);
    } finally {
      await shop.stop();
      await t.cleanup();
    }
  });

  it('keeps the leaf key on renewal when the spec says rotateKey: false', async () => {
    const t = await tempDir();
    try {
      const reloaders: Reloaders = new Map();
      const engine = makeEngine(join(t.dir, 'ca'), {}, reloaders);
      await engine.initCa({
        commonName: 'Keep CA',
        algorithm: 'ecdsa-p384',
        lifetimeMs: 365 * DAY,
        intermediate: false,
      });
      const outDir = join(t.dir, 'out');
      await engine.issue(
        'db',
        spec(
          { name: 'db', dnsNames: ['localhost'], algorithm: 'ecdsa-p384', rotateKey: false, outDir },
          t.dir,
        ),
      );
      const key = await text(join(outDir, 'tls.key'));
      const srv = await startDirServer(outDir);
      reloaders.set('db', () => srv.reload());
      try {
        const r = await engine.renew({ force: true });
        assert.equal(r.renewed.length, 1);
        assert.equal(await text(join(outDir, 'tls.key')), key);
        assert.equal(
          await handshake(srv.port, await text(join(outDir, 'trust-bundle.pem'))),
          r.renewed[0]!.serial,
        );
      } finally {
        await srv.close();
      }
    } finally {
      await t.cleanup();
    }
  });

  it('renews a fleet that falls due together at most maxPerWindow at a time', async () => {
    const t = await tempDir();
    try {
      const clock = new ManualClock(new Date(Date.now() - 25 * DAY));
      const engine = makeEngine(join(t.dir, 'ca'), { clock });
      await engine.initCa({
        commonName: 'Fleet CA',
        algorithm: 'ed25519',
        lifetimeMs: 365 * DAY,
        intermediate: false,
      });
      for (const n of ['a', 'b', 'c'])
        await engine.issue(
          n,
          spec({ name: n, dnsNames: [`${n}.svc`], lifetime: '30d', outDir: join(t.dir, n) }, t.dir),
        );
      clock.set(new Date());
      const first = await engine.renew();
      assert.equal(first.renewed.length, 1, JSON.stringify(first.plan));
      assert.deepEqual(first.plan.filter((p) => p.action === 'defer').length, 2);
      const again = await engine.renew();
      assert.equal(again.renewed.length, 0, 'the window is still full');
      clock.advance(11 * 60_000);
      const next = await engine.renew();
      assert.equal(next.renewed.length, 1);
      const names = new Set([...first.renewed, ...next.renewed].map((x) => x.name));
      assert.equal(names.size, 2);
    } finally {
      await t.cleanup();
    }
  });
});
