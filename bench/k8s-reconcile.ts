/**
 * Reconcile cost of the backup controller against a real kube-apiserver + etcd (test harness):
 * 1,000 PVCs across 50 namespaces, one policy selecting all of them, one manual run.
 *
 *   npx tsx bench/k8s-reconcile.ts [--namespaces 50] [--per-namespace 20]
 *
 * Reports wall time and the operator's HTTP requests (API calls and watch connections, counted in
 * CountingKubeConfig) for: starting the run (every Job created), recording the run (every
 * RestorePoint written after the bench plays the Job controller), and a steady-state resync.
 * The bench's own writes (PVCs, Job status) are not counted: they stand in for the cluster.
 */
import * as k8s from '@kubernetes/client-node';
import { silentLogger } from '../src/base/log.js';
import { startOperator } from '../src/operator/index.js';
import { startKube } from '../test/harness/kube.js';
import { eventually, finishJob, pvc } from '../test/harness/kube-play.js';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const NS = arg('namespaces', 50);
const PER = arg('per-namespace', 20);
const TOTAL = NS * PER;

async function pool<T>(items: T[], n: number, fn: (t: T) => Promise<unknown>) {
  let i = 0;
  await Promise.all(Array.from({ length: n }, async () => { while (i < items.length) await fn(items[i++]!); }));
}

const kube = await startKube();
try {
  const core = kube.kc.makeApiClient(k8s.CoreV1Api);
  const batch = kube.kc.makeApiClient(k8s.BatchV1Api);
  const custom = kube.kc.makeApiClient(k8s.CustomObjectsApi);
  const G = { group: 'holdfast.dev', version: 'v1alpha1' };
  const ops = await kube.namespace('bench-ops');
  const namespaces: string[] = [];
  for (let i = 0; i < NS; i++) namespaces.push(await kube.namespace(`bench-${i}`));
  const t0 = Date.now();
  await pool(namespaces.flatMap((ns) => Array.from({ length: PER }, (_, j) => [ns, `data-${j}`] as const)), 16, ([ns, name]) =>
    core.createNamespacedPersistentVolumeClaim({ namespace: ns, body: pvc(name) }),
  );
  console.error(`setup: ${TOTAL} PVCs in ${NS} namespaces created in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  await core.createNamespacedSecret({ namespace: ops, body: { metadata: { name: 'repo' }, stringData: { password: 'bench' } } });
  await custom.createNamespacedCustomObject({
    ...G, namespace: ops, plural: 'backuprepositories',
    body: { apiVersion: 'holdfast.dev/v1alpha1', kind: 'BackupRepository', metadata: { name: 'main' }, spec: { url: 's3:https://s3.example/b/p', credentials: { secretName: 'repo' } } },
  });

  const op = await startOperator({ namespace: ops, kubeConfig: kube.kc, log: silentLogger, identity: 'bench', retryMs: 500 });
  await eventually('leadership', async () => op.isLeader());
  await op.idle();
  const calls = () => ({ api: op.apis.kc.calls, watch: op.apis.kc.watches });
  const base = calls();

  const rows: [string, number, number, number][] = [];
  let mark = Date.now();
  let before = calls();
  const phase = (name: string) => {
    const now = calls();
    rows.push([name, (Date.now() - mark) / 1000, now.api - before.api, now.watch - before.watch]);
    mark = Date.now();
    before = now;
  };

  await custom.createNamespacedCustomObject({
    ...G, namespace: ops, plural: 'backuppolicies',
    body: { apiVersion: 'holdfast.dev/v1alpha1', kind: 'BackupPolicy', metadata: { name: 'all', annotations: { 'holdfast.dev/trigger': 'bench' } }, spec: { repository: 'main', schedule: '0 3 * * *', selector: { namespaces } } },
  });
  const countJobs = async () => (await batch.listJobForAllNamespaces({ labelSelector: 'holdfast.dev/policy=all' })).items;
  const jobs = await eventually(`${TOTAL} Jobs`, async () => {
    const j = await countJobs();
    return j.length >= TOTAL ? j : undefined;
  }, 600_000);
  await op.idle();
  phase(`start run: ${TOTAL} Jobs created`);

  // The operator records while the bench is still finishing Jobs: this phase's wall time includes the
  // bench's own 3 writes per Job (pod, pod status, Job status), its call count only the operator's.
  const completedAt = Date.now();
  const played = calls();
  await pool(jobs, 8, (j) => finishJob(kube.kc, j.metadata!.namespace!, j.metadata!.name!, { ok: true, message: `{"snapshotId":"${j.metadata!.name}"}` }));
  await eventually('the run to finish', async () => {
    const p = (await custom.getNamespacedCustomObject({ ...G, namespace: ops, plural: 'backuppolicies', name: 'all' })) as { status?: { lastRun?: { succeeded: number } } };
    return p.status?.lastRun?.succeeded === TOTAL;
  }, 600_000);
  await op.idle();
  const now = calls();
  rows.push([`record run: ${TOTAL} RestorePoints, Jobs removed`, (Date.now() - completedAt) / 1000, now.api - played.api, now.watch - played.watch]);
  mark = Date.now();
  before = now;

  op.resync();
  await op.idle();
  phase('steady-state resync (nothing to do)');

  const total = calls();
  console.log(`\nbackup controller reconcile cost: ${TOTAL} PVCs in ${NS} namespaces, one policy (kube-apiserver ${'v1.34.3'} + etcd, 2 cores shared)\n`);
  console.log(['phase'.padEnd(48), 'wall s'.padStart(8), 'API calls'.padStart(10), 'watches'.padStart(8), 'calls/PVC'.padStart(10)].join(' '));
  for (const [name, s, api, w] of rows)
    console.log([name.padEnd(48), s.toFixed(1).padStart(8), String(api).padStart(10), String(w).padStart(8), (api / TOTAL).toFixed(2).padStart(10)].join(' '));
  console.log(`\ntotal operator requests since leadership: ${total.api - base.api} API calls, ${total.watch - base.watch} watch connections; reconciles: ${op.reconciles()}`);
  console.log(JSON.stringify({ pvcs: TOTAL, namespaces: NS, phases: rows.map(([phase, seconds, apiCalls, watches]) => ({ phase, seconds, apiCalls, watches })) }));
  await op.stop();
} finally {
  await kube.stop();
}
