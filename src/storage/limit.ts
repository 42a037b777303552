/**
 * Bounded parallelism for a BlobStore: at most `limit` calls in flight, the rest wait in order.
 * The engine may fan out many uploads; an object store punishes that with throttling and a
 * filesystem with seek storms. Outside the retry wrapper, so a call backing off keeps its slot and
 * throttling slows the whole writer down, which is what the server asked for.
 */
import type { BlobData, BlobInfo, BlobStore, PutOptions } from './blob-store.js';

export class Semaphore {
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  constructor(readonly limit: number) {
    if (!(limit >= 1)) throw new Error(`semaphore limit must be >= 1, got ${limit}`);
  }
  get inFlight(): number {
    return this.active;
  }
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((r) => this.waiting.push(r));
    else this.active++;
    try {
      return await fn();
    } finally {
      // Hand the slot straight to the next waiter, so `active` never dips and lets a newcomer jump the queue.
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}

export class LimitedBlobStore implements BlobStore {
  readonly location: string;
  readonly gate: Semaphore;
  heldUntil?: (name: string) => Promise<Date | undefined>;
  extendRetention?: (name: string, until: Date) => Promise<void>;
  sweepTemporaries?: (before: Date) => Promise<number>;

  constructor(
    readonly inner: BlobStore,
    limit: number,
  ) {
    this.location = inner.location;
    this.gate = new Semaphore(limit);
    if (inner.heldUntil) this.heldUntil = (name) => this.gate.run(() => inner.heldUntil!(name));
    if (inner.extendRetention) this.extendRetention = (name, until) => this.gate.run(() => inner.extendRetention!(name, until));
    if (inner.sweepTemporaries) this.sweepTemporaries = (before) => this.gate.run(() => inner.sweepTemporaries!(before));
    if (inner.putFile) this.putFile = (name, path, size, options) => this.gate.run(() => inner.putFile!(name, path, size, options));
    this.stagingDir = inner.stagingDir;
  }
  putFile?: (name: string, path: string, size: number, options?: PutOptions) => Promise<void>;
  readonly stagingDir?: string;

  put(name: string, data: BlobData, options?: PutOptions): Promise<void> {
    return this.gate.run(() => this.inner.put(name, data, options));
  }
  get(name: string, range?: { offset: number; length: number }): Promise<Buffer> {
    return this.gate.run(() => this.inner.get(name, range));
  }
  stat(name: string): Promise<BlobInfo | undefined> {
    return this.gate.run(() => this.inner.stat(name));
  }
  delete(name: string): Promise<void> {
    return this.gate.run(() => this.inner.delete(name));
  }
  /** Each page fetch takes a slot; the consumer's work between pages does not. */
  async *list(prefix: string): AsyncIterable<BlobInfo> {
    const it = this.inner.list(prefix)[Symbol.asyncIterator]();
    try {
      for (;;) {
        const r = await this.gate.run(() => it.next());
        if (r.done) return;
        yield r.value;
      }
    } finally {
      await it.return?.();
    }
  }
  close(): Promise<void> {
    return this.inner.close?.() ?? Promise.resolve();
  }
}
