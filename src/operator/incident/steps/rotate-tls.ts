/**
 * rotate-tls: reissue every affected CertificatePolicy with a new key, because the vulnerable
 * version may have leaked it. The old serial and key id are recorded first (and persisted, by
 * waiting once); then the policy gets the annotation holdfast.dev/reissue, which the certificate
 * controller acts on once (status.handledReissue) by issuing with a fresh key and rolling the
 * workloads that mount the Secret; the step waits until that reissue is handled and rolled out.
 */
import { call, mergePatch } from '../../../platform/kubernetes/index.js';
import { certificatePolicySpecSchema, GROUP, VERSION, type CertificatePolicyStatus } from '../../api/index.js';
import { REISSUE_ANNOTATION } from '../../tls/controller.js';
import { incidentNames } from '../names.js';
import { leafOf, readSecret } from '../tls-secret.js';
import { done, StepFailure, waiting, type KubeStepKind } from './types.js';

export const rotateTlsStep: KubeStepKind = {
  uses: 'rotate-tls',
  mutates: true,
  async run(env) {
    const { ctx, ref, status } = env;
    const ns = ref.namespace;
    const names = status.plan?.certificatePolicies ?? [];
    const reissue = incidentNames.reissue(ref);
    if (!status.certificates) {
      const recs = [];
      for (const name of names) {
        const p = ctx.caches.certificatePolicies.get(name, ns);
        const spec = certificatePolicySpecSchema.safeParse(p?.spec);
        if (!p || !spec.success) throw new StepFailure('CertificatePolicyNotFound', `CertificatePolicy ${ns}/${name} does not exist or is invalid`);
        const leaf = leafOf(await readSecret(ctx, ns, spec.data.secretName));
        recs.push({ policy: name, secretName: spec.data.secretName, reissue, ...(leaf ? { oldSerial: leaf.serial, oldKeyId: leaf.keyId } : {}) });
      }
      status.certificates = recs;
      if (recs.length) return waiting(`recorded the current serial of ${recs.length} certificate(s); reissuing next`, 500);
    }
    const pending: string[] = [];
    for (const rec of status.certificates) {
      const p = ctx.caches.certificatePolicies.get(rec.policy, ns);
      if (!p) throw new StepFailure('CertificatePolicyNotFound', `CertificatePolicy ${ns}/${rec.policy} was deleted during the incident`);
      const st = (p.status ?? {}) as CertificatePolicyStatus;
      if (p.metadata?.annotations?.[REISSUE_ANNOTATION] !== rec.reissue) {
        await call(`annotate CertificatePolicy ${ns}/${rec.policy}`, () =>
          ctx.apis.custom.patchNamespacedCustomObject(
            { group: GROUP, version: VERSION, namespace: ns, plural: 'certificatepolicies', name: rec.policy, body: { metadata: { annotations: { [REISSUE_ANNOTATION]: rec.reissue } } } },
            mergePatch,
          ),
        );
        env.event('Normal', 'ReissueRequested', `CertificatePolicy ${rec.policy}: reissue with a new key requested (was serial ${rec.oldSerial ?? 'none'})`);
        pending.push(`${rec.policy} (reissue requested)`);
        continue;
      }
      const rolled = st.conditions?.find((c) => c.type === 'RolledOut');
      if (st.handledReissue !== rec.reissue || !st.serial || st.serial === rec.oldSerial) pending.push(`${rec.policy} (reissue)`);
      else if (rolled?.status !== 'True') pending.push(`${rec.policy} (rollout: ${rolled?.message ?? 'not started'})`);
      else rec.newSerial = st.serial;
    }
    if (pending.length) return waiting(`waiting for CertificatePolicy ${pending.join(', ')}`, 2_000);
    for (const rec of status.certificates) {
      const leaf = leafOf(await readSecret(ctx, ns, rec.secretName));
      if (leaf) rec.newKeyId = leaf.keyId;
    }
    return done({ certificates: status.certificates.map((c) => `${c.policy}:${c.oldSerial ?? '-'}->${c.newSerial}`).join(',') || 'none' });
  },
};
