/**
 * Playing the parts the harness has no binary for: the kubelet (pod status with image digests and
 * termination messages), the Job controller (Job status) and the CSI snapshotter (VolumeSnapshot
 * readyToUse). All through the real API's status subresources, as those components do.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as k8s from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { createLogger, silentLogger, type Logger } from '../../src/base/log.js';

/** Silent unless HOLDFAST_TEST_LOG=debug|info: operator logs for debugging a failing test. */
export function testLogger(): Logger {
  const level = process.env.HOLDFAST_TEST_LOG;
  return level === 'debug' || level === 'info' ? createLogger({ level, json: false }) : silentLogger;
}

/**
 * Options for a test that plays the kubelet or a controller (the functions below). Against an
 * external cluster (HOLDFAST_KUBECONFIG) the real kubelet and controllers race its status writes,
 * so such a test does not run there; test/node runs the same flows with the real ones.
 */
export const playsControllers = {
  skip: process.env.HOLDFAST_KUBECONFIG ? 'plays the kubelet and controllers: runs only against the API-only harness (HOLDFAST_KUBECONFIG is set)' : false,
};

/** A test that plays controllers without `playsControllers` fails here instead of racing real ones. */
function refuseBesideRealControllers(role: string): void {
  if (process.env.HOLDFAST_KUBECONFIG) throw new Error(`this test plays ${role} beside a real cluster's (HOLDFAST_KUBECONFIG): give it the playsControllers option`);
}

export const DIGEST_A = 'sha256:' + 'a1'.repeat(32);
export const DIGEST_B = 'sha256:' + 'b2'.repeat(32);
const merge = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);

/**
 * Polls `fn` until it returns a value (not undefined/false); fails with `what` after `ms`. A minute
 * by default: a controller that answers in a second on a quiet machine took over 30 s with the
 * machine's two cores shared thirty ways (a CI run beside five builds), and failed a correct test.
 */
export async function eventually<T>(what: string, fn: () => Promise<T | undefined | false>, ms = 60_000): Promise<T> {
  const until = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

export function pvc(name: string, labels: Record<string, string> = {}): k8s.V1PersistentVolumeClaim {
  return { metadata: { name, labels }, spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'standard', resources: { requests: { storage: '1Gi' } } } };
}

/** A running pod of StatefulSet `owner` mounting `claim`, with the kubelet-reported image digest. */
export async function runningPod(kc: k8s.KubeConfig, ns: string, name: string, claim: string, owner: string, digest: string): Promise<void> {
  refuseBesideRealControllers('the kubelet');
  const core = kc.makeApiClient(k8s.CoreV1Api);
  await core.createNamespacedPod({
    namespace: ns,
    body: {
      metadata: { name, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: owner, uid: '00000000-0000-0000-0000-000000000001', controller: true }] },
      spec: {
        // No scheduler will pick this up on a real cluster either.
        schedulerName: 'holdfast-test-none',
        containers: [{ name: 'db', image: 'registry.example/shop-db:1.4' }],
        volumes: [{ name: 'data', persistentVolumeClaim: { claimName: claim } }],
      },
    },
  });
  await core.patchNamespacedPodStatus(
    {
      name, namespace: ns,
      body: {
        status: {
          phase: 'Running',
          containerStatuses: [{ name: 'db', image: 'registry.example/shop-db:1.4', imageID: `registry.example/shop-db@${digest}`, ready: true, restartCount: 0, started: true, state: { running: { startedAt: new Date().toISOString() } } }],
        },
      },
    },
    merge,
  );
}

/**
 * The Job controller and kubelet: one pod of the Job that terminated with `message`, and the Job's
 * status. The pod is made from the Job's template, as the Job controller makes it, so admission
 * (Pod Security in a namespace that enforces it) judges exactly what the operator asked for.
 */
export async function finishJob(kc: k8s.KubeConfig, ns: string, job: string, outcome: { message: string; ok: boolean }): Promise<void> {
  refuseBesideRealControllers('the Job controller');
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const batch = kc.makeApiClient(k8s.BatchV1Api);
  const pod = `${job}-x`.slice(0, 63);
  const now = new Date().toISOString();
  const template = (await batch.readNamespacedJob({ namespace: ns, name: job })).spec!.template;
  await core.createNamespacedPod({
    namespace: ns,
    body: {
      metadata: { ...template.metadata, name: pod, labels: { ...template.metadata?.labels, 'batch.kubernetes.io/job-name': job, 'job-name': job } },
      // No scheduler may pick it up on a real cluster either.
      spec: { ...template.spec!, schedulerName: 'holdfast-test-none' },
    },
  });
  await core.patchNamespacedPodStatus(
    {
      name: pod, namespace: ns,
      body: {
        status: {
          phase: outcome.ok ? 'Succeeded' : 'Failed',
          containerStatuses: [{
            name: 'data-mover', image: 'holdfast', imageID: `holdfast@${DIGEST_B}`, ready: false, restartCount: 0,
            state: { terminated: { exitCode: outcome.ok ? 0 : 1, reason: outcome.ok ? 'Completed' : 'Error', message: outcome.message, startedAt: now, finishedAt: now } },
          }],
        },
      },
    },
    merge,
  );
  const conditions = outcome.ok
    ? [
        { type: 'SuccessCriteriaMet', status: 'True', reason: 'CompletionsReached', message: 'Reached expected number of succeeded pods', lastTransitionTime: now, lastProbeTime: now },
        { type: 'Complete', status: 'True', reason: 'CompletionsReached', message: 'Reached expected number of succeeded pods', lastTransitionTime: now, lastProbeTime: now },
      ]
    : [
        { type: 'FailureTarget', status: 'True', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit', lastTransitionTime: now, lastProbeTime: now },
        { type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit', lastTransitionTime: now, lastProbeTime: now },
      ];
  await batch.patchNamespacedJobStatus(
    {
      name: job, namespace: ns,
      body: {
        status: {
          startTime: now,
          ...(outcome.ok ? { completionTime: now, succeeded: 1 } : { failed: 2 }),
          ready: 0,
          terminating: 0,
          uncountedTerminatedPods: {},
          conditions,
        },
      },
    },
    merge,
  );
}

/** The CSI snapshotter: the VolumeSnapshot is cut and ready. */
export async function readySnapshot(kc: k8s.KubeConfig, ns: string, name: string): Promise<void> {
  refuseBesideRealControllers('the CSI snapshotter');
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  await custom.patchNamespacedCustomObjectStatus(
    { group: 'snapshot.storage.k8s.io', version: 'v1', plural: 'volumesnapshots', namespace: ns, name, body: { status: { readyToUse: true, restoreSize: '1Gi', creationTime: new Date().toISOString() } } },
    merge,
  );
}

/**
 * The StatefulSet and Deployment controllers and the kubelet for a namespace, in the background
 * until `stop()`: pods built from the pod template (so they mount what it mounts), owned as those
 * controllers own them (a StatefulSet's pods `<name>-<i>`; a Deployment's through a ReplicaSet
 * `<name>-<hash>` with the pod-template-hash label), replaced when the template's image changes,
 * removed when scaled down, reported Running with the image digest `digestOf(image)`, and the
 * workload's status written (observedGeneration, ready and updated replicas) once its pods match.
 * Jobs are not played: tests finish them with finishJob at the moment they choose.
 */
export function playWorkloads(kc: k8s.KubeConfig, ns: string, digestOf: (image: string) => string): { stop(): Promise<void>; rounds(): number } {
  refuseBesideRealControllers('the workload controllers');
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const apps = kc.makeApiClient(k8s.AppsV1Api);
  let stopped = false;
  let rounds = 0;
  type W = { kind: 'StatefulSet' | 'Deployment'; obj: k8s.V1StatefulSet | k8s.V1Deployment };
  const round = async () => {
    const all: W[] = [
      ...(await apps.listNamespacedStatefulSet({ namespace: ns })).items.map((obj) => ({ kind: 'StatefulSet' as const, obj })),
      ...(await apps.listNamespacedDeployment({ namespace: ns })).items.map((obj) => ({ kind: 'Deployment' as const, obj })),
    ];
    for (const { kind, obj: s } of all) {
      const name = s.metadata!.name!;
      const want = s.spec?.replicas ?? 1;
      const tpl = s.spec!.template;
      const image = tpl.spec!.containers[0]!.image!;
      const hash = createHash('sha256').update(image).digest('hex').slice(0, 10);
      const owner = kind === 'StatefulSet'
        ? { apiVersion: 'apps/v1', kind: 'StatefulSet', name, uid: s.metadata!.uid!, controller: true }
        : { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `${name}-${hash}`, uid: s.metadata!.uid!, controller: true };
      const podName = (i: number) => (kind === 'StatefulSet' ? `${name}-${i}` : `${name}-${hash}-${i}`);
      const pods = (await core.listNamespacedPod({ namespace: ns, labelSelector: `play.holdfast.dev/workload=${kind}.${name}` })).items;
      let changed = false;
      for (const p of pods) {
        const i = Number(p.metadata?.annotations?.['play.holdfast.dev/index']);
        if (i >= want || p.metadata?.annotations?.['play.holdfast.dev/image'] !== image) {
          await core.deleteNamespacedPod({ namespace: ns, name: p.metadata!.name!, gracePeriodSeconds: 0 }).catch(() => undefined);
          changed = true;
        }
      }
      if (changed) continue; // create replacements next round, once the old ones are gone
      for (let i = 0; i < want; i++) {
        const pod = podName(i);
        if (pods.some((p) => p.metadata!.name === pod)) continue;
        await core.createNamespacedPod({
          namespace: ns,
          body: {
            metadata: {
              name: pod,
              labels: { ...tpl.metadata?.labels, 'play.holdfast.dev/workload': `${kind}.${name}`, ...(kind === 'Deployment' ? { 'pod-template-hash': hash } : {}) },
              annotations: { 'play.holdfast.dev/image': image, 'play.holdfast.dev/index': String(i) },
              ownerReferences: [owner],
            },
            spec: { ...tpl.spec!, schedulerName: 'holdfast-test-none' },
          },
        });
        await core.patchNamespacedPodStatus(
          {
            name: pod, namespace: ns,
            body: { status: { phase: 'Running', containerStatuses: tpl.spec!.containers.map((c) => ({ name: c.name, image: c.image!, imageID: `${c.image!.replace(/[@:][^/]*$/, '')}@${digestOf(c.image!)}`, ready: true, restartCount: 0, started: true, state: { running: { startedAt: new Date().toISOString() } } })) } },
          },
          merge,
        );
        changed = true;
      }
      if (changed) continue;
      const st = s.status;
      if (st?.observedGeneration === s.metadata!.generation && st?.readyReplicas === want && st?.replicas === want) continue;
      const status = { observedGeneration: s.metadata!.generation, replicas: want, readyReplicas: want, updatedReplicas: want, availableReplicas: want };
      if (kind === 'StatefulSet') await apps.patchNamespacedStatefulSetStatus({ namespace: ns, name, body: { status: { ...status, currentReplicas: want } } }, merge);
      else await apps.patchNamespacedDeploymentStatus({ namespace: ns, name, body: { status } }, merge);
    }
  };
  const loop = (async () => {
    while (!stopped) {
      try {
        await round();
        rounds++;
      } catch {
        /* the API server may be restarting; try again */
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  return {
    rounds: () => rounds,
    async stop() {
      stopped = true;
      await loop;
    },
  };
}

/**
 * deploy/operator/10-rbac.yaml as shipped, bound to `user` (the harness's unprivileged user) instead of
 * the ServiceAccount, with its namespaced Role in `leaseNs`: an operator started with that user's
 * kubeconfig proves the shipped least-privilege rules suffice for what it does. `drop` removes one
 * verb on one resource (to see the operator report Forbidden). Binding again replaces the cluster
 * role. The returned function removes the cluster-scoped objects: left behind, the holdfast-operator
 * ClusterRole makes a later `helm install` on the same cluster fail.
 */
export async function bindShippedRbac(kc: k8s.KubeConfig, user: string, leaseNs: string, drop?: { resource: string; verb: string }): Promise<() => Promise<void>> {
  const rbac = kc.makeApiClient(k8s.RbacAuthorizationV1Api);
  const docs = parseAllDocuments(readFileSync(new URL('../../deploy/operator/10-rbac.yaml', import.meta.url), 'utf8')).map((d) => d.toJS());
  const subjects = [{ kind: 'User', name: user, apiGroup: 'rbac.authorization.k8s.io' }];
  const conflictOk = (e: { code?: number }) => {
    if (e.code !== 409) throw e;
  };
  const cluster: (() => Promise<unknown>)[] = [];
  for (const doc of docs) {
    const name = doc.metadata.name as string;
    if (doc.kind === 'ClusterRole') {
      if (drop) for (const r of doc.rules) if (r.resources.includes(drop.resource)) r.verbs = r.verbs.filter((v: string) => v !== drop.verb);
      await rbac.deleteClusterRole({ name }).catch(() => undefined);
      await rbac.createClusterRole({ body: doc });
      cluster.push(() => rbac.deleteClusterRole({ name }));
    } else if (doc.kind === 'ClusterRoleBinding') {
      await rbac.deleteClusterRoleBinding({ name }).catch(() => undefined);
      await rbac.createClusterRoleBinding({ body: { ...doc, subjects } });
      cluster.push(() => rbac.deleteClusterRoleBinding({ name }));
    } else if (doc.kind === 'Role') await rbac.createNamespacedRole({ namespace: leaseNs, body: { ...doc, metadata: { ...doc.metadata, namespace: leaseNs } } }).catch(conflictOk);
    else if (doc.kind === 'RoleBinding') await rbac.createNamespacedRoleBinding({ namespace: leaseNs, body: { ...doc, metadata: { ...doc.metadata, namespace: leaseNs }, subjects } }).catch(conflictOk);
  }
  return async () => {
    for (const remove of cluster) await remove().catch(() => undefined);
  };
}
