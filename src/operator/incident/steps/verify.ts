/**
 * verify: the end state, checked rather than assumed. The Restore succeeded; every restarted
 * workload finished its rollout on the known-good images, and the pods that mount the PVC report
 * only known-good digests; every reissued Secret holds a certificate with a new key (its key id
 * differs from the one recorded before), whose private key matches, which chains to the in-cluster
 * CA and is valid now. What may still settle (a rollout, old pods going) waits; what is wrong fails.
 */
import { mountingContainers, podsMountingClaim, rolloutComplete, workloadOf } from '../../../platform/kubernetes/index.js';
import { certificatePolicySpecSchema } from '../../api/index.js';
import type { CustomObject } from '../../context.js';
import { liveWorkload } from '../observe.js';
import { planRestart } from '../restart-plan.js';
import { chainProblem, leafOf, readSecret } from '../tls-secret.js';
import { done, StepFailure, waiting, type KubeStepKind } from './types.js';

export const verifyStep: KubeStepKind = {
  uses: 'verify',
  mutates: false,
  async run(env) {
    const { ctx, ref, spec, status } = env;
    const ns = ref.namespace;
    const checks: string[] = [];

    const [rNs, rName] = (status.restore?.name ?? '').split('/') as [string, string];
    const restore = rNs && rName ? ctx.caches.restores.get(rName, rNs) : undefined;
    const phase = (restore?.status as { phase?: string } | undefined)?.phase;
    if (phase !== 'Succeeded') throw new StepFailure('VerifyFailed', `Restore ${status.restore?.name ?? '(none)'} is ${phase ?? 'missing'}, not Succeeded`);
    checks.push(`Restore ${rName} Succeeded`);

    const plan = planRestart(ns, status.workloads ?? [], status.plan?.knownGood ?? [], spec.knownGoodImage);
    if (!plan.ok) throw new StepFailure(plan.reason, plan.message);
    const pods = podsMountingClaim(ctx.caches.pods.list(ns), ns, spec.pvc);
    for (const t of plan.targets) {
      const live = liveWorkload(ctx, ns, t.kind, t.name);
      if (!live) throw new StepFailure('VerifyFailed', `${t.kind} ${ns}/${t.name} is gone`);
      const containers = live.obj.spec?.template.spec?.containers ?? [];
      const wrong = Object.entries(t.images).filter(([c, img]) => containers.find((x) => x.name === c)?.image !== img);
      if (wrong.length) throw new StepFailure('VerifyFailed', `${t.kind} ${t.name} no longer runs the known-good image for ${wrong.map(([c]) => c).join(', ')}`);
      if (!rolloutComplete(live.obj)) return waiting(`waiting for ${t.kind} ${t.name} to be ready`, 2_000);
      // Each container against its own expected digest; one the plan left unchanged (a sidecar) is not checked.
      const mine = mountingContainers(pods.filter((p) => workloadOf(p) === `${ns}/${t.kind}/${t.name}`)).filter((c) => t.images[c.container]);
      if (t.replicas > 0 && mine.length === 0) return waiting(`waiting for pods of ${t.kind} ${t.name} to mount PVC ${spec.pvc}`, 2_000);
      const stale = mine.filter((c) => t.digests[c.container] && c.imageDigest !== t.digests[c.container]);
      const expected = new Set(Object.values(t.digests));
      if (stale.length) return waiting(`waiting for pods of ${t.kind} ${t.name} still on other versions: ${[...new Set(stale.map((c) => c.pod))].join(', ')}`, 2_000);
      checks.push(`${t.kind} ${t.name}: ${t.replicas} replica(s) ready on ${[...expected].map((d) => d.slice(0, 19)).join(', ') || Object.values(t.images).join(', ')}`);
    }

    const caName = (p: CustomObject | undefined) => {
      const s = certificatePolicySpecSchema.safeParse(p?.spec);
      return s.success ? s.data.issuer.name : 'holdfast-ca';
    };
    for (const rec of status.certificates ?? []) {
      const leaf = leafOf(await readSecret(ctx, ns, rec.secretName));
      if (!leaf) throw new StepFailure('VerifyFailed', `Secret ${ns}/${rec.secretName} holds no readable certificate`);
      if (rec.oldKeyId && leaf.keyId === rec.oldKeyId) throw new StepFailure('VerifyFailed', `Secret ${ns}/${rec.secretName} still holds the old key (serial ${leaf.serial})`);
      const ca = await readSecret(ctx, ctx.settings.namespace, caName(ctx.caches.certificatePolicies.get(rec.policy, ns)));
      const caPem = ca?.data?.['ca.crt'] ? Buffer.from(ca.data['ca.crt'], 'base64').toString() : '';
      const problem = chainProblem(leaf, caPem, ctx.clock.now());
      if (problem) throw new StepFailure('VerifyFailed', `Secret ${ns}/${rec.secretName}: ${problem}`);
      checks.push(`Secret ${rec.secretName}: serial ${leaf.serial} with a new key, chains to the in-cluster CA`);
    }
    return done({ checks: checks.join('; ').slice(0, 3900) });
  },
};
