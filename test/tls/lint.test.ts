/**
 * Every certificate and CRL Holdfast writes, linted by the linters CAs run before issuing: zlint
 * (every lint it has) and pkilint (RFC 5280 profile for certificates, PKIX for CRLs). No error or
 * warning is allowed unless it is expected for a private CA (EXPECTED, with why; docs/tls.md) or a
 * linter's own false positive on the file it is known on (FALSE_POSITIVES, with why), and each of
 * those is still met on some file here.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tlsEngine } from '../../src/server/engines/tls.js';
import { ManualClock, systemClock } from '../../src/platform/clock.js';
import { CaStore, refreshCrls, splitPem, type CertSpecInput } from '../../src/tls/index.js';
import { x509 } from '../../src/tls/keys.js';
import { makeEngine, spec, tempDir, text } from './harness.js';
import { ALLOWED_FINDINGS, lintFiles, type LintFile } from './lint-tools.js';

describe('lint: every certificate and CRL Holdfast writes', () => {
  it('has no zlint or pkilint error or warning that is not documented as expected for a private CA', async (tc) => {
    const t = await tempDir();
    try {
      const files: LintFile[] = [];
      for (const [name, algorithm, intermediate] of [
        ['ec', 'ecdsa-p256', true],
        ['rsa', 'rsa-2048', false],
      ] as const) {
        const caDir = join(t.dir, `ca-${name}`);
        const engine = makeEngine(caDir);
        const st = await engine.initCa({ commonName: `Lint ${name} CA`, algorithm, lifetimeMs: 3650 * 86_400_000, intermediate });
        const cas = join(caDir, 'cas', st.active);
        files.push({ what: `${name} root`, path: join(cas, 'root.crt'), kind: 'cert' });
        if (intermediate) files.push({ what: `${name} intermediate`, path: join(cas, 'intermediate.crt'), kind: 'cert' });
        const store = new CaStore(caDir);
        // Copies: later revocations re-write these files, and the empty lists are linted as first published.
        const keepCopy = async (what: string, from: string) => {
          const path = join(t.dir, `${what.replace(/\W+/g, '-')}.crl`);
          await writeFile(path, await text(from));
          files.push({ what, path, kind: 'crl' });
        };
        await keepCopy(`${name} CRL`, store.crlPath(st.active));
        if (intermediate) await keepCopy(`${name} root CRL`, store.crlPath(st.active, 'root'));
        const leaves: CertSpecInput[] = [
          { name: 'server', outDir: '', dnsNames: ['web.shop.svc.cluster.local'], ipAddresses: ['10.0.0.7'], algorithm, usages: ['serverAuth'] },
          { name: 'client', outDir: '', dnsNames: ['client.shop.svc'], algorithm, usages: ['clientAuth'] },
          { name: 'both', outDir: '', dnsNames: ['both.shop.svc'], algorithm, usages: ['serverAuth', 'clientAuth'] },
          { name: 'long', outDir: '', dnsNames: [`${'x'.repeat(60)}.shop.svc.cluster.local`], algorithm },
          { name: 'spiffe', outDir: '', uris: ['spiffe://cluster.local/ns/shop/sa/web'], algorithm, usages: ['clientAuth'] },
          ...(name === 'ec' ? [{ name: 'ed', outDir: '', dnsNames: ['ed.shop.svc'], algorithm: 'ed25519' }] : []),
        ];
        for (const l of leaves) {
          const out = join(t.dir, `${name}-${l.name}`);
          await engine.issue(l.name, spec({ ...l, outDir: out }, t.dir));
          const leafFile = join(t.dir, `${name}-${l.name}.pem`);
          await writeFile(leafFile, splitPem(await text(join(out, 'tls.crt')))[0]!);
          files.push({ what: `${name} ${l.name} leaf`, path: leafFile, kind: 'cert' });
        }
        // A revocation makes a CRL with an entry (and its reason code).
        await engine.revoke({ name: 'server', reissue: false });
        await keepCopy(`${name} CRL with an entry`, store.crlPath(st.active));
        if (intermediate) {
          // A compromised CA: the issuing list names every leaf (superseded) and the root's its intermediate (keyCompromise).
          await engine.revoke({ caId: st.active, reissue: false });
          const rootCrl = new x509.X509Crl(await text(store.crlPath(st.active, 'root')));
          const inter = new X509Certificate(await text(join(cas, 'intermediate.crt'))).serialNumber.toLowerCase();
          assert.deepEqual(rootCrl.entries.map((e) => [e.serialNumber.toLowerCase(), e.reason]), [[inter, x509.X509CrlReason.keyCompromise]]);
          const reasons = new x509.X509Crl(await text(store.crlPath(st.active))).entries.map((e) => x509.X509CrlReason[e.reason!]);
          assert.deepEqual(reasons.sort(), ['keyCompromise', ...Array<string>(leaves.length - 1).fill('superseded')], 'the server revoked before keeps its reason');
          await keepCopy(`${name} root CRL listing a revoked intermediate`, store.crlPath(st.active, 'root'));
          await keepCopy(`${name} CRL after a CA compromise`, store.crlPath(st.active));
        }
      }
      // A CA renewed with its keys kept (rotate-ca --keep-key): the re-signed root and intermediate,
      // a leaf rolled onto them, and their CRLs; then those CRLs re-signed at half their validity.
      const keepDir = join(t.dir, 'ca-keep');
      const keep = makeEngine(keepDir, { rotationTimings: { propagationMs: 0, retireWaitMs: 0 } });
      await keep.initCa({ commonName: 'Lint kept-key CA', algorithm: 'ecdsa-p256', lifetimeMs: 3650 * 86_400_000, intermediate: true });
      await keep.issue('web', spec({ name: 'web', outDir: join(t.dir, 'keep-web'), dnsNames: ['web.shop.svc'] }, t.dir));
      assert.ok((await keep.rotateCa({ keepKey: true })).finished);
      const keepStore = new CaStore(keepDir);
      const kept = (await keepStore.readState()).active;
      await writeFile(join(t.dir, 'keep-leaf.pem'), splitPem(await text(join(t.dir, 'keep-web', 'tls.crt')))[0]!);
      await writeFile(join(t.dir, 'keep.crl'), await text(keepStore.crlPath(kept)));
      files.push(
        { what: 'kept-key root', path: join(keepDir, 'cas', kept, 'root.crt'), kind: 'cert' },
        { what: 'kept-key intermediate', path: join(keepDir, 'cas', kept, 'intermediate.crt'), kind: 'cert' },
        { what: 'kept-key leaf', path: join(t.dir, 'keep-leaf.pem'), kind: 'cert' },
        { what: 'kept-key CRL', path: join(t.dir, 'keep.crl'), kind: 'crl' },
      );
      const later = new ManualClock(new Date(Date.now() + 4 * 86_400_000));
      const refreshed = await refreshCrls(keepStore, later, [kept]);
      assert.deepEqual(refreshed, [keepStore.crlPath(kept), keepStore.crlPath(kept, 'root')], 'both lists were due and re-signed');
      files.push(
        { what: 'refreshed CRL', path: keepStore.crlPath(kept), kind: 'crl' },
        { what: 'refreshed root CRL', path: keepStore.crlPath(kept, 'root'), kind: 'crl' },
      );

      // What serve issues (its own CA, its API and policy certificates).
      const serveCa = join(t.dir, 'serve-ca');
      const issued = await tlsEngine(systemClock).issue({ caDir: serveCa, inventoryName: 'serve:api', commonName: 'holdfast-control-plane', dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'], validityMs: 90 * 86_400_000 });
      await writeFile(join(t.dir, 'serve-leaf.pem'), splitPem(issued.certPem)[0]!);
      files.push({ what: 'serve leaf', path: join(t.dir, 'serve-leaf.pem'), kind: 'cert' });
      // A policy whose commonName is not one of its names: the CN is a SAN all the same.
      const policy = await tlsEngine(systemClock).issue({ caDir: serveCa, inventoryName: 'serve/web', commonName: 'web.local', dnsNames: [], ipAddresses: ['127.0.0.1'], validityMs: 30 * 86_400_000 });
      await writeFile(join(t.dir, 'serve-policy-leaf.pem'), splitPem(policy.certPem)[0]!);
      files.push({ what: 'serve policy leaf', path: join(t.dir, 'serve-policy-leaf.pem'), kind: 'cert' });
      const sst = await new CaStore(serveCa).readState();
      files.push({ what: 'serve root', path: join(serveCa, 'cas', sst.active, 'root.crt'), kind: 'cert' });
      files.push({ what: 'serve CRL', path: new CaStore(serveCa).crlPath(sst.active), kind: 'crl' });

      const { unexpected, seenExpected } = lintFiles(files);
      tc.diagnostic(`${files.length} files linted; expected findings seen: ${seenExpected.join(', ') || 'none'}`);
      assert.deepEqual(unexpected, []);
      // The list stays honest both ways: an allowance no file needs any more is taken off it.
      assert.deepEqual(ALLOWED_FINDINGS.filter((f) => !seenExpected.includes(f)), []);
    } finally {
      await t.cleanup();
    }
  });
});
