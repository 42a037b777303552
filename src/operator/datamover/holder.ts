/**
 * A node-placed data mover (node-placement.ts) reaches a PVC where the kubelet mounted it for a pod,
 * and some PVCs have no pod of their own when it runs: a restore's target (new, or in place with its
 * workload scaled down) and an Incident's evidence (taken after the workloads were scaled down). For
 * those Holdfast starts a holder: a Pod Security `restricted` pod in the PVC's namespace that only
 * mounts it and sleeps; the data mover then runs in Holdfast's namespace on the holder's node,
 * reaching the holder's volume directory. The holder goes when the data mover is done. I/O around
 * the pure holderPod and volumeDirOnNode.
 */
import type * as k8s from '@kubernetes/client-node';
import { isHoldfastError } from '../../base/errors.js';
import { call, isNotFound, kubeError } from '../../platform/kubernetes/index.js';
import { API_VERSION } from '../api/index.js';
import { lookup, type OperatorContext } from '../context.js';
import { holderPod, volumeDirOnNode, volumePod } from './node-placement.js';

export type NodeTarget =
  | { state: 'ready'; nodeName: string; volumeDir: string }
  | { state: 'waiting'; message: string }
  | { state: 'failed'; reason: string; message: string };

interface HolderInput {
  holder: { namespace: string; name: string };
  pvc: string;
  /** Wake the object the holder works for when the holder changes (HOLDER_LABEL among them). */
  labels: Record<string, string>;
  /** What owns the holder, where it can: an owner reference cannot cross namespaces. */
  owner?: { kind: string; name: string; uid: string } | undefined;
}

export async function nodeTarget(ctx: OperatorContext, i: HolderInput): Promise<NodeTarget> {
  const { namespace: ns, name } = i.holder;
  const pod = lookup<k8s.V1Pod>(ctx, 'Pod', ctx.caches.pods, ns, name);
  if (!pod) {
    const body = holderPod({
      name, namespace: ns, claimName: i.pvc, image: ctx.settings.dataMoverImage,
      labels: { 'app.kubernetes.io/managed-by': 'holdfast', ...i.labels },
    });
    if (i.owner) body.metadata!.ownerReferences = [{ apiVersion: API_VERSION, kind: i.owner.kind, name: i.owner.name, uid: i.owner.uid, controller: true, blockOwnerDeletion: false }];
    await call(`create holder pod ${ns}/${name}`, () => ctx.apis.core.createNamespacedPod({ namespace: ns, body })).catch((e) => {
      if (!isHoldfastError(e, 'K8S_CONFLICT')) throw e;
    });
    ctx.recent.put('Pod', ns, name, body);
    return { state: 'waiting', message: `started holder pod ${ns}/${name} to mount PVC ${ns}/${i.pvc} for the node-placed data mover` };
  }
  const phase = pod.status?.phase;
  if (phase === 'Failed' || phase === 'Succeeded')
    return { state: 'failed', reason: 'HolderFailed', message: `holder pod ${ns}/${name} ended (${phase}) before the data mover started: ${pod.status?.message ?? pod.status?.reason ?? 'no reason given'}` };
  const running = volumePod([pod]);
  if (!running) {
    const why = pod.status?.conditions?.find((c) => c.status === 'False' && c.message)?.message;
    return { state: 'waiting', message: `waiting for holder pod ${ns}/${name} to mount PVC ${ns}/${i.pvc} (${phase ?? 'Pending'}${why ? `: ${why}` : ''})` };
  }
  const pvName = ctx.caches.pvcs.get(i.pvc, ns)?.spec?.volumeName;
  if (!pvName) return { state: 'waiting', message: `waiting for PVC ${ns}/${i.pvc} to be bound` };
  const pv = await call(`read PersistentVolume ${pvName}`, () => ctx.apis.core.readPersistentVolume({ name: pvName })).catch((e) => {
    if (isHoldfastError(e, 'K8S_NOT_FOUND')) return undefined;
    throw e;
  });
  if (!pv) return { state: 'failed', reason: 'UnsupportedVolume', message: `PersistentVolume ${pvName} of PVC ${ns}/${i.pvc} does not exist` };
  const dir = volumeDirOnNode(pv, running.uid, ctx.settings.kubeletDir);
  if (!dir.ok) return { state: 'failed', reason: dir.reason, message: dir.message };
  return { state: 'ready', nodeName: running.nodeName, volumeDir: dir.value };
}

export async function removeHolder(ctx: OperatorContext, holder: { namespace: string; name: string }): Promise<void> {
  const pod = lookup<k8s.V1Pod>(ctx, 'Pod', ctx.caches.pods, holder.namespace, holder.name);
  if (!pod || pod.metadata?.deletionTimestamp) return;
  try {
    await ctx.apis.core.deleteNamespacedPod({ namespace: holder.namespace, name: holder.name, gracePeriodSeconds: 1 });
  } catch (e) {
    if (!isNotFound(e)) throw kubeError(`delete holder pod ${holder.namespace}/${holder.name}`, e);
  }
  ctx.recent.forget('Pod', holder.namespace, holder.name);
}
