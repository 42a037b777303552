/**
 * Stopping a running ingest without lying about what it left. The ingest runs in a worker; the
 * caller (a user's Ctrl-C) asks it to stop. Ending the worker while it reads the report is safe:
 * nothing is written yet. Ending it in its transaction is safe too, but ending it during the
 * COMMIT is not knowable: the report may be in the catalog while the user is told it is not. So
 * the two threads share one state word and decide by compare-and-swap who is first:
 *   reading → writing (the worker, as its transaction begins) → committing (the worker, as the
 *   last thing inside it), or reading/writing → stopping (the caller).
 * A stop that wins while reading ends the worker at once; one that wins while writing is seen by
 * the worker at its next check and rolls the transaction back; one that comes at committing is
 * too late, and the caller waits for the ingest's real answer.
 */
import { HoldfastError } from '../base/errors.js';

const reading = 0;
const writing = 1;
const stopping = 2;
const committing = 3;

/** What a stop found: end the worker now, wait for its rollback, or wait for its commit. */
export type StopOutcome = 'end-now' | 'rolls-back' | 'too-late';

export const interrupted = (name: string) =>
  new HoldfastError('INGEST_INTERRUPTED', 'transient', `ingest report ${name}: interrupted; nothing was written, run it again to ingest the report`);

export class IngestGate {
  private readonly state: Int32Array;

  /** A new gate, or the caller's, in the worker, from the buffer it was sent. */
  constructor(readonly buffer: SharedArrayBuffer = new SharedArrayBuffer(4)) {
    this.state = new Int32Array(buffer);
  }

  /** The worker, as its transaction begins: throws (rolling back nothing) when a stop came first. */
  beginWriting(name: string): void {
    if (Atomics.compareExchange(this.state, 0, reading, writing) !== reading) throw interrupted(name);
  }

  /** The worker, while writing: throws, so the transaction rolls back, once a stop was asked. */
  check(name: string): void {
    if (Atomics.load(this.state, 0) === stopping) throw interrupted(name);
  }

  /** The worker, last inside its transaction: from here on the report is written whatever comes. */
  commit(name: string): void {
    if (Atomics.compareExchange(this.state, 0, writing, committing) !== writing) throw interrupted(name);
  }

  /** The caller: asks to stop, and learns what that means for the running ingest. */
  stop(): StopOutcome {
    for (;;) {
      const was = Atomics.load(this.state, 0);
      if (was === committing) return 'too-late';
      if (was === stopping) return 'rolls-back';
      if (Atomics.compareExchange(this.state, 0, was, stopping) === was) return was === reading ? 'end-now' : 'rolls-back';
    }
  }
}
