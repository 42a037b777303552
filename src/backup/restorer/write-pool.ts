/**
 * Writes restored files from worker threads (write-worker.ts): the main thread plans and reads
 * sealed chunks from the store; the workers decrypt, verify and write them with positional writes
 * and set each file's metadata once.
 *
 * Files whose sealed content fits a batch (most are small) are gathered into batches of up to
 * BATCH_BYTES or BATCH_FILES, whose chunks are fetched with few reads (read-plan.ts) and sent to a
 * worker in one message. A larger file goes in pieces of about BATCH_BYTES, all to one worker, in
 * order, at most PIECES_IN_FLIGHT at a time, to the worker with the least work ahead of it,
 * counting the large files it was given and has not yet been sent (lane.ts). Every batch and piece
 * holds its bytes from a budget of BYTES_IN_FLIGHT from before its reads until the worker has
 * written it: memory is bounded by that budget (and one chunk per worker), whatever the number or
 * the size of the files.
 *
 * A copy that does not open (damaged, or its pack is gone) is skipped for the next copy the index
 * knows, as Repository.loadBlob does; the error, when none works, names the blob, every pack tried
 * and the file.
 */
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { corrupt, fromSystemError, type HoldfastError } from '../../base/errors.js';
import type { BlobLocation } from '../index/master-index.js';
import { blobNotIndexed, type Repository } from '../repository/repository.js';
import { escapeName } from '../snapshot/names.js';
import { startWorker } from '../workers.js';
import { ByteBudget } from './byte-budget.js';
import { leastLoaded, type LaneLoad } from './lane.js';
import { planReads } from './read-plan.js';
import type { FileMeta, FilePart, PartResult, SealedChunk, WorkerError, WriteReply, WriteRequest } from './write-protocol.js';

const BATCH_BYTES = 2 * 1024 * 1024;
const BATCH_FILES = 256;
const PIECES_IN_FLIGHT = 2;
/** Two batches per worker: one being written while the next is read. */
const BYTES_IN_FLIGHT_PER_WORKER = 2 * BATCH_BYTES;
/** Chunks of one pack this close are read together: reading the bytes between costs less than another read. */
const MAX_GAP = 256 * 1024;
const MAX_READ = 2 * BATCH_BYTES;

/** The bytes of `b` as an ArrayBuffer that can be transferred: a Buffer from Node's shared pool is copied, never detached. */
function own(b: Buffer): ArrayBuffer {
  if (b.byteOffset === 0 && b.byteLength === b.buffer.byteLength) return b.buffer as ArrayBuffer;
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
}

/** One chunk of a file: which blob, where it goes, the copies the index knows, and the copy being read. */
interface PlannedChunk {
  id: string;
  pos: number;
  copies: BlobLocation[];
  copy: number;
  tried: string[];
}

/** A file's part on its way to a worker, and what becomes of the file once it is written. */
interface PartJob {
  file: number;
  shown: string;
  context: string;
  path?: Uint8Array;
  chunks: PlannedChunk[];
  finish?: FileMeta;
  sealedBytes: number;
  /** A large file's worker, which every piece of it goes to. */
  lane?: Lane;
  /** Called once the part is posted to its worker. */
  sent?: () => void;
  /** Settled once the part is written, its failed chunks retried from other copies, and the file finished if asked. */
  resolve(): void;
  reject(e: unknown): void;
}

/** A write worker and the work ahead of it (lane.ts chooses by it). */
interface Lane extends LaneLoad {
  worker: Worker;
}

export class WritePool {
  private readonly lanes: Lane[] = [];
  private readonly pending = new Map<number, { resolve(r: WriteReply): void; reject(e: unknown): void }>();
  private readonly budget: ByteBudget;
  private nextJob = 1;
  private nextFile = 1;
  private failure: unknown;
  private batch: PartJob[] = [];
  private batchBytes = 0;
  private cutScheduled = false;

  constructor(
    private readonly repo: Repository,
    threads = Math.max(1, Math.min(availableParallelism(), 8)),
  ) {
    const { encKey, idKey } = repo.workerKeys();
    for (let i = 0; i < threads; i++) {
      const w = startWorker(import.meta.url, 'write-worker');
      w.on('message', (m: WriteReply) => this.onReply(m));
      w.on('error', (e) => this.failAll(e));
      w.postMessage({ kind: 'init', encKey: new Uint8Array(encKey), idKey: new Uint8Array(idKey) } satisfies WriteRequest);
      this.lanes.push({ worker: w, sent: 0, assigned: 0 });
    }
    this.budget = new ByteBudget(threads * BYTES_IN_FLIGHT_PER_WORKER);
  }

  /**
   * Creates `path` and writes the chunks `ids` into it, then its metadata. Returns the file's size.
   * Errors name the file ("restore /target/db/seg-1: ...").
   */
  async writeFile(path: Buffer, ids: readonly string[], size: number | undefined, meta: Omit<FileMeta, 'size'>): Promise<number> {
    const file = this.nextFile++;
    const shown = escapeName(path);
    const context = `restore ${shown}`;
    // Positions from the index's lengths; the worker checks each plaintext against its length.
    let pos = 0;
    let sealedBytes = 0;
    const chunks = ids.map((id): PlannedChunk => {
      const copies = this.repo.index.copies(id);
      if (copies.length === 0) throw blobNotIndexed(id, context);
      const c = { id, pos, copies, copy: 0, tried: [] };
      pos += copies[0]!.rawLength;
      sealedBytes += copies[0]!.length;
      return c;
    });
    if (size !== undefined && pos !== size) throw corrupt('RESTORE_SIZE', `restore ${shown}: content is ${pos} bytes, snapshot says ${size}`);
    const finish = { ...meta, size: pos };
    if (sealedBytes <= BATCH_BYTES) {
      await new Promise<void>((resolve, reject) => this.add({ file, shown, context, path: new Uint8Array(path), chunks, finish, sealedBytes, resolve, reject }));
      return pos;
    }
    // A large file in pieces, all to one worker; the file is finished once every piece is written.
    const lane = this.lanes[leastLoaded(this.lanes)]!;
    lane.assigned += sealedBytes;
    let unsent = sealedBytes;
    const inFlight: Promise<void>[] = [];
    try {
      for (let i = 0; i < chunks.length; ) {
        let bytes = 0;
        const piece: PlannedChunk[] = [];
        while (i < chunks.length && (piece.length === 0 || bytes + chunks[i]!.copies[0]!.length <= BATCH_BYTES)) {
          bytes += chunks[i]!.copies[0]!.length;
          piece.push(chunks[i++]!);
        }
        if (inFlight.length >= PIECES_IN_FLIGHT) await inFlight.shift();
        const first = i === piece.length;
        let sent!: () => void;
        const posted = new Promise<void>((r) => (sent = r));
        const p = new Promise<void>((resolve, reject) =>
          this.add({ file, shown, context, ...(first ? { path: new Uint8Array(path) } : {}), chunks: piece, sealedBytes: bytes, lane, sent, resolve, reject }),
        );
        // Awaited below; this only keeps a failure from being "unhandled" meanwhile.
        p.catch(() => {});
        inFlight.push(p);
        // The worker must get the pieces in order: the next is read once this one is posted.
        await Promise.race([posted, p.catch(() => {})]);
        lane.assigned -= bytes;
        unsent -= bytes;
      }
      for (const p of inFlight) await p;
      this.raise(await this.send(lane, { kind: 'finish', job: 0, file, meta: finish }), shown);
    } catch (e) {
      await Promise.allSettled(inFlight);
      await this.send(lane, { kind: 'abort', job: 0, file }).catch(() => {});
      throw e;
    } finally {
      lane.assigned -= unsent;
    }
    return pos;
  }

  /** Queues a part: a piece of a large file goes at once to its lane; a small file joins the batch being gathered. */
  private add(job: PartJob): void {
    if (job.lane) {
      void this.run([job], job.lane);
      return;
    }
    this.batch.push(job);
    this.batchBytes += job.sealedBytes;
    if (this.batch.length >= BATCH_FILES || this.batchBytes >= BATCH_BYTES) this.cut();
    else if (!this.cutScheduled) {
      // Files queued in the same turn (a directory's siblings) travel together; then the batch goes.
      this.cutScheduled = true;
      setImmediate(() => {
        this.cutScheduled = false;
        this.cut();
      });
    }
  }

  private cut(): void {
    if (this.batch.length === 0) return;
    const jobs = this.batch;
    this.batch = [];
    this.batchBytes = 0;
    void this.run(jobs);
  }

  /**
   * Reads the chunks of `jobs` with as few reads as the plan allows, sends them to one worker in
   * one message and settles each job. Never throws: a failure is its jobs'.
   */
  private async run(jobs: PartJob[], pinned?: Lane): Promise<void> {
    const all = jobs.flatMap((j) => j.chunks.map((c) => ({ j, c })));
    const plan = planReads(all.map(({ c }) => c.copies[0]!), MAX_GAP, MAX_READ);
    const held = plan.ranges.reduce((n, r) => n + r.length, 0);
    await this.budget.acquire(held);
    let lane: Lane | undefined;
    let reply: WriteReply;
    try {
      const read = await Promise.all(plan.ranges.map((r) => this.repo.readPackRange(r.pack, r.offset, r.length).catch(() => undefined)));
      const buffers = read.map((r) => (r ? own(r) : new ArrayBuffer(0)));
      const where = new Map<PlannedChunk, { buf: number; offset: number; length: number }>();
      for (const [i, { j, c }] of all.entries()) {
        const { range, offset } = plan.at[i]!;
        if (read[range]) {
          where.set(c, { buf: range, offset, length: c.copies[0]!.length });
          continue;
        }
        // The read failed (a pack gone, or an error of the store): read this chunk alone, which
        // skips to its next copy or says why it cannot.
        const next = await this.repo.readSealed(c.id, c.copies, 0, c.tried, j.context);
        c.copy = next.at;
        buffers.push(own(next.sealed));
        where.set(c, { buf: buffers.length - 1, offset: 0, length: next.sealed.length });
      }
      const parts: FilePart[] = jobs.map((j) => ({
        file: j.file,
        ...(j.path ? { path: j.path } : {}),
        chunks: j.chunks.map((c) => this.sealedChunk(c, where.get(c)!)),
        ...(j.finish ? { finish: j.finish } : {}),
      }));
      lane = pinned ?? this.lanes[leastLoaded(this.lanes)]!;
      lane.sent += held;
      try {
        const replied = this.send(lane, { kind: 'write', job: 0, parts, buffers }, buffers);
        for (const j of jobs) j.sent?.();
        reply = await replied;
      } finally {
        lane.sent -= held;
      }
    } catch (e) {
      this.budget.release(held);
      for (const j of jobs) j.reject(e);
      return;
    }
    this.budget.release(held);
    const used = lane;
    await Promise.all(jobs.map((j, k) => this.settle(j, reply.parts![k]!, used)));
  }

  /** The outcome of one job's part: raised, retried from other copies, or done. */
  private async settle(j: PartJob, r: PartResult, lane: Lane): Promise<void> {
    try {
      if (r.error) this.raise(r, j.shown);
      if (r.failed) {
        for (const f of r.failed) await this.retry(j, j.chunks[f.index]!, corrupt(f.code, f.message), lane);
        if (j.finish) this.raise(await this.send(lane, { kind: 'finish', job: 0, file: j.file, meta: j.finish }), j.shown);
      }
      j.resolve();
    } catch (e) {
      // A large file's own loop closes it once its other pieces are settled.
      if (!r.error && !j.lane) await this.send(lane, { kind: 'abort', job: 0, file: j.file }).catch(() => {});
      j.reject(e);
    }
  }

  /** Writes chunk `c` of `j`'s file from its next copies, one by one, until one opens. */
  private async retry(j: PartJob, c: PlannedChunk, failure: HoldfastError, lane: Lane): Promise<void> {
    for (;;) {
      this.repo.copyFailed(c.id, c.copies[c.copy]!.pack, failure, c.tried);
      const next = await this.repo.readSealed(c.id, c.copies, c.copy + 1, c.tried, j.context);
      c.copy = next.at;
      const buffers = [own(next.sealed)];
      const reply = await this.send(lane, { kind: 'write', job: 0, parts: [{ file: j.file, chunks: [this.sealedChunk(c, { buf: 0, offset: 0, length: next.sealed.length })] }], buffers }, buffers);
      const r = reply.parts![0]!;
      if (r.error) this.raise(r, j.shown);
      if (!r.failed) return;
      failure = corrupt(r.failed[0]!.code, r.failed[0]!.message);
    }
  }

  private sealedChunk(c: PlannedChunk, at: { buf: number; offset: number; length: number }): SealedChunk {
    return { id: c.id, pack: c.copies[c.copy]!.pack, pos: c.pos, rawLength: c.copies[0]!.rawLength, ...at };
  }

  /** A system call's failure in the worker, as the error the same call on this thread would give. */
  private raise(r: { error?: WorkerError }, shown: string): void {
    if (!r.error) return;
    const e = Object.assign(new Error(r.error.message), { code: r.error.code });
    throw fromSystemError(`${r.error.action ?? 'write'} ${shown}`, e);
  }

  private send(lane: Lane, m: WriteRequest, transfer: ArrayBuffer[] = []): Promise<WriteReply> {
    if (this.failure) return Promise.reject(this.failure);
    const job = this.nextJob++;
    return new Promise((resolve, reject) => {
      this.pending.set(job, { resolve, reject });
      lane.worker.postMessage({ ...m, job }, transfer);
    });
  }

  private onReply(m: WriteReply): void {
    const p = this.pending.get(m.job);
    if (!p) return;
    this.pending.delete(m.job);
    p.resolve(m);
  }

  private failAll(e: unknown): void {
    this.failure ??= e;
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }

  async close(): Promise<void> {
    await Promise.all(this.lanes.map((l) => l.worker.terminate()));
  }
}
