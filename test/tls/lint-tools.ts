/**
 * The linters CAs run before issuing, as the tests run them: zlint (every lint it has) and pkilint
 * (RFC 5280 profile for certificates, PKIX for CRLs), and the one list of findings allowed for a
 * private CA (EXPECTED; docs/tls.md) or a linter's own false positive on the file it is known on
 * (FALSE_POSITIVES). test/tls/lint.test.ts lints what the CLI and serve write,
 * test/kubernetes/certificates.test.ts what the operator writes.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { root } from './harness.js';

export interface LintFile {
  what: string;
  path: string;
  kind: 'cert' | 'crl';
}

/**
 * Findings a private CA is expected to have, by linter and code: the CA/Browser Forum's Baseline
 * Requirements for *public* TLS, which a cluster-internal CA does not follow (docs/tls.md says why).
 */
const BR = 'CA/Browser Forum Baseline Requirements (public web PKI only)';
export const EXPECTED: Record<string, string> = {
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

/** Every finding either list allows: a test that lints the whole set can check that each is still needed. */
export const ALLOWED_FINDINGS = [...Object.keys(EXPECTED), ...Object.keys(FALSE_POSITIVES)];

/** Lints every file with both linters; returns the findings neither list allows and the allowed ones seen. */
export function lintFiles(files: LintFile[]): { unexpected: string[]; seenExpected: string[] } {
  const zl = prepare('prepare-zlint.sh');
  const pk = prepare('prepare-pkilint.sh');
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
  return { unexpected, seenExpected: [...seenExpected] };
}
