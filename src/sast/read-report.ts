/**
 * Reading a report's bytes from a file, stdin, a Buffer or a stream, gunzipping when it is gzip
 * (by its magic bytes, not its name), and refusing anything larger than a cap before it fills
 * memory: the cap applies to the decompressed size, so a small gzip bomb is refused too.
 */
import { closeSync, createReadStream, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { Readable, pipeline } from 'node:stream';
import { HoldfastError, fromSystemError, invalidInput } from '../base/errors.js';
import { formatBytes } from '../base/format.js';

export const defaultMaxReportBytes = 256 * 1024 * 1024;

export type ReportSource = Buffer | Uint8Array | NodeJS.ReadableStream | AsyncIterable<Uint8Array>;

const tooLarge = (name: string, max: number) =>
  new HoldfastError('REPORT_TOO_LARGE', 'resource', `read report ${name}: larger than the ${formatBytes(max)} limit (raise it with --max-size)`);

/**
 * A report's bytes handed over to ingest, as readReport gives them (gunzipped, within the size
 * limit). Ingest takes them out once it has parsed them: with no other reference left, a large
 * report is not held through the catalog writes (69 MiB for 200k results). Made inside the
 * function that read the bytes, so no caller's frame keeps them.
 */
export class HandedReport {
  #bytes: Buffer | undefined;
  readonly #free: ((bytes: Buffer) => void) | undefined;

  /** `free`, from an owner that knows nothing else holds the bytes, releases them at once once read. */
  constructor(bytes: Buffer, free?: (bytes: Buffer) => void) {
    this.#bytes = bytes;
    this.#free = free;
  }

  /** The bytes, once. */
  take(): Buffer {
    const b = this.#bytes;
    if (!b) throw new HoldfastError('BUG', 'bug', 'a handed report was taken twice');
    this.#bytes = undefined;
    return b;
  }

  /** `read` over the bytes, once; then they are freed when this report was given a way, else left to the GC. */
  read<T>(read: (bytes: Buffer) => T): T {
    const b = this.take();
    try {
      return read(b);
    } finally {
      this.#free?.(b);
    }
  }
}

/**
 * The bytes' ArrayBuffer when they are the whole of it, so moving or freeing it takes nothing
 * else: a small Buffer is a slice of Node's shared pool.
 */
export function wholeArrayBuffer(b: Buffer): ArrayBuffer | undefined {
  return b.buffer instanceof ArrayBuffer && b.byteOffset === 0 && b.byteLength === b.buffer.byteLength ? b.buffer : undefined;
}

/** Reads `source` fully (gunzipped when gzip), never holding more than `max` bytes. */
export async function readReport(source: ReportSource, name: string, max = defaultMaxReportBytes): Promise<Buffer> {
  const inMemory = Buffer.isBuffer(source) || source instanceof Uint8Array;
  // Bytes already in memory and not gzip are used as they are: copying them would hold the report
  // two or three times at the peak.
  if (inMemory && !(source[0] === 0x1f && source[1] === 0x8b)) {
    if (source.length > max) throw tooLarge(name, max);
    return Buffer.isBuffer(source) ? source : Buffer.from(source.buffer, source.byteOffset, source.byteLength);
  }
  const src = inMemory ? [Buffer.from(source)] : (source as AsyncIterable<Uint8Array>);
  const it = (async function* () {
    for await (const c of src) yield Buffer.isBuffer(c) ? c : Buffer.from(c);
  })();
  let gzip = false;
  try {
    // Peek at the first two bytes to tell gzip from plain JSON, then replay them.
    let head = Buffer.alloc(0);
    while (head.length < 2) {
      const n = await it.next();
      if (n.done) break;
      head = Buffer.concat([head, n.value]);
    }
    gzip = head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
    const replay = Readable.from(
      (async function* () {
        if (head.length) yield head;
        yield* it;
      })(),
    );
    const body: AsyncIterable<Buffer> = gzip ? pipeline(replay, createGunzip(), () => {}) : replay;
    const out: Buffer[] = [];
    let total = 0;
    for await (const b of body) {
      total += b.length;
      if (total > max) throw tooLarge(name, max);
      out.push(b);
    }
    return Buffer.concat(out, total);
  } catch (e) {
    if (e instanceof HoldfastError) throw e;
    if (gzip && typeof e === 'object' && e !== null && 'code' in e && String(e.code).startsWith('Z_')) {
      throw invalidInput('REPORT_BAD_GZIP', `read report ${name}: gzip data is damaged or truncated (${e instanceof Error ? e.message : String(e)})`, e);
    }
    throw fromSystemError(`read report ${name}`, e);
  }
}

function isGzipFile(path: string): boolean {
  const head = Buffer.alloc(2);
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    return readSync(fd, head, 0, 2, 0) === 2 && head[0] === 0x1f && head[1] === 0x8b;
  } catch (e) {
    throw fromSystemError(`read report ${path}`, e);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** readReport's bytes, handed over (HandedReport). */
export async function handReport(source: ReportSource, name: string, max = defaultMaxReportBytes): Promise<HandedReport> {
  return new HandedReport(await readReport(source, name, max));
}

/**
 * A file path, or "-" for stdin, handed over (HandedReport). A regular file larger than the cap is
 * refused before reading.
 */
export async function readReportFile(path: string, max = defaultMaxReportBytes): Promise<HandedReport> {
  if (path === '-') return handReport(process.stdin, 'stdin', max);
  let size: number;
  let isFile: boolean;
  try {
    const st = statSync(path);
    size = st.size;
    isFile = st.isFile();
  } catch (e) {
    throw fromSystemError(`read report ${path}`, e);
  }
  if (isFile && size > max) throw tooLarge(path, max);
  // A plain regular file is read into one buffer of its size: gathering chunks and joining them
  // would hold the report twice at the peak.
  if (isFile && !isGzipFile(path)) {
    try {
      return new HandedReport(readFileSync(path));
    } catch (e) {
      throw fromSystemError(`read report ${path}`, e);
    }
  }
  return handReport(createReadStream(path), path, max);
}
