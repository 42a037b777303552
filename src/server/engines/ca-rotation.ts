/**
 * A CA rotation run by `holdfast serve` on its own CA directory (POST /api/v1/tls/rotate-ca): the
 * same resumable rotation as `holdfast tls rotate-ca` (src/tls/rotation.ts), run in the background
 * while the scheduler goes on. Serve's own certificates (the policies' and the API's) are not the
 * rotation's targets: they follow the CA's state at each check (their caFile gets the new root
 * at once, their leaves move to the new CA once it issues and the propagation period has passed),
 * and the rotation's retire gate waits for them, as it does when the CLI runs it beside serve.
 *
 * One rotation at a time per serve; a rotation cut short by a stop resumes at the next start request.
 */
import { conflict } from '../../base/errors.js';
import type { Logger } from '../../base/log.js';
import type { Clock } from '../../platform/clock.js';
import type { RotationState } from '../../tls/index.js';
import { localTlsEngine } from './tls.js';

export interface RotationStart {
  propagationMs?: number | undefined;
  keepKey?: boolean | undefined;
}

export interface RotationView {
  /** The rotation recorded in the CA directory (rotation.json): in progress, or the last one finished. */
  rotation: RotationState | undefined;
  /** Whether this serve is running it now (the CLI may be running it instead). */
  runningHere: boolean;
  /** How the last rotation this serve ran ended, when it failed. */
  lastError: string | undefined;
}

export class CaRotations {
  private running: Promise<void> | undefined;
  private lastError: string | undefined;
  private stopping = false;
  private readonly wakers = new Set<() => void>();

  constructor(private readonly o: { caDir: string; clock: Clock; log: Logger }) {}

  private engine() {
    return localTlsEngine(this.o.caDir, {
      clock: this.o.clock,
      log: this.o.log,
      // Waits (propagation, budget, other issuers) end early when serve stops; the rotation resumes later.
      sleep: (ms) =>
        new Promise<void>((resolve, reject) => {
          if (this.stopping) return reject(new Error('holdfast serve is stopping'));
          const wake = () => (clearTimeout(t), reject(new Error('holdfast serve is stopping')));
          const t = setTimeout(() => (this.wakers.delete(wake), resolve()), ms);
          this.wakers.add(wake);
        }),
    });
  }

  /** Starts (or resumes) a rotation in the background; resolves with its plan once it is under way. */
  async start(o: RotationStart): Promise<{ plan: string; resumed: boolean }> {
    if (this.running)
      throw conflict('TLS_ROTATION_RUNNING', `a CA rotation of ${this.o.caDir} is already running in this serve; follow it at GET /api/v1/tls/rotation`);
    const opts = { ...(o.keepKey !== undefined ? { keepKey: o.keepKey } : {}), ...(o.propagationMs !== undefined ? { propagationMs: o.propagationMs } : {}) };
    // The dry run refuses what the run would (no CA, a resume of another kind, a damaged state) before anything starts.
    const plan = await this.engine().rotateCa({ ...opts, dryRun: true });
    this.lastError = undefined;
    this.running = this.engine()
      .rotateCa(opts)
      .then(
        (r) => this.o.log.info(`CA rotation ${r.id} finished: ${r.state.newCaId} is the only trusted CA`),
        (e: unknown) => {
          this.lastError = e instanceof Error ? e.message : String(e);
          this.o.log.warn(`CA rotation stopped: ${this.lastError}`);
        },
      )
      .finally(() => (this.running = undefined));
    return { plan: plan.plan, resumed: plan.resumed };
  }

  async view(): Promise<RotationView> {
    const rotation = await this.engine().lastRotation();
    return { rotation, runningHere: this.running !== undefined, lastError: this.lastError };
  }

  async stop(): Promise<void> {
    this.stopping = true;
    for (const w of this.wakers) w();
    this.wakers.clear();
    await this.running;
  }
}
