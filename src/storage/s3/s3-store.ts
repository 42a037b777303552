/**
 * A BlobStore in an S3 bucket (AWS or any S3-compatible server). Blob "data/3f/3f2a…" is the object
 * `<prefix>data/3f/3f2a…`.
 *
 * Atomicity comes from S3 itself: a PutObject or a completed multipart upload becomes visible whole
 * or not at all, so a crash never leaves a truncated blob. Concurrency: every method is a stateless
 * request (or a few), so many writers in many processes may use one bucket; the only shared state
 * is the server's. Retry and parallelism limits are wrappers (../retry.ts, ../limit.ts), not here.
 *
 * Object lock: when the bucket has it, `put` with `retainUntil` sets retention in `lockMode`, and
 * `delete` removes every version of the key (a plain DeleteObject would only add a delete marker
 * and free nothing) after checking the retention, so a held blob fails with BLOB_HELD up front.
 */
import {
  AbortMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  GetObjectRetentionCommand,
  PutObjectRetentionCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  ListMultipartUploadsCommand,
  ListObjectVersionsCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { open, readFile } from 'node:fs/promises';
import { HoldfastError, conflict, fromSystemError, invalidInput, isHoldfastError, notFound, transient } from '../../base/errors.js';
import type { Clock } from '../../platform/clock.js';
import { checkBlobName, wholeBlob, type BlobData, type BlobInfo, type BlobStore, type PutOptions } from '../blob-store.js';
import { classifyS3Error } from './errors.js';
import { putMultipart } from './multipart.js';
import type { LockMode, S3Location } from './url.js';

/** How create-if-absent is done. 'if-none-match' is atomic; 'head-then-put' is for servers without it. */
export type ConditionalWrites = 'if-none-match' | 'head-then-put';

export interface S3StoreConfig {
  client: S3Client;
  location: S3Location;
  clock: Clock;
  /** The bucket has object lock enabled (found at open). */
  objectLock: boolean;
  conditionalWrites: ConditionalWrites;
  /** Objects larger than this go up as multipart uploads. */
  multipartThreshold: number;
  partSize: number;
  partConcurrency: number;
  /** ListObjectsV2 MaxKeys; small values exercise pagination in tests. */
  pageSize: number;
  /** Strings to blank out of any message (secret key, session token) — a second line of defence. */
  secrets: string[];
}

export class S3BlobStore implements BlobStore {
  readonly location: string;
  private readonly c: S3Client;
  private readonly bucket: string;
  private conditional: ConditionalWrites;

  constructor(private readonly cfg: S3StoreConfig) {
    this.location = cfg.location.display;
    this.c = cfg.client;
    this.bucket = cfg.location.bucket;
    this.conditional = cfg.conditionalWrites;
  }

  get objectLock(): boolean {
    return this.cfg.objectLock;
  }
  get lockMode(): LockMode {
    return this.cfg.location.lockMode;
  }

  private key(name: string): string {
    checkBlobName(name);
    return this.cfg.location.prefix + name;
  }

  /** One line naming action, blob and store; never the SDK's raw message, never a secret. */
  private fail(action: string, name: string, e: unknown): HoldfastError {
    if (e instanceof HoldfastError) return e;
    const f = classifyS3Error(e);
    let reason = f.reason;
    if (f.code === 'S3_NO_BUCKET') reason = `bucket "${this.bucket}" does not exist at ${this.cfg.location.endpoint}`;
    let msg = `${action} ${name} in ${this.location}: ${reason}`;
    for (const s of this.cfg.secrets) if (s) msg = msg.split(s).join('[redacted]');
    return new HoldfastError(f.code, f.kind, msg, { cause: e });
  }

  async put(name: string, parts: BlobData, options: PutOptions = {}): Promise<void> {
    const Key = this.key(name);
    const data = wholeBlob(parts);
    const lock = this.lockFor(name, options);
    try {
      if (options.ifNotExists) return await this.putIfAbsent(name, Key, data, lock);
      if (data.length > this.cfg.multipartThreshold) {
        await putMultipart(this.c, { Bucket: this.bucket, Key, ...lock }, data.length, async (start, end) => data.subarray(start, end), this.cfg.partSize, this.cfg.partConcurrency);
        return;
      }
      await this.c.send(new PutObjectCommand({ Bucket: this.bucket, Key, Body: data, ContentLength: data.length, ...lock }));
    } catch (e) {
      throw this.fail('write', name, e);
    }
  }

  /** The object-lock fields of a put asking for retention. */
  private lockFor(name: string, options: PutOptions): { ObjectLockMode?: LockMode; ObjectLockRetainUntilDate?: Date } {
    if (options.retainUntil && !this.cfg.objectLock)
      throw invalidInput(
        'S3_NO_OBJECT_LOCK',
        `write ${name} in ${this.location}: bucket "${this.bucket}" has no object lock, so retention cannot be set; create the bucket with object lock enabled, or do not ask for locking`,
      );
    return options.retainUntil ? { ObjectLockMode: this.cfg.location.lockMode, ObjectLockRetainUntilDate: options.retainUntil } : {};
  }

  /**
   * A staged pack is sent part by part, each part read from the file when it is sent: the whole pack
   * is never in memory, and a retry (the wrapper's, a new call) reads the file again. A blob small
   * enough for one PUT, or one that must not exist yet, is read whole and put.
   */
  async putFile(name: string, path: string, size: number, options: PutOptions = {}): Promise<void> {
    if (options.ifNotExists || size <= this.cfg.multipartThreshold) {
      const data = await readFile(path).catch((e: unknown) => {
        throw fromSystemError(`write ${name} in ${this.location}: read ${path}`, e);
      });
      return this.put(name, data, options);
    }
    const target = { Bucket: this.bucket, Key: this.key(name), ...this.lockFor(name, options) };
    const fh = await open(path, 'r').catch((e: unknown) => {
      throw fromSystemError(`write ${name} in ${this.location}: read ${path}`, e);
    });
    try {
      const part = async (start: number, end: number) => {
        const buf = Buffer.allocUnsafe(end - start);
        const { bytesRead } = await fh.read(buf, 0, buf.length, start);
        if (bytesRead !== buf.length) throw new HoldfastError('IO', 'permanent', `write ${name} in ${this.location}: ${path} is shorter than ${size} bytes`);
        return buf;
      };
      await putMultipart(this.c, target, size, part, this.cfg.partSize, this.cfg.partConcurrency);
    } catch (e) {
      throw this.fail('write', name, e);
    } finally {
      await fh.close();
    }
  }

  /** Always a single PUT (up to 5 GiB): conditional multipart completion is not widely supported. */
  private async putIfAbsent(name: string, Key: string, data: Uint8Array, lock: object): Promise<void> {
    const exists = () => conflict('BLOB_EXISTS', `write ${name} in ${this.location}: already exists`);
    if (this.conditional === 'if-none-match') {
      try {
        await this.c.send(new PutObjectCommand({ Bucket: this.bucket, Key, Body: data, ContentLength: data.length, IfNoneMatch: '*', ...lock }));
        return;
      } catch (e) {
        const f = classifyS3Error(e);
        if (f.code === 'BLOB_EXISTS') throw exists();
        // A server that does not implement conditional writes says so with 501 NotImplemented.
        if (!/NotImplemented/.test(String((e as { name?: unknown }).name))) throw e;
        this.conditional = 'head-then-put';
      }
    }
    // Race: two writers may both see "absent" and both put; the last one wins. Only servers without
    // If-None-Match get here (docs/s3.md says what that risks: two prunes taking the lock at once).
    if (await this.stat(name)) throw exists();
    await this.c.send(new PutObjectCommand({ Bucket: this.bucket, Key, Body: data, ContentLength: data.length, ...lock }));
  }

  async get(name: string, range?: { offset: number; length: number }): Promise<Buffer> {
    const Key = this.key(name);
    if (range && range.length <= 0) return Buffer.alloc(0);
    const Range = range ? `bytes=${range.offset}-${range.offset + range.length - 1}` : undefined;
    try {
      const res = await this.c.send(new GetObjectCommand({ Bucket: this.bucket, Key, Range }));
      const body = Buffer.from((await res.Body?.transformToByteArray()) ?? new Uint8Array());
      // A connection cut mid-body can end the stream early without an error; the length says so.
      if (res.ContentLength !== undefined && body.length !== res.ContentLength)
        throw transient('NETWORK', `read ${name} in ${this.location}: response cut short (${body.length} of ${res.ContentLength} bytes)`);
      return body;
    } catch (e) {
      if (isHoldfastError(e)) throw e;
      if (range && /InvalidRange/.test(String((e as { name?: unknown }).name))) return Buffer.alloc(0);
      const f = classifyS3Error(e);
      if (f.code === 'BLOB_NOT_FOUND') throw notFound('BLOB_NOT_FOUND', `read ${name} in ${this.location}: not found`);
      throw this.fail('read', name, e);
    }
  }

  async stat(name: string): Promise<BlobInfo | undefined> {
    const Key = this.key(name);
    try {
      const res = await this.c.send(new HeadObjectCommand({ Bucket: this.bucket, Key }));
      return { name, size: res.ContentLength ?? 0, modified: res.LastModified ?? new Date(0) };
    } catch (e) {
      if (classifyS3Error(e).code === 'BLOB_NOT_FOUND') return undefined;
      throw this.fail('stat', name, e);
    }
  }

  async *list(prefix: string): AsyncIterable<BlobInfo> {
    const base = this.cfg.location.prefix;
    let ContinuationToken: string | undefined;
    do {
      let page;
      try {
        page = await this.c.send(
          new ListObjectsV2Command({ Bucket: this.bucket, Prefix: base + prefix, ContinuationToken, MaxKeys: this.cfg.pageSize }),
        );
      } catch (e) {
        throw this.fail('list', prefix || '/', e);
      }
      for (const o of page.Contents ?? []) {
        if (!o.Key || o.Key.endsWith('/')) continue; // folder placeholders made by consoles
        yield { name: o.Key.slice(base.length), size: o.Size ?? 0, modified: o.LastModified ?? new Date(0) };
      }
      ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (ContinuationToken);
  }

  async heldUntil(name: string): Promise<Date | undefined> {
    return (await this.retention(name))?.until;
  }

  async extendRetention(name: string, until: Date): Promise<void> {
    const Key = this.key(name);
    if (!this.cfg.objectLock)
      throw invalidInput('S3_NO_OBJECT_LOCK', `extend retention of ${name} in ${this.location}: bucket "${this.bucket}" has no object lock`);
    const held = await this.retention(name);
    if (held && held.until.getTime() >= until.getTime()) return; // compliance mode cannot shorten, and we never want to
    if (!held && !(await this.stat(name))) throw notFound('BLOB_NOT_FOUND', `extend retention of ${name} in ${this.location}: not found`);
    const Mode = (held?.mode as LockMode | undefined) ?? this.cfg.location.lockMode;
    try {
      await this.c.send(new PutObjectRetentionCommand({ Bucket: this.bucket, Key, Retention: { Mode, RetainUntilDate: until } }));
    } catch (e) {
      throw this.fail('extend retention of', name, e);
    }
  }

  /** The newest version's retention, when it still holds at the clock's now. */
  private async retention(name: string): Promise<{ until: Date; mode: string } | undefined> {
    const Key = this.key(name);
    if (!this.cfg.objectLock) return undefined;
    try {
      const res = await this.c.send(new GetObjectRetentionCommand({ Bucket: this.bucket, Key }));
      const until = res.Retention?.RetainUntilDate;
      if (!until || until.getTime() <= this.cfg.clock.now().getTime()) return undefined;
      return { until, mode: res.Retention?.Mode ?? this.cfg.location.lockMode };
    } catch (e) {
      const n = String((e as { name?: unknown }).name);
      if (/NoSuchObjectLockConfiguration|ObjectLockConfigurationNotFound/.test(n)) return undefined;
      if (classifyS3Error(e).code === 'BLOB_NOT_FOUND') return undefined;
      throw this.fail('read retention of', name, e);
    }
  }

  async delete(name: string): Promise<void> {
    const Key = this.key(name);
    if (!this.cfg.objectLock) {
      try {
        await this.c.send(new DeleteObjectCommand({ Bucket: this.bucket, Key }));
      } catch (e) {
        if (classifyS3Error(e).code === 'BLOB_NOT_FOUND') return;
        throw this.fail('delete', name, e);
      }
      return;
    }
    const held = await this.retention(name);
    if (held)
      throw conflict('BLOB_HELD', `delete ${name} in ${this.location}: held by object lock (${held.mode}) until ${held.until.toISOString()}`);
    try {
      const versions = await this.c.send(new ListObjectVersionsCommand({ Bucket: this.bucket, Prefix: Key }));
      const all = [...(versions.Versions ?? []), ...(versions.DeleteMarkers ?? [])].filter((v) => v.Key === Key);
      for (const v of all) await this.c.send(new DeleteObjectCommand({ Bucket: this.bucket, Key, VersionId: v.VersionId }));
    } catch (e) {
      // An older version may still be under retention even when the newest is not.
      if (classifyS3Error(e).code === 'S3_ACCESS_DENIED')
        throw conflict('BLOB_HELD', `delete ${name} in ${this.location}: held by object lock (a version is still under retention)`);
      throw this.fail('delete', name, e);
    }
  }

  /**
   * Multipart uploads a killed writer never completed nor aborted keep their parts (and their
   * cost) forever unless a lifecycle rule ends them: prune aborts those started before `before`.
   */
  async sweepTemporaries(before: Date): Promise<number> {
    let aborted = 0;
    let KeyMarker: string | undefined;
    let UploadIdMarker: string | undefined;
    do {
      let res;
      try {
        res = await this.c.send(new ListMultipartUploadsCommand({ Bucket: this.bucket, Prefix: this.cfg.location.prefix, KeyMarker, UploadIdMarker }));
      } catch (e) {
        throw this.fail('list incomplete uploads in', '', e);
      }
      for (const u of res.Uploads ?? [])
        if (u.Key && u.UploadId && u.Initiated && u.Initiated < before) {
          await this.c.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: u.Key, UploadId: u.UploadId })).catch((e: unknown) => {
            if (classifyS3Error(e).code !== 'BLOB_NOT_FOUND') throw this.fail('abort incomplete upload of', u.Key!, e);
          });
          aborted++;
        }
      ({ NextKeyMarker: KeyMarker, NextUploadIdMarker: UploadIdMarker } = res);
      if (!res.IsTruncated) break;
    } while (KeyMarker);
    return aborted;
  }

  async close(): Promise<void> {
    this.c.destroy();
  }
}
