/**
 * restore: a Restore of the chosen RestorePoint, InPlace, owned by the Incident (when both live in
 * one namespace; labelled with it always), carried out by the restore controller — this step only
 * creates it and waits for its phase. A failed Restore fails the Incident: the evidence backup
 * holds what the PVC had, and restoring twice over a half-written volume is a person's decision.
 */
import { isHoldfastError } from '../../../base/errors.js';
import { call } from '../../../platform/kubernetes/index.js';
import { API_VERSION, GROUP, VERSION } from '../../api/index.js';
import { lookup, type CustomObject } from '../../context.js';
import { incidentLabels, incidentNames } from '../names.js';
import { done, StepFailure, waiting, type KubeStepKind } from './types.js';

export const restoreStep: KubeStepKind = {
  uses: 'restore',
  mutates: true,
  async run(env) {
    const { ctx, ref, status } = env;
    const [rpNs, rpName] = (status.plan?.restorePoint ?? '').split('/') as [string, string];
    if (!rpNs || !rpName) throw new StepFailure('RestorePointNotFound', 'no restore point was chosen');
    const name = incidentNames.restore(ref, env.attempt);
    if (status.restore?.name !== `${rpNs}/${name}`) status.restore = { name: `${rpNs}/${name}` };
    const existing = lookup<CustomObject>(ctx, 'Restore', ctx.caches.restores, rpNs, name);
    if (!existing) {
      const body: CustomObject = {
        apiVersion: API_VERSION,
        kind: 'Restore',
        metadata: {
          name,
          namespace: rpNs,
          labels: incidentLabels(ref),
          ...(rpNs === ref.namespace ? { ownerReferences: [{ apiVersion: API_VERSION, kind: 'Incident', name: ref.name, uid: ref.uid, controller: true, blockOwnerDeletion: false }] } : {}),
        },
        spec: { restorePoint: rpName, target: { mode: 'InPlace' } },
      };
      try {
        await call(`create Restore ${rpNs}/${name}`, () => ctx.apis.custom.createNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: rpNs, plural: 'restores', body }));
      } catch (e) {
        if (!isHoldfastError(e, 'K8S_CONFLICT')) throw e;
      }
      ctx.recent.put('Restore', rpNs, name, body);
      env.event('Normal', 'RestoreCreated', `Restore ${rpNs}/${name} of RestorePoint ${rpName} (snapshot ${status.plan?.snapshotId}) in place`);
      return waiting(`Restore ${name} created`, 5_000);
    }
    const st = (existing.status ?? {}) as { phase?: string; conditions?: { type: string; reason: string; message: string }[] };
    status.restore = { name: `${rpNs}/${name}`, ...(st.phase ? { phase: st.phase } : {}) };
    const ready = st.conditions?.find((c) => c.type === 'Ready');
    if (st.phase === 'Failed') throw new StepFailure('RestoreFailed', `Restore ${rpNs}/${name} failed: ${ready?.message ?? 'no reason given'}; the evidence RestorePoint ${status.evidence?.restorePoint ?? ''} holds the state before it`);
    if (st.phase !== 'Succeeded') return waiting(`waiting for Restore ${name}${st.phase ? ` (${st.phase}${ready ? `: ${ready.message}` : ''})` : ''}`, 5_000);
    return done({ restore: `${rpNs}/${name}` });
  },
};
