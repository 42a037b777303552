/**
 * The world a trial starts from: a source directory that changes from version to version (seeded,
 * so a seed rebuilds the same bytes), a copy of each version that was backed up (what a restore
 * must give back, byte for byte and with metadata), and template repositories holding those
 * snapshots. Each trial clones a template, so every kill starts from the same repository.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { prng } from '../../src/backup/testing.js';
import { run, describeRun, type Site } from './cli.js';

/** Small files so a command takes well under a second beyond start-up; one file spans a few chunks. */
const FILES = 6;

/** Makes `dir` hold version `v` of the source: version 0 from scratch, later ones by changing two files and adding one. */
export function writeVersion(dir: string, seed: number, v: number): void {
  const rnd = prng(seed * 1000 + v + 1);
  const size = (i: number) => 20_000 + ((seed * 7919 + v * 104_729 + i * 1299) % 180_000);
  mkdirSync(join(dir, 'sub', 'deeper'), { recursive: true });
  if (v === 0) {
    for (let i = 0; i < FILES; i++) writeFileSync(join(dir, `f${i}.bin`), rnd(size(i)));
    writeFileSync(join(dir, 'big.bin'), Buffer.concat([rnd(900_000), Buffer.alloc(600_000, 7), rnd(700_000)]));
    writeFileSync(join(dir, 'sub', 'notes.txt'), 'version 0\n'.repeat(100));
    writeFileSync(join(dir, 'sub', 'deeper', 'empty'), '');
    return;
  }
  for (const i of [v % FILES, (v * 3 + 1) % FILES]) writeFileSync(join(dir, `f${i}.bin`), rnd(size(i)));
  writeFileSync(join(dir, 'sub', `added-${v}.bin`), rnd(size(v) / 2));
  writeFileSync(join(dir, 'sub', 'notes.txt'), `version ${v}\n`.repeat(100 + v));
  if (v >= 2) rmSync(join(dir, 'sub', `added-${v - 1}.bin`), { force: true });
}

export const copyTree = (from: string, to: string) => execFileSync('cp', ['-a', from, to]);

export interface SnapshotRecord {
  id: string;
  version: number;
  /** A copy of the source as it was backed up. */
  expected: string;
}

export interface Template {
  name: string;
  site: Site;
  snapshots: SnapshotRecord[];
}

export interface World {
  root: string;
  seed: number;
  /** The next source version a trial backs up (each trial makes its own copy). */
  nextVersion: number;
  /** What the last template version looked like (trials start their source from it). */
  lastExpected: string;
  templates: Record<'base' | 'forgotten', Template>;
}

/** Every file of a repository dated `days` ago, so prune's grace period (1h) does not shield the template's packs. */
export function ageRepository(dir: string, days = 2): void {
  const t = new Date(Date.now() - days * 86_400_000);
  const walk = (d: string) => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      utimesSync(p, t, t);
    }
  };
  walk(dir);
}

/** The snapshot id in `backup --json` output (a summary object, with progress objects around it). */
export function snapshotIdOf(out: string): string {
  const m = /"snapshot":\s*"([0-9a-f]{64})"/.exec(out);
  if (!m) throw new Error(`no snapshot id in backup output: ${out.slice(0, 200)}`);
  return m[1]!;
}

async function must(site: Site, args: string[]): Promise<string> {
  const r = await run(site, args);
  if (r.code !== 0) throw new Error(`building the world: ${describeRun(r)}`);
  return r.out;
}

/**
 * Builds the templates on a site: `base` holds snapshots of versions 0..2; `forgotten` is base
 * after `forget --keep-last 2` (version 0 forgotten, its data left for prune). `clone` copies a
 * template's repository to a new site.
 */
export async function buildWorld(
  root: string,
  seed: number,
  sites: { base: Site; forgotten: Site },
  clone: (from: Site, to: Site) => Promise<void>,
): Promise<World> {
  const live = join(root, 'live');
  mkdirSync(join(root, 'expected'), { recursive: true });
  await must(sites.base, ['repo', 'init']);
  const snapshots: SnapshotRecord[] = [];
  for (let v = 0; v < 3; v++) {
    writeVersion(live, seed, v);
    const out = await must(sites.base, ['backup', live, '--json']);
    const id = snapshotIdOf(out);
    const expected = join(root, 'expected', `v${v}`);
    copyTree(live, expected);
    snapshots.push({ id, version: v, expected });
  }
  await clone(sites.base, sites.forgotten);
  await must(sites.forgotten, ['forget', '--keep-last', '2']);
  for (const s of [sites.base, sites.forgotten]) if (s.dir) ageRepository(s.dir);
  return {
    root,
    seed,
    nextVersion: 3,
    lastExpected: snapshots.at(-1)!.expected,
    templates: {
      base: { name: 'base', site: sites.base, snapshots },
      forgotten: { name: 'forgotten', site: sites.forgotten, snapshots: snapshots.slice(1) },
    },
  };
}

/** A fresh source for a trial: the last backed-up version, then changed into `version`. */
export function trialSource(world: World, dir: string, version: number): string {
  copyTree(world.lastExpected, dir);
  writeVersion(dir, world.seed, version);
  return dir;
}
