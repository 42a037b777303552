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

/** The scheme a location names (`s3`), or undefined for a directory (a path, or `file:`). */
function schemeOf(location: string): string | undefined {
  const m = /^([a-z][a-z0-9+]*):(?!\/\/[^/]*$)(.*)$/.exec(location);
  return m && m[1] !== 'file' && !/^[a-zA-Z]:\\/.test(location) ? m[1] : undefined;
}

/** The absolute directory a location names, or undefined when it names object storage (or nothing). */
export function localDirectory(location: string): string | undefined {
  if (!location || schemeOf(location) !== undefined) return undefined;
  return resolve(location.startsWith('file:') ? location.replace(/^file:(\/\/)?/, '') : location);
}

export async function openBlobStore(location: string, options: OpenOptions = {}): Promise<BlobStore> {
  if (!location) throw invalidInput('REPO_MISSING', 'no repository given: use --repo <path|url> or HOLDFAST_REPO');
  const scheme = schemeOf(location);
  if (scheme !== undefined) {
    const opener = schemes.get(scheme);
    if (!opener) throw invalidInput('REPO_SCHEME', `repository ${location}: unknown scheme "${scheme}:" (use a path, or s3:https://host/bucket/prefix)`);
    return opener(location, options);
  }
  return new FsBlobStore(localDirectory(location)!);
}
