/**
 * A BlobStore wrapper that retries transient failures (see retry-policy.ts for which and how long).
 * It works around any store, so the S3 store stays a plain translation of calls and the policy is
 * tested once.
 *
 * Two retries need care:
 * - put with ifNotExists: if an attempt's response was lost after the server stored the blob, the
 *   retry sees BLOB_EXISTS for our own write. When the stored bytes equal ours, that is success.
 * - list: a page may fail midway; the listing restarts and skips names already yielded (list
 *   promises no order, and names are unique).
 */
import { HoldfastError, isHoldfastError, silentLogger, type Logger } from '../base/index.js';
import { wholeBlob, type BlobData, type BlobInfo, type BlobStore, type PutOptions } from './blob-store.js';
import { decideRetry, defaultRetryPolicy, type RetryPolicy } from './retry-policy.js';

export interface RetryOptions {
  policy?: Partial<RetryPolicy>;
  /** Waits; injected so tests can count waits instead of spending them. */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  log?: Logger;
}

const realSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Runs `fn` until it succeeds or decideRetry says stop; the last error names the attempts made. */
export async function withRetry<T>(
  fn: (attempt: number) => Promise<T>,
  o: { policy?: Partial<RetryPolicy>; sleep?: (ms: number) => Promise<void>; random?: () => number; onRetry?: (e: HoldfastError, delayMs: number, reason: string) => void },
): Promise<T> {
  const policy = { ...defaultRetryPolicy, ...o.policy };
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (e) {
      const d = decideRetry(e, attempt, policy, (o.random ?? Math.random)());
      if (!d.retry) {
        if (attempt > 1 && e instanceof HoldfastError && e.kind === 'transient')
          throw new HoldfastError(e.code, e.kind, `${e.message} (gave up after ${attempt} attempts)`, { cause: e });
        throw e;
      }
      o.onRetry?.(e as HoldfastError, d.delayMs, d.reason);
      await (o.sleep ?? realSleep)(d.delayMs);
    }
  }
}

export class RetryingBlobStore implements BlobStore {
  readonly location: string;
  private readonly policy: RetryPolicy;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  private readonly log: Logger;
  /** Retries made so far, for tests and metrics. */
  retries = 0;

  constructor(
    readonly inner: BlobStore,
    options: RetryOptions = {},
  ) {
    this.location = inner.location;
    this.policy = { ...defaultRetryPolicy, ...options.policy };
    this.sleep = options.sleep ?? realSleep;
    this.random = options.random ?? Math.random;
    this.log = options.log ?? silentLogger;
    if (inner.heldUntil) this.heldUntil = (name) => this.run('heldUntil', name, () => inner.heldUntil!(name));
    if (inner.extendRetention) this.extendRetention = (name, until) => this.run('extendRetention', name, () => inner.extendRetention!(name, until));
    if (inner.sweepTemporaries) this.sweepTemporaries = (before) => this.run('sweepTemporaries', '', () => inner.sweepTemporaries!(before));
    // Each attempt reads the file again: a failed one may have consumed part of it.
    if (inner.putFile) this.putFile = (name, path, size, options) => this.run('put', name, () => inner.putFile!(name, path, size, options));
    this.stagingDir = inner.stagingDir;
  }

  putFile?: (name: string, path: string, size: number, options?: PutOptions) => Promise<void>;
  readonly stagingDir?: string;

  heldUntil?: (name: string) => Promise<Date | undefined>;
  extendRetention?: (name: string, until: Date) => Promise<void>;
  sweepTemporaries?: (before: Date) => Promise<number>;

  private run<T>(op: string, name: string, fn: (attempt: number) => Promise<T>): Promise<T> {
    return withRetry(fn, {
      policy: this.policy,
      sleep: this.sleep,
      random: this.random,
      onRetry: (e, delayMs, reason) => {
        this.retries++;
        this.log.debug('storage retry', { op, blob: name, store: this.location, code: e.code, delayMs, reason });
      },
    });
  }

  put(name: string, data: BlobData, options?: PutOptions): Promise<void> {
    let ambiguous = false;
    return this.run('put', name, async () => {
      try {
        await this.inner.put(name, data, options);
      } catch (e) {
        if (options?.ifNotExists && ambiguous && isHoldfastError(e, 'BLOB_EXISTS')) {
          let stored: Buffer | undefined;
          try {
            stored = await this.inner.get(name);
          } catch (g) {
            // A transient failure of the comparison is retried like the put itself; a blob that
            // vanished meanwhile leaves the answer BLOB_EXISTS.
            if (isHoldfastError(g) && g.kind === 'transient') throw g;
          }
          if (stored && Buffer.from(wholeBlob(data)).equals(stored)) return;
        }
        if (isHoldfastError(e) && e.kind === 'transient') ambiguous = true;
        throw e;
      }
    });
  }

  get(name: string, range?: { offset: number; length: number }): Promise<Buffer> {
    return this.run('get', name, () => this.inner.get(name, range));
  }

  stat(name: string): Promise<BlobInfo | undefined> {
    return this.run('stat', name, () => this.inner.stat(name));
  }

  delete(name: string): Promise<void> {
    return this.run('delete', name, () => this.inner.delete(name));
  }

  async *list(prefix: string): AsyncIterable<BlobInfo> {
    const seen = new Set<string>();
    let iterator: AsyncIterator<BlobInfo> | undefined;
    for (;;) {
      const next = await this.run('list', prefix || '/', async (attempt) => {
        if (attempt > 1 || !iterator) iterator = this.inner.list(prefix)[Symbol.asyncIterator]();
        for (;;) {
          const r = await iterator.next();
          if (r.done || !seen.has(r.value.name)) return r;
        }
      });
      if (next.done) break;
      seen.add(next.value.name);
      yield next.value;
    }
  }

  close(): Promise<void> {
    return this.inner.close?.() ?? Promise.resolve();
  }
}
