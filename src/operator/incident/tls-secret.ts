/**
 * What an incident checks about a TLS Secret, without ever copying the private key anywhere: the
 * leaf's serial and key id (SHA-256 of its public key), whether the key in the Secret belongs to it,
 * and whether it chains to the in-cluster CA and is valid now.
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import type * as k8s from '@kubernetes/client-node';
import { isHoldfastError } from '../../base/errors.js';
import { keyIdOf } from '../../playbook/index.js';
import { call } from '../../platform/kubernetes/index.js';
import type { OperatorContext } from '../context.js';

export interface LeafView {
  serial: string;
  keyId: string;
  keyMatches: boolean;
  cert: X509Certificate;
}

export function leafOf(secret: k8s.V1Secret | undefined): LeafView | undefined {
  const crt = secret?.data?.['tls.crt'];
  if (!crt) return undefined;
  try {
    const cert = new X509Certificate(Buffer.from(crt, 'base64'));
    let keyMatches = false;
    try {
      keyMatches = cert.checkPrivateKey(createPrivateKey(Buffer.from(secret!.data!['tls.key'] ?? '', 'base64')));
    } catch {
      keyMatches = false;
    }
    return { serial: cert.serialNumber.toLowerCase(), keyId: keyIdOf(cert), keyMatches, cert };
  } catch {
    return undefined;
  }
}

export async function readSecret(ctx: OperatorContext, namespace: string, name: string): Promise<k8s.V1Secret | undefined> {
  try {
    return await call(`read Secret ${namespace}/${name}`, () => ctx.apis.core.readNamespacedSecret({ namespace, name }));
  } catch (e) {
    if (isHoldfastError(e, 'K8S_NOT_FOUND')) return undefined;
    throw e;
  }
}

/** Why the leaf is not trustworthy now, or undefined: signed by the CA certificate, within its validity. */
export function chainProblem(leaf: LeafView, caPem: string, now: Date): string | undefined {
  let ca: X509Certificate;
  try {
    ca = new X509Certificate(caPem);
  } catch {
    return 'the CA certificate cannot be parsed';
  }
  if (!leaf.cert.checkIssued(ca) || !leaf.cert.verify(ca.publicKey)) return `serial ${leaf.serial} is not signed by the in-cluster CA`;
  if (now < new Date(leaf.cert.validFrom) || now > new Date(leaf.cert.validTo)) return `serial ${leaf.serial} is not valid at ${now.toISOString()}`;
  if (!leaf.keyMatches) return `the private key in the Secret does not belong to serial ${leaf.serial}`;
  return undefined;
}
