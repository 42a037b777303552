/**
 * Writes container images as docker-save archives (`manifest.json`, the config JSON, one
 * `<diff id>/layer.tar` per layer), the format `ctr images import` and `docker load` read. No
 * engine and no registry: a layer is a tar of a directory tree, written so the same tree always
 * gives the same bytes (sorted names, numeric owners, fixed mtimes, no atime/ctime), which makes the
 * config digest a function of the image's content. Used by the Holdfast image (scripts/image/build.ts)
 * and the real-node harness's pause and busybox images (test/harness/node-images.ts).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { linkSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function run(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): string {
  const r = spawnSync(cmd, args, { cwd: opts.cwd, env: opts.env, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) {
    const why = (r.stderr || r.error?.message || `exit ${r.status}`).trim().split('\n').slice(-5).join(' | ');
    throw new Error(`${cmd} ${args.join(' ').slice(0, 200)} failed: ${why}`);
  }
  return r.stdout;
}

export const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

/** sha256 hex of a file too big to read into memory at once. */
export const sha256File = (file: string) => run('sha256sum', [file]).slice(0, 64);

export interface LayerOptions {
  /** Every entry owned by 0:0 (what COPY without --chown gives), else the tree's numeric owners. */
  rootOwned: boolean;
  /** Seconds since the epoch: every mtime is set to it, or with `clamp` only the newer ones. */
  mtime: number;
  clamp?: boolean;
}

/** Tars `rootfs` into `out` reproducibly and returns the layer's diff id (sha256 hex of the tar). */
export function tarLayer(rootfs: string, out: string, opts: LayerOptions): string {
  run('tar', [
    '--sort=name', '--format=gnu', '--numeric-owner', ...(opts.rootOwned ? ['--owner=0', '--group=0'] : []),
    `--mtime=@${opts.mtime}`, ...(opts.clamp ? ['--clamp-mtime'] : []), '-C', rootfs, '-cf', out, '.',
  ], { env: { ...process.env, LC_ALL: 'C' } });
  return sha256File(out);
}

export interface ImageConfig {
  entrypoint?: string[];
  cmd?: string[];
  env: string[];
  workdir: string;
  user?: string;
  /** RFC 3339; part of the digest, so derived from the inputs, never from the clock. */
  created?: string;
  /** One line per layer, what made it. */
  history: string[];
}

export interface Layer {
  tar: string;
  diffId: string;
}

/** The image config JSON (its sha256 is the image id `ctr` and the kubelet report). */
export function imageConfig(layers: Layer[], c: ImageConfig): string {
  return JSON.stringify({
    architecture: 'amd64',
    os: 'linux',
    ...(c.created ? { created: c.created } : {}),
    config: {
      ...(c.user ? { User: c.user } : {}),
      Env: c.env,
      ...(c.entrypoint ? { Entrypoint: c.entrypoint } : {}),
      ...(c.cmd ? { Cmd: c.cmd } : {}),
      WorkingDir: c.workdir,
    },
    rootfs: { type: 'layers', diff_ids: layers.map((l) => `sha256:${l.diffId}`) },
    history: c.history.map((created_by) => ({ ...(c.created ? { created: c.created } : {}), created_by })),
  });
}

/**
 * Writes the docker-save archive `out` of `layers` (bottom first) tagged `ref`. The layer tars are
 * hard-linked into the staging folder, not copied: they can be hundreds of megabytes.
 */
export function writeArchive(out: string, ref: string, layers: Layer[], config: ImageConfig): { configDigest: string; archive: string } {
  const json = imageConfig(layers, config);
  const configHex = sha256(json);
  const stage = `${out}.stage`;
  rmSync(stage, { recursive: true, force: true });
  mkdirSync(stage, { recursive: true });
  for (const l of layers) {
    mkdirSync(join(stage, l.diffId), { recursive: true });
    linkSync(l.tar, join(stage, l.diffId, 'layer.tar'));
  }
  writeFileSync(join(stage, `${configHex}.json`), json);
  writeFileSync(
    join(stage, 'manifest.json'),
    JSON.stringify([{ Config: `${configHex}.json`, RepoTags: [ref], Layers: layers.map((l) => `${l.diffId}/layer.tar`) }]),
  );
  run('tar', ['--sort=name', '--format=gnu', '--numeric-owner', '--owner=0', '--group=0', '--mtime=@0', '--hard-dereference', '-C', stage, '-cf', `${out}.tmp`, '.']);
  renameSync(`${out}.tmp`, out);
  rmSync(stage, { recursive: true, force: true });
  return { configDigest: `sha256:${configHex}`, archive: out };
}
