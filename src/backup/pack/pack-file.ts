/**
 * A pack written to a file as it fills, as restic does: a chunk worker seals each blob into one
 * scratch buffer (room for the largest sealed chunk) and appends it here, so a pack being
 * filled costs that buffer, not the 16 MiB of the whole pack. The pack's SHA-256 is updated as the
 * bytes are written; the header and trailer are appended at the end. Same layout and name as
 * PackBuilder's (pack.ts).
 */
import { closeSync, openSync, rmSync, writeSync } from 'node:fs';
import { createHash, type Hash } from 'node:crypto';
import { packTail, type BlobType, type PackedBlob } from './pack.js';

export interface StagedPack {
  id: string;
  /** The file holding the whole pack. */
  path: string;
  length: number;
  blobs: PackedBlob[];
}

/** Writes all of `data` at `position` (a write may be short). */
function writeFully(fd: number, data: Uint8Array, position: number): void {
  for (let done = 0; done < data.length; ) done += writeSync(fd, data, done, data.length - done, position + done);
}

export class PackFile {
  private size = 0;
  private readonly hash: Hash = createHash('sha256');
  readonly blobs: PackedBlob[] = [];
  private fd: number | undefined;

  /** Creates the file; one left by anything else under this name is an error, never overwritten. */
  constructor(readonly path: string) {
    this.fd = openSync(path, 'wx', 0o600);
  }

  get length(): number {
    return this.size;
  }

  /** Appends a sealed blob (`sealed`, e.g. a view of the caller's scratch buffer). */
  add(type: BlobType, id: string, rawLength: number, sealed: Uint8Array): void {
    writeFully(this.fd!, sealed, this.size);
    this.blobs.push({ type, id, offset: this.size, length: sealed.length, rawLength });
    this.hash.update(sealed);
    this.size += sealed.length;
  }

  /** Appends header and trailer and closes the file: the pack is complete on disk (not yet synced). */
  finish(encKey: Buffer): StagedPack {
    const { id, tail } = packTail(this.hash, encKey, this.blobs);
    writeFully(this.fd!, tail, this.size);
    this.close();
    return { id, path: this.path, length: this.size + tail.length, blobs: this.blobs };
  }

  /** Closes the file with its blobs only (no header): the main thread takes them out and removes it. */
  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  /** A pack given up (a write failed): the file goes, whatever it holds. */
  discard(): void {
    try {
      this.close();
    } finally {
      rmSync(this.path, { force: true });
    }
  }
}
