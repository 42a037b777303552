/**
 * Leaf issuance. A leaf is signed by its CA generation's issuing certificate; what a workload gets
 * is `tls.crt` = leaf + intermediates (never the root), `tls.key`, and `ca.crt` = the root it chains
 * to. A new key is generated unless the caller passes one to keep (leaf keys rotate by default).
 */
import { X509Certificate, createPublicKey, type KeyObject } from 'node:crypto';
import type { Clock } from '../platform/clock.js';
import { lifetimeDecision } from '../policy/certificate-lifetime.js';
import { chainOf, checkAuthority, issuingOf, newSerial, type CertAuthority } from './ca.js';
import { tlsError } from './errors.js';
import {
  generateKey,
  keyAlgorithmOf,
  privateKeyPem,
  signerFor,
  spki,
  x509,
  type KeyAlgorithm,
  type Signer,
} from './keys.js';
import { joinPem } from './pem.js';
import { validateSans, type SanSet } from './sans.js';

export type Usage = 'serverAuth' | 'clientAuth';

export interface LeafRequest {
  name: string;
  commonName?: string;
  sans: SanSet;
  usages: Usage[];
  algorithm: KeyAlgorithm;
  lifetimeMs: number;
  /** Keep this key instead of generating a new one. */
  key?: KeyObject;
  /** Refuse a lifetime above this: every issuer has a cap (DEFAULT_MAX_LIFETIME_MS unless raised). */
  maxLifetimeMs: number;
  /** Where the cap is raised, for the refusal's advice; the inventory's maxLifetime when omitted, null when nothing raises it. */
  capSetting?: string | null;
}

export interface IssuedLeaf {
  name: string;
  caId: string;
  serial: string;
  /** The leaf alone. */
  certPem: string;
  /** tls.crt: the leaf followed by the intermediates, never the root. */
  chainPem: string;
  /** ca.crt: the root of the issuing generation. */
  caPem: string;
  key: KeyObject;
  keyPem: string;
  notBefore: Date;
  notAfter: Date;
  /** lifetimeDecision's warning, for the issuer to log or record once per issuance. */
  warning?: string;
}

/**
 * How far before now a leaf's validity starts, so a client whose clock lags accepts it at once: a
 * minute, but never more than a tenth of the lifetime, because the lifetime counts from notBefore
 * and a short-lived leaf (the examples' and tests' 20–40 s) would otherwise be born expired.
 */
export function backdateFor(lifetimeMs: number): number {
  return Math.min(60_000, Math.floor(lifetimeMs / 10));
}

/** What issuing from a CA needs that does not change between leaves: parsed once per CA object. */
interface PreparedIssuer {
  signer: Signer;
  issuerName: x509.Name;
  aki: x509.AuthorityKeyIdentifierExtension;
  validFrom: number;
  validTo: number;
}

const prepared = new WeakMap<CertAuthority, Promise<PreparedIssuer>>();

function prepare(ca: CertAuthority, now: Date): Promise<PreparedIssuer> {
  let p = prepared.get(ca);
  if (!p) {
    checkAuthority(ca, now);
    p = (async () => {
      const issuer = issuingOf(ca);
      const cert = new X509Certificate(issuer.certPem);
      return {
        signer: await signerFor(issuer.key, `CA ${ca.id} issuing key`),
        // The issuer name is copied as encoded, so chain building matches it byte for byte.
        issuerName: new x509.X509Certificate(issuer.certPem).subjectName,
        aki: await x509.AuthorityKeyIdentifierExtension.create(spki(cert.publicKey)),
        validFrom: Date.parse(cert.validFrom),
        validTo: Date.parse(cert.validTo),
      };
    })();
    prepared.set(ca, p);
    p.catch(() => prepared.delete(ca));
  }
  return p;
}

/**
 * Key usage follows the key and what the leaf is for: every leaf signs (digitalSignature);
 * keyEncipherment only for an RSA key of a server, the one case where TLS 1.2 RSA key transport
 * encrypts to it. A client-only RSA leaf with it is inconsistent (zlint
 * e_key_usage_and_extended_key_usage_inconsistent); ECDSA and Ed25519 keys cannot encipher at all.
 */
export function leafKeyUsage(algorithm: KeyAlgorithm, usages: Usage[]): number {
  let flags = x509.KeyUsageFlags.digitalSignature;
  if (algorithm.startsWith('rsa') && usages.includes('serverAuth')) flags |= x509.KeyUsageFlags.keyEncipherment;
  return flags;
}

/** RFC 5280's upper bound for a commonName (ub-common-name). */
const MAX_CN = 64;

/**
 * Why a CN asked for cannot be written, as the tail of one line; undefined when it can. It must be
 * one of the SANs (a CN that is not a SAN is a name no client checks, and lints flag it) and fit in
 * 64 characters. Pure: the CLI checks its flags with it and the operator its spec before issuing.
 */
export function commonNameConflict(asked: string, sans: SanSet): string | undefined {
  if (asked.length > MAX_CN)
    return `common name "${asked.slice(0, 20)}…" is ${asked.length} characters; at most ${MAX_CN} fit (leave it out: the DNS names are what clients check)`;
  if (!sanOf(asked, sans))
    return `common name "${asked}" is not one of the certificate's DNS names or IP addresses, and a CN that is not a SAN is a name no client checks; add it to the names, or leave it out`;
  return undefined;
}

/**
 * A name that labels a certificate (serve's `commonName`) as its CN request: itself when it can be
 * the CN, else none (the first name becomes the CN). For callers whose name is not a CN request.
 */
export function commonNameIfSan(name: string, sans: SanSet): string | undefined {
  return commonNameConflict(name, sans) ? undefined : name;
}

/** The SAN a CN names, as the SAN is written (DNS names are compared as validateSans normalizes them). */
function sanOf(cn: string, sans: SanSet): string | undefined {
  const dns = cn.toLowerCase().replace(/\.$/, '');
  return sans.dns.find((d) => d === dns) ?? sans.ip.find((i) => i === cn);
}

/**
 * The subject CN: the one asked for, else the first DNS name (or IP) short enough to be a CN, so the
 * CN is always also a SAN; none when no SAN fits (a long DNS name is never cut: a cut name is a name
 * no client asks for). A CN asked for that is not a SAN or does not fit is refused.
 */
export function leafCommonName(asked: string | undefined, sans: SanSet, where: string): string | undefined {
  if (asked !== undefined) {
    const conflict = commonNameConflict(asked, sans);
    if (conflict) throw tlsError('TLS_INVALID_SPEC', `${where}: ${conflict}`);
    return sanOf(asked, sans);
  }
  return [...sans.dns, ...sans.ip].find((n) => n.length <= MAX_CN);
}

export async function issueLeaf(req: LeafRequest, ca: CertAuthority, clock: Clock): Promise<IssuedLeaf> {
  const now = clock.now();
  const where = `certificate ${req.name}`;
  const sans = validateSans(req.sans, where);
  if (req.usages.length === 0)
    throw tlsError('TLS_INVALID_SPEC', `${where}: needs at least one usage (serverAuth, clientAuth)`);
  if (!(req.lifetimeMs > 0)) throw tlsError('TLS_INVALID_SPEC', `${where}: lifetime must be positive`);
  const lifetime = lifetimeDecision(req.lifetimeMs, req.maxLifetimeMs, req.capSetting);
  if (lifetime.refuse) throw tlsError('TLS_INVALID_SPEC', `${where}: ${lifetime.refuse}`);
  const iss = await prepare(ca, now);
  // Validity is re-checked on every issuance (the CA may have expired since it was prepared).
  if (now.getTime() < iss.validFrom || now.getTime() > iss.validTo) checkAuthority(ca, now);
  let key = req.key;
  if (key) {
    if (keyAlgorithmOf(key) !== req.algorithm)
      throw tlsError(
        'TLS_INVALID_SPEC',
        `${where}: the kept key is not ${req.algorithm}; rotate the key instead`,
      );
  } else key = (await generateKey(req.algorithm)).privateKey;

  const pub = spki(createPublicKey(key));
  const notBefore = new Date(Math.max(now.getTime() - backdateFor(req.lifetimeMs), iss.validFrom));
  // The lifetime counts from notBefore: "825d" is 825 days of validity, not 825 days and the backdating.
  // A leaf never outlives its issuer: a chain with an expired intermediate fails anyway.
  const notAfter = new Date(Math.min(notBefore.getTime() + req.lifetimeMs, iss.validTo));
  const names: { type: 'dns' | 'ip' | 'url'; value: string }[] = [
    ...sans.dns.map((value) => ({ type: 'dns' as const, value })),
    ...sans.ip.map((value) => ({ type: 'ip' as const, value })),
    ...sans.uri.map((value) => ({ type: 'url' as const, value })),
  ];
  const cn = leafCommonName(req.commonName, sans, where);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: newSerial(),
    subject: cn === undefined ? '' : `CN=${cn.replace(/([,+"\\<>;=])/g, '\\$1')}`,
    issuer: iss.issuerName,
    notBefore,
    notAfter,
    publicKey: pub,
    signingKey: iss.signer.key,
    signingAlgorithm: iss.signer.algorithm,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(leafKeyUsage(req.algorithm, req.usages), true),
      new x509.ExtendedKeyUsageExtension(
        req.usages.map((u) =>
          u === 'serverAuth' ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth,
        ),
        false,
      ),
      // An empty subject makes the SAN the only name, and RFC 5280 4.2.1.6 then wants it critical.
      new x509.SubjectAlternativeNameExtension(names, cn === undefined),
      await x509.SubjectKeyIdentifierExtension.create(pub),
      iss.aki,
    ],
  });
  const certPem = cert.toString('pem') + '\n';
  return {
    name: req.name,
    caId: ca.id,
    serial: cert.serialNumber.toLowerCase(),
    certPem,
    chainPem: joinPem([certPem, ...chainOf(ca)]),
    caPem: ca.root.certPem,
    key,
    keyPem: privateKeyPem(key),
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
    ...(lifetime.warning ? { warning: `${where}: ${lifetime.warning}` } : {}),
  };
}
