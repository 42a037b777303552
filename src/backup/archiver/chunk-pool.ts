/**
 * The main thread's side of the chunk workers: hands out files, collects chunk ids in order, and
 * adds sealed chunks to the repository's packs one at a time (the packer is not thread-safe).
 */
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { startWorker } from '../workers.js';
import { fromSystemError } from '../../base/errors.js';
import type { Repository } from '../repository/repository.js';
import type { StatAfterRead, WorkerReply } from './chunk-protocol.js';
import { escapeName } from '../snapshot/names.js';
import { KnownIds } from './known-ids.js';
import { ChunkSignals } from './signals.js';

/** A file as read: its chunk ids, the bytes read (their total length), and its fstat after the read. */
export interface ChunkedFile {
  content: string[];
  size: number;
  after: StatAfterRead;
}

/**
 * Files a worker is sent ahead of the one it reads: with one at a time, a worker sat idle for the
 * main thread to take its "done" and send the next file, about a third of the time on 20,000 small
 * files. Only paths wait in its queue; the data it holds is still one file's.
 */
const PER_WORKER = 3;

interface Job {
  /** Bytes, as the walk has it: a name need not be UTF-8. */
  path: Uint8Array;
  limit: number;
  content: string[];
  resolve(v: ChunkedFile): void;
  reject(e: unknown): void;
}

export class ChunkPool {
  private readonly workers: Worker[] = [];
  /** Files sent to each worker and not done yet. */
  private readonly sent = new Map<Worker, number>();
  private readonly queue: { job: number; worker?: Worker }[] = [];
  private readonly jobs = new Map<number, Job>();
  private nextJob = 1;
  private tail: Promise<unknown> = Promise.resolve();
  private readonly outstanding = new SharedArrayBuffer(4);
  private readonly counter = new Int32Array(this.outstanding);
  private failure: unknown;
  bytesRead = 0;
  /** New and reused bytes, and what zstd made of the new ones: the backup's change signals. */
  readonly signals = new ChunkSignals();

  constructor(
    private readonly repo: Repository,
    threads = Math.max(1, Math.min(availableParallelism(), 8)),
  ) {
    const known = KnownIds.build(repo.index.liveIds());
    const init = { kind: 'init', ...repo.workerKeys(), known, outstanding: this.outstanding, maxOutstanding: 32 * 1024 * 1024 };
    for (let i = 0; i < threads; i++) {
      const w = startWorker(import.meta.url, 'chunk-worker');
      w.on('message', (m: WorkerReply) => this.onMessage(w, m));
      w.on('error', (e) => this.fail(e));
      w.postMessage(init);
      this.workers.push(w);
      this.sent.set(w, 0);
    }
  }

  /** Reads at most `limit` bytes (the size lstat gave; see chunk-protocol.ts). */
  chunkFile(path: Buffer, limit: number): Promise<ChunkedFile> {
    if (this.failure) return Promise.reject(this.failure);
    const job = this.nextJob++;
    // A copy of exactly the path's bytes: a small Buffer is a view of an 8 KiB pool slab, and a
    // message clones the whole slab, 8 KiB per file both ways (a tenth of the main thread's time).
    const own = new Uint8Array(path);
    return new Promise((resolve, reject) => {
      this.jobs.set(job, { path: own, limit, content: [], resolve, reject });
      const w = this.workers.find((x) => this.sent.get(x)! < PER_WORKER);
      if (w) this.send(w, job, own, limit);
      else this.queue.push({ job });
    });
  }

  private onMessage(w: Worker, m: WorkerReply): void {
    const job = this.jobs.get(m.job);
    if (!job) return;
    if (m.kind === 'chunk') {
      job.content.push(m.id);
      const sealed = m.sealed;
      if (!sealed) this.signals.reused(m.rawLength);
      else {
        this.tail = this.tail
          .then(async () => {
            // Another worker may have sealed the same chunk first: then it is a reused one.
            if (await this.repo.addSealed('data', m.id, Buffer.from(sealed), m.rawLength)) this.signals.stored(m.rawLength, sealed.byteLength);
            else this.signals.reused(m.rawLength);
          })
          .catch((e: unknown) => this.fail(e))
          .finally(() => {
            Atomics.sub(this.counter, 0, sealed.byteLength);
            Atomics.notify(this.counter, 0);
          });
      }
      return;
    }
    this.jobs.delete(m.job);
    this.sent.set(w, this.sent.get(w)! - 1);
    const next = this.queue.shift();
    const queued = next && this.jobs.get(next.job);
    if (queued) this.send(w, next.job, queued.path, queued.limit);
    if (m.kind === 'error') {
      const e = Object.assign(new Error(m.message), { code: m.code });
      job.reject(fromSystemError(`read ${escapeName(job.path)}`, e));
      return;
    }
    this.bytesRead += m.size;
    // Resolve only after this file's chunks are in a pack buffer, so the tree never names a blob
    // that a failure could still drop.
    void this.tail.then(() => (this.failure ? job.reject(this.failure) : job.resolve({ content: job.content, size: m.size, after: m.after })));
  }

  private send(w: Worker, job: number, path: Uint8Array, limit: number): void {
    this.sent.set(w, this.sent.get(w)! + 1);
    w.postMessage({ kind: 'file', job, path, limit });
  }

  private fail(e: unknown): void {
    this.failure ??= e;
    for (const j of this.jobs.values()) j.reject(this.failure);
    this.jobs.clear();
  }

  async close(): Promise<void> {
    await this.tail;
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
