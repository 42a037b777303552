/**
 * The in-cluster CA lives in a Secret in the operator's namespace (ca.crt, ca.key, and its id in an
 * annotation), so every replica and every restart issues from the same root. Created on first use,
 * and not again once certificates were issued: see missing-ca.ts.
 * CA rotation is the TLS engine's job (src/tls rotation) and is not driven from the cluster yet.
 */
import { createPrivateKey } from 'node:crypto';
import type * as k8s from '@kubernetes/client-node';
import { isHoldfastError } from '../../base/errors.js';
import { call } from '../../platform/kubernetes/index.js';
import { createAuthority, newCaId, type CertAuthority } from '../../tls/index.js';
import type { OperatorContext } from '../context.js';

export const CA_ID_ANNOTATION = 'holdfast.dev/ca-id';
const TEN_YEARS = 10 * 365 * 86_400_000;
const cache = new WeakMap<OperatorContext, Map<string, CertAuthority>>();

function fromSecret(s: k8s.V1Secret, where: string): CertAuthority {
  const d = s.data ?? {};
  if (!d['ca.crt'] || !d['ca.key']) throw new Error(`${where}: missing ca.crt or ca.key`);
  const key = createPrivateKey(Buffer.from(d['ca.key'], 'base64'));
  return { id: s.metadata?.annotations?.[CA_ID_ANNOTATION] ?? 'unknown', root: { certPem: Buffer.from(d['ca.crt'], 'base64').toString(), key } };
}

function remember(ctx: OperatorContext, name: string, ca: CertAuthority): CertAuthority {
  const m = cache.get(ctx) ?? new Map<string, CertAuthority>();
  m.set(name, ca);
  cache.set(ctx, m);
  return ca;
}

/** The CA in Secret `name` of the operator's namespace, or undefined when that Secret does not exist. */
export async function loadCa(ctx: OperatorContext, name: string): Promise<CertAuthority | undefined> {
  const known = cache.get(ctx)?.get(name);
  if (known) return known;
  const namespace = ctx.settings.namespace;
  const where = `CA Secret ${namespace}/${name}`;
  try {
    return remember(ctx, name, fromSecret(await call(`read ${where}`, () => ctx.apis.core.readNamespacedSecret({ namespace, name })), where));
  } catch (e) {
    if (isHoldfastError(e, 'K8S_NOT_FOUND')) return undefined;
    throw e;
  }
}

/** A new CA in Secret `name`; if another replica created one first, that one (never two roots). */
export async function createCa(ctx: OperatorContext, name: string): Promise<CertAuthority> {
  const namespace = ctx.settings.namespace;
  const where = `CA Secret ${namespace}/${name}`;
  let ca = await createAuthority({ id: newCaId(ctx.clock.now()), commonName: 'Holdfast in-cluster CA', algorithm: 'ecdsa-p256', lifetimeMs: TEN_YEARS }, ctx.clock);
  const body: k8s.V1Secret = {
    metadata: { name, namespace, labels: { 'app.kubernetes.io/managed-by': 'holdfast' }, annotations: { [CA_ID_ANNOTATION]: ca.id } },
    type: 'Opaque',
    stringData: { 'ca.crt': ca.root.certPem, 'ca.key': ca.root.key.export({ type: 'pkcs8', format: 'pem' }).toString() },
  };
  try {
    await call(`create ${where}`, () => ctx.apis.core.createNamespacedSecret({ namespace, body }));
  } catch (x) {
    if (!isHoldfastError(x, 'K8S_CONFLICT')) throw x;
    ca = fromSecret(await call(`read ${where}`, () => ctx.apis.core.readNamespacedSecret({ namespace, name })), where);
  }
  return remember(ctx, name, ca);
}
