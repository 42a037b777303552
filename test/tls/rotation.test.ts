/**
 * CA rotation against real TLS servers: zero failed handshakes through a whole rotation of the
 * example shop, a crash injected at every step that resumes to a consistent end, the dry run, the
 * roll's budget, and CA renewal that keeps the keys.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Agent } from 'node:https';
import { ManualClock } from '../../src/platform/clock.js';
import { CaStore, rotationSteps, splitPem, type StepPoint } from '../../src/tls/index.js';
import {
  handshake,
  makeEngine,
  spec,
  startDirServer,
  startShop,
  tempDir,
  text,
  type Reloaders,
  treeHash,
  httpsJson,
} from './harness.js';

const DAY = 86_400_000;

/** A cert dir's pair: the key matches the leaf. */
function pairMatches(outDir: string): boolean {
  const leaf = new X509Certificate(splitPem(readFileSync(join(outDir, 'tls.crt'), 'utf8'))[0]!);
  return leaf.checkPrivateKey(createPrivateKey(readFileSync(join(outDir, 'tls.key'))));
}

function rootsIn(path: string): string[] {
  return splitPem(readFileSync(path, 'utf8')).map((p) => new X509Certificate(p).fingerprint256);
}

describe('CA rotation', () => {
  it('serves >= 1000 back-to-back handshakes of the shop with 0 failures through a full rotation', async (tc) => {
    const t = await tempDir();
    const caDir = join(t.dir, 'ca');
    const shopDir = join(t.dir, 'shop-tls');
    const clientDir = join(t.dir, 'client-trust');
    const pidFile = join(t.dir, 'shop.pid');
    const engine = makeEngine(caDir);
    await engine.initCa({
      commonName: 'Shop CA',
      algorithm: 'ecdsa-p256',
      lifetimeMs: 365 * DAY,
      intermediate: true,
    });
    const base = { name: 'shop', dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'], outDir: shopDir };
    await engine.issue('shop', spec(base, t.dir));
    await engine.issue('client', spec({ name: 'client', trustOnly: true, outDir: clientDir }, t.dir));
    const shop = await startShop({
      dataDir: join(t.dir, 'data'),
      certDir: shopDir,
      pidFile,
      keepAliveMs: 600_000,
    });
    // One keep-alive connection opened before the rotation and used at every step: a reload must not drop it.
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const kept: { ok: boolean; reused: boolean }[] = [];
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
      const oldRoot = rootsIn(join(clientDir, 'trust-bundle.pem'));

      let ok = 0;
      const failures: string[] = [];
      const servedSerials = new Set<string>();
      let stop = false;
      // The client is a consumer: it trusts what Holdfast distributes to its own directory, re-read per handshake.
      const client = (async () => {
        while (!stop || ok + failures.length < 1000) {
          try {
            servedSerials.add(await handshake(shop.port, readFileSync(join(clientDir, 'trust-bundle.pem'))));
            ok++;
          } catch (e) {
            failures.push((e as Error).message);
          }
        }
      })();
      // Interleave deterministically: at every point of every step, wait for 40 more handshakes.
      const waitFor = async (n: number) => {
        const target = ok + failures.length + n;
        while (ok + failures.length < target) await new Promise((r) => setImmediate(r));
      };
      const caPem = await text(join(clientDir, 'trust-bundle.pem'));
      const useKept = async () => {
        const r = await httpsJson(shop.port, caPem, 'GET', '/healthz', undefined, agent).catch(
          () => undefined,
        );
        kept.push({ ok: r?.status === 200, reused: r?.reusedSocket ?? false });
      };
      await useKept();
      const rotating = makeEngine(caDir, {
        hooks: {
          afterStep: async () => {
            await waitFor(40);
            await useKept();
          },
        },
      });
      const report = await rotating.rotateCa();
      stop = true;
      await client;

      assert.equal(failures.length, 0, `failed handshakes: ${failures.slice(0, 3).join('; ')}`);
      assert.ok(ok >= 1000, `only ${ok} handshakes`);
      assert.ok(report.finished);
      assert.ok(servedSerials.size >= 2, 'the client saw the old and the new certificate');
      assert.ok(
        kept.length > 20 && kept.every((k) => k.ok),
        'every request on the long-lived connection succeeded',
      );
      assert.deepEqual(
        kept.slice(1).filter((k) => !k.reused),
        [],
        'the long-lived connection was never dropped',
      );
      tc.diagnostic(
        `${ok} handshakes, ${failures.length} failed, ${servedSerials.size} distinct leaves served`,
      );
      const newRoot = rootsIn(join(clientDir, 'trust-bundle.pem'));
      assert.equal(newRoot.length, 1);
      assert.notEqual(newRoot[0], oldRoot[0]);
      const status = await engine.status({ probe: true });
      const row = status.find((r) => r.name === 'shop')!;
      assert.equal(row.caId, report.state.newCaId);
      assert.equal(row.probe?.matches, true);
      assert.ok(shop.logs.some((l) => l.includes('reloaded tls')));
    } finally {
      agent.destroy();
      await shop.stop();
      await t.cleanup();
    }
  });

  const points = rotationSteps({
    oldCaId: 'o',
    newCaId: 'n',
    leaves: ['web'],
    consumers: ['web', 'client'],
    keepKey: false,
  }).flatMap((s) => (['effect', 'persisted'] as StepPoint[]).map((p) => ({ id: s.id, point: p })));

  for (const { id, point } of points) {
    it(`resumes to a consistent end after a crash at ${id} (${point})`, async () => {
      const t = await tempDir();
      const caDir = join(t.dir, 'ca');
      const webDir = join(t.dir, 'web');
      const clientDir = join(t.dir, 'client');
      const reloaders: Reloaders = new Map();
      const setup = makeEngine(caDir, {}, reloaders);
      await setup.initCa({
        commonName: 'Crash CA',
        algorithm: 'ecdsa-p256',
        lifetimeMs: 365 * DAY,
        intermediate: false,
      });
      await setup.issue('web', spec({ name: 'web', dnsNames: ['localhost'], outDir: webDir }, t.dir));
      await setup.issue('client', spec({ name: 'client', trustOnly: true, outDir: clientDir }, t.dir));
      const srv = await startDirServer(webDir);
      reloaders.set('web', () => srv.reload());
      await setup.upsertSpec(
        spec(
          {
            name: 'web',
            dnsNames: ['localhost'],
            outDir: webDir,
            probe: { host: '127.0.0.1', port: srv.port, serverName: 'localhost' },
          },
          t.dir,
        ),
      );
      try {
        const crashing = makeEngine(
          caDir,
          {
            hooks: {
              afterStep: (step, p) => {
                if (step === id && p === point) throw new Error('injected crash');
              },
            },
          },
          reloaders,
        );
        await assert.rejects(crashing.rotateCa(), /injected crash/);
        // Mid-rotation, the workload is whole: its key matches its certificate and a consumer still connects.
        assert.ok(pairMatches(webDir), 'key matches certificate after the crash');
        await handshake(srv.port, readFileSync(join(clientDir, 'trust-bundle.pem')));

        const fresh = makeEngine(caDir, {}, reloaders);
        const report = await fresh.rotateCa();
        assert.ok(report.finished && report.resumed);
        const store = new CaStore(caDir);
        const state = await store.readState();
        assert.deepEqual(
          [state.active, state.trusted, state.retired],
          [report.state.newCaId, [report.state.newCaId], [report.state.oldCaId]],
        );
        assert.ok(pairMatches(webDir));
        const newRoot = new X509Certificate(await store.rootPem(report.state.newCaId)).fingerprint256;
        assert.deepEqual(rootsIn(join(clientDir, 'trust-bundle.pem')), [newRoot]);
        assert.deepEqual(rootsIn(join(webDir, 'trust-bundle.pem')), [newRoot]);
        const leaf = new X509Certificate(splitPem(await text(join(webDir, 'tls.crt')))[0]!);
        assert.ok(
          leaf.verify(new X509Certificate(await store.rootPem(report.state.newCaId)).publicKey),
          'the leaf chains to the new CA',
        );
        // The server serves that leaf, and a consumer with only the new root connects.
        assert.equal(
          await handshake(srv.port, readFileSync(join(clientDir, 'trust-bundle.pem'))),
          leaf.serialNumber.toLowerCase(),
        );
        assert.equal(
          await stat(join(caDir, 'staged', report.id)).catch(() => undefined),
          undefined,
          'staged leaves are cleaned up',
        );
        // Exactly one new CA was created, even if the crash came right after creating it.
        assert.equal((await store.listCaIds()).length, 2);
      } finally {
        await srv.close();
        await t.cleanup();
      }
    });
  }

  it('prints the plan on --dry-run and writes nothing', async () => {
    const t = await tempDir();
    try {
      const caDir = join(t.dir, 'ca');
      const engine = makeEngine(caDir);
      await engine.initCa({
        commonName: 'Dry CA',
        algorithm: 'ecdsa-p256',
        lifetimeMs: 365 * DAY,
        intermediate: false,
      });
      await engine.issue(
        'web',
        spec({ name: 'web', dnsNames: ['localhost'], outDir: join(t.dir, 'web') }, t.dir),
      );
      const before = await treeHash(t.dir);
      const r = await engine.rotateCa({ dryRun: true });
      assert.equal(await treeHash(t.dir), before);
      assert.ok(!r.finished);
      for (const phase of ['prepare:', 'distribute:', 'reissue:', 'roll:', 'retire:'])
        assert.ok(r.plan.includes(phase), r.plan);
      assert.match(r.plan, /install bundle .* into web/);
    } finally {
      await t.cleanup();
    }
  });

  it('spreads the roll over the budget: one reload per window', async () => {
    const t = await tempDir();
    try {
      const caDir = join(t.dir, 'ca');
      const clock = new ManualClock(new Date());
      const slept: number[] = [];
      const engine = makeEngine(caDir, {
        clock,
        sleep: async (ms) => {
          slept.push(ms);
          clock.advance(ms);
        },
      });
      await engine.initCa({
        commonName: 'Budget CA',
        algorithm: 'ecdsa-p256',
        lifetimeMs: 365 * DAY,
        intermediate: false,
      });
      for (const n of ['a', 'b', 'c'])
        await engine.issue(n, spec({ name: n, dnsNames: [`${n}.svc`], outDir: join(t.dir, n) }, t.dir));
      const r = await engine.rotateCa({ budget: { max: 1, windowMs: 600_000 } });
      const rolls = r.state.rolls.map((x) => Date.parse(x));
      assert.equal(rolls.length, 3);
      assert.ok(
        rolls[1]! - rolls[0]! >= 600_000 && rolls[2]! - rolls[1]! >= 600_000,
        JSON.stringify(r.state.rolls),
      );
      assert.equal(slept.length, 2);
    } finally {
      await t.cleanup();
    }
  });

  it('renews the CA with its current keys when asked to keep them, so old leaves still chain', async () => {
    const t = await tempDir();
    try {
      const caDir = join(t.dir, 'ca');
      const engine = makeEngine(caDir);
      await engine.initCa({
        commonName: 'Keep CA',
        algorithm: 'ecdsa-p256',
        lifetimeMs: 365 * DAY,
        intermediate: true,
      });
      const oldLeaf = splitPem(
        await text(
          join(
            (await engine.issue(
              'web',
              spec({ name: 'web', dnsNames: ['localhost'], outDir: join(t.dir, 'web') }, t.dir),
            )) && join(t.dir, 'web'),
            'tls.crt',
          ),
        ),
      );
      const store = new CaStore(caDir);
      const before = await store.readState();
      const r = await engine.rotateCa({ keepKey: true });
      const oldCa = await store.loadCa(before.active);
      const newCa = await store.loadCa(r.state.newCaId);
      const spki = (pem: string) =>
        new X509Certificate(pem).publicKey.export({ type: 'spki', format: 'der' }).toString('hex');
      assert.equal(spki(newCa.root.certPem), spki(oldCa.root.certPem));
      assert.equal(spki(newCa.intermediate!.certPem), spki(oldCa.intermediate!.certPem));
      assert.notEqual(
        new X509Certificate(newCa.root.certPem).serialNumber,
        new X509Certificate(oldCa.root.certPem).serialNumber,
      );
      // A leaf issued before the renewal verifies under the renewed intermediate.
      assert.ok(
        new X509Certificate(oldLeaf[0]!).verify(new X509Certificate(newCa.intermediate!.certPem).publicKey),
      );
      assert.ok(
        new X509Certificate(oldLeaf[0]!).checkIssued(new X509Certificate(newCa.intermediate!.certPem)),
      );
    } finally {
      await t.cleanup();
    }
  });

  it('refuses to issue or renew while a rotation is unfinished, and says how to finish it', async () => {
    const t = await tempDir();
    try {
      const caDir = join(t.dir, 'ca');
      const engine = makeEngine(caDir);
      await engine.initCa({
        commonName: 'Busy CA',
        algorithm: 'ecdsa-p256',
        lifetimeMs: 365 * DAY,
        intermediate: false,
      });
      await engine.issue(
        'web',
        spec({ name: 'web', dnsNames: ['localhost'], outDir: join(t.dir, 'web') }, t.dir),
      );
      const crashing = makeEngine(caDir, {
        hooks: {
          afterStep: (s) => {
            if (s === 'reissue:gate') throw new Error('stop');
          },
        },
      });
      await assert.rejects(crashing.rotateCa(), /stop/);
      await assert.rejects(engine.renew({ force: true }), /rotation .* is at phase reissue; finish it first/);
      assert.ok((await engine.rotateCa()).finished);
      assert.equal((await engine.renew({ force: true })).renewed.length, 1);
    } finally {
      await t.cleanup();
    }
  });
});
