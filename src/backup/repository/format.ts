/**
 * Names and the config blob of format version 1 (docs/repository-format.md). The config is sealed
 * and holds the format choices as stable names, so a later Holdfast can read an older repository
 * and refuses, with a clear message, a newer one it cannot read.
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { ChunkerParams } from '../chunker/fastcdc.js';

export const FORMAT_VERSION = 1;
export const PACK_TARGET_SIZE = 16 * 1024 * 1024;

export const configSchema = z.object({
  version: z.number().int(),
  id: z.string(),
  created: z.string(),
  chunker: z.object({ algorithm: z.literal('fastcdc-gear-v1'), min: z.number(), avg: z.number(), max: z.number(), seed: z.string() }),
  cipher: z.literal('aes-256-gcm'),
  blobId: z.literal('hmac-sha256'),
  compression: z.literal('zstd'),
});
export type RepoConfig = z.infer<typeof configSchema>;

export function newConfig(chunker: ChunkerParams): RepoConfig {
  return {
    version: FORMAT_VERSION,
    id: randomBytes(16).toString('hex'),
    created: new Date().toISOString(),
    chunker: { algorithm: 'fastcdc-gear-v1', ...chunker, seed: randomBytes(32).toString('base64') },
    cipher: 'aes-256-gcm',
    blobId: 'hmac-sha256',
    compression: 'zstd',
  };
}

export const randomName = (kind: 'index' | 'snapshots' | 'keys' | 'locks' | 'deletions' | 'catalog') =>
  `${kind}/${randomBytes(32).toString('hex')}`;

export const nameId = (name: string) => name.slice(name.lastIndexOf('/') + 1);
