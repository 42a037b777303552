/**
 * Writes restored files from worker threads (write-worker.ts): the main thread plans and reads
 * sealed chunks from the store; the workers decrypt, verify and write them with positional writes
 * and set each file's metadata once. A file's pieces all go to one worker, in order.
 *
 * Memory is bounded per file: at most PIECES_IN_FLIGHT pieces of about PIECE_BYTES of sealed data
 * each, whatever the file's or the snapshot's size.
 *
 * A copy that does not open (damaged, or its pack is gone) is skipped for the next copy the index
 * knows, as Repository.loadBlob does; the error, when none works, names the blob, every pack tried
 * and the file.
 */
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { corrupt, fromSystemError } from '../../base/errors.js';
import type { BlobLocation } from '../index/master-index.js';
import { blobNotIndexed, type Repository } from '../repository/repository.js';
import { escapeName } from '../snapshot/names.js';
import { startWorker } from '../workers.js';
import type { FileMeta, SealedChunk, WriteReply, WriteRequest } from './write-protocol.js';

const PIECE_BYTES = 4 * 1024 * 1024;
const PIECES_IN_FLIGHT = 2;

/** The bytes of `b` as an ArrayBuffer that can be transferred: a Buffer from Node's shared pool is copied, never detached. */
function own(b: Buffer): ArrayBuffer {
  if (b.byteOffset === 0 && b.byteLength === b.buffer.byteLength) return b.buffer as ArrayBuffer;
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
}

export class WritePool {
  private readonly workers: Worker[] = [];
  private readonly pending = new Map<number, { resolve(r: WriteReply): void; reject(e: unknown): void }>();
  private nextJob = 1;
  private nextFile = 1;
  private failure: unknown;

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
      this.workers.push(w);
    }
  }

  /**
   * Creates `path` and writes the chunks `ids` into it, then its metadata. Returns the file's size.
   * `context` names the file in errors ("restore /target/db/seg-1").
   */
  async writeFile(path: Buffer, ids: readonly string[], size: number | undefined, meta: Omit<FileMeta, 'size'>): Promise<number> {
    const file = this.nextFile++;
    const w = this.workers[file % this.workers.length]!;
    const shown = escapeName(path);
    const context = `restore ${shown}`;
    const plan = ids.map((id) => {
      const copies = this.repo.index.copies(id);
      if (copies.length === 0) throw blobNotIndexed(id, context);
      return { id, copies };
    });
    // Positions from the index's lengths; the worker checks each plaintext against its length.
    let pos = 0;
    const at: number[] = plan.map((p) => {
      const here = pos;
      pos += p.copies[0]!.rawLength;
      return here;
    });
    if (size !== undefined && pos !== size) throw corrupt('RESTORE_SIZE', `restore ${shown}: content is ${pos} bytes, snapshot says ${size}`);
    let created = false;
    const request = (m: WriteRequest, transfer: ArrayBuffer[] = []): Promise<WriteReply> => this.send(w, m, transfer);
    /** Sends a piece and, for each chunk whose copy failed, tries the next copies one by one. */
    let finished = false;
    const writePiece = async (chunks: SealedChunk[], which: { index: number; copy: number; tried: string[] }[], finish?: FileMeta) => {
      const first = !created;
      created = true;
      const reply = await request({ kind: 'write', job: 0, file, ...(first ? { path: new Uint8Array(path) } : {}), chunks, ...(finish ? { finish } : {}) }, chunks.map((c) => c.sealed));
      this.raise(reply, shown);
      finished = !!reply.finished;
      for (const f of reply.failed ?? []) {
        const { index, copy, tried } = which[f.index]!;
        let c = copy;
        let failure = f;
        for (;;) {
          const p = plan[index]!;
          this.repo.copyFailed(p.id, p.copies[c]!.pack, corrupt(failure.code, failure.message), tried);
          const next = await this.repo.readSealed(p.id, p.copies, c + 1, tried, context);
          c = next.at;
          const retry = await request({ kind: 'write', job: 0, file, chunks: [this.chunk(plan, index, c, at[index]!, next.sealed)] });
          this.raise(retry, shown);
          if (!retry.failed) break;
          failure = retry.failed[0]!;
        }
      }
    };
    const inFlight: Promise<void>[] = [];
    try {
      let chunks: SealedChunk[] = [];
      let which: { index: number; copy: number; tried: string[] }[] = [];
      let bytes = 0;
      const flush = async (finish?: FileMeta) => {
        if (inFlight.length >= PIECES_IN_FLIGHT) await inFlight.shift();
        const p = writePiece(chunks, which, finish);
        // Awaited below; this only keeps a failure from being "unhandled" meanwhile.
        p.catch(() => {});
        inFlight.push(p);
        chunks = [];
        which = [];
        bytes = 0;
      };
      for (let i = 0; i < plan.length; i++) {
        const p = plan[i]!;
        const tried: string[] = [];
        const { sealed, at: copy } = await this.repo.readSealed(p.id, p.copies, 0, tried, context);
        chunks.push(this.chunk(plan, i, copy, at[i]!, sealed));
        which.push({ index: i, copy, tried });
        bytes += sealed.length;
        if (bytes >= PIECE_BYTES) await flush();
      }
      // A file in one piece (most are small) is finished by the same message: one round trip.
      if (chunks.length || !created) await flush(created ? undefined : { ...meta, size: pos });
      for (const p of inFlight) await p;
      if (!finished) this.raise(await request({ kind: 'finish', job: 0, file, meta: { ...meta, size: pos } }), shown);
    } catch (e) {
      await Promise.allSettled(inFlight);
      if (created) await request({ kind: 'abort', job: 0, file }).catch(() => {});
      throw e;
    }
    return pos;
  }

  /** Chunk `i` of the plan, read from its copy `copy`; its length is the one its position was planned with. */
  private chunk(plan: { id: string; copies: BlobLocation[] }[], i: number, copy: number, pos: number, sealed: Buffer): SealedChunk {
    const p = plan[i]!;
    return { id: p.id, pack: p.copies[copy]!.pack, pos, rawLength: p.copies[0]!.rawLength, sealed: own(sealed) };
  }

  /** A system call's failure in the worker, as the error the same call on this thread would give. */
  private raise(r: WriteReply, shown: string): void {
    if (!r.error) return;
    const e = Object.assign(new Error(r.error.message), { code: r.error.code });
    throw fromSystemError(`${r.error.action ?? 'write'} ${shown}`, e);
  }

  private send(w: Worker, m: WriteRequest, transfer: ArrayBuffer[]): Promise<WriteReply> {
    if (this.failure) return Promise.reject(this.failure);
    const job = this.nextJob++;
    return new Promise((resolve, reject) => {
      this.pending.set(job, { resolve, reject });
      w.postMessage({ ...m, job }, transfer);
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
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
