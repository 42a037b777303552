/**
 * CA rotation in the cluster, asked for with the annotation `holdfast.dev/rotate-ca=<value>` on a
 * CertificatePolicy (each new value one rotation). The CA is its issuer's, shared by every policy
 * naming that issuer, so the rotation moves them all, in the engine's order (src/tls rotation-plan):
 *
 *     stage      a new CA is kept in the CA Secret beside the active one, trusted, not issuing
 *     distribute every trust bundle of the issuer's policies holds both roots, and has for
 *                spec.caRotation.propagationDelay: the kubelet refreshes a mounted ConfigMap only
 *                on its next sync of the pod (a minute or more), and a client that reads the file
 *                before then still has the old bundle; and every copy mounted in a running pod
 *                that the operator could read holds the new root (bundle-mounts.ts: a copy it could
 *                not read is named, and the delay alone covers it)
 *     activate   the new CA issues; the old one stays trusted (previous). Every leaf is then
 *                reissued by the renewal decision (IssuerChanged) and its workloads rolled
 *     retire     once every policy's Secret is from the new CA and rolled out, and no address
 *                behind a policy's spec.endpoints serves a leaf from the old CA (the engine's
 *                retire gate, tls/retire-gate.ts: a rollout can report done while a pod still
 *                holds the old leaf), the old CA leaves the CA Secret and so the bundles
 *
 * The state is in the CA Secret, read live at each reconcile, never in a cached policy status
 * (a reconcile may run on a cached policy older than its own last status write). Pure.
 */
import { retireGateDecision, type ServingOld } from '../../tls/index.js';
import { mountedSummary, type MountedCopy } from './bundle-mounts.js';

export const ROTATE_CA_ANNOTATION = 'holdfast.dev/rotate-ca';

/** What the CA Secret says about a rotation. */
export interface CaSetView {
  activeId: string;
  nextId?: string | undefined;
  previousId?: string | undefined;
  /** The rotate-ca value the CA Secret's current or last rotation was for. */
  rotation?: string | undefined;
}

/** One trust bundle of the issuer's policies, as published: the CA ids it holds, and since when. */
export interface BundleView {
  policy: string;
  caIds: string[];
  since: Date;
}

/** One policy of the issuer: whether its Secret is from the active CA and its workloads rolled. */
export interface LeafView {
  policy: string;
  issuedBy: string | undefined;
  rolledOut: boolean;
}

export type RotationStep =
  | { action: 'none' }
  | { action: 'stage' }
  | { action: 'wait'; retryAfterMs: number; message: string }
  | { action: 'activate'; mounted: ReturnType<typeof mountedSummary> }
  | { action: 'retire' }
  | { action: 'done' };

export function rotationStep(i: {
  requested: string | undefined;
  handled: string | undefined;
  ca: CaSetView;
  bundles: BundleView[];
  leaves: LeafView[];
  /** Addresses of the policies' spec.endpoints seen serving a leaf from the old CA (probed at the retire step only). */
  servingOld?: ServingOld[];
  /** The bundles' copies mounted in running pods, read at the distribute step only. */
  mounted?: readonly MountedCopy[];
  now: Date;
  propagationDelayMs: number;
}): RotationStep {
  const { ca } = i;
  // Only the rotation in the CA Secret continues without a new request: another policy's, joined.
  const inProgress = ca.nextId !== undefined || ca.previousId !== undefined;
  if (!inProgress && (i.requested === undefined || i.requested === i.handled)) return { action: 'none' };
  if (!inProgress) return ca.rotation === i.requested ? { action: 'done' } : { action: 'stage' };
  if (ca.nextId) {
    const missing = i.bundles.filter((b) => !b.caIds.includes(ca.nextId!)).map((b) => b.policy);
    if (missing.length) return { action: 'wait', retryAfterMs: 2000, message: `the trust bundles of ${missing.join(', ')} do not hold the new CA ${ca.nextId} yet` };
    const since = Math.max(0, ...i.bundles.map((b) => b.since.getTime()));
    const left = since + i.propagationDelayMs - i.now.getTime();
    const mounted = mountedSummary(i.mounted ?? []);
    const also = mounted.message ? `; ${mounted.message}` : '';
    if (left > 0)
      return { action: 'wait', retryAfterMs: left, message: `the trust bundles hold the new CA ${ca.nextId}; it issues in ${Math.ceil(left / 1000)} s, once the kubelet has refreshed every mounted copy (spec.caRotation.propagationDelay)${also}` };
    // The delay has passed, but a copy read from a pod still lacks the new root: that pod's clients would refuse the new leaves.
    if (mounted.waiting) return { action: 'wait', retryAfterMs: 5000, message: mounted.message };
    return { action: 'activate', mounted };
  }
  const behind = i.leaves.filter((l) => l.issuedBy !== ca.activeId || !l.rolledOut).map((l) => l.policy);
  if (behind.length) return { action: 'wait', retryAfterMs: 5000, message: `the old CA ${ca.previousId} stays trusted until ${behind.join(', ')} serve a certificate from ${ca.activeId}` };
  const gate = retireGateDecision({ oldCaId: ca.previousId!, newCaId: ca.activeId, live: [], servingOld: i.servingOld ?? [] });
  if (!gate.open) return { action: 'wait', retryAfterMs: 5000, message: `the old CA ${ca.previousId} stays trusted: ${gate.message}` };
  return { action: 'retire' };
}
