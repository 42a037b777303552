/** Messages between the restorer and its file-writing workers (write-pool.ts, write-worker.ts). */

/** One chunk to open and write at `pos`: the sealed bytes of one copy, and the length the index gives. */
export interface SealedChunk {
  id: string;
  pack: string;
  pos: number;
  rawLength: number;
  sealed: ArrayBuffer;
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

export type WriteRequest =
  | { kind: 'init'; encKey: Uint8Array; idKey: Uint8Array }
  /**
   * `path` on a file's first piece: the worker creates the file then (O_EXCL|O_NOFOLLOW). `finish`
   * on a file's only piece: when every chunk opened, the worker finishes the file too.
   */
  | { kind: 'write'; job: number; file: number; path?: Uint8Array; chunks: SealedChunk[]; finish?: FileMeta }
  | { kind: 'finish'; job: number; file: number; meta: FileMeta }
  /** The main thread gave up on the file: close it. */
  | { kind: 'abort'; job: number; file: number };

/** An error of the worker: a system call's (with its errno code and what was being done), or a chunk that did not open. */
export interface WorkerError {
  code: string;
  message: string;
  action?: 'create' | 'write';
}

export interface WriteReply {
  job: number;
  /** Chunks whose copy was damaged (by index in the request): nothing of them was written. */
  failed?: { index: number; code: string; message: string }[];
  /** The write also finished the file (it carried `finish` and no chunk failed). */
  finished?: boolean;
  error?: WorkerError;
}
