/**
 * Certificate revocation lists. Each CA generation's issuing certificate signs the CRL of the leaves
 * it issued; the CRL number grows with every list so relying parties can tell a newer one.
 */
import { X509Certificate } from 'node:crypto';
import { issuingOf, type CertAuthority } from './ca.js';
import { signerFor, spki, x509 } from './keys.js';
import type { RevokedEntry } from './store.js';

export const CRL_VALIDITY_MS = 7 * 86_400_000;

/** DER of a non-negative INTEGER, for the cRLNumber extension (which the library has no class for). */
function derInteger(n: number): ArrayBuffer {
  let hex = n.toString(16);
  if (hex.length % 2) hex = '0' + hex;
  if (parseInt(hex.slice(0, 2), 16) & 0x80) hex = '00' + hex;
  const body = Buffer.from(hex, 'hex');
  const der = Buffer.concat([Buffer.from([0x02, body.length]), body]);
  return der.buffer.slice(der.byteOffset, der.byteOffset + der.byteLength) as ArrayBuffer;
}

/**
 * Signs a CRL by the CA's issuing certificate, or with `which = 'root'` by the root: relying parties
 * that check the whole chain (Node does: CRL_CHECK_ALL) need the root's list of revoked
 * intermediates too.
 */
export async function createCrl(
  ca: CertAuthority,
  entries: RevokedEntry[],
  now: Date,
  crlNumber: number,
  which: 'issuing' | 'root' = 'issuing',
): Promise<string> {
  const issuer = which === 'root' ? ca.root : issuingOf(ca);
  const cert = new X509Certificate(issuer.certPem);
  const signer = await signerFor(issuer.key, `CA ${ca.id} issuing key`);
  const crl = await x509.X509CrlGenerator.create({
    issuer: new x509.X509Certificate(issuer.certPem).subjectName,
    thisUpdate: now,
    nextUpdate: new Date(now.getTime() + CRL_VALIDITY_MS),
    signingKey: signer.key,
    signingAlgorithm: signer.algorithm,
    extensions: [
      await x509.AuthorityKeyIdentifierExtension.create(spki(cert.publicKey)),
      new x509.Extension('2.5.29.20', false, derInteger(crlNumber)),
    ],
    entries: entries.map((e) => ({
      serialNumber: e.serial,
      revocationDate: new Date(e.revokedAt),
      reason: x509.X509CrlReason[e.reason],
    })),
  });
  // The library labels its PEM "CRL"; OpenSSL and Node read only "X509 CRL" (RFC 7468).
  const b64 = Buffer.from(crl.rawData).toString('base64').replace(/.{64}/g, '$&\n').replace(/\n$/, '');
  return `-----BEGIN X509 CRL-----\n${b64}\n-----END X509 CRL-----\n`;
}

/** The cRLNumber of a CRL (PEM), or undefined when it has none or does not parse. */
export function crlNumberOf(pem: string | undefined): number | undefined {
  if (!pem) return undefined;
  try {
    const ext = new x509.X509Crl(Buffer.from(pem.replace(/-----[A-Z0-9 ]+-----/g, '').replace(/\s+/g, ''), 'base64')).getExtension('2.5.29.20');
    if (!ext) return undefined;
    const der = Buffer.from(ext.value);
    return der[0] === 0x02 ? parseInt(der.subarray(2, 2 + der[1]!).toString('hex') || '0', 16) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The number of the CRL that replaces `previous`: its second, as every list so far, but always above
 * the previous one, which a revoke re-signing a list in the second it was refreshed would repeat.
 */
export const nextCrlNumber = (previous: string | undefined, now: Date) => Math.max(Math.floor(now.getTime() / 1000), (crlNumberOf(previous) ?? 0) + 1);
