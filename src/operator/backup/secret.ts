/**
 * Data movers run in the PVC's namespace and can only read Secrets there, so the repository Secret
 * is mirrored into each namespace a policy reaches (only the keys, labelled as Holdfast's). A
 * fingerprint per target keeps the steady state free of API calls.
 */
import { createHash } from 'node:crypto';
import type * as k8s from '@kubernetes/client-node';
import { isHoldfastError } from '../../base/errors.js';
import { call } from '../../platform/kubernetes/index.js';
import type { OperatorContext } from '../context.js';

const mirrored = new WeakMap<OperatorContext, Map<string, string>>();

export async function ensureRepositorySecret(ctx: OperatorContext, source: k8s.V1Secret, namespace: string, name: string): Promise<void> {
  const fp = createHash('sha256').update(JSON.stringify(source.data ?? {})).digest('hex');
  const seen = mirrored.get(ctx) ?? new Map<string, string>();
  mirrored.set(ctx, seen);
  if (seen.get(`${namespace}/${name}`) === fp) return;
  const body: k8s.V1Secret = {
    metadata: {
      name,
      namespace,
      labels: { 'app.kubernetes.io/managed-by': 'holdfast' },
      annotations: { 'holdfast.dev/mirror-of': `${source.metadata?.namespace}/${source.metadata?.name}` },
    },
    type: 'Opaque',
    data: source.data ?? {},
  };
  try {
    await call(`create Secret ${namespace}/${name}`, () => ctx.apis.core.createNamespacedSecret({ namespace, body }));
  } catch (e) {
    if (!isHoldfastError(e, 'K8S_CONFLICT')) throw e;
    await call(`replace Secret ${namespace}/${name}`, () => ctx.apis.core.replaceNamespacedSecret({ namespace, name, body }));
  }
  seen.set(`${namespace}/${name}`, fp);
}
