/**
 * The image's root filesystem unpacked from its docker-save archive, and a way to run a command in
 * it as the image's config says (user, environment, working directory), under chroot in a mount and
 * PID namespace of its own: /proc, /dev and a /tmp are mounted there and vanish with the namespace.
 * Nothing of the host's node_modules is reachable from inside, which is the point.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '../../scripts/image/docker-save.js';

export interface ImageRuntime {
  User: string;
  Env: string[];
  Entrypoint: string[];
  Cmd: string[];
  WorkingDir: string;
}

/** Unpacks `archive` into `dir` (layers in order, owners kept: needs root); returns its config. */
export function unpackImage(archive: string, dir: string): { root: string; config: ImageRuntime; diffIds: string[] } {
  const raw = join(dir, 'archive');
  const root = join(dir, 'rootfs');
  mkdirSync(raw, { recursive: true });
  mkdirSync(root, { recursive: true });
  run('tar', ['-xf', archive, '-C', raw]);
  const [manifest] = JSON.parse(readFileSync(join(raw, 'manifest.json'), 'utf8')) as { Config: string; Layers: string[] }[];
  for (const layer of manifest!.Layers) run('tar', ['--numeric-owner', '-xpf', join(raw, layer), '-C', root]);
  const config = JSON.parse(readFileSync(join(raw, manifest!.Config), 'utf8')) as { config: ImageRuntime; rootfs: { diff_ids: string[] } };
  return { root, config: config.config, diffIds: config.rootfs.diff_ids };
}

/**
 * Runs `argv` (default: the image's Entrypoint + `args`) inside `root` as the image's user, with
 * only the image's environment.
 */
export function runInImage(root: string, config: ImageRuntime, args: string[], opts: { argv?: string[]; input?: string } = {}): SpawnSyncReturns<string> {
  const argv = opts.argv ?? [...config.Entrypoint, ...args];
  const user = config.User.includes(':') ? config.User : `${config.User}:${config.User}`;
  const script = 'r="$0" u="$1" w="$2"; shift 2; mount --rbind /dev "$r/dev" && mount -t tmpfs tmpfs "$r/tmp" && exec chroot --userspec="$u" "$r" /usr/bin/env -i --chdir="$w" "$@"';
  return spawnSync(
    'unshare',
    ['--mount', '--pid', '--fork', `--mount-proc=${join(root, 'proc')}`, '--', 'sh', '-c', script,
      root, user, config.WorkingDir, ...config.Env, ...argv],
    { encoding: 'utf8', input: opts.input ?? '', timeout: 120_000 },
  );
}
