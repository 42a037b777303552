/**
 * Layers cached under ~/.cache/holdfast/image, each keyed by a hash of its inputs (the Dockerfile's
 * part for it, the pinned versions, the source files it is made of, and the builder's own code), so a
 * warm run only re-assembles the archive. A layer is published by rename, after its tar and record
 * are complete: a killed build leaves a work folder, never a half layer under a valid key.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { sha256, tarLayer, type Layer, type LayerOptions } from './docker-save.js';

export const CACHE_DIR = process.env.HOLDFAST_IMAGE_CACHE || join(homedir(), '.cache', 'holdfast', 'image');

/** A short stable key of `parts` (JSON-serialisable) and the builder modules' sources. */
export function keyOf(modules: string[], ...parts: unknown[]): string {
  const code = modules.map((m) => readFileSync(new URL(`./${m}`, import.meta.url), 'utf8'));
  return sha256(JSON.stringify([code, parts])).slice(0, 20);
}

export interface CachedLayer extends Layer {
  name: string;
  /** What the build learned that later steps check (the Node ABI, an epoch). */
  meta: Record<string, string | number>;
}

export interface LayerBuild {
  opts: LayerOptions;
  meta: Record<string, string | number>;
}

/**
 * The layer `name` for `key`: from the cache, or built by `build(root, work)` into an empty `root`
 * (with `work` as scratch space) and tarred.
 */
export function cachedLayer(name: string, key: string, build: (root: string, work: string) => LayerBuild, log: (m: string) => void): CachedLayer {
  const dir = join(CACHE_DIR, 'layers');
  const tar = join(dir, `${name}-${key}.tar`);
  const record = join(dir, `${name}-${key}.json`);
  if (existsSync(tar) && existsSync(record)) {
    const { diffId, meta } = JSON.parse(readFileSync(record, 'utf8')) as { diffId: string; meta: CachedLayer['meta'] };
    log(`${name} layer: cached (${key})`);
    return { name, tar, diffId, meta };
  }
  const work = join(CACHE_DIR, 'work', name);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(join(work, 'root'), { recursive: true });
  mkdirSync(dir, { recursive: true });
  const started = Date.now();
  const { opts, meta } = build(join(work, 'root'), join(work, 'scratch'));
  const diffId = tarLayer(join(work, 'root'), `${tar}.tmp`, opts);
  renameSync(`${tar}.tmp`, tar);
  writeFileSync(`${record}.tmp`, JSON.stringify({ diffId, meta }));
  renameSync(`${record}.tmp`, record);
  rmSync(work, { recursive: true, force: true });
  log(`${name} layer: built in ${((Date.now() - started) / 1000).toFixed(0)} s (${key})`);
  return { name, tar, diffId, meta };
}
