/**
 * Leaf issuance. A leaf is signed by its CA generation's issuing certificate; what a workload gets
 * is `tls.crt` = leaf + intermediates (never the root), `tls.key`, and `ca.crt` = the root it chains
 * to. A new key is generated unless the caller passes one to keep (leaf keys rotate by default).
 */
import { X509Certificate, createPublicKey, type KeyObject } from 'node:crypto';
import type { Clock } from '../platform/clock.js';
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
}

const BACKDATE_MS = 60_000;

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

export async function issueLeaf(req: LeafRequest, ca: CertAuthority, clock: Clock): Promise<IssuedLeaf> {
  const now = clock.now();
  const where = `certificate ${req.name}`;
  const sans = validateSans(req.sans, where);
  if (req.usages.length === 0)
    throw tlsError('TLS_INVALID_SPEC', `${where}: needs at least one usage (serverAuth, clientAuth)`);
  if (!(req.lifetimeMs > 0)) throw tlsError('TLS_INVALID_SPEC', `${where}: lifetime must be positive`);
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
  const notBefore = new Date(Math.max(now.getTime() - BACKDATE_MS, iss.validFrom));
  // A leaf never outlives its issuer: a chain with an expired intermediate fails anyway.
  const notAfter = new Date(Math.min(now.getTime() + req.lifetimeMs, iss.validTo));
  let flags = x509.KeyUsageFlags.digitalSignature;
  if (req.algorithm.startsWith('rsa')) flags |= x509.KeyUsageFlags.keyEncipherment;
  const names: { type: 'dns' | 'ip' | 'url'; value: string }[] = [
    ...sans.dns.map((value) => ({ type: 'dns' as const, value })),
    ...sans.ip.map((value) => ({ type: 'ip' as const, value })),
    ...sans.uri.map((value) => ({ type: 'url' as const, value })),
  ];
  const cn = (req.commonName ?? sans.dns[0] ?? req.name).slice(0, 64);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: newSerial(),
    subject: `CN=${cn.replace(/([,+"\\<>;=])/g, '\\$1')}`,
    issuer: iss.issuerName,
    notBefore,
    notAfter,
    publicKey: pub,
    signingKey: iss.signer.key,
    signingAlgorithm: iss.signer.algorithm,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(flags, true),
      new x509.ExtendedKeyUsageExtension(
        req.usages.map((u) =>
          u === 'serverAuth' ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth,
        ),
        false,
      ),
      new x509.SubjectAlternativeNameExtension(names, false),
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
  };
}
