/**
 * Worker thread: reads one file at a time, cuts it into chunks, names each chunk and seals the new
 * ones straight into the pack it is filling. Chunking, hashing, compression, encryption and the
 * pack's SHA-256 are the CPU cost of a backup, so they run here, one worker per core, while the main
 * thread walks the tree and writes the finished packs.
 *
 * Memory is fixed: one read buffer of two maximum-size chunks and one scratch buffer of a sealed
 * maximum-size chunk. Packs are files (pack/pack-file.ts, archiver/staging.ts): each new blob is
 * sealed into the scratch buffer and appended to the pack file this worker fills; a finished pack's
 * file goes to the main thread, which stores it and removes it. At most `stagedMax` packs are staged
 * and not yet stored; a worker that would start one more waits (Atomics.wait), which is the
 * backpressure when the store is slower than the chunking.
 *
 * A worker reading a large file while the next one has nothing to read sends it new chunks to
 * seal (at most HELP_BUDGET bytes waiting), so one large file uses more than one core.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { parentPort, receiveMessageOnPort } from 'node:worker_threads';
import { errnoCode } from '../../base/errors.js';
import { gearTable } from '../chunker/fastcdc.js';
import { WasmChunker } from '../chunker/wasm-chunker.js';
import { BLOB_OVERHEAD, blobId, sealBlobAt } from '../crypto/seal.js';
import { PackFile } from '../pack/pack-file.js';
import { KnownIds } from './known-ids.js';
import type { ChunkBatch, FileDone, HelpLinks, SealRequest, StatAfterRead, WorkerInit, WorkerRequest, WorkerReply } from './chunk-protocol.js';

let init: WorkerInit;
let chunker: WasmChunker;
let known: KnownIds;
let staged: Int32Array;
const sealedHere = new Set<string>();
/**
 * One read buffer per worker, reused for every file (a fresh one per file was the main GC cost):
 * the chunker's own, which its WebAssembly loop reads in place.
 */
let buf: Buffer;
let pack: PackFile | undefined;
let packsStarted = 0;
/** Where each new blob is sealed before it is appended to the pack: room for the largest chunk sealed. */
let scratch: Buffer;
/** Chunks per message at most: a huge file's list is sent as it grows, not held to the end. */
const BATCH = 1024;
let help: (HelpLinks & { flags: Int32Array }) | undefined;
/**
 * Bytes a worker may have waiting at the next one to be sealed: enough to keep it busy while this
 * one names the next chunks, small enough to be a fixed bound (with 8 MiB chunks, two).
 */
const HELP_BUDGET = 16 * 1024 * 1024;
const READING = 0;
const QUEUED = 1;

function post(msg: WorkerReply): void {
  parentPort!.postMessage(msg);
}

/** A failure to write a pack file: it ends the backup (every later pack would fail alike), named as what it is. */
class StagingError extends Error {
  constructor(override readonly cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause));
  }
}

/** Frees a staging slot and wakes the workers waiting for one (the main thread does it for a pack it took). */
function releaseSlot(): void {
  Atomics.sub(staged, 0, 1);
  Atomics.notify(staged, 0);
}

/** Waits until fewer than `stagedMax` packs are staged, then counts this one. */
function takeSlot(): void {
  for (;;) {
    const n = Atomics.load(staged, 0);
    if (n < init.stagedMax) {
      if (Atomics.compareExchange(staged, 0, n, n + 1) === n) return;
    } else {
      Atomics.wait(staged, 0, n);
    }
  }
}

/** Runs a step of writing the pack file; on failure the file goes, with its slot. */
function staging<T>(step: (p: PackFile) => T): T {
  try {
    return step(pack!);
  } catch (e) {
    const p = pack!;
    pack = undefined;
    try {
      p.discard();
    } finally {
      releaseSlot();
    }
    throw new StagingError(e);
  }
}

function startPack(): PackFile {
  takeSlot();
  try {
    return new PackFile(join(init.staging.dir, `${init.staging.prefix}${init.index}-${packsStarted++}`));
  } catch (e) {
    releaseSlot();
    throw new StagingError(e);
  }
}

function shipPack(): void {
  if (!pack) return;
  const done = staging((p) => p.finish(init.encKey));
  pack = undefined;
  post({ kind: 'pack', ...done });
}

/**
 * Sends a new chunk to the next worker when it has no file to read and room in its queue; false
 * when this worker should seal the chunk itself. Only for files of several chunks: a small file's
 * one chunk is not worth a copy and two messages.
 */
function lend(id: string, chunk: Buffer, limit: number): boolean {
  if (!help || limit < init.chunker.max * 2) return false;
  const at = help.next * 2;
  if (Atomics.load(help.flags, at + READING) === 1) return false;
  if (Atomics.load(help.flags, at + QUEUED) + chunk.length > HELP_BUDGET) return false;
  Atomics.add(help.flags, at + QUEUED, chunk.length);
  const data = new ArrayBuffer(chunk.length);
  new Uint8Array(data).set(chunk);
  const req: SealRequest = { id, data };
  help.outbox.postMessage(req, [data]);
  return true;
}

/** Seals a chunk the previous worker sent; its lengths go to the main thread for the change signals. */
function sealFor(req: SealRequest): void {
  const chunk = Buffer.from(req.data);
  try {
    const sealed = sealedHere.has(req.id) ? 0 : store(req.id, chunk);
    sealedHere.add(req.id);
    post({ kind: 'helped', raw: chunk.length, sealed });
  } catch (e) {
    postFailure(e);
  } finally {
    Atomics.sub(help!.flags, help!.index * 2 + QUEUED, chunk.length);
  }
}

function postFailure(e: unknown): void {
  if (e instanceof StagingError) {
    post({ kind: 'failed', action: `stage a pack in ${init.staging.dir}`, code: errnoCode(e.cause), message: e.message });
  } else post({ kind: 'failed', message: e instanceof Error ? e.message : String(e) });
}

function store(id: string, chunk: Buffer): number {
  pack ??= startPack();
  const sealed = scratch.subarray(0, sealBlobAt(init.encKey, chunk, id, scratch, 0));
  staging((p) => p.add('data', id, chunk.length, sealed));
  if (pack.length >= init.packSize) shipPack();
  return sealed.length;
}

const emptyBatch = (): ChunkBatch => ({ ids: [], raw: [], sealed: [] });

/** Files read and not yet reported: sent together when the batch of files ends, or before a long read. */
let finished: FileDone[] = [];
/** A file this large is read long enough that the ones read before it should not wait for it. */
const LONG_READ = 4 * 1024 * 1024;

function reportFinished(): void {
  if (finished.length) post({ kind: 'done', files: finished });
  finished = [];
}

function chunkFile(job: number, path: Uint8Array, limit: number): void {
  const max = init.chunker.max;
  const fd = openSync(Buffer.from(path.buffer, path.byteOffset, path.byteLength), 'r');
  let total = 0;
  let after: StatAfterRead;
  let batch = emptyBatch();
  if (help) Atomics.store(help.flags, help.index * 2 + READING, 1);
  try {
    let start = 0;
    let end = 0;
    let eof = false;
    for (;;) {
      if (!eof && end - start < max) {
        buf.copy(buf, 0, start, end);
        end -= start;
        start = 0;
        while (end < buf.length) {
          const n = total < limit ? readSync(fd, buf, end, Math.min(buf.length - end, limit - total), null) : 0;
          if (n === 0) {
            eof = true;
            break;
          }
          end += n;
          total += n;
        }
      }
      if (start === end) break;
      const len = chunker.cut(buf, start, end, eof);
      const chunk = buf.subarray(start, start + len);
      const id = blobId(init.idKey, chunk);
      let sealed = 0;
      if (!known.has(id) && !sealedHere.has(id)) {
        sealed = lend(id, chunk, limit) ? -1 : store(id, chunk);
        sealedHere.add(id);
      }
      batch.ids.push(id);
      batch.raw.push(len);
      batch.sealed.push(sealed);
      if (batch.ids.length === BATCH) {
        post({ job, kind: 'chunks', ...batch });
        batch = emptyBatch();
      }
      start += len;
    }
    // Stat the file we read, not the path: with the walk's lstat it tells whether what we read
    // is what the snapshot will describe (see changed.ts).
    const st = fstatSync(fd, { bigint: true });
    after = { size: st.size, mtimeNs: st.mtimeNs, ctimeNs: st.ctimeNs, ino: st.ino };
  } finally {
    closeSync(fd);
    if (help) Atomics.store(help.flags, help.index * 2 + READING, 0);
  }
  finished.push({ job, size: total, after, ...batch });
}

parentPort!.on('message', (msg: WorkerRequest) => {
  if (msg.kind === 'init') {
    init = msg;
    chunker = new WasmChunker(gearTable(Buffer.from(msg.gearSeed)), msg.chunker, msg.chunker.max * 2);
    known = new KnownIds(msg.known);
    staged = new Int32Array(msg.staged);
    buf = chunker.buf;
    scratch = Buffer.allocUnsafe(msg.chunker.max + BLOB_OVERHEAD);
    if (msg.help) {
      help = { ...msg.help, flags: new Int32Array(msg.help.state) };
      help.inbox.on('message', sealFor);
    }
    return;
  }
  if (msg.kind === 'flush') {
    // Every file is done, so whatever the previous worker lent is already queued here.
    if (help) for (let m = receiveMessageOnPort(help.inbox); m; m = receiveMessageOnPort(help.inbox)) sealFor(m.message as SealRequest);
    if (pack) {
      staging((p) => p.close());
      post({ kind: 'leftover', blobs: pack.blobs, path: pack.path });
    }
    pack = undefined;
    post({ kind: 'flushed' });
    return;
  }
  for (const f of msg.files) {
    if (f.limit >= LONG_READ) reportFinished();
    try {
      chunkFile(f.job, f.path, f.limit);
    } catch (e) {
      if (e instanceof StagingError) return postFailure(e);
      post({ job: f.job, kind: 'error', code: errnoCode(e), message: e instanceof Error ? e.message : String(e) });
    }
  }
  reportFinished();
});
