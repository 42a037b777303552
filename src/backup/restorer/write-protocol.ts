/** Messages between the restorer and its file-writing workers (write-pool.ts, write-worker.ts). */

/**
 * One chunk to open and write at `pos`: its sealed bytes are `length` bytes at `offset` of the
 * batch's buffer `buf` (fewer when the read came back short: the chunk then fails to open), and
 * `rawLength` is the length the index gives.
 */
export interface SealedChunk {
  id: string;
  pack: string;
  pos: number;
  rawLength: number;
  buf: number;
  offset: number;
  length: number;
}

/** What a file gets once all its content is written. `mode` absent: the main thread sets it later (after xattrs). */
export interface FileMeta {
  size: number;
  uid: number;
  gid: number;
  atime: number;
  mtime: number;
  mode?: number;
  /** Only root's failure to chown is an error; anyone else keeps the files as their own. */
  strictChown: boolean;
}

/**
 * Chunks of one file. `path` on a file's first part: the worker creates the file then
 * (O_EXCL|O_NOFOLLOW). `finish` on a file's only part: when every chunk opened, the worker finishes
 * the file too.
 */
export interface FilePart {
  file: number;
  path?: Uint8Array;
  chunks: SealedChunk[];
  finish?: FileMeta;
}

export type WriteRequest =
  | { kind: 'init'; encKey: Uint8Array; idKey: Uint8Array }
  /** Parts of one or many files, and the buffers their chunks are read from (transferred). */
  | { kind: 'write'; job: number; parts: FilePart[]; buffers: ArrayBuffer[] }
  | { kind: 'finish'; job: number; file: number; meta: FileMeta }
  /** The main thread gave up on the file: close it. */
  | { kind: 'abort'; job: number; file: number };

/** An error of the worker: a system call's (with its errno code and what was being done), or a chunk that did not open. */
export interface WorkerError {
  code: string;
  message: string;
  action?: 'create' | 'write';
}

/** What became of one part. After an error the worker has closed the file. */
export interface PartResult {
  /** Chunks whose copy was damaged (by index in the part): nothing of them was written. */
  failed?: { index: number; code: string; message: string }[];
  /** The part also finished the file (it carried `finish` and no chunk failed). */
  finished?: boolean;
  error?: WorkerError;
}

export interface WriteReply {
  job: number;
  /** For a write: one result per part, in order. */
  parts?: PartResult[];
  /** For a finish or an abort. */
  error?: WorkerError;
}
