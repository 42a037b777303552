/**
 * Images for the real one-node cluster without a registry or a container engine: a static pause
 * binary (the sandbox image the CRI asks for) and Debian's static busybox, each written as a one-layer
 * docker-save archive and imported into containerd with `ctr`. Pods must use `imagePullPolicy: Never`
 * (or IfNotPresent with these exact tags): the node has no route out.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';

export const PAUSE_IMAGE = 'registry.k8s.io/pause:3.10';
export const BUSYBOX_IMAGE = 'docker.io/holdfast/busybox:test';

// The sandbox's init: exits on SIGTERM/SIGINT, reaps orphans, otherwise sleeps.
const PAUSE_C = `#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>
static void bye(int s) { (void)s; _exit(0); }
static void reap(int s) { (void)s; while (waitpid(-1, 0, WNOHANG) > 0) {} }
int main(void) {
  signal(SIGTERM, bye); signal(SIGINT, bye); signal(SIGCHLD, reap);
  for (;;) pause();
}
`;

function run(cmd: string, args: string[], cwd?: string): string {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`node images: ${cmd} ${args.join(' ')} failed: ${r.stderr || r.error?.message}`);
  return r.stdout;
}

const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

/**
 * A docker-save archive of `rootfs` as one layer (owner 0, mtime 0, so the same tree gives the same
 * digest), tagged `ref`, running `cmd`.
 */
export function writeImage(work: string, rootfs: string, ref: string, cmd: string[]): string {
  const out = join(work, 'archive');
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const layer = join(work, 'layer.tar');
  run('tar', ['--sort=name', '--numeric-owner', '--owner=0', '--group=0', '--mtime=@0', '-C', rootfs, '-cf', layer, '.']);
  const diffId = sha256(readFileSync(layer));
  mkdirSync(join(out, diffId));
  copyFileSync(layer, join(out, diffId, 'layer.tar'));
  const config = JSON.stringify({
    architecture: 'amd64',
    os: 'linux',
    config: { Cmd: cmd, Env: ['PATH=/bin:/usr/bin:/sbin:/usr/sbin'], WorkingDir: '/' },
    rootfs: { type: 'layers', diff_ids: [`sha256:${diffId}`] },
    history: [{ created_by: 'holdfast test/harness/node-images.ts' }],
  });
  const configName = `${sha256(config)}.json`;
  writeFileSync(join(out, configName), config);
  writeFileSync(join(out, 'manifest.json'), JSON.stringify([{ Config: configName, RepoTags: [ref], Layers: [`${diffId}/layer.tar`] }]));
  const tarball = join(work, `${sha256(ref).slice(0, 12)}.tar`);
  run('tar', ['--sort=name', '--numeric-owner', '--owner=0', '--group=0', '--mtime=@0', '-C', out, '-cf', tarball, '.']);
  return tarball;
}

function pauseRootfs(work: string): string {
  const root = join(work, 'pause-rootfs');
  mkdirSync(root, { recursive: true });
  writeFileSync(join(work, 'pause.c'), PAUSE_C);
  run('gcc', ['-Os', '-static', '-o', join(root, 'pause'), join(work, 'pause.c')]);
  return root;
}

function busyboxRootfs(work: string): string {
  const root = join(work, 'busybox-rootfs');
  for (const d of ['bin', 'etc', 'tmp', 'root']) mkdirSync(join(root, d), { recursive: true });
  copyFileSync('/bin/busybox', join(root, 'bin', 'busybox'));
  chmodSync(join(root, 'bin', 'busybox'), 0o755);
  chmodSync(join(root, 'tmp'), 0o1777);
  for (const applet of run('/bin/busybox', ['--list']).split('\n').filter(Boolean))
    if (applet !== 'busybox') symlinkSync('busybox', join(root, 'bin', applet));
  writeFileSync(join(root, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n');
  writeFileSync(join(root, 'etc', 'group'), 'root:x:0:\nnobody:x:65534:\n');
  return root;
}

/** Builds both images under `work` and imports them into the k8s.io namespace of containerd at `sock`. */
export function importImages(work: string, sock: string): void {
  mkdirSync(work, { recursive: true });
  const images: [string, string, string[]][] = [
    [PAUSE_IMAGE, pauseRootfs(work), ['/pause']],
    [BUSYBOX_IMAGE, busyboxRootfs(work), ['/bin/sh']],
  ];
  for (const [ref, rootfs, cmd] of images) {
    const tarball = writeImage(join(work, 'build'), rootfs, ref, cmd);
    run('ctr', ['-a', sock, '-n', 'k8s.io', 'images', 'import', tarball]);
  }
}
