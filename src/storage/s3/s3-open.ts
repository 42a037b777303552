/**
 * Opening an S3 repository: build the client (credentials, addressing style, TLS trust, timeouts),
 * probe the bucket once so a wrong key, a missing bucket, an untrusted certificate or a skewed
 * clock fail at open with one clear line, learn whether the bucket has object lock, and wrap the
 * store in retry and a parallelism limit.
 *
 * Loaded only through a dynamic import (./register.ts), so the filesystem path never loads the
 * AWS SDK.
 */
import { readFile } from 'node:fs/promises';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { LookupFunction } from 'node:net';
import { GetObjectLockConfigurationCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { HoldfastError, invalidInput } from '../../base/errors.js';
import { systemClock, type Clock } from '../../platform/clock.js';
import type { BlobStore } from '../blob-store.js';
import { LimitedBlobStore } from '../limit.js';
import type { OpenOptions } from '../open.js';
import { RetryingBlobStore, withRetry, type RetryOptions } from '../retry.js';
import { classifyS3Error } from './errors.js';
import { ReadAheadBlobStore } from './read-ahead.js';
import { S3BlobStore, type ConditionalWrites } from './s3-store.js';
import { parseS3Location, type S3Location } from './url.js';

export interface S3OpenOptions extends OpenOptions {
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** PEM bundle to trust instead of the system CAs (also HOLDFAST_S3_CA_FILE). */
  caFile?: string;
  clock?: Clock;
  retry?: RetryOptions;
  /** Calls in flight at once (default 8). */
  concurrency?: number;
  multipartThreshold?: number;
  partSize?: number;
  pageSize?: number;
  /** Socket idle timeout per request (default 60 s) and connect timeout (default 10 s). */
  requestTimeoutMs?: number;
  connectTimeoutMs?: number;
  /** Attempts inside the SDK for each HTTP request (default 3); our retry wraps whole calls. */
  sdkMaxAttempts?: number;
  conditionalWrites?: ConditionalWrites;
  /**
   * Milliseconds to add to this machine's clock when signing. The SDK learns the server's offset by
   * itself after a RequestTimeTooSkewed; tests set this (with sdkMaxAttempts 1) to produce that error.
   */
  clockOffsetMs?: number;
  /** Window fetched for a small ranged read (default 4 MiB; 0 turns read-ahead off). See read-ahead.ts. */
  readAheadBytes?: number;
  /** Resolve host names yourself (split-horizon DNS; tests map bucket.localhost to loopback). */
  lookup?: LookupFunction;
}

const MiB = 1024 * 1024;

function credentialsFrom(o: S3OpenOptions, env: NodeJS.ProcessEnv) {
  if (o.credentials) return o.credentials;
  if (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY)
    return { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY, sessionToken: env.AWS_SESSION_TOKEN || undefined };
  return undefined; // the SDK's chain: AWS_PROFILE / shared config, SSO, web identity, instance metadata
}

/** Tuning from the environment, for the CLI and the operator's data-mover Jobs. */
function envInt(env: NodeJS.ProcessEnv, name: string, min: number): number | undefined {
  const v = env[name];
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw invalidInput('S3_ENV', `${name}=${v}: must be a whole number of at least ${min}`);
  return n;
}

async function readCa(loc: S3Location, file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (e) {
    throw invalidInput('S3_CA_FILE', `open ${loc.display}: cannot read CA bundle ${file} (${(e as { code?: string }).code ?? 'error'})`);
  }
}

/** The store without wrappers: for tests of the S3 translation itself. */
export async function connectS3(url: string, o: S3OpenOptions = {}): Promise<S3BlobStore> {
  const env = o.env ?? process.env;
  const loc = parseS3Location(url, env);
  const caFile = o.caFile ?? loc.caFile;
  const ca = caFile ? await readCa(loc, caFile) : undefined;
  const creds = credentialsFrom(o, env);
  const concurrency = o.concurrency ?? envInt(env, 'HOLDFAST_S3_CONCURRENCY', 1) ?? 8;
  const requestTimeout = o.requestTimeoutMs ?? envInt(env, 'HOLDFAST_S3_TIMEOUT_MS', 100) ?? 60_000;
  const agentOpts = { keepAlive: true, maxSockets: concurrency * 2, ...(o.lookup ? { lookup: o.lookup } : {}) };
  // The SDK warns on every process that Node 20 support ends in 2027: a note for us (docs/s3.md),
  // not a line a user of a backup command should see on each run.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const client = new S3Client({
    endpoint: loc.endpoint,
    region: loc.region,
    forcePathStyle: loc.style === 'path',
    credentials: creds,
    ...(env.AWS_PROFILE && !creds ? { profile: env.AWS_PROFILE } : {}),
    maxAttempts: o.sdkMaxAttempts ?? 3,
    ...(o.clockOffsetMs ? { systemClockOffset: o.clockOffsetMs } : {}),
    requestHandler: {
      connectionTimeout: o.connectTimeoutMs ?? 10_000,
      requestTimeout,
      // Without this the SDK only logs a warning and the request hangs on a dead connection.
      throwOnRequestTimeout: true,
      ...(loc.endpoint.startsWith('https:') ? { httpsAgent: new HttpsAgent({ ...agentOpts, ...(ca ? { ca } : {}) }) } : { httpAgent: new HttpAgent(agentOpts) }),
    },
  });
  const secrets = [creds?.secretAccessKey, creds?.sessionToken].filter((s): s is string => !!s);
  const fail = (e: unknown) => {
    if (e instanceof HoldfastError) return e;
    const f = classifyS3Error(e);
    const reason = f.code === 'S3_NO_BUCKET' || f.code === 'BLOB_NOT_FOUND' ? `bucket "${loc.bucket}" does not exist at ${loc.endpoint}` : f.reason;
    let msg = `open ${loc.display}: ${reason}`;
    for (const s of secrets) msg = msg.split(s).join('[redacted]');
    return new HoldfastError(f.code === 'BLOB_NOT_FOUND' ? 'S3_NO_BUCKET' : f.code, f.kind, msg, { cause: e });
  };
  // The probe is retried like any call: a 503 at open is no reason to fail a backup.
  const probe = () =>
    withRetry(async () => {
      try {
        // Not HeadBucket: a HEAD answer has no body, so a wrong key, a missing bucket and a skewed
        // clock would all be a bare 403/404. A one-key listing carries the error code.
        await client.send(new ListObjectsV2Command({ Bucket: loc.bucket, Prefix: loc.prefix, MaxKeys: 1 }));
      } catch (e) {
        throw fail(e);
      }
      try {
        const res = await client.send(new GetObjectLockConfigurationCommand({ Bucket: loc.bucket }));
        return res.ObjectLockConfiguration?.ObjectLockEnabled === 'Enabled';
      } catch (e) {
        const n = String((e as { name?: unknown }).name);
        // "not configured" means no lock; a key without permission to read it is treated the same.
        if (/ObjectLockConfigurationNotFound|NoSuchObjectLockConfiguration|AccessDenied|NotImplemented/.test(n)) return false;
        throw fail(e);
      }
    }, o.retry ?? {});
  let objectLock: boolean;
  try {
    objectLock = await probe();
  } catch (e) {
    client.destroy();
    throw e;
  }
  if (loc.lockRequired && !objectLock) {
    client.destroy();
    throw invalidInput('S3_NO_OBJECT_LOCK', `open ${loc.display}: bucket "${loc.bucket}" has no object lock, but the repository asks for locking; create the bucket with object lock enabled`);
  }
  const conditional = o.conditionalWrites ?? (env.HOLDFAST_S3_CONDITIONAL === 'head-then-put' ? 'head-then-put' : 'if-none-match');
  return new S3BlobStore({
    client,
    location: loc,
    clock: o.clock ?? systemClock,
    objectLock,
    conditionalWrites: conditional,
    multipartThreshold: o.multipartThreshold ?? 8 * MiB,
    partSize: o.partSize ?? 8 * MiB,
    partConcurrency: 2,
    pageSize: o.pageSize ?? 1000,
    secrets,
  });
}

/**
 * What `openBlobStore('s3:…')` returns: read-ahead (hits cost no slot) → parallelism limit →
 * retry (a call backing off keeps its slot) → the S3 store.
 */
export async function openS3BlobStore(url: string, o: S3OpenOptions = {}): Promise<BlobStore> {
  const env = o.env ?? process.env;
  const attempts = envInt(env, 'HOLDFAST_S3_RETRIES', 1);
  const retry: RetryOptions = { ...o.retry, policy: { ...(attempts ? { attempts } : {}), ...o.retry?.policy } };
  const raw = await connectS3(url, { ...o, retry });
  const limited = new LimitedBlobStore(new RetryingBlobStore(raw, retry), o.concurrency ?? envInt(env, 'HOLDFAST_S3_CONCURRENCY', 1) ?? 8);
  const window = o.readAheadBytes ?? envInt(env, 'HOLDFAST_S3_READ_AHEAD', 0) ?? 4 * MiB;
  return window > 0 ? new ReadAheadBlobStore(limited, window) : limited;
}
