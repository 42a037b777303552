/**
 * The Holdfast image for tests: the one scripts/image/build.ts builds from the Dockerfile, without
 * a container engine. This is the only way a test gets the image, so a package the app needs at run
 * time but the image lacks fails the suite. The first call on a cold machine builds it (Debian base,
 * Node, npm ci + tsc; a few minutes, layers cached under ~/.cache/holdfast/image); later calls reuse
 * the cache, and only a changed input rebuilds its layer. Builds are serialised by a lock on the
 * cache, so test files may call this concurrently.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { run } from '../../scripts/image/docker-save.js';
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
  let image = await holdfastImage();
  // Builds from other checkouts sharing the cache may have pruned this archive since (cache.ts).
  if (!existsSync(image.archive)) {
    built = undefined;
    image = await holdfastImage();
  }
  run('ctr', ['-a', socket, '-n', 'k8s.io', 'images', 'import', image.archive]);
  return image;
}
