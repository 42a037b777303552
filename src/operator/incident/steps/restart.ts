/**
 * restart: each quiesced workload back on a known-good version (planRestart: the image the chosen
 * restore point recorded, pinned by digest, or spec.knownGoodImage) and its recorded replicas, then
 * wait until its controller reports the rollout finished. The patch is a strategic merge by
 * container name, so other containers and fields are left as they are.
 */
import * as k8s from '@kubernetes/client-node';
import { call, rolloutComplete } from '../../../platform/kubernetes/index.js';
import { liveWorkload } from '../observe.js';
import { planRestart } from '../restart-plan.js';
import { done, StepFailure, waiting, type KubeStepKind } from './types.js';

const strategic = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.StrategicMergePatch);

export const restartStep: KubeStepKind = {
  uses: 'restart',
  mutates: true,
  async run(env) {
    const { ctx, ref, spec, status } = env;
    const ns = ref.namespace;
    const plan = planRestart(ns, status.workloads ?? [], status.plan?.knownGood ?? [], spec.knownGoodImage);
    if (!plan.ok) throw new StepFailure(plan.reason, plan.message);
    const pending: string[] = [];
    for (const t of plan.targets) {
      const live = liveWorkload(ctx, ns, t.kind, t.name);
      if (!live) throw new StepFailure('WorkloadGone', `${t.kind} ${ns}/${t.name} was deleted during the incident`);
      const containers = live.obj.spec?.template.spec?.containers ?? [];
      const same = (live.obj.spec?.replicas ?? 1) === t.replicas && Object.entries(t.images).every(([c, img]) => containers.find((x) => x.name === c)?.image === img);
      if (!same) {
        const body = { spec: { replicas: t.replicas, template: { spec: { containers: Object.entries(t.images).map(([name, image]) => ({ name, image })) } } } };
        await call(`restart ${t.kind} ${ns}/${t.name}`, () =>
          t.kind === 'Deployment'
            ? ctx.apis.apps.patchNamespacedDeployment({ namespace: ns, name: t.name, body }, strategic)
            : ctx.apis.apps.patchNamespacedStatefulSet({ namespace: ns, name: t.name, body }, strategic),
        );
        env.event('Normal', 'Restarted', `${t.kind} ${t.name}: ${t.replicas} replica(s) on ${Object.values(t.images).join(', ')}`);
        // The cache shows the patch only later; judging the rollout from the old object would be wrong.
        pending.push(`${t.kind}/${t.name} (patched)`);
        continue;
      }
      if (!rolloutComplete(live.obj)) pending.push(`${t.kind}/${t.name}`);
    }
    if (pending.length) return waiting(`waiting for the rollout of ${pending.join(', ')}`, 2_000);
    return done({ images: plan.targets.flatMap((t) => Object.entries(t.images).map(([c, img]) => `${t.kind}/${t.name}/${c}=${img}`)).join(',') || 'none' });
  },
};
