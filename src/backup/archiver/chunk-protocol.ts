/** Messages between the archiver and its chunk workers. */
import type { ChunkerParams } from '../chunker/fastcdc.js';

export interface WorkerInit {
  kind: 'init';
  encKey: Buffer;
  idKey: Buffer;
  gearSeed: Uint8Array;
  chunker: ChunkerParams;
  /** Sorted 32-byte ids already in the repository (shared, read-only). */
  known: SharedArrayBuffer;
  /** One Int32: sealed bytes handed to the main thread and not yet packed. */
  outstanding: SharedArrayBuffer;
  maxOutstanding: number;
}

/**
 * `path` is bytes (a Buffer arrives as a Uint8Array): a name need not be UTF-8. `limit` is the
 * size the walk's lstat saw: the worker reads no further, so a file that grows faster than it is
 * read still ends, and an append-only file is stored as it was at the stat.
 */
export type WorkerRequest = WorkerInit | { kind: 'file'; job: number; path: Uint8Array; limit: number };

/** The open file's fstat once it was read to EOF: the archiver compares it with the walk's lstat. */
export interface StatAfterRead {
  size: bigint;
  mtimeNs: bigint;
  ctimeNs: bigint;
  ino: bigint;
}

export type WorkerReply =
  | { job: number; kind: 'chunk'; id: string; rawLength: number; sealed?: ArrayBuffer }
  /** `size`: the bytes read, which is the sum of the chunk lengths sent. */
  | { job: number; kind: 'done'; size: number; after: StatAfterRead }
  | { job: number; kind: 'error'; code?: string; message: string };
