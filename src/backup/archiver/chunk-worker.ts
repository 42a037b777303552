/**
 * Worker thread: reads one file at a time, cuts it into chunks, names each chunk and seals the new
 * ones. Chunking, hashing, compression and encryption are the CPU cost of a backup, so they run
 * here, one worker per core, while the main thread walks the tree and writes packs.
 *
 * Memory stays bounded: the worker holds at most two maximum-size chunks of file data, and stops
 * (Atomics.wait) while the main thread has more than `maxOutstanding` sealed bytes not yet packed.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { Chunker, gearTable } from '../chunker/fastcdc.js';
import { blobId, sealBlobInto } from '../crypto/seal.js';
import { KnownIds } from './known-ids.js';
import type { StatAfterRead, WorkerInit, WorkerRequest, WorkerReply } from './chunk-protocol.js';

let init: WorkerInit;
let chunker: Chunker;
let known: KnownIds;
let outstanding: Int32Array;
const sealedHere = new Set<string>();
/** One read buffer per worker, reused for every file: a fresh one per file was the main GC cost. */
let buf: Buffer;

function post(msg: WorkerReply, transfer: ArrayBuffer[] = []): void {
  parentPort!.postMessage(msg, transfer);
}

function waitForRoom(): void {
  while (Atomics.load(outstanding, 0) > init.maxOutstanding) Atomics.wait(outstanding, 0, Atomics.load(outstanding, 0), 100);
}

function chunkFile(job: number, path: Uint8Array, limit: number): void {
  const max = init.chunker.max;
  const fd = openSync(Buffer.from(path.buffer, path.byteOffset, path.byteLength), 'r');
  let total = 0;
  let after: StatAfterRead;
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
      if (known.has(id) || sealedHere.has(id)) {
        post({ job, kind: 'chunk', id, rawLength: len });
      } else {
        const ab = sealBlobInto(init.encKey, chunk, id);
        sealedHere.add(id);
        Atomics.add(outstanding, 0, ab.byteLength);
        post({ job, kind: 'chunk', id, rawLength: len, sealed: ab }, [ab]);
        waitForRoom();
      }
      start += len;
    }
    // Stat the file we read, not the path: with the walk's lstat it tells whether what we read
    // is what the snapshot will describe (see changed.ts).
    const st = fstatSync(fd, { bigint: true });
    after = { size: st.size, mtimeNs: st.mtimeNs, ctimeNs: st.ctimeNs, ino: st.ino };
  } finally {
    closeSync(fd);
  }
  post({ job, kind: 'done', size: total, after });
}

parentPort!.on('message', (msg: WorkerRequest) => {
  if (msg.kind === 'init') {
    init = msg;
    chunker = new Chunker(gearTable(Buffer.from(msg.gearSeed)), msg.chunker);
    known = new KnownIds(msg.known);
    outstanding = new Int32Array(msg.outstanding);
    buf = Buffer.allocUnsafe(msg.chunker.max * 2);
    return;
  }
  try {
    chunkFile(msg.job, msg.path, msg.limit);
  } catch (e) {
    const code = typeof e === 'object' && e && 'code' in e ? String((e as { code: unknown }).code) : undefined;
    post({ job: msg.job, kind: 'error', code, message: e instanceof Error ? e.message : String(e) });
  }
});
