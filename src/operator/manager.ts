/**
 * The operator process: watched caches for every type the controllers read, one work queue per
 * controller, and leader election that starts and stops the queues. Caches run on every replica
 * (a new leader acts at once with warm caches); only the leader's queues do work.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type * as k8s from '@kubernetes/client-node';
import { createLogger, type Logger } from '../base/log.js';
import { systemClock, systemRandom, type Clock, type RandomSource } from '../platform/clock.js';
import { connect, eventRecorder, podExec, WatchCache, type KubeApis } from '../platform/kubernetes/index.js';
import { DEFAULT_MAX_LIFETIME_MS } from '../tls/index.js';
import { GROUP, VERSION } from './api/index.js';
import { reconcileBackupPolicy } from './backup/controller.js';
import type { HookRunner } from './backup/hooks.js';
import { L } from './backup/objects.js';
import { RecentlyCreated, type Caches, type CustomObject, type OperatorContext, type OperatorSettings } from './context.js';
import { DEFAULT_KUBELET_DIR } from './datamover/node-placement.js';
import { LeaderElector } from './leader/index.js';
import { reconcileBackupRepository } from './repository/controller.js';
import { reconcileRestore } from './restore/controller.js';
import { reconcileCertificatePolicy } from './tls/controller.js';
import { INCIDENT_LABEL, INCIDENT_NAMESPACE_LABEL, reconcileIncident } from './incident/index.js';
import { backoffDelay, DEFAULT_BACKOFF, type BackoffPolicy } from './runtime/backoff.js';
import { WorkQueue } from './runtime/queue.js';

export interface OperatorOptions extends Partial<OperatorSettings> {
  namespace: string;
  kubeconfig?: string;
  /** A loaded config (tests); copied, so API calls are counted per operator. */
  kubeConfig?: k8s.KubeConfig;
  identity?: string;
  clock?: Clock;
  random?: RandomSource;
  log?: Logger;
  hooks?: HookRunner;
  backoff?: BackoffPolicy;
  leaseName?: string;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryMs?: number;
}

export interface OperatorHandle {
  identity: string;
  apis: KubeApis;
  ctx: OperatorContext;
  elector: LeaderElector;
  isLeader(): boolean;
  /** Resolves when the queues are empty and no reconcile is running (tests, benchmarks). */
  idle(): Promise<void>;
  /** Enqueue every object again, as a periodic resync does. */
  resync(): void;
  /** Reconciles run by this replica (a follower runs none). */
  reconciles(): number;
  /** Of those, Incident reconciles. */
  incidentReconciles(): number;
  /** Watch restarts after errors, summed over all caches. */
  watchRestarts(): number;
  /** `release: false` simulates a crash: the lease is left to expire. */
  stop(opts?: { release?: boolean }): Promise<void>;
}

const custom = (apis: KubeApis, group: string, version: string, plural: string) => () =>
  apis.custom.listClusterCustomObject({ group, version, plural }) as Promise<k8s.KubernetesListObject<CustomObject>>;

export async function startOperator(o: OperatorOptions): Promise<OperatorHandle> {
  const apis = connect({ ...(o.kubeconfig ? { kubeconfig: o.kubeconfig } : {}), ...(o.kubeConfig ? { from: o.kubeConfig } : {}) });
  const identity = o.identity ?? `${hostname()}-${randomBytes(3).toString('hex')}`;
  const log = (o.log ?? createLogger()).child({ operator: identity });
  const clock = o.clock ?? systemClock;
  const random = o.random ?? systemRandom;
  const policy = o.backoff ?? DEFAULT_BACKOFF;
  const backoff = (n: number) => backoffDelay(n, policy, random(4).readUInt32BE(0) / 2 ** 32).delayMs;
  const exec = podExec(apis.kc);
  const settings: OperatorSettings = {
    namespace: o.namespace,
    dataMoverImage: o.dataMoverImage ?? 'ghcr.io/holdfast/holdfast:0.1.0',
    itemConcurrency: o.itemConcurrency ?? 8,
    kubeletDir: o.kubeletDir ?? DEFAULT_KUBELET_DIR,
    maxCertificateLifetimeMs: o.maxCertificateLifetimeMs ?? DEFAULT_MAX_LIFETIME_MS,
    ...(o.dataMoverServiceAccount ? { dataMoverServiceAccount: o.dataMoverServiceAccount } : {}),
  };

  // Assigned below, once the context they close over exists; cache callbacks only fire after start.
  // eslint-disable-next-line prefer-const
  let backupQ: WorkQueue;
  // eslint-disable-next-line prefer-const
  let certQ: WorkQueue;
  // eslint-disable-next-line prefer-const
  let restoreQ: WorkQueue;
  // eslint-disable-next-line prefer-const
  let incidentQ: WorkQueue;
  // eslint-disable-next-line prefer-const
  let repositoryQ: WorkQueue;
  const allIncidents = () => caches.incidents.list().forEach((i) => incidentQ.add(`${i.metadata!.namespace}/${i.metadata!.name}`));
  // An object an Incident waits on changed: wake the Incident that labelled it, and the unfinished
  // Incidents of its namespace (pods, workloads and policies carry no label of ours).
  const incidentsOf = (obj: k8s.KubernetesObject) => {
    const l = obj.metadata?.labels ?? {};
    if (l[INCIDENT_LABEL] && l[INCIDENT_NAMESPACE_LABEL]) incidentQ.add(`${l[INCIDENT_NAMESPACE_LABEL]}/${l[INCIDENT_LABEL]}`);
    for (const i of caches.incidents.list(obj.metadata?.namespace)) {
      const phase = (i.status as { phase?: string } | undefined)?.phase;
      if (phase !== 'Succeeded' && phase !== 'Failed' && phase !== 'Aborted') incidentQ.add(`${i.metadata!.namespace}/${i.metadata!.name}`);
    }
  };
  const allRestores = () => caches.restores.list().forEach((r) => restoreQ.add(`${r.metadata!.namespace}/${r.metadata!.name}`));
  const allRepositories = () => caches.repositories.list().forEach((r) => repositoryQ.add(`${r.metadata!.namespace}/${r.metadata!.name}`));
  const allPolicies = () => caches.policies.list().forEach((p) => backupQ.add(`${p.metadata!.namespace}/${p.metadata!.name}`));
  const allCerts = (ns?: string) => caches.certificatePolicies.list(ns).forEach((p) => certQ.add(`${p.metadata!.namespace}/${p.metadata!.name}`));
  const ownerPolicy = (obj: k8s.KubernetesObject) => {
    const l = obj.metadata?.labels ?? {};
    if (l['holdfast.dev/restore']) allRestores();
    if (l[L.policy] && l[L.policyNamespace]) backupQ.add(`${l[L.policyNamespace]}/${l[L.policy]}`);
    else allPolicies();
  };
  const cache = <T extends k8s.KubernetesObject>(path: string, list: () => Promise<k8s.KubernetesListObject<T>>, onChange: (o: T) => void, labelSelector?: string) =>
    new WatchCache<T>({ kc: apis.kc, path, list, backoff, log, onChange, ...(labelSelector ? { labelSelector } : {}) });

  const h = `/apis/${GROUP}/${VERSION}`;
  const caches: Caches = {
    policies: cache(`${h}/backuppolicies`, custom(apis, GROUP, VERSION, 'backuppolicies'), (p) => backupQ.add(`${p.metadata!.namespace}/${p.metadata!.name}`)),
    repositories: cache(`${h}/backuprepositories`, custom(apis, GROUP, VERSION, 'backuprepositories'), (r) => {
      allPolicies();
      repositoryQ.add(`${r.metadata!.namespace}/${r.metadata!.name}`);
    }),
    restorePoints: cache(`${h}/restorepoints`, custom(apis, GROUP, VERSION, 'restorepoints'), (rp) => {
      ownerPolicy(rp);
      allRestores();
      incidentsOf(rp);
    }),
    restores: cache(`${h}/restores`, custom(apis, GROUP, VERSION, 'restores'), (r) => {
      restoreQ.add(`${r.metadata!.namespace}/${r.metadata!.name}`);
      incidentsOf(r);
    }),
    certificatePolicies: cache(`${h}/certificatepolicies`, custom(apis, GROUP, VERSION, 'certificatepolicies'), (p) => {
      certQ.add(`${p.metadata!.namespace}/${p.metadata!.name}`);
      // A CA rotation moves every policy of the issuer: each reissues once the new CA is active.
      const rotation = (p.status as { caRotation?: { step?: string } } | undefined)?.caRotation?.step;
      if (rotation && rotation !== 'done') allCerts();
      incidentsOf(p);
    }),
    incidents: cache(`${h}/incidents`, custom(apis, GROUP, VERSION, 'incidents'), (i) => incidentQ.add(`${i.metadata!.namespace}/${i.metadata!.name}`)),
    snapshots: cache('/apis/snapshot.storage.k8s.io/v1/volumesnapshots', custom(apis, 'snapshot.storage.k8s.io', 'v1', 'volumesnapshots'), ownerPolicy),
    pvcs: cache('/api/v1/persistentvolumeclaims', () => apis.core.listPersistentVolumeClaimForAllNamespaces(), ownerPolicy),
    pods: cache('/api/v1/pods', () => apis.core.listPodForAllNamespaces(), (p) => {
      ownerPolicy(p);
      incidentsOf(p);
    }),
    jobs: cache('/apis/batch/v1/jobs', () => apis.batch.listJobForAllNamespaces({ labelSelector: `${L.managedBy}=holdfast` }), (j) => {
      ownerPolicy(j);
      incidentsOf(j);
    }, `${L.managedBy}=holdfast`),
    deployments: cache('/apis/apps/v1/deployments', () => apis.apps.listDeploymentForAllNamespaces(), (d) => {
      allCerts(d.metadata?.namespace);
      incidentsOf(d);
    }),
    statefulSets: cache('/apis/apps/v1/statefulsets', () => apis.apps.listStatefulSetForAllNamespaces(), (d) => {
      allCerts(d.metadata?.namespace);
      incidentsOf(d);
    }),
  };

  const ctx: OperatorContext = {
    apis,
    caches,
    clock,
    random,
    log,
    events: eventRecorder(apis.core, clock, log),
    hooks: o.hooks ?? { exec },
    exec,
    settings,
    recent: new RecentlyCreated(clock),
  };
  backupQ = new WorkQueue('backup', (key) => reconcileBackupPolicy(ctx, key), backoff, log, 2);
  certQ = new WorkQueue('certificates', (key) => reconcileCertificatePolicy(ctx, key), backoff, log, 1);
  restoreQ = new WorkQueue('restores', (key) => reconcileRestore(ctx, key), backoff, log, 1);
  incidentQ = new WorkQueue('incidents', (key) => reconcileIncident(ctx, key), backoff, log, 2);
  repositoryQ = new WorkQueue('repositories', (key) => reconcileBackupRepository(ctx, key), backoff, log, 1);

  const elector = new LeaderElector({
    coordination: apis.coordination,
    namespace: o.namespace,
    name: o.leaseName ?? 'holdfast-operator',
    identity,
    leaseDurationMs: o.leaseDurationMs ?? 15_000,
    renewDeadlineMs: o.renewDeadlineMs ?? 10_000,
    retryMs: o.retryMs ?? 2_000,
    clock,
    backoff,
    log,
    onStartedLeading: () => {
      backupQ.start();
      certQ.start();
      restoreQ.start();
      incidentQ.start();
      repositoryQ.start();
      allRepositories();
      allPolicies();
      allCerts();
      allRestores();
      allIncidents();
    },
    onStoppedLeading: () => {
      backupQ.stop();
      certQ.stop();
      restoreQ.stop();
      incidentQ.stop();
      repositoryQ.stop();
    },
  });

  await Promise.all(Object.values(caches).map((c: WatchCache<k8s.KubernetesObject>) => c.start().catch(() => undefined)));
  const loop = elector.run();
  const resyncTimer = setInterval(() => {
    if (elector.leader) {
      allRepositories();
      allPolicies();
      allCerts();
      allRestores();
      allIncidents();
    }
  }, 5 * 60_000);
  resyncTimer.unref();

  return {
    identity,
    apis,
    ctx,
    elector,
    isLeader: () => elector.leader,
    idle: async () => {
      await backupQ.idle();
      await certQ.idle();
      await restoreQ.idle();
      await incidentQ.idle();
      await repositoryQ.idle();
    },
    resync: () => {
      allRepositories();
      allPolicies();
      allCerts();
      allRestores();
      allIncidents();
    },
    reconciles: () => backupQ.reconciles + certQ.reconciles + restoreQ.reconciles + incidentQ.reconciles + repositoryQ.reconciles,
    incidentReconciles: () => incidentQ.reconciles,
    watchRestarts: () => Object.values(caches).reduce((n, c: WatchCache<k8s.KubernetesObject>) => n + c.restarts, 0),
    async stop(opts = {}) {
      clearInterval(resyncTimer);
      await elector.stop(opts);
      await loop;
      backupQ.stop();
      certQ.stop();
      restoreQ.stop();
      incidentQ.stop();
      repositoryQ.stop();
      await Promise.all(Object.values(caches).map((c: WatchCache<k8s.KubernetesObject>) => c.stop()));
    },
  };
}
