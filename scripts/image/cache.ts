/**
 * Layers cached under ~/.cache/holdfast/image, each keyed by a hash of its inputs (the Dockerfile's
 * part for it, the pinned versions, the source files it is made of, and the builder's own code), so a
 * warm run only re-assembles the archive. A layer is published by rename, after its tar and record
 * are complete: a killed build leaves a work folder, never a half layer under a valid key.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { sha256, tarLayer, type Layer, type LayerOptions } from './docker-save.js';

export const CACHE_DIR = process.env.HOLDFAST_IMAGE_CACHE || join(homedir(), '.cache', 'holdfast', 'image');

/** Marks a cache entry as used now (pruneCache keeps the most recently used). */
export const touch = (p: string) => utimesSync(p, new Date(), new Date());

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
    touch(tar); // recently used: pruneCache keeps it
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

/**
 * The names in `names` (with their mtimes) that go when only the newest `keep` of each group stay;
 * `group` names the group a file belongs to (undefined: not a cache file, never removed).
 */
export function stale(names: { name: string; mtime: number }[], group: (name: string) => string | undefined, keep: number): string[] {
  const groups = new Map<string, { name: string; mtime: number }[]>();
  for (const n of names) {
    const g = group(n.name);
    if (g !== undefined) groups.set(g, [...(groups.get(g) ?? []), n]);
  }
  return [...groups.values()].flatMap((g) => g.sort((a, b) => b.mtime - a.mtime || a.name.localeCompare(b.name)).slice(keep).map((n) => n.name));
}

/**
 * Each source edit makes a new app layer (~150 MB) and archive (~400 MB): keep the newest few of
 * each kind so the cache does not grow without bound. Runs under the build lock, after the new
 * image is written, so nothing a running build needs is removed.
 */
export function pruneCache(keep = 4): void {
  const sweep = (dir: string, group: (name: string) => string | undefined) => {
    if (!existsSync(dir)) return;
    const names = readdirSync(dir).map((name) => ({ name, mtime: statSync(join(dir, name)).mtimeMs }));
    for (const name of stale(names, group, keep)) rmSync(join(dir, name), { recursive: true, force: true });
  };
  const layers = join(CACHE_DIR, 'layers');
  sweep(layers, (n) => /^([a-z]+)-[0-9a-f]+\.tar$/.exec(n)?.[1]);
  // A layer is its .tar and its .json record: a record without its tar goes too.
  if (existsSync(layers))
    for (const n of readdirSync(layers)) if (n.endsWith('.json') && !existsSync(join(layers, n.replace(/\.json$/, '.tar')))) rmSync(join(layers, n));
  sweep(join(CACHE_DIR, 'images'), (n) => (/^holdfast-[0-9a-f]+\.tar$/.test(n) ? 'image' : undefined));
  sweep(join(CACHE_DIR, 'npm-ci'), (n) => (/^[0-9a-f]+$/.test(n) ? 'npm-ci' : undefined));
}
