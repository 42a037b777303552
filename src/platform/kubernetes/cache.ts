/**
 * A watched, cached view of one resource type (list once, then watch), built on client-node's
 * informer. client-node stops an informer on any error; this one restarts it after a delay chosen by
 * the caller's backoff, so a restarted or unreachable API server is survived, and resumes from a
 * fresh list when it is back.
 */
import * as k8s from '@kubernetes/client-node';
import type { Logger } from '../../base/log.js';
import { kubeError } from './errors.js';

export interface ObjectRef {
  namespace?: string;
  name: string;
}

export interface CacheOptions<T extends k8s.KubernetesObject> {
  kc: k8s.KubeConfig;
  /** Watch path, e.g. "/api/v1/pods" or "/apis/holdfast.dev/v1alpha1/backuppolicies". */
  path: string;
  list: () => Promise<k8s.KubernetesListObject<T>>;
  labelSelector?: string;
  /** Delay before restart number `attempt` (1, 2, ...) after an error. */
  backoff: (attempt: number) => number;
  log: Logger;
  onChange: (obj: T, verb: 'add' | 'update' | 'delete') => void;
}

export class WatchCache<T extends k8s.KubernetesObject> {
  private informer: k8s.Informer<T> & k8s.ObjectCache<T>;
  private stopped = false;
  private attempt = 0;
  private timer: NodeJS.Timeout | undefined;
  private synced = false;
  private syncWaiters: (() => void)[] = [];
  /** How often the watch was restarted after an error: observable by tests and metrics. */
  restarts = 0;

  constructor(private readonly opts: CacheOptions<T>) {
    this.informer = k8s.makeInformer(opts.kc, opts.path, async () => {
      const l = await opts.list();
      // A successful list means the API server is back: reset the backoff, report the cache warm.
      this.attempt = 0;
      this.synced = true;
      this.syncWaiters.splice(0).forEach((w) => w());
      return l;
    }, opts.labelSelector);
    for (const verb of ['add', 'update', 'delete'] as const) this.informer.on(verb, (o) => opts.onChange(o, verb));
    this.informer.on('error', (err) => this.restart(err));
  }

  async start(): Promise<void> {
    this.stopped = false;
    await this.informer.start();
  }

  /** Resolves once the first list has filled the cache. */
  waitSynced(): Promise<void> {
    return this.synced ? Promise.resolve() : new Promise((r) => this.syncWaiters.push(r));
  }

  private restart(err: unknown): void {
    if (this.stopped) return;
    this.attempt++;
    this.restarts++;
    const delay = this.opts.backoff(this.attempt);
    this.opts.log.debug('watch failed; restarting', { path: this.opts.path, attempt: this.attempt, delayMs: delay, error: kubeError(`watch ${this.opts.path}`, err).message });
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      if (!this.stopped) this.informer.start().catch((e) => this.restart(e));
    }, delay);
  }

  get(name: string, namespace?: string): T | undefined {
    return this.informer.get(name, namespace);
  }

  list(namespace?: string): readonly T[] {
    return this.informer.list(namespace);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.informer.stop();
  }
}
