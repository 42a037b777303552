/**
 * The Holdfast image for tests: the one scripts/image/build.ts builds from the Dockerfile, without
 * a container engine. This is the only way a test gets the image, so a package the app needs at run
 * time but the image lacks fails the suite. The first call on a cold machine builds it (Debian base,
 * Node, npm ci + tsc; a few minutes, layers cached under ~/.cache/holdfast/image); later calls reuse
 * the cache, and only a changed input rebuilds its layer. Builds are serialised by a lock on the
 * cache, so test files may call this concurrently.
 */
import { spawn } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run, writeArchive } from '../../scripts/image/docker-save.js';
import type { BuiltImage } from '../../scripts/image/build.js';

export type { BuiltImage };

const script = fileURLToPath(new URL('../../scripts/image/build.ts', import.meta.url));
let built: Promise<BuiltImage> | undefined;

/** `{ ref, configDigest, archive }` of the image of the working tree; built once per process. */
export function holdfastImage(): Promise<BuiltImage> {
  built ??= new Promise<BuiltImage>((resolve, reject) => {
    // A child process: the build holds a file lock for its whole run, and its progress goes to stderr.
    const child = spawn(process.execPath, ['--import', 'tsx', script, '--json'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(JSON.parse(out) as BuiltImage);
      else reject(new Error(`image: scripts/image/build.ts exited ${code} (its reason is on stderr above)`));
    });
  });
  built.catch(() => (built = undefined));
  return built;
}

/**
 * Imports the image into the `k8s.io` namespace of the containerd at `socket`, where the kubelet
 * finds it: pods use `image: ref` with `imagePullPolicy: IfNotPresent` (or Never).
 */
export async function importHoldfastImage(socket: string): Promise<BuiltImage> {
  const image = await present((i) => [i.archive]);
  run('ctr', ['-a', socket, '-n', 'k8s.io', 'images', 'import', image.archive]);
  return image;
}

/** The image, rebuilt once if builds from other checkouts sharing the cache pruned its `files` since (cache.ts). */
async function present(files: (i: BuiltImage) => string[]): Promise<BuiltImage> {
  const image = await holdfastImage();
  if (files(image).every((f) => existsSync(f))) return image;
  built = undefined;
  return holdfastImage();
}

/**
 * Another version of an application shipped on the Holdfast image, imported at `socket` as `ref`:
 * the same layers with `env` added to the config, so a digest of its own (as a rebuild of the
 * application gives). The archive is written under `dir` and removed once imported.
 */
export async function importVersion(socket: string, ref: string, env: string[], dir: string): Promise<{ ref: string; configDigest: string }> {
  const image = await present((i) => i.layers.map((l) => l.tar));
  const archive = join(dir, `version-${ref.replace(/[^a-z0-9.-]/gi, '_')}.tar`);
  try {
    const { configDigest } = writeArchive(archive, ref, image.layers, { ...image.config, env: [...image.config.env, ...env] });
    run('ctr', ['-a', socket, '-n', 'k8s.io', 'images', 'import', archive]);
    return { ref, configDigest };
  } finally {
    rmSync(archive, { force: true });
  }
}

/**
 * Gives the imported image `ref` the name `repo@sha256:<manifest digest>` as well, as a pull from a
 * registry leaves it: the kubelet then reports that pullable reference as the container's imageID
 * (a side-loaded image alone gets the bare config digest). Returns it.
 */
export function pinByDigest(socket: string, ref: string): string {
  const ctr = (args: string[]) => run('ctr', ['-a', socket, '-n', 'k8s.io', 'images', ...args]);
  // Columns: REF TYPE DIGEST SIZE PLATFORMS LABELS.
  const digest = ctr(['ls']).split('\n').map((l) => l.split(/\s+/)).find((c) => c[0] === ref)?.[2];
  if (!digest?.startsWith('sha256:')) throw new Error(`image: ${ref} is not in containerd at ${socket}`);
  const pinned = `${ref.replace(/:[^:/]+$/, '')}@${digest}`;
  ctr(['tag', '--force', ref, pinned]);
  return pinned;
}
