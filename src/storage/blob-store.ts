/**
 * storage: where a repository's bytes live.
 *
 * A BlobStore holds immutable named blobs ("data/3f/3f2a…", "snapshots/…"). Names are relative,
 * slash-separated, and never contain "..". The repository above never rewrites a blob in place, so
 * a store may be write-once (object lock, WORM); the only mutation besides put is delete, and only
 * prune and lock release use it.
 *
 * Failure contract (every implementation, checked by the conformance suite in ./testing.ts):
 * - put is atomic: after a crash a blob is either absent or complete, never truncated;
 * - get of a missing blob throws HoldfastError code BLOB_NOT_FOUND (kind not-found);
 * - transient faults (timeouts, 5xx, resets) throw kind 'transient' so wrappers may retry;
 * - messages name the store's `location` and the blob, and never contain credentials.
 */
import { readFile } from 'node:fs/promises';

export interface BlobInfo {
  name: string;
  size: number;
  /** Last modification time as the store reports it; prune's grace period is measured against it. */
  modified: Date;
}

export interface PutOptions {
  /** Fail with code BLOB_EXISTS instead of overwriting. Used for locks and key files. */
  ifNotExists?: boolean;
  /** Object-lock retention: the store refuses to delete the blob before this time. */
  retainUntil?: Date;
}

/**
 * A blob's bytes: one buffer, or its parts in order (a pack as its sealed blobs), which a store
 * writes without joining them when it can (a filesystem's vectored write).
 */
export type BlobData = Uint8Array | readonly Uint8Array[];

/** The parts of `data` as one buffer, for stores that need it whole (an S3 request body). */
export function wholeBlob(data: BlobData): Uint8Array {
  return data instanceof Uint8Array ? data : Buffer.concat(data);
}

export interface BlobStore {
  /** Where this store is, for messages: a path or an endpoint/bucket, never with credentials. */
  readonly location: string;
  put(name: string, data: BlobData, options?: PutOptions): Promise<void>;
  /**
   * Stores the `size` bytes of the file at `path` as `name`, with put's atomicity: a pack a worker
   * staged on disk, so it is never held in memory. The store may take the file (a rename on its
   * own file system) or read it (again on every retry); the caller removes whatever is left at
   * `path` afterwards, stored or not. Stores without it are given the file's bytes (putFromFile).
   */
  putFile?(name: string, path: string, size: number, options?: PutOptions): Promise<void>;
  /**
   * A directory on the store's own file system where files for putFile may be staged, so storing
   * one is a rename; undefined when the store is not a local file system.
   */
  readonly stagingDir?: string;
  /** Whole blob, or `length` bytes from `offset`. Throws BLOB_NOT_FOUND. */
  get(name: string, range?: { offset: number; length: number }): Promise<Buffer>;
  /** undefined when the blob does not exist. */
  stat(name: string): Promise<BlobInfo | undefined>;
  /** Every blob whose name starts with `prefix`, in no particular order. */
  list(prefix: string): AsyncIterable<BlobInfo>;
  /** Deleting a missing blob is not an error. Throws code BLOB_HELD when retention forbids it. */
  delete(name: string): Promise<void>;
  /** When the store enforces retention: until when `name` cannot be deleted (undefined: not held). */
  heldUntil?(name: string): Promise<Date | undefined>;
  /**
   * When the store enforces retention: hold `name` until at least `until`, never shortening it. A
   * snapshot that reuses an older pack must extend that pack's retention to its own, or the pack
   * can be deleted while the snapshot is still meant to be locked. Throws BLOB_NOT_FOUND.
   */
  extendRetention?(name: string, until: Date): Promise<void>;
  /**
   * Removes what interrupted writes left (a filesystem's `.tmp-*` files) if older than `before`,
   * returning how many. Stores whose writes leave nothing behind do not implement it.
   */
  sweepTemporaries?(before: Date): Promise<number>;
  close?(): Promise<void>;
}

/** Stores a file's bytes as `name`: by the store's putFile, or read whole for a store without one. */
export async function putFromFile(store: BlobStore, name: string, path: string, size: number, options?: PutOptions): Promise<void> {
  if (store.putFile) return store.putFile(name, path, size, options);
  await store.put(name, await readFile(path), options);
}

/** Rejects names that could escape the store's root or that the format never produces. */
export function checkBlobName(name: string): void {
  if (!/^[a-z]+(\/[A-Za-z0-9._-]+)*$/.test(name) || name.split('/').some((p) => p === '..' || p === '.')) {
    throw new Error(`invalid blob name ${JSON.stringify(name)}`);
  }
}
