/**
 * assess and choose-restore-point: read-only, so they run before approval and the Incident shows
 * its plan at once. assess names the workloads that mount the PVC, what they run now, and the
 * CertificatePolicies that serve them; choose feeds the RestorePoints' provenance and the running
 * pods to the SAST restore-point choice (policy/restore-point.ts) and records the reasoning. A
 * refused choice fails the Incident with NoCleanRestorePoint and the options, having changed nothing.
 * Both read caches, which can lag behind a PVC or RestorePoint created a moment before the Incident
 * (separate watches, no order between them): a refusal is final, so it is confirmed against the API
 * server first.
 */
import { isHoldfastError } from '../../../base/errors.js';
import { call } from '../../../platform/kubernetes/index.js';
import { certificatePolicySpecSchema, GROUP, VERSION } from '../../api/index.js';
import type { CustomObject, OperatorContext } from '../../context.js';
import { chooseRestorePoint, explainChoice } from '../../../policy/restore-point.js';
import { affectedCertificatePolicies, affectedWorkloads } from '../affected.js';
import { chooseInputFrom } from '../facts.js';
import { restorePointsOf, runningVersions, workloadsIn } from '../observe.js';
import { done, StepFailure, type IncidentEnv, type KubeStepKind } from './types.js';

export function targetWords(env: Pick<IncidentEnv, 'spec'>): string {
  const f = env.spec.vulnerable.finding;
  const digests = env.spec.vulnerable.imageDigests.map((d) => d.slice(0, 19)).join(', ');
  return f ? `finding ${f.id} (${f.ruleId}, ${f.severity}) in ${digests}` : `the vulnerability in ${digests}`;
}

export const assessStep: KubeStepKind = {
  uses: 'assess',
  mutates: false,
  async run(env) {
    const { ctx, ref, spec } = env;
    if (!ctx.caches.pvcs.get(spec.pvc, ref.namespace) && !(await pvcExists(ctx, ref.namespace, spec.pvc))) throw new StepFailure('PVCNotFound', `PVC ${ref.namespace}/${spec.pvc} does not exist`, 'invalid-input');
    const workloads = affectedWorkloads(workloadsIn(ctx, ref.namespace), spec.pvc);
    const policies = ctx.caches.certificatePolicies.list(ref.namespace).flatMap((p) => {
      const s = certificatePolicySpecSchema.safeParse(p.spec);
      return s.success ? [{ name: p.metadata!.name!, spec: s.data }] : [];
    });
    const certs = affectedCertificatePolicies(policies, workloads, spec.certificatePolicies);
    const running = runningVersions(ctx, ref.namespace, spec.pvc);
    env.status.plan = {
      ...env.status.plan,
      workloads: workloads.map((w) => `${w.kind}/${w.name}`),
      running,
      certificatePolicies: certs.policies,
    };
    const vulnerable = running.filter((r) => r.imageDigest && spec.vulnerable.imageDigests.includes(r.imageDigest));
    return done({
      workloads: workloads.map((w) => `${w.kind}/${w.name}`).join(',') || 'none',
      certificatePolicies: certs.policies.join(',') || 'none',
      vulnerableRunning: String(vulnerable.length),
      why: certs.message,
    });
  },
};

const OPTIONS = [
  'add the digests of versions scanned clean to spec.clean.imageDigests',
  'or set spec.onUnknown: Skip to step over restore points whose versions were never judged',
  'or restore by hand with a Restore of a RestorePoint you trust',
];

export const chooseStep: KubeStepKind = {
  uses: 'choose-restore-point',
  mutates: false,
  async run(env) {
    const { ctx, ref, spec } = env;
    let points = restorePointsOf(ctx, ref.namespace, spec.pvc);
    const choose = () => chooseRestorePoint(
      chooseInputFrom({
        volume: `${ref.namespace}/${spec.pvc}`,
        target: targetWords(env),
        points,
        running: runningVersions(ctx, ref.namespace, spec.pvc),
        now: ctx.clock.now(),
        vulnerable: spec.vulnerable.imageDigests,
        clean: spec.clean?.imageDigests ?? [],
        onUnknown: spec.onUnknown === 'Skip' ? 'skip' : 'refuse',
        allowSuspicious: spec.allowSuspicious,
      }),
    );
    let choice = choose();
    if (choice.decision !== 'chosen') {
      const live = (await call('list RestorePoints', () => ctx.apis.custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural: 'restorepoints' }))) as { items: CustomObject[] };
      points = restorePointsOf(ctx, ref.namespace, spec.pvc, live.items);
      choice = choose();
    }
    const reasoning = explainChoice(choice).split('\n').slice(1).map((l) => l.trim().replace(/^- /, ''));
    const point = choice.decision === 'chosen' ? points.find((p) => p.snapshotId === choice.snapshotId) : undefined;
    env.status.plan = {
      ...env.status.plan,
      decision: choice.decision,
      message: choice.message,
      reasoning,
      ...(choice.exposure ? { exposedSince: choice.exposure.startedAt } : {}),
      ...(point ? { restorePoint: point.id, snapshotId: point.snapshotId, restorePointTime: point.time.toISOString(), knownGood: point.versions } : {}),
    };
    if (!point) throw new StepFailure('NoCleanRestorePoint', `no restore point can be chosen, nothing was changed: ${choice.message}; options: ${OPTIONS.join('; ')}`);
    return done({ restorePoint: point.id, snapshotId: point.snapshotId, reason: choice.reason });
  },
};

async function pvcExists(ctx: OperatorContext, namespace: string, name: string): Promise<boolean> {
  try {
    await call(`read PVC ${namespace}/${name}`, () => ctx.apis.core.readNamespacedPersistentVolumeClaim({ namespace, name }));
    return true;
  } catch (e) {
    if (isHoldfastError(e, 'K8S_NOT_FOUND')) return false;
    throw e;
  }
}
