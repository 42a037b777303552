/**
 * The main thread's side of the chunk workers: hands out files, collects chunk ids in order, and
 * stores the pack files the workers fill, removing each file once the store holds it (or failed to).
 */
import { availableParallelism } from 'node:os';
import { open, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { MessageChannel, type Worker } from 'node:worker_threads';
import { startWorker } from '../workers.js';
import { fromSystemError } from '../../base/errors.js';
import type { Repository } from '../repository/repository.js';
import type { ChunkBatch, FileDone, FileJob, LeftoverMessage, PackMessage, StatAfterRead, WorkerInit, WorkerReply } from './chunk-protocol.js';
import { escapeName } from '../snapshot/names.js';
import { KnownIds } from './known-ids.js';
import { ChunkSignals } from './signals.js';
import { makeStagingDir, stagingPrefix } from './staging.js';

/** A file as read: its chunk ids, the bytes read (their total length), and its fstat after the read. */
export interface ChunkedFile {
  content: string[];
  size: number;
  after: StatAfterRead;
}

/**
 * Files a worker is sent ahead of the one it reads: with one at a time, a worker sat idle for the
 * main thread to take its "done" and send the next file, about a third of the time on 20,000 small
 * files. Only paths wait in its queue; the data it holds is still one file's. Files go in batches
 * (see FileJob), so the queue is deep enough for a batch, and bounded in bytes too, so large files
 * queued behind one another at one worker do not leave the other without work.
 */
const PER_WORKER = 16;
const QUEUED_BYTES = 8 * 1024 * 1024;
/**
 * A worker is sent more only once it is down to this many: topping it up as each file came back
 * sent one file per message (8,179 of 11,267 messages on the bench's small files), as many as before.
 */
const LOW_WATER = PER_WORKER / 2;

/**
 * Packs staged and not yet stored, for all workers together: one being filled per worker, and two
 * being stored (the repository's uploads in flight). A pack costs disk here, not memory, so the
 * bound is for the staging directory's size: (workers + 2) × 16 MiB. A worker that would start one
 * more waits.
 */
const stagedMax = (threads: number) => threads + 2;

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
  /** Files sent to each worker and not done yet, and their bytes (as lstat gave them). */
  private readonly sent = new Map<Worker, { files: number; bytes: number }>();
  private readonly flushes = new Map<Worker, { resolve(): void; reject(e: unknown): void }>();
  /** Packs staged and not stored (see stagedMax), shared with the workers. */
  private readonly staged = new Int32Array(new SharedArrayBuffer(4));
  private readonly staging: { dir: string; prefix: string };
  /** Jobs not sent yet, sent together once the walk has handed over what it has this turn. */
  private readonly queue: number[] = [];
  private dispatching = false;
  private readonly jobs = new Map<number, Job>();
  private nextJob = 1;
  /** Packs are handed to the repository one at a time, in the order they arrive. */
  private tail: Promise<unknown> = Promise.resolve();
  private failure: unknown;
  bytesRead = 0;
  /** New and reused bytes, and what zstd made of the new ones: the backup's change signals. */
  readonly signals = new ChunkSignals();

  constructor(
    private readonly repo: Repository,
    threads = Math.max(1, Math.min(availableParallelism(), 8)),
  ) {
    const known = KnownIds.build(repo.index.liveIds());
    // Worker i lends to worker i + 1 over ring[i], and takes from worker i - 1 over ring[i - 1].
    const ring = threads > 1 ? Array.from({ length: threads }, () => new MessageChannel()) : [];
    const state = new SharedArrayBuffer(threads * 2 * 4);
    this.staging = { dir: makeStagingDir(repo), prefix: stagingPrefix() };
    for (let i = 0; i < threads; i++) {
      const w = startWorker(import.meta.url, 'chunk-worker');
      const help = ring.length ? { outbox: ring[i]!.port1, inbox: ring[(i + threads - 1) % threads]!.port2, state, index: i, next: (i + 1) % threads } : undefined;
      const init: WorkerInit = {
        kind: 'init',
        ...repo.workerKeys(),
        known,
        packSize: repo.packSize,
        staging: this.staging,
        index: i,
        staged: this.staged.buffer as SharedArrayBuffer,
        stagedMax: stagedMax(threads),
        help,
      };
      w.on('message', (m: WorkerReply) => this.onMessage(w, m));
      w.on('error', (e) => this.fail(e));
      w.postMessage(init, help ? [help.outbox, help.inbox] : []);
      this.workers.push(w);
      this.sent.set(w, { files: 0, bytes: 0 });
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
      this.queue.push(job);
      if (this.dispatching) return;
      this.dispatching = true;
      setImmediate(() => {
        this.dispatching = false;
        this.dispatch();
      });
    });
  }

  /** Queued jobs to the workers with the fewest files waiting, each worker's in one message. */
  private dispatch(): void {
    const batches = new Map<Worker, FileJob[]>();
    const wanting = this.workers.filter((w) => this.sent.get(w)!.files <= LOW_WATER);
    while (this.queue.length) {
      const w = this.roomiest(wanting);
      if (!w) break;
      const job = this.queue.shift()!;
      const j = this.jobs.get(job);
      if (!j) continue;
      const s = this.sent.get(w)!;
      s.files++;
      s.bytes += j.limit;
      let batch = batches.get(w);
      if (!batch) batches.set(w, (batch = []));
      batch.push({ job, path: j.path, limit: j.limit });
    }
    for (const [w, files] of batches) w.postMessage({ kind: 'files', files });
  }

  private roomiest(among: readonly Worker[]): Worker | undefined {
    let best: Worker | undefined;
    for (const w of among) {
      const s = this.sent.get(w)!;
      if (s.files >= PER_WORKER || (s.files > 0 && s.bytes >= QUEUED_BYTES)) continue;
      if (!best || s.files < this.sent.get(best)!.files) best = w;
    }
    return best;
  }

  private onMessage(w: Worker, m: WorkerReply): void {
    if (m.kind === 'pack') return this.onPack(m);
    if (m.kind === 'leftover') return this.onLeftover(m);
    if (m.kind === 'flushed') return this.flushes.get(w)?.resolve();
    if (m.kind === 'helped') return m.sealed ? this.signals.stored(m.raw, m.sealed) : this.signals.reused(m.raw);
    if (m.kind === 'failed') return this.fail(m.action ? fromSystemError(m.action, Object.assign(new Error(m.message), { code: m.code })) : new Error(m.message));
    if (m.kind === 'done') {
      for (const f of m.files) this.onDone(w, f);
      return this.dispatch();
    }
    const job = this.jobs.get(m.job);
    if (!job) return;
    if (m.kind === 'chunks') return this.take(job, m);
    this.settled(w, m.job, job);
    this.dispatch();
    const e = Object.assign(new Error(m.message), { code: m.code });
    job.reject(fromSystemError(`read ${escapeName(job.path)}`, e));
  }

  private onDone(w: Worker, f: FileDone): void {
    const job = this.jobs.get(f.job);
    if (!job) return;
    this.take(job, f);
    this.settled(w, f.job, job);
    this.bytesRead += f.size;
    // The file's new chunks are in its worker's pack, which `finish` writes before the snapshot is
    // saved; a failure to write any pack fails the backup, so no snapshot names a lost blob.
    if (this.failure) job.reject(this.failure);
    else job.resolve({ content: job.content, size: f.size, after: f.after });
  }

  private settled(w: Worker, id: number, job: Job): void {
    this.jobs.delete(id);
    const s = this.sent.get(w)!;
    s.files--;
    s.bytes -= job.limit;
  }

  private take(job: Job, batch: ChunkBatch): void {
    for (let i = 0; i < batch.ids.length; i++) {
      job.content.push(batch.ids[i]!);
      const sealed = batch.sealed[i]!;
      // A chunk lent to another worker (-1) is counted when that worker says it sealed it.
      if (sealed > 0) this.signals.stored(batch.raw[i]!, sealed);
      else if (sealed === 0) this.signals.reused(batch.raw[i]!);
    }
  }

  private onPack(m: PackMessage): void {
    const { kind: _, ...pack } = m;
    let gone = false;
    const done = () => {
      if (!gone) void this.unstage(m.path);
      gone = true;
    };
    // After a failure addPack throws without taking the pack: its file goes all the same.
    this.tail = this.tail
      .then(() => this.repo.addPack(pack, done))
      .catch((e: unknown) => {
        done();
        this.fail(e);
      });
  }

  /** A staged pack is gone (stored, given up, or read back): its file goes and a worker may start another. */
  private async unstage(path: string): Promise<void> {
    await rm(path, { force: true }).catch(() => {});
    Atomics.sub(this.staged, 0, 1);
    Atomics.notify(this.staged, 0);
  }

  private fail(e: unknown): void {
    this.failure ??= e;
    for (const j of this.jobs.values()) j.reject(this.failure);
    this.jobs.clear();
    for (const f of this.flushes.values()) f.reject(this.failure);
  }

  /** A worker's last blobs go into the repository's own pack, with every other worker's. */
  private onLeftover(m: LeftoverMessage): void {
    this.tail = this.tail
      .then(async () => {
        const fh = await open(m.path, 'r');
        try {
          for (const b of m.blobs) {
            const { buffer } = await fh.read(Buffer.allocUnsafe(b.length), 0, b.length, b.offset);
            await this.repo.addSealed('data', b.id, buffer, b.rawLength);
          }
        } finally {
          await fh.close();
          await this.unstage(m.path);
        }
      })
      .catch((e: unknown) => this.fail(fromSystemError(`read back staged blobs from ${m.path}`, e)));
  }

  /** Has every worker hand over the pack it is filling, and hands all packs to the repository. */
  async finish(): Promise<void> {
    await Promise.all(
      this.workers.map(
        (w) =>
          new Promise<void>((resolve, reject) => {
            if (this.failure) return reject(this.failure);
            this.flushes.set(w, { resolve, reject });
            w.postMessage({ kind: 'flush' });
          }),
      ),
    );
    await this.tail;
    if (this.failure) throw this.failure;
  }

  /**
   * Ends the workers and removes every file left in this backup's staging. After a success, call
   * it only once the repository has stored every pack (Repository.flush): a pack it was handed is
   * stored from its staged file, and the backup failed (ENOENT) when a close removed it first.
   */
  async close(): Promise<void> {
    await this.tail;
    await Promise.all(this.workers.map((w) => w.terminate()));
    // What a failed backup's workers were filling, or had finished and nobody stored.
    const left = await readdir(this.staging.dir).catch(() => []);
    await Promise.all(left.filter((n) => n.startsWith(this.staging.prefix)).map((n) => rm(join(this.staging.dir, n), { force: true })));
  }
}
