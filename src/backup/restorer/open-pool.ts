/**
 * Opens blobs on worker threads, so decryption, decompression and verification of a restore use
 * every core. Small blobs are opened on the calling thread: for them a message costs more than
 * the work. Errors come back as the same `corrupt` errors Repository.openBlob throws.
 */
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { corrupt } from '../../base/errors.js';
import type { Repository } from '../repository/repository.js';
import { startWorker } from '../workers.js';
import type { OpenReply } from './open-protocol.js';

const INLINE_BELOW = 64 * 1024;

export class OpenPool {
  private readonly workers: Worker[] = [];
  private readonly pending = new Map<number, { resolve(b: Buffer): void; reject(e: unknown): void }>();
  private next = 1;
  private turn = 0;

  constructor(
    private readonly repo: Repository,
    threads = Math.max(1, Math.min(availableParallelism(), 8)),
  ) {
    const { encKey, idKey } = repo.workerKeys();
    for (let i = 0; i < threads; i++) {
      const w = startWorker(import.meta.url, 'open-worker');
      w.on('message', (m: OpenReply) => this.onReply(m));
      w.on('error', (e) => this.failAll(e));
      w.postMessage({ kind: 'init', encKey: new Uint8Array(encKey), idKey: new Uint8Array(idKey) });
      this.workers.push(w);
    }
  }

  /**
   * Reads a blob and opens it: verified plaintext. A copy that is damaged or whose pack is gone is
   * skipped for the next copy the index knows; the error, when none works, names the blob, every
   * pack tried and `context` (what it was read for: "restore /target/db/seg-1").
   */
  async load(id: string, context?: string): Promise<Buffer> {
    return this.repo.loadFromCopies(id, (sealed, pack) => this.open(id, pack, sealed), context);
  }

  private open(id: string, pack: string, sealed: Buffer): Promise<Buffer> {
    if (sealed.length < INLINE_BELOW || this.workers.length === 0) return Promise.resolve().then(() => this.repo.openBlob(id, sealed, pack));
    const ab = sealed.byteOffset === 0 && sealed.byteLength === sealed.buffer.byteLength ? (sealed.buffer as ArrayBuffer) : (sealed.buffer.slice(sealed.byteOffset, sealed.byteOffset + sealed.byteLength) as ArrayBuffer);
    const job = this.next++;
    const w = this.workers[this.turn++ % this.workers.length]!;
    return new Promise((resolve, reject) => {
      this.pending.set(job, { resolve, reject });
      w.postMessage({ kind: 'open', job, id, pack, sealed: ab }, [ab]);
    });
  }

  private onReply(m: OpenReply): void {
    const p = this.pending.get(m.job);
    if (!p) return;
    this.pending.delete(m.job);
    if (m.error) p.reject(corrupt(m.error.code, m.error.message));
    else p.resolve(Buffer.from(m.plain!));
  }

  private failAll(e: unknown): void {
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
