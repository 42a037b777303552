/**
 * A real S3-compatible server for tests: versitygw (built by scripts/prepare/10-versitygw.sh) on a
 * free loopback port, serving TLS with a certificate from a throwaway CA, backed by temporary
 * directories. Two buckets are made: one plain, one with object lock (which implies versioning).
 *
 *   const s3 = await startS3Server();
 *   after(() => s3.stop());                  // kills the server and deletes its directories
 *   openBlobStore(s3.url(s3.buckets.plain, 'repo1'), { env: s3.env() });
 *
 * A missing binary fails loudly (never a skip): run the prepare script, or `npm test`, which does.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { Agent } from 'node:https';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { CreateBucketCommand, ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { makeTestCa } from './s3-tls.js';

export const VERSITYGW_VERSION = 'v1.8.0';
export const versitygwBinary = join(homedir(), '.cache', 'holdfast', 'bin', `versitygw-${VERSITYGW_VERSION}`);

export interface S3TestServer {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** The CA that signed the server certificate (undefined over plain HTTP). */
  caFile: string | undefined;
  /** The server's certificate and key (PEM files), so a proxy in front can present the same identity. */
  tls: { caFile: string; certFile: string; keyFile: string } | undefined;
  buckets: { plain: string; locked: string };
  /** `s3:https://127.0.0.1:PORT/bucket/prefix` */
  url(bucket: string, prefix?: string): string;
  /** Environment a Holdfast process needs to reach this server. */
  env(extra?: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
  /** An SDK client with the root credentials, for setting up what the store itself never does. */
  admin: S3Client;
  createBucket(name: string, options?: { objectLock?: boolean }): Promise<void>;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

const live = new Set<ChildProcess>();
const liveDirs = new Set<string>();
// A test file that crashes, or is stopped by the runner's timeout or ^C, must not leave a server
// running: 'exit' does not fire on a signal, so signals kill the servers and are then re-raised.
const killAll = () => {
  for (const c of live) c.kill('SIGKILL');
  for (const d of liveDirs) rmSync(d, { recursive: true, force: true });
};
process.once('exit', killAll);
for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const)
  process.once(sig, () => {
    killAll();
    process.kill(process.pid, sig);
  });

/**
 * @param options.virtualDomain also serve virtual-host style under this domain (`bucket.<domain>`);
 *   clients must resolve those names to 127.0.0.1 themselves (see s3-store.test.ts).
 * @param options.extraSans more names in the server certificate (`IP:10.89.0.1`), for clients that
 *   reach it through a relay at another address (node-expose.ts).
 */
export async function startS3Server(options: { tls?: boolean; virtualDomain?: string; extraSans?: string[] } = {}): Promise<S3TestServer> {
  if (!existsSync(versitygwBinary))
    throw new Error(`versitygw not built: ${versitygwBinary} is missing; run scripts/prepare/10-versitygw.sh (npm test runs it)`);
  const tls = options.tls ?? true;
  const dir = await mkdtemp(join(tmpdir(), 'hf-s3-'));
  liveDirs.add(dir);
  const data = join(dir, 'data');
  const versions = join(dir, 'versions');
  await mkdir(data);
  await mkdir(versions);
  const ca = tls ? makeTestCa(dir, options.extraSans) : undefined;
  const accessKeyId = `hf${randomBytes(6).toString('hex')}`;
  const secretAccessKey = randomBytes(24).toString('base64url');
  const port = await freePort();
  // --keep-alive: real S3 endpoints keep connections open; without it every request pays a TLS handshake.
  const args = ['--quiet', '--keep-alive', '--port', `127.0.0.1:${port}`];
  if (ca) args.push('--cert', ca.certFile, '--key', ca.keyFile);
  if (options.virtualDomain) args.push('--virtual-domain', options.virtualDomain);
  args.push('posix', '--versioning-dir', versions, data);
  const child = spawn(versitygwBinary, args, {
    env: { PATH: process.env.PATH, HOME: dir, ROOT_ACCESS_KEY: accessKeyId, ROOT_SECRET_KEY: secretAccessKey },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  live.add(child);
  let stderr = '';
  child.stderr!.on('data', (b: Buffer) => {
    stderr = (stderr + b.toString()).slice(-4000);
  });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));

  const endpoint = `${tls ? 'https' : 'http'}://127.0.0.1:${port}`;
  const region = 'us-east-1';
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'; // see docs/s3.md
  const admin = new S3Client({
    endpoint,
    region,
    forcePathStyle: true,
    credentials: { accessKeyId, secretAccessKey },
    ...(ca ? { requestHandler: { httpsAgent: new Agent({ ca: await readFile(ca.caFile) }) } } : {}),
  });

  const stop = async () => {
    admin.destroy();
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    }
    live.delete(child);
    await rm(dir, { recursive: true, force: true });
    liveDirs.delete(dir);
  };

  try {
    // Ready when it answers an authenticated request; give up early if it died.
    let ready = false;
    for (let i = 0; i < 150 && !ready; i++) {
      if (child.exitCode !== null) throw new Error(`versitygw exited with ${child.exitCode}: ${stderr.trim()}`);
      try {
        await admin.send(new ListBucketsCommand({}));
        ready = true;
      } catch {
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    if (!ready) throw new Error(`versitygw on ${endpoint} did not become ready: ${stderr.trim()}`);
    const createBucket = async (name: string, o: { objectLock?: boolean } = {}) => {
      await admin.send(new CreateBucketCommand({ Bucket: name, ObjectLockEnabledForBucket: o.objectLock ?? false }));
    };
    const buckets = { plain: 'holdfast-plain', locked: 'holdfast-locked' };
    await createBucket(buckets.plain);
    await createBucket(buckets.locked, { objectLock: true });
    return {
      endpoint,
      region,
      accessKeyId,
      secretAccessKey,
      caFile: ca?.caFile,
      tls: ca,
      buckets,
      admin,
      createBucket,
      url: (bucket, prefix) => `s3:${endpoint}/${bucket}${prefix ? '/' + prefix : ''}`,
      env: (extra = {}) => ({
        AWS_ACCESS_KEY_ID: accessKeyId,
        AWS_SECRET_ACCESS_KEY: secretAccessKey,
        AWS_REGION: region,
        ...(ca ? { HOLDFAST_S3_CA_FILE: ca.caFile } : { HOLDFAST_S3_ALLOW_HTTP: '1' }),
        ...extra,
      }),
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}
