/**
 * Issuance against real TLS servers: every key algorithm, with and without an intermediate, checked
 * by Node's TLS client (hostname verified), by `openssl verify -x509_strict -purpose sslserver`, by
 * `openssl s_client` against the example shop service, and by zlint's RFC lints.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { stat, writeFile } from 'node:fs/promises';
import { X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import { createLogger } from '../../src/base/log.js';
import { KEY_ALGORITHMS, splitPem, type KeyAlgorithm } from '../../src/tls/index.js';
import {
  handshake,
  httpsJson,
  makeEngine,
  openssl,
  root,
  spec,
  startDirServer,
  startShop,
  tempDir,
  text,
} from './harness.js';

function opensslAsync(args: string[]): Promise<{ status: number; out: string }> {
  return new Promise((resolve) => {
    const p = spawn('openssl', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (out += d));
    p.stdin.end('');
    p.on('close', (code) => resolve({ status: code ?? -1, out }));
  });
}

async function strictVerify(dir: string, outDir: string, purpose: string) {
  const chain = splitPem(await text(join(outDir, 'tls.crt')));
  await writeFile(join(dir, 'leaf.pem'), chain[0]!);
  await writeFile(join(dir, 'untrusted.pem'), chain.slice(1).join('') || chain[0]!);
  return openssl([
    'verify',
    '-x509_strict',
    '-purpose',
    purpose,
    '-CAfile',
    join(outDir, 'trust-bundle.pem'),
    '-untrusted',
    join(dir, 'untrusted.pem'),
    join(dir, 'leaf.pem'),
  ]);
}

describe('issuance', () => {
  for (const algorithm of KEY_ALGORITHMS) {
    for (const intermediate of algorithm === 'rsa-4096' || algorithm === 'rsa-3072'
      ? [false]
      : [false, true]) {
      it(`issues a ${algorithm} leaf${intermediate ? ' through an intermediate' : ''} that a verifying TLS client and openssl -x509_strict accept`, async () => {
        const t = await tempDir();
        try {
          const logs: string[] = [];
          const engine = makeEngine(join(t.dir, 'ca'), {
            log: createLogger({ json: true, write: (l) => logs.push(l), level: 'debug' }),
          });
          await engine.initCa({
            commonName: 'Test CA',
            algorithm: algorithm as KeyAlgorithm,
            lifetimeMs: 365 * 86_400_000,
            intermediate,
          });
          const outDir = join(t.dir, 'out');
          const s = spec(
            {
              name: 'web',
              dnsNames: ['localhost'],
              ipAddresses: ['127.0.0.1'],
              uris: ['spiffe://test/web'],
              usages: ['serverAuth', 'clientAuth'],
              algorithm,
              outDir,
            },
            t.dir,
          );
          const r = await engine.issue('web', s);
          const chain = splitPem(await text(join(outDir, 'tls.crt')));
          const rootPem = await text(join(outDir, 'ca.crt'));
          assert.equal(chain.length, intermediate ? 2 : 1, 'tls.crt is leaf + intermediates');
          assert.ok(
            !chain.some(
              (c) => new X509Certificate(c).fingerprint256 === new X509Certificate(rootPem).fingerprint256,
            ),
            'tls.crt never holds the root',
          );
          assert.equal(new X509Certificate(chain[0]!).serialNumber.toLowerCase(), r.serial);
          assert.equal((await stat(join(outDir, 'tls.key'))).mode & 0o777, 0o600);
          for (const k of intermediate ? ['root.key', 'intermediate.key'] : ['root.key'])
            assert.equal((await stat(join(t.dir, 'ca', 'cas', r.caId!, k))).mode & 0o777, 0o600, k);
          assert.ok(!logs.join('\n').includes('PRIVATE KEY'), 'keys are never logged');

          for (const purpose of ['sslserver', 'sslclient']) {
            const v = await strictVerify(t.dir, outDir, purpose);
            assert.equal(v.status, 0, v.out);
            assert.match(v.out, /: OK/);
          }
          const srv = await startDirServer(outDir);
          try {
            assert.equal(await handshake(srv.port, await text(join(outDir, 'trust-bundle.pem'))), r.serial);
            const sc = await opensslAsync([
              's_client',
              '-connect',
              `127.0.0.1:${srv.port}`,
              '-servername',
              'localhost',
              '-verify_hostname',
              'localhost',
              '-verify_return_error',
              '-CAfile',
              join(outDir, 'trust-bundle.pem'),
            ]);
            assert.match(sc.out, /Verify return code: 0 \(ok\)/, sc.out);
          } finally {
            await srv.close();
          }
        } finally {
          await t.cleanup();
        }
      });
    }
  }

  it('rejects a name that is not in the SANs (hostname verification is real)', async () => {
    const t = await tempDir();
    try {
      const engine = makeEngine(join(t.dir, 'ca'));
      await engine.initCa({
        commonName: 'Test CA',
        algorithm: 'ecdsa-p256',
        lifetimeMs: 86_400_000 * 30,
        intermediate: false,
      });
      const outDir = join(t.dir, 'out');
      await engine.issue('web', spec({ name: 'web', dnsNames: ['web.svc'], outDir }, t.dir));
      const srv = await startDirServer(outDir);
      try {
        await assert.rejects(
          handshake(srv.port, await text(join(outDir, 'trust-bundle.pem')), { servername: 'other.svc' }),
          /does not match|altnames/i,
        );
      } finally {
        await srv.close();
      }
    } finally {
      await t.cleanup();
    }
  });
});

describe('the example shop service', () => {
  let t: Awaited<ReturnType<typeof tempDir>>;
  before(async () => {
    t = await tempDir();
  });
  after(async () => {
    await t.cleanup();
  });

  it('serves records over HTTPS with a Holdfast certificate, verified by openssl s_client, and reports its version', async () => {
    const engine = makeEngine(join(t.dir, 'ca'));
    await engine.initCa({
      commonName: 'Shop CA',
      algorithm: 'ecdsa-p256',
      lifetimeMs: 86_400_000 * 30,
      intermediate: true,
    });
    const outDir = join(t.dir, 'shop-tls');
    const r = await engine.issue(
      'shop',
      spec({ name: 'shop', dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'], outDir }, t.dir),
    );
    const shop = await startShop({
      dataDir: join(t.dir, 'data'),
      certDir: outDir,
      pidFile: join(t.dir, 'shop.pid'),
    });
    try {
      const sc = openssl([
        's_client',
        '-connect',
        `127.0.0.1:${shop.port}`,
        '-servername',
        'localhost',
        '-verify_hostname',
        'localhost',
        '-verify_return_error',
        '-CAfile',
        join(outDir, 'trust-bundle.pem'),
        '-showcerts',
      ]);
      assert.match(sc.out, /Verify return code: 0 \(ok\)/, sc.out);
      assert.equal(
        (sc.out.match(/BEGIN CERTIFICATE/g) ?? []).length,
        2,
        'the shop serves leaf + intermediate, not the root',
      );
      const ca = await text(join(outDir, 'trust-bundle.pem'));
      const post = await httpsJson(shop.port, ca, 'POST', '/items', { sku: 'a1', qty: 2 });
      assert.equal(post.status, 201);
      const list = await httpsJson(shop.port, ca, 'GET', '/items');
      assert.deepEqual(
        (list.body as { sku: string }[]).map((x) => x.sku),
        ['a1'],
      );
      const health = (await httpsJson(shop.port, ca, 'GET', '/healthz')).body as {
        ok: boolean;
        version: string;
        serial: string;
      };
      assert.deepEqual([health.ok, health.version, health.serial], [true, 'test-commit', r.serial]);
    } finally {
      await shop.stop();
    }
  });
});

describe('strict linting with zlint', () => {
  it('finds no RFC 5280/5480/5891/8813 errors or warnings in a root, an intermediate or a leaf', async () => {
    const prep = spawnSync('bash', [join(root, 'test/tls/prepare-zlint.sh')], {
      encoding: 'utf8',
      timeout: 600_000,
    });
    assert.equal(prep.status, 0, prep.stderr);
    const zlint = prep.stdout.trim();
    const t = await tempDir();
    try {
      const engine = makeEngine(join(t.dir, 'ca'));
      const st = await engine.initCa({
        commonName: 'Lint CA',
        algorithm: 'ecdsa-p256',
        lifetimeMs: 86_400_000 * 365,
        intermediate: true,
      });
      const outDir = join(t.dir, 'out');
      await engine.issue(
        'web',
        spec(
          {
            name: 'web',
            dnsNames: ['web.shop.svc.cluster.local'],
            ipAddresses: ['10.0.0.7'],
            usages: ['serverAuth', 'clientAuth'],
            outDir,
          },
          t.dir,
        ),
      );
      const files = [
        join(t.dir, 'ca', 'cas', st.active, 'root.crt'),
        join(t.dir, 'ca', 'cas', st.active, 'intermediate.crt'),
      ];
      await writeFile(join(t.dir, 'leaf.pem'), splitPem(await text(join(outDir, 'tls.crt')))[0]!);
      files.push(join(t.dir, 'leaf.pem'));
      for (const f of files) {
        const r = spawnSync(zlint, ['-includeSources', 'RFC5280,RFC5480,RFC5891,RFC8813,RFC3279', f], {
          encoding: 'utf8',
        });
        assert.equal(r.status, 0, r.stderr);
        const results = JSON.parse(r.stdout) as Record<string, { result: string; details?: string }>;
        const bad = Object.entries(results).filter(([, v]) => ['warn', 'error', 'fatal'].includes(v.result));
        assert.deepEqual(bad, [], `${f}: ${JSON.stringify(bad)}`);
      }
    } finally {
      await t.cleanup();
    }
  });
});
