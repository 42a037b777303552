/**
 * What every controller gets: API clients, the watched caches, the clock, the event recorder and the
 * operator's settings. Controllers read from caches and write through the API; they never import
 * each other and coordinate only through objects and their status.
 */
import type * as k8s from '@kubernetes/client-node';
import type { Logger } from '../base/log.js';
import type { Clock, RandomSource } from '../platform/clock.js';
import type { EventRecorder, KubeApis, PodExec, WatchCache } from '../platform/kubernetes/index.js';
import type { HookRunner } from './backup/hooks.js';

/** A custom object as read from the API: spec and status are parsed with zod where used. */
export interface CustomObject extends k8s.KubernetesObject {
  spec?: unknown;
  status?: Record<string, unknown>;
}

export interface Caches {
  policies: WatchCache<CustomObject>;
  repositories: WatchCache<CustomObject>;
  restorePoints: WatchCache<CustomObject>;
  restores: WatchCache<CustomObject>;
  certificatePolicies: WatchCache<CustomObject>;
  incidents: WatchCache<CustomObject>;
  snapshots: WatchCache<CustomObject>;
  pvcs: WatchCache<k8s.V1PersistentVolumeClaim>;
  pods: WatchCache<k8s.V1Pod>;
  jobs: WatchCache<k8s.V1Job>;
  deployments: WatchCache<k8s.V1Deployment>;
  statefulSets: WatchCache<k8s.V1StatefulSet>;
}

export interface OperatorSettings {
  /** Namespace of the operator itself: its Lease and the CA Secret live here. */
  namespace: string;
  dataMoverImage: string;
  dataMoverServiceAccount?: string;
  /** The kubelets' --root-dir: node-placed data movers find volumes under its pods/ (datamover/node-placement.ts). */
  kubeletDir: string;
  /** Concurrent API writes per reconcile (PVC items processed in parallel). */
  itemConcurrency: number;
  /** No CertificatePolicy's leaf lives longer (default 398 days; above that each issuance warns). */
  maxCertificateLifetimeMs: number;
}

export interface OperatorContext {
  apis: KubeApis;
  caches: Caches;
  clock: Clock;
  random: RandomSource;
  log: Logger;
  events: EventRecorder;
  hooks: HookRunner;
  /** pods/exec for the operator's own reads (a mounted trust bundle's copy); output never logged. */
  exec: PodExec;
  settings: OperatorSettings;
  /** Objects created but not yet seen in a cache ("expectations"): keeps a lagging cache from causing a second create. */
  recent: RecentlyCreated;
}

export class RecentlyCreated {
  private m = new Map<string, { obj: unknown; at: number }>();
  constructor(private readonly clock: Clock, private readonly ttlMs = 60_000) {}
  put(kind: string, ns: string, name: string, obj: unknown): void {
    this.m.set(`${kind}/${ns}/${name}`, { obj, at: this.clock.now().getTime() });
  }
  get<T>(kind: string, ns: string, name: string): T | undefined {
    const k = `${kind}/${ns}/${name}`;
    const e = this.m.get(k);
    if (!e) return undefined;
    if (this.clock.now().getTime() - e.at > this.ttlMs) {
      this.m.delete(k);
      return undefined;
    }
    return e.obj as T;
  }
  forget(kind: string, ns: string, name: string): void {
    this.m.delete(`${kind}/${ns}/${name}`);
  }
}

/** Cache first, then what we created ourselves moments ago. */
export function lookup<T extends k8s.KubernetesObject>(ctx: OperatorContext, kind: string, cache: WatchCache<T>, ns: string, name: string): T | undefined {
  const hit = cache.get(name, ns);
  if (hit) {
    ctx.recent.forget(kind, ns, name);
    return hit;
  }
  return ctx.recent.get<T>(kind, ns, name);
}
