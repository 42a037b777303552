/**
 * Leader election on a coordination.k8s.io Lease, so several operator replicas are safe: only the
 * holder reconciles; the others keep their caches warm and take over when the holder stops renewing
 * (crash, partition) or releases the lease (clean shutdown). Writes use the Lease's resourceVersion,
 * so two replicas racing for an expired lease cannot both win: the loser gets 409 and follows.
 */
import type * as k8s from '@kubernetes/client-node';
import type { Logger } from '../../base/log.js';
import type { Clock } from '../../platform/clock.js';
import { isConflict, isNotFound, kubeError, mergePatch } from '../../platform/kubernetes/index.js';
import { leaderDecision, type LeaseRecord, type Observation } from './decide.js';

export interface ElectorOptions {
  coordination: k8s.CoordinationV1Api;
  namespace: string;
  name: string;
  identity: string;
  leaseDurationMs: number;
  /** A leader that could not renew for this long stops acting (it may already have been replaced). */
  renewDeadlineMs: number;
  retryMs: number;
  clock: Clock;
  backoff: (attempt: number) => number;
  log: Logger;
  onStartedLeading: () => void;
  onStoppedLeading: () => void;
}

export class LeaderElector {
  leader = false;
  private observed: Observation | undefined;
  private lastRenew = 0;
  private stopped = false;
  private failures = 0;
  private timer: NodeJS.Timeout | undefined;
  private wake: (() => void) | undefined;
  /** How many times this replica became leader (tests, metrics). */
  terms = 0;

  constructor(private readonly o: ElectorOptions) {}

  private running: Promise<void> | undefined;
  private holdsLease = false;

  /** Starts the loop (once); resolves when stop() has ended it. */
  run(): Promise<void> {
    this.running ??= this.loop();
    return this.running;
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      let delay = this.o.retryMs;
      try {
        await this.tryOnce();
        this.failures = 0;
      } catch (e) {
        this.failures++;
        delay = Math.max(this.o.retryMs, this.o.backoff(this.failures));
        this.o.log.debug('lease update failed', { lease: this.o.name, error: kubeError('update Lease', e).message });
        if (this.leader && this.o.clock.now().getTime() - this.lastRenew > this.o.renewDeadlineMs) this.lose('renew deadline passed');
      }
      if (this.stopped) break;
      await new Promise<void>((r) => {
        this.wake = r;
        this.timer = setTimeout(r, delay);
      });
    }
  }

  private record(l: k8s.V1Lease): LeaseRecord {
    return {
      holder: l.spec?.holderIdentity ?? undefined,
      renewTime: l.metadata?.resourceVersion,
      leaseDurationMs: (l.spec?.leaseDurationSeconds ?? Math.round(this.o.leaseDurationMs / 1000)) * 1000,
    };
  }

  private async tryOnce(): Promise<void> {
    const { coordination, namespace, name, identity } = this.o;
    const now = this.o.clock.now();
    let lease: k8s.V1Lease | undefined;
    try {
      lease = await coordination.readNamespacedLease({ name, namespace });
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
    const rec = lease ? this.record(lease) : undefined;
    if (rec && !(this.observed && this.observed.record.holder === rec.holder && this.observed.record.renewTime === rec.renewTime))
      this.observed = { record: rec, seenAt: now.getTime() };
    const d = leaderDecision(rec, this.observed, identity, now.getTime());
    // MicroTime wants microseconds; client-node would serialize a Date with milliseconds, which the
    // API server rejects, so times go as strings in a merge patch guarded by resourceVersion.
    const micro = now.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
    const spec = {
      holderIdentity: identity,
      leaseDurationSeconds: Math.ceil(this.o.leaseDurationMs / 1000),
      renewTime: micro,
      ...(d.action === 'renew' ? {} : { acquireTime: micro }),
      leaseTransitions: (lease?.spec?.leaseTransitions ?? 0) + (d.action === 'acquire' ? 1 : 0),
    };
    try {
      if (d.action === 'create') {
        const created = await coordination.createNamespacedLease({
          namespace,
          body: { metadata: { name, namespace }, spec: { holderIdentity: identity, leaseDurationSeconds: spec.leaseDurationSeconds, leaseTransitions: 0 } },
        });
        lease = created;
      }
      if (d.action === 'create' || d.action === 'renew' || d.action === 'acquire') {
        const patched = await coordination.patchNamespacedLease(
          { name, namespace, body: { metadata: { resourceVersion: lease!.metadata!.resourceVersion }, spec } },
          mergePatch,
        );
        // Our own write is the record we now observe, so our renewals never look like someone else's.
        this.observed = { record: this.record(patched), seenAt: now.getTime() };
      } else {
        this.holdsLease = false;
        if (this.leader) this.lose(d.message);
        return;
      }
    } catch (e) {
      if (isConflict(e)) {
        this.holdsLease = false;
        if (this.leader) this.lose('lost a race for the lease');
        return;
      }
      throw e;
    }
    this.lastRenew = now.getTime();
    // The lease names us now, whether or not we act on it: stop() must release it.
    this.holdsLease = true;
    // stop() may have run while we were writing: a stopped elector never starts leading again.
    if (this.stopped) return;
    if (!this.leader) {
      this.leader = true;
      this.terms++;
      this.o.log.info('became leader', { lease: `${namespace}/${name}`, identity, reason: d.reason });
      this.o.onStartedLeading();
    }
  }

  private lose(why: string): void {
    this.leader = false;
    this.o.log.info('stopped leading', { lease: `${this.o.namespace}/${this.o.name}`, why });
    this.o.onStoppedLeading();
  }

  /** Stops the loop; a leader releases the lease so a follower takes over without waiting for expiry. */
  async stop(opts: { release?: boolean } = {}): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.wake?.();
    // Let an in-flight renewal finish first: releasing concurrently would race it and lose on 409.
    await this.running;
    if (opts.release === false) {
      // A crash: stop acting but leave the lease to expire.
      if (this.leader) this.lose('stopped without releasing the lease');
      return;
    }
    if (this.leader) this.lose('shutting down');
    if (!this.holdsLease) return;
    const { coordination, namespace, name } = this.o;
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const lease = await coordination.readNamespacedLease({ name, namespace });
        if (lease.spec?.holderIdentity !== this.o.identity) return;
        await coordination.patchNamespacedLease(
          { name, namespace, body: { metadata: { resourceVersion: lease.metadata?.resourceVersion }, spec: { holderIdentity: '' } } },
          mergePatch,
        );
        return;
      } catch (e) {
        if (!isConflict(e)) {
          this.o.log.debug('could not release lease', { error: kubeError('release Lease', e).message });
          return;
        }
      }
    }
  }
}
