/**
 * Every certificate and CRL Holdfast writes, linted by the linters CAs run before issuing: zlint
 * (every lint it has) and pkilint (RFC 5280 profile for certificates, PKIX for CRLs). No error or
 * warning is allowed unless it is expected for a private CA (EXPECTED, with why; docs/tls.md) or a
 * linter's own false positive on the file it is known on (FALSE_POSITIVES, with why).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tlsEngine } from '../../src/server/engines/tls.js';
import { systemClock } from '../../src/platform/clock.js';
import { CaStore, splitPem, type CertSpecInput } from '../../src/tls/index.js';
import { makeEngine, root, spec, tempDir, text } from './harness.js';

/**
 * Findings a private CA is expected to have, by linter and code: the CA/Browser Forum's Baseline
 * Requirements for *public* TLS, which a cluster-internal CA does not follow (docs/tls.md says why).
 */
const BR = 'CA/Browser Forum Baseline Requirements (public web PKI only)';
const EXPECTED: Record<string, string> = {
  'zlint e_sub_cert_certificate_policies_missing': `${BR}: no CP/CPS for a private CA`,
  'zlint e_sub_cert_cert_policy_empty': `${BR}: no CP/CPS`,
  'zlint e_sub_ca_certificate_policies_missing': `${BR}: no CP/CPS`,
  'zlint e_invalid_ca_certificate_policies': `${BR}: no CP/CPS`,
  'zlint e_sub_cert_aia_missing': `${BR}: no HTTP endpoint for AIA yet`,
  'zlint w_sub_cert_aia_does_not_contain_issuing_ca_url': `${BR}: no HTTP endpoint for AIA yet`,
  'zlint w_sub_ca_aia_missing': `${BR}: no HTTP endpoint for AIA yet`,
  'zlint e_missing_crl_distrib_point': `${BR}: CRLs are files in crl/, no distribution point URL yet`,
  'zlint e_sub_ca_crl_distribution_points_missing': `${BR}: CRLs are files, no URL yet`,
  'zlint e_dnsname_not_valid_tld': `${BR}: cluster names (svc, cluster.local) are not public TLDs`,
  'zlint e_ext_san_contains_reserved_ip': `${BR}: in-cluster endpoints have private IPs`,
  'zlint e_subject_contains_reserved_ip': `${BR}: the CN of a leaf named only by a private IP is that IP (the CN is always a SAN)`,
  'zlint e_ca_country_name_missing': `${BR}: no organisation identity to state`,
  'zlint w_root_ca_basic_constraints_path_len_constraint_field_present': `${BR} recommendation; the root limits its path on purpose`,
  'zlint w_ext_subject_key_identifier_not_recommended_subscriber': `${BR} recommendation; RFC 5280 wants an SKI`,
  'zlint w_subject_common_name_included': `${BR} recommendation; clients that still read the CN get one that is a SAN`,
  // The encoding is RFC 8410's (300506032b6570); the lint enforces the public roots' RSA/ECDSA-only key list.
  'zlint e_algorithm_identifier_improper_encoding': `${BR} and Mozilla policy allow RSA and ECDSA keys only; an Ed25519 key is encoded as RFC 8410 says`,
};

/**
 * Findings of the linters themselves, on the files named: pkilint checks URIs and DNS names with
 * the Python `validators` package, whose `url` knows only web schemes and whose `domain` wants a
 * dot. RFC 5280 asks for RFC 3986 URIs and RFC 1034 names, which both are; no other file may have them.
 */
const FALSE_POSITIVES: Record<string, { why: string; on: RegExp }> = {
  'pkilint ERROR pkix.invalid_uri_syntax': { why: 'a SPIFFE ID (spiffe://trust-domain/path) is an RFC 3986 URI; validators.url rejects every non-web scheme', on: /spiffe leaf$/ },
  'pkilint ERROR pkix.invalid_domain_name_syntax': { why: '"localhost" is a one-label RFC 1034 name, the one local clients use; validators.domain wants a dot', on: /^serve leaf$/ },
};

function prepare(script: string): string {
  const r = spawnSync('bash', [join(root, 'test/tls', script)], { encoding: 'utf8', timeout: 900_000 });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim();
}

function zlint(bin: string, file: string): string[] {
  const r = spawnSync(bin, [file], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const results = JSON.parse(r.stdout) as Record<string, { result: string }>;
  return Object.entries(results)
    .filter(([, v]) => ['warn', 'error', 'fatal'].includes(v.result))
    .map(([k, v]) => `zlint ${v.result} ${k}`);
}

function pkilint(bin: string, args: string[], file: string): string[] {
  const r = spawnSync(join(bin, args[0]!), ['lint', ...args.slice(1), '-s', 'WARNING', '-f', 'JSON', file], { encoding: 'utf8' });
  // pkilint exits non-zero when it reports findings; what matters is the report.
  const out = JSON.parse(r.stdout || '{"results":[]}') as { results: { finding_descriptions: { severity: string; code: string }[] }[] };
  return out.results.flatMap((x) => x.finding_descriptions.map((f) => `pkilint ${f.severity} ${f.code}`));
}

describe('lint: every certificate and CRL Holdfast writes', () => {
  it('has no zlint or pkilint error or warning that is not documented as expected for a private CA', async (tc) => {
    const zl = prepare('prepare-zlint.sh');
    const pk = prepare('prepare-pkilint.sh');
    const t = await tempDir();
    try {
      const files: { what: string; path: string; kind: 'cert' | 'crl' }[] = [];
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
        files.push({ what: `${name} CRL`, path: store.crlPath(st.active), kind: 'crl' });
        if (intermediate) files.push({ what: `${name} root CRL`, path: store.crlPath(st.active, 'root'), kind: 'crl' });
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
        const revokedCrl = join(t.dir, `${name}-revoked.crl`);
        await writeFile(revokedCrl, await text(store.crlPath(st.active)));
        files.push({ what: `${name} CRL with an entry`, path: revokedCrl, kind: 'crl' });
      }
      // What serve issues (its own CA, its API and policy certificates).
      const serveCa = join(t.dir, 'serve-ca');
      const issued = await tlsEngine(systemClock).issue({ caDir: serveCa, inventoryName: 'serve/api', commonName: 'holdfast-control-plane', dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'], validityMs: 90 * 86_400_000 });
      await writeFile(join(t.dir, 'serve-leaf.pem'), splitPem(issued.certPem)[0]!);
      files.push({ what: 'serve leaf', path: join(t.dir, 'serve-leaf.pem'), kind: 'cert' });
      // A policy whose commonName is not one of its names: the CN is a SAN all the same.
      const policy = await tlsEngine(systemClock).issue({ caDir: serveCa, inventoryName: 'serve/web', commonName: 'web.local', dnsNames: [], ipAddresses: ['127.0.0.1'], validityMs: 30 * 86_400_000 });
      await writeFile(join(t.dir, 'serve-policy-leaf.pem'), splitPem(policy.certPem)[0]!);
      files.push({ what: 'serve policy leaf', path: join(t.dir, 'serve-policy-leaf.pem'), kind: 'cert' });
      const sst = await new CaStore(serveCa).readState();
      files.push({ what: 'serve root', path: join(serveCa, 'cas', sst.active, 'root.crt'), kind: 'cert' });
      files.push({ what: 'serve CRL', path: new CaStore(serveCa).crlPath(sst.active), kind: 'crl' });

      const unexpected: string[] = [];
      const seenExpected = new Set<string>();
      for (const f of files) {
        readFileSync(f.path); // exists
        const findings =
          f.kind === 'cert'
            ? [...zlint(zl, f.path), ...pkilint(pk, ['lint_pkix_cert'], f.path)]
            : [...zlint(zl, f.path), ...pkilint(pk, ['lint_crl', '-t', 'CRL', '-p', 'PKIX'], f.path)];
        for (const x of findings) {
          const code = x.startsWith('zlint') ? x.split(' ').filter((_, i) => i !== 1).join(' ') : x;
          if (EXPECTED[code]) seenExpected.add(code);
          else if (FALSE_POSITIVES[code]?.on.test(f.what)) seenExpected.add(code);
          else unexpected.push(`${f.what}: ${x}`);
        }
      }
      tc.diagnostic(`${files.length} files linted; expected findings seen: ${[...seenExpected].join(', ') || 'none'}`);
      assert.deepEqual(unexpected, []);
    } finally {
      await t.cleanup();
    }
  });
});
