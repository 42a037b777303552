/**
 * What to do when the CA Secret is missing. On first use, create it. But when the policy's TLS Secret
 * was issued by an earlier Holdfast CA, the CA was lost (its namespace deleted with
 * `kubectl delete -f deploy/operator`, say): a new CA would reissue every certificate silently and
 * every client that trusts the old CA would fail its handshakes. Then nothing is issued until the
 * CA Secret is restored, or the user says a new CA is wanted with the annotation below. Pure.
 */
export const NEW_CA_ANNOTATION = 'holdfast.dev/new-ca';

export type MissingCaDecision = { create: true; reason: 'FirstUse' | 'NewCaRequested' } | { create: false; reason: 'CAMissing'; message: string };

export function missingCaDecision(i: { caSecret: string; tlsSecret: string; issuedByCaId: string | undefined; newCaRequested: boolean }): MissingCaDecision {
  if (!i.issuedByCaId) return { create: true, reason: 'FirstUse' };
  if (i.newCaRequested) return { create: true, reason: 'NewCaRequested' };
  return {
    create: false,
    reason: 'CAMissing',
    message:
      `CA Secret ${i.caSecret} is missing but ${i.tlsSecret} was issued by CA ${i.issuedByCaId}: a new CA would break every client that trusts the old one. ` +
      `Restore the CA Secret from a backup, or annotate this CertificatePolicy ${NEW_CA_ANNOTATION}=true to issue from a new CA`,
  };
}
