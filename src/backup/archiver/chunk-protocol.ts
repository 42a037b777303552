/** Messages between the archiver and its chunk workers. */
import type { MessagePort } from 'node:worker_threads';
import type { ChunkerParams } from '../chunker/fastcdc.js';
import type { PackedBlob } from '../pack/pack.js';
import type { StagedPack } from '../pack/pack-file.js';

export interface WorkerInit {
  kind: 'init';
  encKey: Buffer;
  idKey: Buffer;
  gearSeed: Uint8Array;
  chunker: ChunkerParams;
  /** Sorted 32-byte ids already in the repository (shared, read-only). */
  known: SharedArrayBuffer;
  /** A pack is sent to be written once it reaches this many bytes. */
  packSize: number;
  /**
   * Packs are filled as files in `staging.dir`, named `staging.prefix` + worker + count. `staged`
   * (one Int32, shared by every worker) counts the packs staged and not yet stored: a worker may
   * start one while fewer than `stagedMax`; else it waits (Atomics.wait) until the main thread,
   * having stored a pack and removed its file, takes one off and wakes it.
   */
  staging: { dir: string; prefix: string };
  index: number;
  staged: SharedArrayBuffer;
  stagedMax: number;
  /** With two workers or more: how this one lends a hand to the next and takes one from the previous. */
  help?: HelpLinks;
}

/**
 * Workers in a ring: each may send the chunks it has to seal to the next one while that one has no
 * file to read, and seals what the previous one sends it. One large file is otherwise read,
 * named, compressed, encrypted and packed on one core while the others wait (a PostgreSQL data
 * directory is mostly a few 1 GiB segments).
 *
 * `state` holds two Int32 per worker: 1 while it reads a file, and the bytes sent to it that it has
 * not sealed yet (bounded by the sender, so memory stays fixed).
 */
export interface HelpLinks {
  inbox: MessagePort;
  outbox: MessagePort;
  state: SharedArrayBuffer;
  index: number;
  next: number;
}

/** A chunk sent to the next worker to be sealed into its pack: its id and plaintext. */
export interface SealRequest {
  id: string;
  data: ArrayBuffer;
}

/**
 * `path` is bytes (a Buffer arrives as a Uint8Array): a name need not be UTF-8. `limit` is the
 * size the walk's lstat saw: the worker reads no further, so a file that grows faster than it is
 * read still ends, and an append-only file is stored as it was at the stat. `flush` sends the
 * pack being filled as `leftover`, then `flushed`.
 */
export type WorkerRequest = WorkerInit | { kind: 'files'; files: FileJob[] } | { kind: 'flush' };

/**
 * Files travel in batches both ways: a message costs ~20 µs on each side whatever it carries, and
 * one per small file each way was the largest single cost of every thread on 20,000 small files.
 */
export interface FileJob {
  job: number;
  path: Uint8Array;
  limit: number;
}

/** The open file's fstat once it was read to EOF: the archiver compares it with the walk's lstat. */
export interface StatAfterRead {
  size: bigint;
  mtimeNs: bigint;
  ctimeNs: bigint;
  ino: bigint;
}

/**
 * A file's next chunks in order: ids, plaintext lengths, and sealed lengths (0 for a chunk the
 * repository or this worker already had, -1 for one sent to the next worker, which reports it as
 * `helped`). Sent in batches, so a file of a million chunks is not one
 * message, and a small file's come with its `done`.
 */
export interface ChunkBatch {
  ids: string[];
  raw: number[];
  sealed: number[];
}

/** A file read to its end; `size`, the bytes read, is the sum of the chunk lengths sent. */
export type FileDone = { job: number; size: number; after: StatAfterRead } & ChunkBatch;

/** A finished pack, whole in the file at `path`. */
export interface PackMessage extends StagedPack {
  kind: 'pack';
}

/**
 * The blobs of the pack a worker was filling when the backup ended, sealed but not made a pack: the
 * main thread packs every worker's leftovers together, so a backup ends with one partial pack, not
 * one per worker.
 */
export interface LeftoverMessage {
  kind: 'leftover';
  blobs: PackedBlob[];
  /** The file holding the blobs at their offsets (no header). */
  path: string;
}

export type WorkerReply =
  | ({ job: number; kind: 'chunks' } & ChunkBatch)
  | { kind: 'done'; files: FileDone[] }
  | { job: number; kind: 'error'; code?: string; message: string }
  | PackMessage
  | LeftoverMessage
  /** A chunk sealed for another worker: its plaintext and sealed lengths. */
  | { kind: 'helped'; raw: number; sealed: number }
  /** A failure that ends the backup; with `action` and `code`, a system error (a full staging disk). */
  | { kind: 'failed'; message: string; action?: string; code?: string }
  | { kind: 'flushed' };
