/** PEM helpers: split a bundle into certificates, parse them, and name them by SHA-256 fingerprint. */
import { X509Certificate } from 'node:crypto';
import { tlsError } from './errors.js';

const block = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

export function splitPem(text: string): string[] {
  return (text.match(block) ?? []).map((b) => b.trim() + '\n');
}

export function joinPem(pems: string[]): string {
  return pems.map((p) => p.trim() + '\n').join('');
}

export function parseCert(pem: string, where: string): X509Certificate {
  try {
    return new X509Certificate(pem);
  } catch (e) {
    throw tlsError('TLS_BAD_PEM', `read certificate ${where}: not a PEM certificate`, e);
  }
}

/** Parses every certificate in a PEM text; an empty or damaged text is an error naming `where`. */
export function parseCerts(text: string, where: string): X509Certificate[] {
  const pems = splitPem(text);
  if (pems.length === 0)
    throw tlsError('TLS_BAD_PEM', `read certificates ${where}: no PEM certificate found`);
  return pems.map((p, i) => parseCert(p, `${where} (#${i + 1})`));
}

/** Lower-case hex SHA-256 of the DER, without colons: the identity Holdfast compares certificates by. */
export function fingerprint(cert: X509Certificate | string): string {
  const c = typeof cert === 'string' ? new X509Certificate(cert) : cert;
  return c.fingerprint256.replace(/:/g, '').toLowerCase();
}

export function serialOf(cert: X509Certificate): string {
  return cert.serialNumber.toLowerCase();
}
