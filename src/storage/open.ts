/**
 * Turns a repository location (`--repo`, HOLDFAST_REPO) into a BlobStore: a plain path is a
 * directory; `s3:https://host:port/bucket/prefix` is object storage (see storage/s3).
 */
import { resolve } from 'node:path';
import { invalidInput } from '../base/errors.js';
import type { BlobStore } from './blob-store.js';
import { FsBlobStore } from './fs/fs-store.js';

export interface OpenOptions {
  /** Environment for credentials and TLS settings; defaults to process.env. */
  env?: NodeJS.ProcessEnv;
}

export type BlobStoreOpener = (url: string, options: OpenOptions) => Promise<BlobStore>;
const schemes = new Map<string, BlobStoreOpener>();

/** Backends with heavy dependencies register themselves, so the fs path loads none of them. */
export function registerScheme(scheme: string, opener: BlobStoreOpener): void {
  schemes.set(scheme, opener);
}

export async function openBlobStore(location: string, options: OpenOptions = {}): Promise<BlobStore> {
  if (!location) throw invalidInput('REPO_MISSING', 'no repository given: use --repo <path|url> or HOLDFAST_REPO');
  const m = /^([a-z][a-z0-9+]*):(?!\/\/[^/]*$)(.*)$/.exec(location);
  if (m && m[1] !== 'file' && !/^[a-zA-Z]:\\/.test(location)) {
    const opener = schemes.get(m[1]!);
    if (!opener) throw invalidInput('REPO_SCHEME', `repository ${location}: unknown scheme "${m[1]}:" (use a path, or s3:https://host/bucket/prefix)`);
    return opener(location, options);
  }
  const path = location.startsWith('file:') ? location.replace(/^file:(\/\/)?/, '') : location;
  return new FsBlobStore(resolve(path));
}
