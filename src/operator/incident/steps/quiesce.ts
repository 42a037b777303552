/**
 * quiesce: stop everything that writes the PVC. First the replicas and container images of each
 * Deployment/StatefulSet whose template mounts it are recorded in status.workloads (and persisted,
 * by waiting once, before anything is scaled: a crash after the scale-down must not lose what to
 * scale back to); then each is scaled to zero, and the step waits until no pod mounts the PVC.
 */
import * as k8s from '@kubernetes/client-node';
import { call, mergePatch, podsMountingClaim } from '../../../platform/kubernetes/index.js';
import type { RecordedWorkload } from '../../api/index.js';
import type { OperatorContext } from '../../context.js';
import { affectedWorkloads } from '../affected.js';
import { workloadsIn, liveWorkload } from '../observe.js';
import { done, waiting, type KubeStepKind } from './types.js';

export const quiesceStep: KubeStepKind = {
  uses: 'quiesce',
  mutates: true,
  async run(env) {
    const { ctx, ref, spec, status } = env;
    const ns = ref.namespace;
    if (!status.workloads) {
      status.workloads = affectedWorkloads(workloadsIn(ctx, ns), spec.pvc).map((w) => ({
        kind: w.kind,
        name: w.name,
        replicas: w.obj.spec?.replicas ?? 1,
        containers: (w.template?.spec?.containers ?? []).map((c) => ({ name: c.name, image: c.image ?? '' })),
      }));
      return waiting(`recorded ${status.workloads.length} workload(s); scaling them to zero next`, 500);
    }
    for (const w of status.workloads) {
      const live = liveWorkload(ctx, ns, w.kind, w.name);
      if (!live || (live.obj.spec?.replicas ?? 1) === 0) continue;
      const body = { spec: { replicas: 0 } };
      await call(`scale ${w.kind} ${ns}/${w.name} to 0`, () =>
        w.kind === 'Deployment'
          ? ctx.apis.apps.patchNamespacedDeployment({ namespace: ns, name: w.name, body }, mergePatch)
          : ctx.apis.apps.patchNamespacedStatefulSet({ namespace: ns, name: w.name, body }, mergePatch),
      );
      env.event('Normal', 'ScaledDown', `scaled ${w.kind} ${w.name} from ${w.replicas} to 0 replicas`);
    }
    const pods = podsMountingClaim(ctx.caches.pods.list(ns), ns, spec.pvc).map((p) => p.metadata!.name!);
    if (pods.length) return waiting(`waiting for ${pods.length} pod(s) to stop mounting PVC ${spec.pvc}: ${pods.slice(0, 5).join(', ')}`, 2_000);
    return done({ workloads: status.workloads.map((w) => `${w.kind}/${w.name}=${w.replicas}`).join(',') || 'none' });
  },
};

const strategic = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.StrategicMergePatch);

/** Abort's undo of quiesce: each workload back to its recorded replicas and images; returns what it did. */
export async function undoQuiesce(ctx: OperatorContext, ns: string, recorded: readonly RecordedWorkload[]): Promise<string[]> {
  const did: string[] = [];
  for (const w of recorded) {
    if (!liveWorkload(ctx, ns, w.kind, w.name)) continue;
    const body = { spec: { replicas: w.replicas, template: { spec: { containers: w.containers.map((c) => ({ name: c.name, image: c.image })) } } } };
    await call(`scale ${w.kind} ${ns}/${w.name} back to ${w.replicas}`, () =>
      w.kind === 'Deployment'
        ? ctx.apis.apps.patchNamespacedDeployment({ namespace: ns, name: w.name, body }, strategic)
        : ctx.apis.apps.patchNamespacedStatefulSet({ namespace: ns, name: w.name, body }, strategic),
    );
    did.push(`${w.kind} ${w.name} back to ${w.replicas} replica(s)`);
  }
  return did;
}
