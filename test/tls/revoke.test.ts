/**
 * Revocation and emergency re-key against real TLS servers: a CRL that openssl and Node's TLS
 * server enforce, a compromised leaf reissued with a new key, and a compromised CA rotated away.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CaStore, splitPem } from '../../src/tls/index.js';
import {
  handshake,
  makeEngine,
  openssl,
  spec,
  startDirServer,
  tempDir,
  text,
  type Reloaders,
} from './harness.js';

const DAY = 86_400_000;

describe('revocation', () => {
  it('revokes a compromised client certificate: the CRL rejects it in openssl and in a TLS server, and the reissued one connects', async () => {
    const t = await tempDir();
    try {
      const caDir = join(t.dir, 'ca');
      const serverDir = join(t.dir, 'server');
      const clientDir = join(t.dir, 'client');
      const reloaders: Reloaders = new Map();
      const engine = makeEngine(caDir, {}, reloaders);
      const st = await engine.initCa({
        commonName: 'mTLS CA',
        algorithm: 'ecdsa-p256',
        lifetimeMs: 365 * DAY,
        intermediate: true,
      });
      await engine.issue(
        'server',
        spec({ name: 'server', dnsNames: ['localhost'], outDir: serverDir }, t.dir),
      );
      const first = await engine.issue(
        'client',
        spec({ name: 'client', dnsNames: ['client.svc'], usages: ['clientAuth'], outDir: clientDir }, t.dir),
      );
      const oldCert = await text(join(clientDir, 'tls.crt'));
      const oldKey = await text(join(clientDir, 'tls.key'));
      const store = new CaStore(caDir);

      // Before any revocation: an (empty) CRL so the server can run with CRL checking from the start.
      await engine.revoke({ serial: first.serial!, reissue: false });
      const crlFile = store.crlPath(st.active);
      // Node checks CRLs for the whole chain: the root's CRL (of intermediates) and the intermediate's (of leaves).
      const srv = await startDirServer(serverDir, {
        requestCert: true,
        crlFiles: [crlFile, store.crlPath(st.active, 'root')],
      });
      reloaders.set('server', () => srv.reload());
      try {
        const bundle = await text(join(serverDir, 'trust-bundle.pem'));
        await assert.rejects(handshake(srv.port, bundle, { cert: oldCert, key: oldKey, expectData: true }));
        assert.deepEqual(srv.clientErrors, ['CERT_REVOKED']);

        const crl = await text(crlFile);
        assert.match(crl, /BEGIN X509 CRL/);
        await writeFile(join(t.dir, 'leaf.pem'), splitPem(oldCert)[0]!);
        await writeFile(join(t.dir, 'inter.pem'), splitPem(oldCert)[1]!);
        const v = openssl([
          'verify',
          '-crl_check_all',
          '-CRLfile',
          crlFile,
          '-CRLfile',
          store.crlPath(st.active, 'root'),
          '-CAfile',
          join(serverDir, 'trust-bundle.pem'),
          '-untrusted',
          join(t.dir, 'inter.pem'),
          '-purpose',
          'sslclient',
          join(t.dir, 'leaf.pem'),
        ]);
        assert.notEqual(v.status, 0);
        assert.match(v.out, /certificate revoked/);
        const crlText = openssl(['crl', '-in', crlFile, '-noout', '-text']);
        assert.match(crlText.out, new RegExp(first.serial!.toUpperCase()));
        assert.match(crlText.out, /Key Compromise/);

        // The emergency path: revoke what is installed for the name, and get a new key and certificate.
        const r = await engine.revoke({ name: 'client' });
        assert.deepEqual(r.reissued, ['client']);
        const newCert = await text(join(clientDir, 'tls.crt'));
        const newKey = await text(join(clientDir, 'tls.key'));
        assert.notEqual(newKey, oldKey, 'a revoked key is never kept');
        assert.ok(await handshake(srv.port, bundle, { cert: newCert, key: newKey, expectData: true }));
        await writeFile(join(t.dir, 'leaf2.pem'), splitPem(newCert)[0]!);
        const v2 = openssl([
          'verify',
          '-x509_strict',
          '-crl_check_all',
          '-CRLfile',
          crlFile,
          '-CRLfile',
          store.crlPath(st.active, 'root'),
          '-CAfile',
          join(serverDir, 'trust-bundle.pem'),
          '-untrusted',
          join(t.dir, 'inter.pem'),
          '-purpose',
          'sslclient',
          join(t.dir, 'leaf2.pem'),
        ]);
        assert.equal(v2.status, 0, v2.out);
      } finally {
        await srv.close();
      }
    } finally {
      await t.cleanup();
    }
  });

  it('answers a compromised CA key by revoking all it issued and rotating every workload to a new CA', async () => {
    const t = await tempDir();
    try {
      const caDir = join(t.dir, 'ca');
      const webDir = join(t.dir, 'web');
      const reloaders: Reloaders = new Map();
      const engine = makeEngine(caDir, {}, reloaders);
      const st = await engine.initCa({
        commonName: 'Doomed CA',
        algorithm: 'ecdsa-p256',
        lifetimeMs: 365 * DAY,
        intermediate: false,
      });
      const a = await engine.issue(
        'web',
        spec({ name: 'web', dnsNames: ['localhost'], outDir: webDir }, t.dir),
      );
      const b = await engine.issue(
        'api',
        spec({ name: 'api', dnsNames: ['api.svc'], outDir: join(t.dir, 'api') }, t.dir),
      );
      const srv = await startDirServer(webDir);
      reloaders.set('web', () => srv.reload());
      await engine.upsertSpec(
        spec(
          {
            name: 'web',
            dnsNames: ['localhost'],
            outDir: webDir,
            probe: { host: '127.0.0.1', port: srv.port },
          },
          t.dir,
        ),
      );
      try {
        const r = await engine.revoke({ caId: st.active });
        assert.deepEqual(new Set(r.revoked), new Set([a.serial, b.serial]));
        assert.ok(r.rotation?.finished);
        const store = new CaStore(caDir);
        const state = await store.readState();
        assert.notEqual(state.active, st.active);
        assert.deepEqual(state.retired, [st.active]);
        const crl = openssl(['crl', '-in', store.crlPath(st.active), '-noout', '-text']).out;
        // Superseded: the leaves are replaced from a new CA; their own keys are not known to be compromised.
        assert.match(crl, /Superseded/);
        assert.doesNotMatch(crl, /CA Compromise/);
        for (const s of [a.serial!, b.serial!]) assert.match(crl, new RegExp(s.toUpperCase()));
        const bundle = readFileSync(join(webDir, 'trust-bundle.pem'));
        const served = await handshake(srv.port, bundle);
        const leaf = new X509Certificate(splitPem(await text(join(webDir, 'tls.crt')))[0]!);
        assert.equal(served, leaf.serialNumber.toLowerCase());
        assert.ok(leaf.verify(new X509Certificate(await store.rootPem(state.active)).publicKey));
        // The compromised root is gone from the bundle: a leaf it signed no longer verifies.
        assert.equal(splitPem(bundle.toString()).length, 1);
      } finally {
        await srv.close();
      }
    } finally {
      await t.cleanup();
    }
  });
});
