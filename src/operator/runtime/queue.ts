/**
 * A work queue of object keys, the shape client-go controllers use: a key is queued at most once,
 * a key is never reconciled by two workers at once, a key that changes while it is being reconciled
 * is reconciled again afterwards, and failures come back after a per-key exponential backoff.
 */
import type { Logger } from '../../base/log.js';

export interface ReconcileResult {
  /** Reconcile again after this long even if nothing changes (schedules, polling a slow step). */
  requeueAfterMs?: number;
}

export type Reconcile = (key: string) => Promise<ReconcileResult | void>;

export class WorkQueue {
  private queued = new Set<string>();
  private order: string[] = [];
  private active = new Set<string>();
  private dirty = new Set<string>();
  private failures = new Map<string, number>();
  private timers = new Map<string, NodeJS.Timeout>();
  private running = false;
  private workers = 0;
  private idleWaiters: (() => void)[] = [];
  /** Reconciles run so far (tests, benchmarks, metrics). */
  reconciles = 0;

  constructor(
    private readonly name: string,
    private readonly reconcile: Reconcile,
    private readonly backoff: (attempt: number) => number,
    private readonly log: Logger,
    private readonly concurrency = 2,
  ) {}

  add(key: string): void {
    if (this.active.has(key)) {
      this.dirty.add(key);
      return;
    }
    if (this.queued.has(key)) return;
    this.queued.add(key);
    this.order.push(key);
    this.pump();
  }

  addAfter(key: string, ms: number): void {
    const old = this.timers.get(key);
    if (old) clearTimeout(old);
    const t = setTimeout(() => {
      this.timers.delete(key);
      this.add(key);
    }, ms);
    t.unref();
    this.timers.set(key, t);
  }

  /** Workers only run while started: a follower keeps its caches warm but does not act. */
  start(): void {
    this.running = true;
    this.pump();
  }

  stop(): void {
    this.running = false;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }

  get length(): number {
    return this.order.length;
  }

  /** Resolves when nothing is queued or running (tests, benchmarks). */
  idle(): Promise<void> {
    if (this.order.length === 0 && this.workers === 0) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  private pump(): void {
    while (this.running && this.workers < this.concurrency && this.order.length > 0) {
      const key = this.order.shift()!;
      this.queued.delete(key);
      this.active.add(key);
      this.workers++;
      void this.work(key);
    }
    if (this.order.length === 0 && this.workers === 0) this.idleWaiters.splice(0).forEach((w) => w());
  }

  private async work(key: string): Promise<void> {
    this.reconciles++;
    try {
      const r = await this.reconcile(key);
      this.failures.delete(key);
      if (r && r.requeueAfterMs !== undefined) this.addAfter(key, r.requeueAfterMs);
    } catch (e) {
      const n = (this.failures.get(key) ?? 0) + 1;
      this.failures.set(key, n);
      const delay = this.backoff(n);
      this.log.warn('reconcile failed; will retry', { queue: this.name, object: key, attempt: n, delayMs: delay, error: (e as Error).message });
      if (this.running) this.addAfter(key, delay);
    } finally {
      this.active.delete(key);
      this.workers--;
      if (this.dirty.delete(key)) this.add(key);
      this.pump();
    }
  }
}
