/**
 * Images for the real one-node cluster without a registry or a container engine: a static pause
 * binary (the sandbox image the CRI asks for) and Debian's static busybox, each written as a one-layer
 * docker-save archive and imported into containerd with `ctr`. Pods must use `imagePullPolicy: Never`
 * (or IfNotPresent with these exact tags): the node has no route out.
 */
import { chmodSync, mkdirSync, rmSync, symlinkSync, writeFileSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { run, tarLayer, writeArchive } from '../../scripts/image/docker-save.js';

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
  images.forEach(([ref, rootfs, cmd], i) => {
    const layer = join(work, `layer-${i}.tar`);
    rmSync(layer, { force: true });
    const diffId = tarLayer(rootfs, layer, { rootOwned: true, mtime: 0 });
    const config = { cmd, env: ['PATH=/bin:/usr/bin:/sbin:/usr/sbin'], workdir: '/', history: ['holdfast test/harness/node-images.ts'] };
    const { archive } = writeArchive(join(work, `image-${i}.tar`), ref, [{ tar: layer, diffId }], config);
    run('ctr', ['-a', sock, '-n', 'k8s.io', 'images', 'import', archive]);
  });
}
