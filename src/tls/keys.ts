/**
 * Keys: the algorithms Holdfast issues with, key generation (node:crypto, off the main thread), and
 * the bridge to WebCrypto that @peculiar/x509 signs with. A private key lives as a node KeyObject
 * and leaves this module only as PKCS#8 PEM for a 0600 file; it is never logged.
 */
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { createPrivateKey, generateKeyPair, webcrypto, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { tlsError } from './errors.js';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

type WebAlgorithm =
  webcrypto.Algorithm | webcrypto.EcKeyImportParams | webcrypto.RsaHashedImportParams | webcrypto.EcdsaParams;
export { x509 };

export const KEY_ALGORITHMS = [
  'ecdsa-p256',
  'ecdsa-p384',
  'rsa-2048',
  'rsa-3072',
  'rsa-4096',
  'ed25519',
] as const;
export type KeyAlgorithm = (typeof KEY_ALGORITHMS)[number];
export const DEFAULT_KEY_ALGORITHM: KeyAlgorithm = 'ecdsa-p256';

export function parseKeyAlgorithm(s: string): KeyAlgorithm {
  const v = s.trim().toLowerCase();
  if ((KEY_ALGORITHMS as readonly string[]).includes(v)) return v as KeyAlgorithm;
  throw tlsError(
    'TLS_UNKNOWN_ALGORITHM',
    `unknown key algorithm "${s}": use one of ${KEY_ALGORITHMS.join(', ')}`,
  );
}

export interface KeyPair {
  algorithm: KeyAlgorithm;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

const gen = promisify(generateKeyPair) as unknown as (
  type: string,
  options: Record<string, unknown>,
) => Promise<{ publicKey: KeyObject; privateKey: KeyObject }>;

export async function generateKey(algorithm: KeyAlgorithm): Promise<KeyPair> {
  let kp: { publicKey: KeyObject; privateKey: KeyObject };
  if (algorithm === 'ecdsa-p256') kp = await gen('ec', { namedCurve: 'P-256' });
  else if (algorithm === 'ecdsa-p384') kp = await gen('ec', { namedCurve: 'P-384' });
  else if (algorithm === 'ed25519') kp = await gen('ed25519', {});
  else kp = await gen('rsa', { modulusLength: Number(algorithm.slice(4)), publicExponent: 0x10001 });
  return { algorithm, ...kp };
}

/** The algorithm of an existing key, or undefined for a key Holdfast does not issue with. */
export function keyAlgorithmOf(key: KeyObject): KeyAlgorithm | undefined {
  const d = key.asymmetricKeyDetails ?? {};
  switch (key.asymmetricKeyType) {
    case 'ec':
      return d.namedCurve === 'prime256v1'
        ? 'ecdsa-p256'
        : d.namedCurve === 'secp384r1'
          ? 'ecdsa-p384'
          : undefined;
    case 'rsa':
      return [2048, 3072, 4096].includes(d.modulusLength ?? 0)
        ? (`rsa-${d.modulusLength}` as KeyAlgorithm)
        : undefined;
    case 'ed25519':
      return 'ed25519';
    default:
      return undefined;
  }
}

export function privateKeyPem(key: KeyObject): string {
  return key.export({ type: 'pkcs8', format: 'pem' }).toString();
}

/** Parses a PEM private key; `where` names the file for the error line (never the key itself). */
export function parsePrivateKey(pem: string | Buffer, where: string): KeyObject {
  try {
    return createPrivateKey(pem);
  } catch (e) {
    throw tlsError('TLS_BAD_PEM', `read private key ${where}: not a PEM private key`, e);
  }
}

export function spki(key: KeyObject): ArrayBuffer {
  const der = key.export({ type: 'spki', format: 'der' });
  return der.buffer.slice(der.byteOffset, der.byteOffset + der.byteLength) as ArrayBuffer;
}

/** Signature parameters for a signing key of each algorithm (what @peculiar/x509 calls signingAlgorithm). */
function webAlgorithms(algorithm: KeyAlgorithm): { importAs: WebAlgorithm; sign: WebAlgorithm } {
  switch (algorithm) {
    case 'ecdsa-p256':
      return { importAs: { name: 'ECDSA', namedCurve: 'P-256' }, sign: { name: 'ECDSA', hash: 'SHA-256' } };
    case 'ecdsa-p384':
      return { importAs: { name: 'ECDSA', namedCurve: 'P-384' }, sign: { name: 'ECDSA', hash: 'SHA-384' } };
    case 'ed25519':
      return { importAs: { name: 'Ed25519' }, sign: { name: 'Ed25519' } };
    default:
      return {
        importAs: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
        sign: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
      };
  }
}

export interface Signer {
  key: webcrypto.CryptoKey;
  algorithm: WebAlgorithm;
}

export async function signerFor(key: KeyObject, where: string): Promise<Signer> {
  const algorithm = keyAlgorithmOf(key);
  if (!algorithm)
    throw tlsError('TLS_UNKNOWN_ALGORITHM', `${where}: the key's algorithm is not one Holdfast signs with`);
  const w = webAlgorithms(algorithm);
  const der = key.export({ type: 'pkcs8', format: 'der' });
  const cryptoKey = await webcrypto.subtle.importKey('pkcs8', der, w.importAs, false, ['sign']);
  return { key: cryptoKey, algorithm: w.sign };
}
