/**
 * The in-cluster CA's CRLs. A client that checks CRLs rejects every certificate once the list is past
 * nextUpdate, so each CA the operator holds (active and, during a rotation, next) has one in the CA
 * Secret, re-signed once past half its 7 days (`crlDue`, as serve and the CLI decide) by whichever
 * reconcile looks first: every CertificatePolicy is reconciled at least hourly. The lists are
 * published beside every trust bundle (ConfigMap key `ca.crl`, CRL_KEY in operator/api), where clients read them.
 */
import type * as k8s from '@kubernetes/client-node';
import { call } from '../../platform/kubernetes/index.js';
import { crlDue } from '../../tls/index.js';
import type { OperatorContext } from '../context.js';
import { emptyCrl, fromSecret, type CaSet } from './ca-secret.js';


/** Every CRL a trust bundle of this issuer publishes: the active CA's first, as trustedRoots orders the roots. */
export const publishedCrls = (ca: CaSet): string => [ca.crls.active, ca.crls.next, ca.crls.previous].filter((c) => c !== undefined).join('');

/**
 * Re-signs the CA Secret's CRLs that are missing or due, as read (its resourceVersion: a replica that
 * changed it meanwhile makes this a conflict, and the reconcile reads again); returns the CA as
 * written, or `ca` when nothing was due.
 */
export async function refreshCaCrls(ctx: OperatorContext, ca: CaSet): Promise<CaSet> {
  const now = ctx.clock.now();
  const due = [
    { key: 'ca.crl', pem: ca.crls.active, authority: ca.active },
    ...(ca.next ? [{ key: 'next.crl', pem: ca.crls.next, authority: ca.next }] : []),
  ].filter((c) => crlDue(c.pem, now));
  if (!due.length) return ca;
  const s = ca.secret;
  const data = { ...s.data };
  for (const c of due) data[c.key] = Buffer.from(await emptyCrl(c.authority, now)).toString('base64');
  const where = `CA Secret ${s.metadata!.namespace}/${s.metadata!.name}`;
  const body: k8s.V1Secret = { ...s, data };
  const written = await call(`refresh the CRLs in ${where}`, () => ctx.apis.core.replaceNamespacedSecret({ namespace: s.metadata!.namespace!, name: s.metadata!.name!, body }));
  return fromSecret(written, where);
}
