/**
 * Certificate authorities. A CA *generation* is one self-signed root and, optionally, one
 * intermediate that it signs; leaves are issued by the intermediate when there is one, else by the
 * root. A generation is what CA rotation replaces as a whole. Renewing a CA certificate may reuse the
 * generation's keys (the default for CA renewal) so that existing leaves keep chaining to it.
 */
import { X509Certificate, createHash, createPublicKey, randomBytes, type KeyObject } from 'node:crypto';
import type { Clock } from '../platform/clock.js';
import { tlsError } from './errors.js';
import { generateKey, keyAlgorithmOf, signerFor, spki, x509, type KeyAlgorithm } from './keys.js';

export interface CaKeyCert {
  certPem: string;
  key: KeyObject;
}

export interface CertAuthority {
  id: string;
  root: CaKeyCert;
  intermediate?: CaKeyCert;
}

export interface CaOptions {
  id: string;
  commonName: string;
  algorithm: KeyAlgorithm;
  lifetimeMs: number;
  /** Also create an intermediate that issues the leaves; it lives half as long as the root unless told. */
  intermediate?: boolean;
  intermediateLifetimeMs?: number;
  /** Re-sign with these keys instead of generating new ones (CA renewal without re-key). */
  reuseKeys?: { root: KeyObject; intermediate?: KeyObject };
}

const DAY = 86_400_000;

/** A CA generation's id: when it was made, and two random bytes for two made in one second. */
export function newCaId(now: Date): string {
  return `ca-${now.toISOString().replace(/[-:]/g, '').replace(/\..*/, '')}-${randomBytes(2).toString('hex')}`;
}

/** A positive 127-bit serial in hex: random, never negative, never zero (RFC 5280 4.1.2.2). */
export function newSerial(): string {
  const b = randomBytes(16);
  b[0] = (b[0]! & 0x7f) | 0x40;
  return b.toString('hex');
}

export async function createAuthority(opts: CaOptions, clock: Clock): Promise<CertAuthority> {
  const now = clock.now();
  const rootKey = opts.reuseKeys?.root ?? (await generateKey(opts.algorithm)).privateKey;
  const rootPub = spki(publicOf(rootKey));
  const rootSigner = await signerFor(rootKey, `CA ${opts.id} root key`);
  const notBefore = new Date(now.getTime() - 60_000);
  const rootNotAfter = new Date(now.getTime() + opts.lifetimeMs);
  const rootName = `CN=${escapeDn(opts.commonName)} ${keyTag(rootPub)},O=Holdfast`;
  const root = await x509.X509CertificateGenerator.create({
    serialNumber: newSerial(),
    subject: rootName,
    issuer: rootName,
    notBefore,
    notAfter: rootNotAfter,
    publicKey: rootPub,
    signingKey: rootSigner.key,
    signingAlgorithm: rootSigner.algorithm,
    extensions: [
      new x509.BasicConstraintsExtension(true, opts.intermediate ? 1 : 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(rootPub),
      await x509.AuthorityKeyIdentifierExtension.create(rootPub),
    ],
  });
  const ca: CertAuthority = { id: opts.id, root: { certPem: root.toString('pem') + '\n', key: rootKey } };
  if (opts.intermediate) {
    const intKey = opts.reuseKeys?.intermediate ?? (await generateKey(opts.algorithm)).privateKey;
    const intPub = spki(publicOf(intKey));
    const life = opts.intermediateLifetimeMs ?? Math.max(DAY, Math.floor(opts.lifetimeMs / 2));
    const intName = `CN=${escapeDn(opts.commonName)} Intermediate ${keyTag(intPub)},O=Holdfast`;
    const inter = await x509.X509CertificateGenerator.create({
      serialNumber: newSerial(),
      subject: intName,
      issuer: rootName,
      notBefore,
      notAfter: new Date(Math.min(now.getTime() + life, rootNotAfter.getTime())),
      publicKey: intPub,
      signingKey: rootSigner.key,
      signingAlgorithm: rootSigner.algorithm,
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(intPub),
        await x509.AuthorityKeyIdentifierExtension.create(rootPub),
      ],
    });
    ca.intermediate = { certPem: inter.toString('pem') + '\n', key: intKey };
  }
  return ca;
}

function publicOf(key: KeyObject): KeyObject {
  return createPublicKey(key);
}

/**
 * Names carry a tag of the public key, so an old and a new generation are told apart in a bundle,
 * and a renewal that keeps the key keeps the name (old leaves still chain by issuer name).
 */
function keyTag(spkiDer: ArrayBuffer): string {
  return createHash('sha256').update(Buffer.from(spkiDer)).digest('hex').slice(0, 8);
}

function escapeDn(s: string): string {
  return s.replace(/([,+"\\<>;=])/g, '\\$1');
}

/** The key and certificate that sign leaves (and the CRL of those leaves). */
export function issuingOf(ca: CertAuthority): CaKeyCert {
  return ca.intermediate ?? ca.root;
}

/** The intermediates a served chain carries after the leaf: never the root. */
export function chainOf(ca: CertAuthority): string[] {
  return ca.intermediate ? [ca.intermediate.certPem] : [];
}

/**
 * Checks that a CA can issue now: each certificate is a CA, is inside its validity window, and its
 * key matches it. Throws one clear error naming the CA and the certificate.
 */
export function checkAuthority(ca: CertAuthority, now: Date): void {
  const parts: [string, CaKeyCert | undefined][] = [
    ['root', ca.root],
    ['intermediate', ca.intermediate],
  ];
  for (const [what, part] of parts) {
    if (!part) continue;
    const c = new X509Certificate(part.certPem);
    const where = `CA ${ca.id} ${what} certificate`;
    if (!c.ca)
      throw tlsError('TLS_CA_NOT_A_CA', `${where}: is not a CA certificate (basicConstraints CA:FALSE)`);
    if (now.getTime() > Date.parse(c.validTo))
      throw tlsError(
        'TLS_CA_EXPIRED',
        `${where}: expired on ${new Date(c.validTo).toISOString()}; rotate or renew the CA`,
      );
    if (now.getTime() < Date.parse(c.validFrom))
      throw tlsError(
        'TLS_CA_NOT_YET_VALID',
        `${where}: not valid before ${new Date(c.validFrom).toISOString()}; check the clock`,
      );
    if (!c.checkPrivateKey(part.key))
      throw tlsError('TLS_KEY_MISMATCH', `${where}: the private key does not match the certificate`);
    if (!keyAlgorithmOf(part.key))
      throw tlsError('TLS_UNKNOWN_ALGORITHM', `${where}: the key's algorithm is not one Holdfast signs with`);
  }
}
