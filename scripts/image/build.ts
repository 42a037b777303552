/**
 * Builds the image the Dockerfile describes without a container engine, as a docker-save archive:
 *   node --import tsx scripts/image/build.ts [--json] [--import <containerd socket>] [--context <checkout>]
 * Three layers, each cached by a hash of its inputs (cache.ts): Debian with the runtime packages
 * and the user (base.ts), the pinned Node (node.ts), the built and pruned project (app.ts). Prints
 * `{ ref, configDigest, archive, layers, config }` with --json. Needs root (debootstrap, file owners) and, on a cold
 * cache, the Debian mirror and the npm registry. Builds run one at a time (flock on the cache).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildApp, contextDigest, contextFiles, contextSources } from './app.js';
import { buildBase, DEFAULT_MIRROR, type BaseSpec } from './base.js';
import { cachedLayer, CACHE_DIR, keyOf, pruneCache, touch } from './cache.js';
import { imageConfig, run, sha256, writeArchive, type ImageConfig, type Layer } from './docker-save.js';
import { DockerfileError, parseDockerfile, type Stage } from './dockerfile.js';
import { buildNode, NODE, nodeMajor } from './node.js';

export const IMAGE_REPOSITORY = 'ghcr.io/holdfast/holdfast';

export interface BuiltImage {
  ref: string;
  configDigest: string;
  archive: string;
  /** The cached layer tars and the config: what an image on top of this one is written from. */
  layers: Layer[];
  config: ImageConfig;
}

const REPO = fileURLToPath(new URL('../..', import.meta.url));

/** The base layer's inputs, read from the final stage: its Debian suite, packages and accounts. */
export function baseSpec(final: Stage, mirror: string): BaseSpec {
  const commands = final.steps.flatMap((s) => (s.kind === 'run' ? s.commands : []));
  return {
    suite: final.suite,
    mirror,
    packages: [...new Set(commands.flatMap((c) => (c.kind === 'apt-install' ? c.packages : [])))].sort(),
    accounts: commands.flatMap((c) => (c.kind === 'useradd' ? [{ name: c.name, uid: c.uid, home: c.home, shell: c.shell, createHome: c.createHome }] : [])),
  };
}

/** The image config's runtime part, from the final stage (PATH and NODE_VERSION as the node images set them). */
export function runtimeConfig(final: Stage): Omit<ImageConfig, 'created' | 'history'> {
  const workdirs = final.steps.flatMap((s) => (s.kind === 'workdir' ? [s.path] : []));
  return {
    env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', `NODE_VERSION=${NODE.version}`, ...final.env.map(([k, v]) => `${k}=${v}`)],
    workdir: workdirs.at(-1) ?? '/',
    ...(final.user ? { user: final.user } : {}),
    ...(final.entrypoint ? { entrypoint: final.entrypoint } : {}),
    ...(final.cmd ? { cmd: final.cmd } : {}),
  };
}

/** Stages without line numbers: moving a comment must not rebuild a layer. */
const withoutLines = (stages: Stage[]) => JSON.parse(JSON.stringify(stages, (k, v: unknown) => (k === 'line' ? undefined : v))) as unknown;

export function buildImage(opts: { repo?: string; log?: (m: string) => void } = {}): BuiltImage {
  const repo = opts.repo ?? REPO;
  const started = Date.now();
  const log = opts.log ?? ((m: string) => process.stderr.write(`image [${((Date.now() - started) / 1000).toFixed(0)}s] ${m}\n`));
  const stages = parseDockerfile(readFileSync(join(repo, 'Dockerfile'), 'utf8'));
  const final = stages.at(-1)!;
  for (const s of stages)
    if (s.nodeMajor !== nodeMajor())
      throw new DockerfileError(`Dockerfile:${s.line}: FROM node:${s.nodeMajor}, but scripts/image/node.ts pins Node ${NODE.version}`);

  const spec = baseSpec(final, process.env.HOLDFAST_DEBIAN_MIRROR || DEFAULT_MIRROR);
  const base = cachedLayer('base', keyOf(['base.ts', 'normalise.ts', 'users.ts', 'docker-save.ts'], spec), (root) => {
    if (process.getuid?.() !== 0) throw new Error('image: the base layer needs root (debootstrap, file owners); run as root or warm the cache');
    const epoch = buildBase(root, spec, log);
    return { opts: { rootOwned: false, mtime: epoch, clamp: true }, meta: { epoch } };
  }, log);
  const node = cachedLayer('node', keyOf(['node.ts', 'docker-save.ts'], NODE), (root, work) => ({
    opts: { rootOwned: true, mtime: 0 },
    meta: { modules: buildNode(root, work, log) },
  }), log);

  // npm ci compiles the native modules with the Node on PATH; the image must load them.
  const host = run('node', ['-p', 'JSON.stringify([process.version, process.versions.modules])']);
  const [hostVersion, hostModules] = JSON.parse(host) as [string, string];
  if (hostModules !== String(node.meta.modules))
    throw new Error(`image: this machine's Node ${hostVersion} has module ABI ${hostModules}, the image's Node ${NODE.version} has ${node.meta.modules}: native modules built here would not load`);

  const sources = contextSources(stages);
  const files = contextFiles(repo, sources);
  // The newest commit that touched the inputs: the app layer's mtimes and the image's date.
  const epoch = Number(run('git', ['log', '-1', '--format=%ct', '--', 'Dockerfile', ...sources], { cwd: repo }).trim() || 0);
  const appKey = keyOf(['app.ts', 'dockerfile.ts', 'docker-save.ts'], withoutLines(stages), contextDigest(repo, files), hostVersion, epoch);
  const app = cachedLayer('app', appKey, (root, work) => {
    buildApp(root, work, repo, stages, files, log);
    return { opts: { rootOwned: true, mtime: epoch }, meta: { epoch } };
  }, log);

  const version = (JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { version: string }).version;
  const ref = `${IMAGE_REPOSITORY}:${version}`;
  const layers = [base, node, app];
  const config: ImageConfig = {
    ...runtimeConfig(final),
    created: new Date(epoch * 1000).toISOString(),
    history: [
      `debootstrap --variant=minbase ${spec.suite} + ${spec.packages.join(' ')}; ${spec.accounts.map((a) => `useradd ${a.name} (${a.uid})`).join(', ')}`,
      `${NODE.package}@${NODE.version} at /usr/local/bin/node`,
      'the Dockerfile build stage (npm ci, tsc, npm prune --omit=dev) and the final stage\'s COPY/RUN',
    ],
  };
  const configHex = sha256(imageConfig(layers, config));
  const images = join(CACHE_DIR, 'images');
  mkdirSync(images, { recursive: true });
  const archive = join(images, `holdfast-${configHex.slice(0, 16)}.tar`);
  if (existsSync(archive)) {
    log(`archive: cached ${archive}`);
    touch(archive);
  } else {
    writeArchive(archive, ref, layers, config);
    log(`archive: ${archive}`);
  }
  pruneCache();
  return { ref, configDigest: `sha256:${configHex}`, archive, layers: layers.map((l) => ({ tar: l.tar, diffId: l.diffId })), config };
}

/** Imports the archive into containerd's k8s.io namespace at `socket`, where the kubelet finds it. */
export function importImage(image: BuiltImage, socket: string): void {
  run('ctr', ['-a', socket, '-n', 'k8s.io', 'images', 'import', image.archive]);
}

function main(argv: string[]): number {
  // One build at a time per cache: two would both debootstrap into the same work folder.
  if (!process.env.HOLDFAST_IMAGE_LOCKED) {
    mkdirSync(CACHE_DIR, { recursive: true });
    const r = spawnSync('flock', [join(CACHE_DIR, '.lock'), process.execPath, ...process.execArgv, fileURLToPath(import.meta.url), ...argv], {
      stdio: 'inherit',
      env: { ...process.env, HOLDFAST_IMAGE_LOCKED: '1' },
    });
    return r.status ?? 1;
  }
  let args: { json?: boolean; import?: string; context?: string };
  try {
    args = parseArgs({ args: argv, options: { json: { type: 'boolean' }, import: { type: 'string' }, context: { type: 'string' } }, strict: true }).values;
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\nusage: node --import tsx scripts/image/build.ts [--json] [--import <containerd socket>] [--context <checkout>]\n`);
    return 2;
  }
  try {
    const image = buildImage(args.context ? { repo: args.context } : {});
    if (args.import) importImage(image, args.import);
    process.stdout.write(args.json ? `${JSON.stringify(image)}\n` : `${image.ref} ${image.configDigest}\n${image.archive}\n`);
    return 0;
  } catch (e) {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    return e instanceof DockerfileError ? 2 : 1;
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) process.exitCode = main(process.argv.slice(2));
