/**
 * Worker thread of restore: opens (decrypts, decompresses, verifies) files' chunks and writes
 * them at their positions, then sets each file's owner, times and mode. System calls are synchronous
 * here: this thread has nothing else to do meanwhile, and the main thread, which only plans and
 * reads packs, pays neither the calls nor the buffers of the plaintext. A compressed chunk is
 * decompressed into one buffer kept for the next (a fresh one per chunk was a page fault per 4 KiB
 * restored, and a quarter of the restore in GC).
 *
 * Files are created with O_EXCL|O_NOFOLLOW, so a symlink planted in the target is never followed.
 * Chunks of zeros are not written: the file is truncated to its size at the end, which restores
 * sparse files as sparse.
 */
import { closeSync, constants, fchmodSync, fchownSync, ftruncateSync, futimesSync, openSync, writeSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { parentPort } from 'node:worker_threads';
import { blobId, decodeBlob, open } from '../crypto/seal.js';
import type { FileMeta, FilePart, PartResult, SealedChunk, WorkerError, WriteReply, WriteRequest } from './write-protocol.js';

let encKey: Buffer;
let idKey: Buffer;
/** Open files by the main thread's file number, with the end of the last non-zero byte written. */
const files = new Map<number, { fd: number; end: number }>();
const CREATE = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
/** Larger chunks than this (the chunker's maximum is 8 MiB) are decompressed into a buffer of their own. */
const SCRATCH_MAX = 16 * 1024 * 1024;
let scratch = Buffer.alloc(0);

/**
 * Every batch leaves its sealed bytes and the decrypted chunks (Node's decipher always allocates
 * its output) as garbage outside the heap, which V8 collects only once tens of MiB of it have
 * piled up: with both workers writing, 20–30 MiB of a 1 GiB restore's peak RSS. The buffers die
 * young, so a young-generation collection every COLLECT_EVERY bytes received frees them cheaply
 * (a full collection cost ~5 ms each, 0.6 CPU s a GiB). Every 2 MiB, about one batch: since both
 * workers write large files at once, every 8 MiB held up to twice that per worker, 25 MiB more at
 * the peak of a restore of large files than one worker writing them (4 MiB: 9 more; 2 MiB: 6, the
 * second worker's decompression buffer), at no CPU measured. Exposing `gc` is a process-wide V8
 * flag: it only adds a global to contexts created later.
 */
const COLLECT_EVERY = 2 * 1024 * 1024;
setFlagsFromString('--expose-gc');
const collect = runInNewContext('gc') as (options: { type: 'minor' }) => void;
let sinceCollect = 0;

function isZero(b: Buffer): boolean {
  for (let j = 0; j < b.length; j++) if (b[j] !== 0) return false;
  return true;
}

class Failed extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

/**
 * The verified plaintext of one chunk, valid until the next call (it may be the scratch buffer);
 * throws Failed when this copy is damaged.
 */
function openChunk(c: SealedChunk, buffers: ArrayBuffer[]): Buffer {
  const what = `blob ${c.id.slice(0, 12)} from pack ${c.pack.slice(0, 12)}`;
  try {
    const from = buffers[c.buf]!;
    const sealed = Buffer.from(from, Math.min(c.offset, from.byteLength), Math.max(0, Math.min(c.length, from.byteLength - c.offset)));
    let into: Buffer | undefined;
    if (c.rawLength <= SCRATCH_MAX) {
      if (scratch.length < c.rawLength) scratch = Buffer.allocUnsafe(Math.max(c.rawLength, 1024 * 1024));
      into = scratch.subarray(0, c.rawLength);
    }
    const plain = decodeBlob(open(encKey, sealed, Buffer.from(c.id, 'hex'), what), what, into);
    if (blobId(idKey, plain) !== c.id) throw new Failed('BLOB_HASH', `verify ${what}: content does not match its id`);
    if (plain.length !== c.rawLength) throw new Failed('BLOB_LENGTH', `verify ${what}: ${plain.length} bytes, the index says ${c.rawLength}`);
    return plain;
  } catch (e) {
    if (e instanceof Failed) throw e;
    throw new Failed((e as { code?: string }).code ?? 'DECRYPT_FAILED', e instanceof Error ? e.message : String(e));
  }
}

function write({ file, path, chunks }: FilePart, buffers: ArrayBuffer[]): PartResult['failed'] {
  let f = files.get(file);
  if (!f) {
    if (!path) throw new Error(`restore: file ${file} is not open`);
    let fd: number;
    try {
      fd = openSync(Buffer.from(path.buffer, path.byteOffset, path.byteLength), CREATE, 0o600);
    } catch (e) {
      throw Object.assign(e as Error, { action: 'create' });
    }
    f = { fd, end: 0 };
    files.set(file, f);
  }
  const failed: NonNullable<PartResult['failed']> = [];
  for (let i = 0; i < chunks.length; i++) {
    const c = chunks[i]!;
    let plain: Buffer;
    try {
      plain = openChunk(c, buffers);
    } catch (e) {
      const x = e as Failed;
      failed.push({ index: i, code: x.code, message: x.message });
      continue;
    }
    if (isZero(plain)) continue;
    for (let done = 0; done < plain.length; ) done += writeSync(f.fd, plain, done, plain.length - done, c.pos + done);
    f.end = Math.max(f.end, c.pos + plain.length);
  }
  return failed.length ? failed : undefined;
}

function finish(file: number, m: FileMeta): void {
  const f = files.get(file);
  if (!f) throw new Error(`restore: file ${file} is not open`);
  files.delete(file);
  try {
    // Skipped zero chunks at the end leave a hole: extend to the full size.
    if (f.end < m.size) ftruncateSync(f.fd, m.size);
    try {
      fchownSync(f.fd, m.uid, m.gid);
    } catch (e) {
      if (m.strictChown) throw e;
    }
    futimesSync(f.fd, m.atime, m.mtime);
    if (m.mode !== undefined) fchmodSync(f.fd, m.mode);
  } finally {
    closeSync(f.fd);
  }
}

function abort(file: number): void {
  const f = files.get(file);
  files.delete(file);
  if (f) closeSync(f.fd);
}

const asError = (e: unknown): WorkerError => ({
  code: (e as { code?: string }).code ?? 'EIO',
  message: e instanceof Error ? e.message : String(e),
  action: (e as { action?: WorkerError['action'] }).action ?? 'write',
});

parentPort!.on('message', (m: WriteRequest) => {
  if (m.kind === 'init') {
    encKey = Buffer.from(m.encKey);
    idKey = Buffer.from(m.idKey);
    return;
  }
  let reply: WriteReply;
  if (m.kind === 'write') {
    for (const b of m.buffers) sinceCollect += b.byteLength;
    // A part's failure is that file's alone: the other files of the batch are still written.
    const parts = m.parts.map((part): PartResult => {
      try {
        const failed = write(part, m.buffers);
        if (part.finish && !failed) finish(part.file, part.finish);
        return { failed, finished: !!part.finish && !failed };
      } catch (e) {
        abort(part.file);
        return { error: asError(e) };
      }
    });
    reply = { job: m.job, parts };
  } else {
    try {
      if (m.kind === 'finish') finish(m.file, m.meta);
      else abort(m.file);
      reply = { job: m.job };
    } catch (e) {
      reply = { job: m.job, error: asError(e) };
    }
  }
  parentPort!.postMessage(reply);
  if (sinceCollect >= COLLECT_EVERY) {
    sinceCollect = 0;
    collect({ type: 'minor' });
  }
});
