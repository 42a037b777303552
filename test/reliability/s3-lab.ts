/**
 * The campaign on S3: versitygw (test/harness/s3-server.ts) with the fault proxy in front
 * (test/harness/fault-proxy.ts). Each site is a prefix of one bucket; a clone is a server-side copy
 * of every object. The command under test and the user's recovery go through the proxy, which
 * answers a few requests with 503, resets or cuts them halfway; the invariants are then checked
 * directly, so a fault there cannot be mistaken for damage.
 */
import { readFile } from 'node:fs/promises';
import { CopyObjectCommand, DeleteObjectsCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { startFaultProxy, type FaultProxy } from '../harness/fault-proxy.js';
import { startS3Server, type S3TestServer } from '../harness/s3-server.js';
import type { Site } from './cli.js';
import type { Backend } from './lab.js';

async function keysUnder(admin: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const out: string[] = [];
  let ContinuationToken: string | undefined;
  do {
    const r = await admin.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken }));
    for (const o of r.Contents ?? []) if (o.Key) out.push(o.Key);
    ContinuationToken = r.IsTruncated ? r.NextContinuationToken : undefined;
  } while (ContinuationToken);
  return out;
}

export interface S3Backend extends Backend {
  /** The same site reached through the fault proxy. */
  underFaults(site: Site): Site;
  proxy: FaultProxy;
}

export async function s3Backend(seed: number, faultRate = 0.03): Promise<S3Backend> {
  const s3: S3TestServer = await startS3Server();
  const tls = s3.tls!;
  const proxy = await startFaultProxy({
    upstream: s3.endpoint,
    rate: faultRate,
    seed,
    // No 'timeout': a request that never answers costs the client's whole timeout, and a kill
    // campaign needs many short runs more than it needs that case (test/s3 covers it).
    kinds: ['503', 'reset', 'cut', 'slow'],
    slowMs: 200,
    tls: { cert: await readFile(tls.certFile), key: await readFile(tls.keyFile), ca: await readFile(tls.caFile) },
  });
  const bucket = s3.buckets.plain;
  const prefixOf = new Map<string, string>();
  const site = (name: string): Site => {
    const url = s3.url(bucket, name);
    prefixOf.set(url, `${name}/`);
    return { backend: 's3', url, env: s3.env() };
  };
  const prefix = (s: Site) => prefixOf.get(s.url)!;
  return {
    backend: 's3',
    proxy,
    site,
    underFaults: (s) => ({ ...s, url: s.url.replace(s3.endpoint, proxy.endpoint) }),
    copy: async (from, to) => {
      const src = prefix(from);
      const dst = prefix(to);
      for (const key of await keysUnder(s3.admin, bucket, src))
        await s3.admin.send(new CopyObjectCommand({ Bucket: bucket, Key: dst + key.slice(src.length), CopySource: `${bucket}/${key}` }));
    },
    discard: async (s) => {
      const keys = await keysUnder(s3.admin, bucket, prefix(s));
      for (let i = 0; i < keys.length; i += 500)
        await s3.admin.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys.slice(i, i + 500).map((Key) => ({ Key })) } }));
    },
    close: async () => {
      await proxy.stop();
      await s3.stop();
    },
  };
}
