/**
 * The in-cluster CA's CRLs. A client that checks CRLs rejects every certificate once the list is past
 * nextUpdate, so each CA the operator holds (active and, during a rotation, next) has one in the CA
 * Secret, re-signed once past half its 7 days (`crlDue`, as serve and the CLI decide) by whichever
 * reconcile looks first: every CertificatePolicy is reconciled at least hourly. The lists are
 * published beside every trust bundle (ConfigMap key `ca.crl`, CRL_KEY in operator/api), where clients read them.
 * A leaf is revoked with the annotation holdfast.dev/revoke on its CertificatePolicy (revoke.ts).
 */
import type * as k8s from '@kubernetes/client-node';
import { call } from '../../platform/kubernetes/index.js';
import { crlDue } from '../../tls/index.js';
import type { OperatorContext } from '../context.js';
import { fromSecret, signCrl, type CaSet } from './ca-secret.js';


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
  const data: Record<string, string> = {};
  for (const c of due) data[c.key] = await signCrl(c.authority, ca.revoked, now, c.pem);
  return replaceCa(ctx, ca, data, 'refresh the CRLs in');
}

async function replaceCa(ctx: OperatorContext, ca: CaSet, put: Record<string, string>, action: string): Promise<CaSet> {
  const s = ca.secret;
  const data = { ...s.data };
  for (const [k, v] of Object.entries(put)) data[k] = Buffer.from(v).toString('base64');
  const where = `CA Secret ${s.metadata!.namespace}/${s.metadata!.name}`;
  const body: k8s.V1Secret = { ...s, data };
  const written = await call(`${action} ${where}`, () => ctx.apis.core.replaceNamespacedSecret({ namespace: s.metadata!.namespace!, name: s.metadata!.name!, body }));
  return fromSecret(written, where);
}

/**
 * Revokes a leaf the active CA issued (reason keyCompromise): kept in revoked.json and listed in a
 * CRL re-signed at once, in one write of the CA Secret as read (a replica that changed it meanwhile
 * makes this a conflict, and the reconcile reads again). A serial already listed is not added twice,
 * so a reconcile that repeats a revoke after a failed reissue changes nothing.
 */
export async function revokeLeaf(ctx: OperatorContext, ca: CaSet, leaf: { serial: string; notAfter: Date }): Promise<CaSet> {
  const now = ctx.clock.now();
  const list = ca.revoked[ca.active.id] ?? [];
  if (list.some((e) => e.serial === leaf.serial)) return ca;
  const revoked = { ...ca.revoked, [ca.active.id]: [...list, { serial: leaf.serial, revokedAt: now.toISOString(), reason: 'keyCompromise' as const, notAfter: leaf.notAfter.toISOString() }] };
  return replaceCa(ctx, ca, { 'revoked.json': JSON.stringify(revoked), 'ca.crl': await signCrl(ca.active, revoked, now, ca.crls.active) }, `revoke serial ${leaf.serial} in`);
}
