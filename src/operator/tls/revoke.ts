/**
 * Revocation in the cluster, asked for with the annotation `holdfast.dev/revoke=<value>` on a
 * CertificatePolicy, each new value once (as `holdfast.dev/reissue`, and decided by the same
 * reissueDecision, the Secret recording the value it was issued for): the certificate the policy's
 * Secret holds is revoked (keyCompromise) in its CA's CRL, which every trust bundle of the issuer
 * publishes at once (ConfigMap key ca.crl), and a new certificate with a new key is issued and
 * rolled out. Pure.
 */
export const REVOKE_ANNOTATION = 'holdfast.dev/revoke';
/** On the TLS Secret: the revoke annotation value it was issued for. */
export const REVOKED_FOR_ANNOTATION = 'holdfast.dev/revoked-for';

export type RevokeVerdict = { revoke: true } | { revoke: false; reason: 'NothingToRevoke' | 'IssuerGone'; message: string };

/**
 * Whether the installed leaf can be listed in a CRL: only the active CA still has its key. During a
 * CA rotation, after activate, a leaf from the replaced CA cannot be (its key left with the
 * activate step); it is reissued anyway and stops being trusted when the rotation retires that CA.
 */
export function revokeVerdict(i: { serial: string | undefined; issuerCaId: string | undefined; activeCaId: string; secret: string }): RevokeVerdict {
  if (!i.serial) return { revoke: false, reason: 'NothingToRevoke', message: `${i.secret} holds no certificate to revoke; a new one is issued` };
  if (i.issuerCaId !== i.activeCaId)
    return {
      revoke: false,
      reason: 'IssuerGone',
      message: `serial ${i.serial} in ${i.secret} is from CA ${i.issuerCaId ?? 'unknown'}, whose key is gone (rotated away), so no CRL can list it; it is replaced now and trusted only until that CA is retired`,
    };
  return { revoke: true };
}
