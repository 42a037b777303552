/**
 * Worker thread: reads one file at a time, cuts it into chunks, names each chunk and seals the new
 * ones straight into the pack it is filling. Chunking, hashing, compression, encryption and the
 * pack's SHA-256 are the CPU cost of a backup, so they run here, one worker per core, while the main
 * thread walks the tree and writes the finished packs.
 *
 * Memory is fixed: one read buffer of two maximum-size chunks, and pack buffers from a pool shared
 * by all workers, reused. A finished pack's buffer goes to the main thread, which hands it to the
 * next worker that needs one once the store holds the pack; with none free, the worker waits
 * (Atomics.wait), which is the backpressure when the store is slower than the chunking.
 *
 * A worker reading a large file while the next one has nothing to read sends it new chunks to
 * seal (at most HELP_BUDGET bytes waiting), so one large file uses more than one core.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { parentPort, receiveMessageOnPort } from 'node:worker_threads';
import { gearTable } from '../chunker/fastcdc.js';
import { WasmChunker } from '../chunker/wasm-chunker.js';
import { BLOB_OVERHEAD, blobId, sealBlobAt } from '../crypto/seal.js';
import { PackWriter } from '../pack/pack.js';
import { KnownIds } from './known-ids.js';
import type { ChunkBatch, FileDone, HelpLinks, PackMessage, SealRequest, StatAfterRead, WorkerInit, WorkerRequest, WorkerReply } from './chunk-protocol.js';

let init: WorkerInit;
let chunker: WasmChunker;
let known: KnownIds;
let returned: Int32Array;
let made: Int32Array;
const sealedHere = new Set<string>();
/**
 * One read buffer per worker, reused for every file (a fresh one per file was the main GC cost):
 * the chunker's own, which its WebAssembly loop reads in place.
 */
let buf: Buffer;
let pack: PackWriter | undefined;
/** Room for the largest chunk sealed, so any chunk fits an empty pack. */
let packCapacity: number;
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

function post(msg: WorkerReply, transfer: ArrayBuffer[] = []): void {
  parentPort!.postMessage(msg, transfer);
}

/** A pack buffer: a new one while the pool has fewer than its size, else one the main thread sends when it is free. */
function takeBuffer(): Buffer {
  if (Atomics.add(made, 0, 1) < init.packBuffers) return Buffer.from(new ArrayBuffer(packCapacity));
  Atomics.sub(made, 0, 1);
  post({ kind: 'need' });
  for (;;) {
    const seen = Atomics.load(returned, 0);
    const back = receiveMessageOnPort(init.buffers);
    if (back) return Buffer.from(back.message as ArrayBuffer);
    Atomics.wait(returned, 0, seen);
  }
}

function shipPack(): void {
  if (!pack) return;
  const done = pack.finish(init.encKey);
  const header = new Uint8Array(Buffer.concat(done.data.slice(1)));
  const msg: PackMessage = { kind: 'pack', id: done.id, blobs: done.blobs, buffer: pack.buffer.buffer as ArrayBuffer, length: pack.length, header };
  pack = undefined;
  post(msg, [msg.buffer]);
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
    post({ kind: 'failed', message: e instanceof Error ? e.message : String(e) });
  } finally {
    Atomics.sub(help!.flags, help!.index * 2 + QUEUED, chunk.length);
  }
}

function store(id: string, chunk: Buffer): number {
  if (pack && pack.free < chunk.length + BLOB_OVERHEAD) shipPack();
  pack ??= new PackWriter(takeBuffer());
  const sealed = pack.add('data', id, chunk.length, (out, at) => sealBlobAt(init.encKey, chunk, id, out, at));
  if (pack.length >= init.packSize) shipPack();
  return sealed;
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
    returned = new Int32Array(msg.returned);
    made = new Int32Array(msg.made);
    buf = chunker.buf;
    packCapacity = Math.max(msg.packSize, msg.chunker.max + BLOB_OVERHEAD);
    if (msg.help) {
      help = { ...msg.help, flags: new Int32Array(msg.help.state) };
      help.inbox.on('message', sealFor);
    }
    return;
  }
  if (msg.kind === 'flush') {
    // Every file is done, so whatever the previous worker lent is already queued here.
    if (help) for (let m = receiveMessageOnPort(help.inbox); m; m = receiveMessageOnPort(help.inbox)) sealFor(m.message as SealRequest);
    if (pack) post({ kind: 'leftover', blobs: pack.blobs, buffer: pack.buffer.buffer as ArrayBuffer }, [pack.buffer.buffer as ArrayBuffer]);
    pack = undefined;
    post({ kind: 'flushed' });
    return;
  }
  for (const f of msg.files) {
    if (f.limit >= LONG_READ) reportFinished();
    try {
      chunkFile(f.job, f.path, f.limit);
    } catch (e) {
      const code = typeof e === 'object' && e && 'code' in e ? String((e as { code: unknown }).code) : undefined;
      post({ job: f.job, kind: 'error', code, message: e instanceof Error ? e.message : String(e) });
    }
  }
  reportFinished();
});
