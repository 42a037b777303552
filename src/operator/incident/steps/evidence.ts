/**
 * preserve-evidence: back up the PVC as it is now (possibly compromised, nothing writing it any
 * more) before the restore overwrites it — the backup controller's data mover Job (dataMoverJob),
 * tagged incident-evidence, into the repository of the chosen RestorePoint, with the versions that
 * ran as its provenance — and record it as a RestorePoint labelled as evidence. The playbook never
 * deletes either, and `holdfast forget` always keeps snapshots tagged incident-evidence. When that
 * policy places its data movers on the node, the evidence Job runs there too, through a holder pod
 * (datamover/holder.ts): the workloads are scaled down by now, so no pod of theirs mounts the PVC.
 */
import type * as k8s from '@kubernetes/client-node';
import { provenanceSchema } from '../../../backup/snapshot/provenance.js';
import { isHoldfastError } from '../../../base/errors.js';
import { EVIDENCE_TAG } from '../../../playbook/index.js';
import { call, mergePatch } from '../../../platform/kubernetes/index.js';
import { API_VERSION, GROUP, VERSION, backupRepositorySpecSchema, restorePointSpecSchema } from '../../api/index.js';
import { lookup, type CustomObject, type OperatorContext } from '../../context.js';
import { dataMoverJob, jobState, labels, names } from '../../backup/objects.js';
import { nodeTarget, removeHolder } from '../../datamover/holder.js';
import { HOLDER_LABEL, nodePlacementProblem, placementOf, placeOnNode, type NodePlacement } from '../../datamover/node-placement.js';
import { policyDataMover } from '../../datamover/policy-settings.js';
import { finishedJobPods } from '../../backup/job-pods.js';
import { ensureRepositorySecret } from '../../backup/secret.js';
import { parseSummary, terminationMessage } from '../../backup/summary.js';
import { EVIDENCE_LABEL, INCIDENT_UID_LABEL, incidentLabels, incidentNames } from '../names.js';
import { done, StepFailure, waiting, type KubeStepKind } from './types.js';

async function create(what: string, fn: () => Promise<unknown>): Promise<void> {
  try {
    await call(`create ${what}`, fn);
  } catch (e) {
    if (!isHoldfastError(e, 'K8S_CONFLICT')) throw e; // an earlier attempt made it
  }
}

/**
 * An abort keeps the Incident (and so its holders, which it owns): the holder of a node-placed
 * evidence backup goes now, or it would keep the PVC mounted and sleep forever. The evidence Job
 * goes on: it has its own bind of the volume.
 */
export async function releaseEvidenceHolders(ctx: OperatorContext, namespace: string, uid: string): Promise<void> {
  for (const p of ctx.caches.pods.list(namespace))
    if (p.metadata?.labels?.[HOLDER_LABEL] && p.metadata.labels[INCIDENT_UID_LABEL] === uid) await removeHolder(ctx, { namespace, name: p.metadata.name! });
}

export const evidenceStep: KubeStepKind = {
  uses: 'preserve-evidence',
  mutates: true,
  async run(env) {
    const { ctx, ref, spec, status } = env;
    const ns = ref.namespace;
    const [rpNs, rpName] = (status.plan?.restorePoint ?? '').split('/') as [string, string];
    const chosen = rpNs && rpName ? ctx.caches.restorePoints.get(rpName, rpNs) : undefined;
    const rpSpec = restorePointSpecSchema.safeParse(chosen?.spec);
    if (!rpSpec.success) throw new StepFailure('RestorePointNotFound', `RestorePoint ${status.plan?.restorePoint ?? '(none chosen)'} is gone: nothing to take the repository from`);
    const repoName = rpSpec.data.repository;
    const repo = backupRepositorySpecSchema.safeParse(ctx.caches.repositories.get(repoName, rpNs)?.spec);
    if (!repo.success) throw new StepFailure('RepositoryNotFound', `BackupRepository ${rpNs}/${repoName} does not exist or is invalid`);
    const item = incidentNames.evidenceItem(ref, rpNs, spec.pvc, env.attempt);
    const jobName = names.job(item);
    const rpOut = names.restorePoint(item);
    // The volume is the one the chosen point's policy backs up: the same reader settings apply.
    const settings = policyDataMover(ctx, rpNs, rpSpec.data.policy);
    const onNode = placementOf(settings) === 'Node';
    const jobNs = onNode ? ctx.settings.namespace : ns;
    const holder = { namespace: ns, name: `hfh-${jobName.slice(4)}` };
    const jobRef = `${jobNs}/${jobName}`;
    if (status.evidence?.job !== jobRef) status.evidence = { job: jobRef };

    // Recorded already (an earlier attempt got this far): done.
    const recorded = lookup<CustomObject>(ctx, 'RestorePoint', ctx.caches.restorePoints, rpNs, rpOut);
    const recStatus = recorded?.status as { snapshotId?: string; time?: string } | undefined;
    if (recStatus?.snapshotId) {
      status.evidence = { job: jobRef, restorePoint: `${rpNs}/${rpOut}`, snapshotId: recStatus.snapshotId, ...(recStatus.time ? { time: recStatus.time } : {}) };
      return done({ job: jobRef, restorePoint: `${rpNs}/${rpOut}`, snapshotId: recStatus.snapshotId });
    }

    const job = lookup<k8s.V1Job>(ctx, 'Job', ctx.caches.jobs, jobNs, jobName);
    if (!job) {
      let node: NodePlacement | undefined;
      if (onNode) {
        const problem = nodePlacementProblem({ snapshotMode: 'Direct', repositoryOnVolume: repo.data.volume !== undefined });
        if (problem) throw new StepFailure('InvalidPlacement', `the evidence backup of PVC ${ns}/${spec.pvc}: ${problem}`);
        const t = await nodeTarget(ctx, { holder, pvc: spec.pvc, labels: { ...incidentLabels(ref), [HOLDER_LABEL]: jobName }, owner: { kind: 'Incident', name: ref.name, uid: ref.uid } });
        if (t.state === 'waiting') return waiting(t.message, 5_000);
        if (t.state === 'failed') {
          await removeHolder(ctx, holder);
          throw new StepFailure('EvidenceBackupFailed', `evidence backup of PVC ${ns}/${spec.pvc}: ${t.message}; the PVC is untouched (workloads stay scaled down)`);
        }
        node = { namespace: jobNs, nodeName: t.nodeName, volumeDir: t.volumeDir, access: 'read', settings };
      }
      let secretName = repo.data.credentials.secretName;
      if (rpNs !== jobNs) {
        const secret = await call(`read Secret ${rpNs}/${secretName}`, () => ctx.apis.core.readNamespacedSecret({ namespace: rpNs, name: secretName }));
        secretName = onNode ? names.nodeRepoSecret(rpNs, repoName) : names.repoSecret(repoName);
        await ensureRepositorySecret(ctx, secret, jobNs, secretName);
      }
      const provenance = provenanceSchema.parse({
        volume: `${ns}/${spec.pvc}`,
        workloads: status.plan?.running ?? [],
        labels: { incident: `${ns}/${ref.name}`, evidence: 'true', operator: ctx.settings.namespace },
      });
      const namespaced = dataMoverJob({
        ref: item,
        claimName: spec.pvc,
        repository: { name: repoName, spec: repo.data, secretName },
        provenance,
        tags: [EVIDENCE_TAG, `incident=${ns}/${ref.name}`, `pvc=${ns}/${spec.pvc}`],
        image: ctx.settings.dataMoverImage,
        postHooksPending: false,
        security: settings,
        ...(ctx.settings.dataMoverServiceAccount ? { serviceAccountName: ctx.settings.dataMoverServiceAccount } : {}),
      });
      const body = node ? placeOnNode(namespaced, node) : namespaced;
      body.metadata!.labels = { ...body.metadata!.labels, ...incidentLabels(ref) };
      // The Job is the evidence's record until its RestorePoint exists; the TTL controller must not remove it first.
      delete body.spec!.ttlSecondsAfterFinished;
      await create(`evidence Job ${jobRef}`, () => ctx.apis.batch.createNamespacedJob({ namespace: jobNs, body }));
      ctx.recent.put('Job', jobNs, jobName, body);
      env.event('Normal', 'EvidenceBackupStarted', `backing up PVC ${spec.pvc} as incident evidence with Job ${jobName}`);
      return waiting(`evidence backup Job ${jobName} started`, 5_000);
    }
    const s = jobState(job);
    // The holder has served once the data mover is done with the volume, either way.
    if (onNode && s.state !== 'Running') await removeHolder(ctx, holder);
    if (s.state === 'Failed') throw new StepFailure('EvidenceBackupFailed', `evidence backup Job ${jobRef} failed${s.message ? `: ${s.message}` : ''}; the PVC is untouched (workloads stay scaled down)`);
    if (s.state === 'Running') return waiting(`waiting for evidence backup Job ${jobName}`, 5_000);
    const summary = parseSummary(terminationMessage(await finishedJobPods(ctx, jobNs, jobName)));
    if (!summary.ok) throw new StepFailure('EvidenceBackupFailed', `evidence backup Job ${jobRef}: ${summary.message}`);
    const prov = provenanceSchema.safeParse(JSON.parse(job.metadata?.annotations?.['holdfast.dev/provenance'] ?? '{}'));
    const rp: CustomObject = {
      apiVersion: API_VERSION,
      kind: 'RestorePoint',
      metadata: { name: rpOut, namespace: rpNs, labels: { ...labels(item), ...incidentLabels(ref), [EVIDENCE_LABEL]: 'true' } },
      spec: { repository: repoName, pvc: { namespace: ns, name: spec.pvc }, runId: item.runId },
    };
    const rpApi = { group: GROUP, version: VERSION, plural: 'restorepoints', namespace: rpNs };
    await create(`evidence RestorePoint ${rpNs}/${rpOut}`, () => ctx.apis.custom.createNamespacedCustomObject({ ...rpApi, body: rp }));
    const time = summary.summary.time ? new Date(summary.summary.time).toISOString() : ctx.clock.now().toISOString();
    const rpStatus = {
      snapshotId: summary.summary.snapshotId,
      time,
      ...(prov.success ? { provenance: prov.data } : {}),
      conditions: [{ type: 'Ready', status: 'True', reason: 'Recorded', message: `incident evidence, snapshot ${summary.summary.snapshotId}`, lastTransitionTime: ctx.clock.now().toISOString() }],
    };
    await call(`write status of RestorePoint ${rpNs}/${rpOut}`, () => ctx.apis.custom.patchNamespacedCustomObjectStatus({ ...rpApi, name: rpOut, body: { status: rpStatus } }, mergePatch));
    ctx.recent.put('RestorePoint', rpNs, rpOut, { ...rp, status: rpStatus });
    status.evidence = { job: jobRef, restorePoint: `${rpNs}/${rpOut}`, snapshotId: summary.summary.snapshotId, time };
    env.event('Normal', 'EvidencePreserved', `PVC ${spec.pvc} kept as evidence: snapshot ${summary.summary.snapshotId}, RestorePoint ${rpNs}/${rpOut}`);
    return done({ job: jobRef, restorePoint: `${rpNs}/${rpOut}`, snapshotId: summary.summary.snapshotId });
  },
};
