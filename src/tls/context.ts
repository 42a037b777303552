/** What every engine operation runs with: the CA directory, the platform's targets, time, probing. */
import { silentLogger, type Logger } from '../base/log.js';
import { systemClock, type Clock } from '../platform/clock.js';
import { DEFAULT_LOCK_WAIT_MS, withCaLock } from './lock.js';
import { probeEndpoint, type Prober } from './probe.js';
import type { RotationTimings } from './inventory.js';
import type { CaStore } from './store.js';
import type { TargetFactory } from './target.js';

/** Points where a rotation step has done its work ('effect') and where it has been recorded ('persisted'). */
export type StepPoint = 'effect' | 'persisted';

export interface RotationHooks {
  /** Called at each point of each step; a throw here acts like a crash there (tests inject faults). */
  afterStep?(stepId: string, point: StepPoint): void | Promise<void>;
}

export interface EngineDeps {
  store: CaStore;
  targets: TargetFactory;
  clock?: Clock;
  sleep?: (ms: number) => Promise<void>;
  probe?: Prober;
  log?: Logger;
  /** How long an endpoint may take to serve a newly installed certificate after its reload. */
  servedTimeoutMs?: number;
  hooks?: RotationHooks;
  /** Overrides the inventory's rotation timings (embedding and tests; the CLI has flags). */
  rotationTimings?: Partial<RotationTimings>;
  /** How long a change waits for another process holding the CA directory's lock (default 2m; 0: not at all). */
  lockWaitMs?: number;
}

export interface Ctx {
  store: CaStore;
  targets: TargetFactory;
  clock: Clock;
  sleep: (ms: number) => Promise<void>;
  probe: Prober;
  log: Logger;
  servedTimeoutMs: number;
  hooks: RotationHooks;
  rotationTimings: Partial<RotationTimings>;
  lockWaitMs: number;
}

export function makeCtx(d: EngineDeps): Ctx {
  return {
    store: d.store,
    targets: d.targets,
    clock: d.clock ?? systemClock,
    sleep: d.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms))),
    probe: d.probe ?? ((ep) => probeEndpoint(ep)),
    log: d.log ?? silentLogger,
    servedTimeoutMs: d.servedTimeoutMs ?? 15_000,
    hooks: d.hooks ?? {},
    rotationTimings: d.rotationTimings ?? {},
    lockWaitMs: d.lockWaitMs ?? DEFAULT_LOCK_WAIT_MS,
  };
}

/** The CA directory's lock as this context takes it: its wait, and the wait said in its log. */
export function caLock<T>(ctx: Pick<Ctx, 'store' | 'lockWaitMs' | 'log'>, what: string, fn: () => Promise<T>): Promise<T> {
  return withCaLock(ctx.store.dir, what, fn, { waitMs: ctx.lockWaitMs, log: ctx.log });
}
