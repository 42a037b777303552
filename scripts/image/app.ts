/**
 * The app layer: the Dockerfile's stages carried out on the build host. Each non-final stage runs
 * in a folder of its own (its WORKDIR inside it), with the build context as its COPY source; the
 * final stage's COPY, chmod and ln land in the layer's tree. The base layer's part of the final stage
 * (apt-get, useradd) is done by base.ts, so here it is skipped.
 *
 * The build context is a clean copy of the files git knows (tracked, plus untracked ones .gitignore
 * does not exclude), read from the working tree: what `docker build` would send with a
 * .dockerignore equal to .gitignore. An edit is in the next image without a commit (the way a
 * developer tries a fix), and nothing ignored — node_modules, dist/, local scratch — can leak in.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, lstatSync, mkdirSync, readFileSync, readlinkSync, renameSync, rmSync, symlinkSync, copyFileSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import { CACHE_DIR, touch } from './cache.js';
import { run, sha256 } from './docker-save.js';
import type { Command, Stage } from './dockerfile.js';

/** The build-context paths the Dockerfile copies from (COPY without --from), in every stage. */
export function contextSources(stages: Stage[]): string[] {
  const out = stages.flatMap((s) => s.steps.flatMap((st) => (st.kind === 'copy' && st.from === undefined ? st.sources : [])));
  return [...new Set(out)].sort();
}

/** The files under `sources` that git knows in `repo`'s working tree (deleted tracked files left out). */
export function contextFiles(repo: string, sources: string[]): string[] {
  const listed = run('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard', '--', ...sources], { cwd: repo }).split('\0');
  return [...new Set(listed.filter((f) => f !== '' && existsSync(join(repo, f))))].sort();
}

/** What identifies the context: each file's path, whether it is executable, and its content hash. */
export function contextDigest(repo: string, files: string[]): string {
  return sha256(files.map((f) => {
    const st = lstatSync(join(repo, f));
    const body = st.isSymbolicLink() ? `link:${readlinkSync(join(repo, f))}` : sha256(readFileSync(join(repo, f)));
    return `${f}\0${st.mode & 0o111 ? 755 : 644}\0${body}`;
  }).join('\n'));
}

/** Copies `files` from `repo` to `to` with git's idea of modes (0644 or 0755), whatever the checkout's umask. */
function copyContext(repo: string, files: string[], to: string): void {
  for (const f of files) {
    const src = join(repo, f);
    const dst = join(to, f);
    mkdirSync(dirname(dst), { recursive: true, mode: 0o755 });
    const st = lstatSync(src);
    if (st.isSymbolicLink()) symlinkSync(readlinkSync(src), dst);
    else {
      copyFileSync(src, dst);
      chmodSync(dst, st.mode & 0o111 ? 0o755 : 0o644);
    }
  }
}

/** Docker's COPY: a folder's contents go into dest; files go into dest when it ends in / or there are several. */
function copy(srcs: string[], dest: string): void {
  const intoDir = dest.endsWith('/') || srcs.length > 1;
  for (const src of srcs) {
    if (!existsSync(src)) throw new Error(`image: COPY source ${src} does not exist`);
    if (lstatSync(src).isDirectory()) {
      mkdirSync(dest, { recursive: true, mode: 0o755 });
      cpSync(src, dest, { recursive: true, verbatimSymlinks: true });
    } else {
      const to = intoDir ? join(dest, posix.basename(src)) : dest;
      mkdirSync(dirname(to), { recursive: true, mode: 0o755 });
      cpSync(src, to, { verbatimSymlinks: true });
    }
  }
}

const hostHas = (pkg: string) =>
  spawnSync('dpkg-query', ['-W', '-f=${Status}', pkg], { encoding: 'utf8' }).stdout.includes('install ok installed');

// gyp (Python) writes the native modules' Makefiles in set order: a fixed hash seed makes their rule
// order, and so the layer, the same on every run.
const npmEnv = { ...process.env, npm_config_update_notifier: 'false', npm_config_audit: 'false', npm_config_fund: 'false', NODE_ENV: '', PYTHONHASHSEED: '0' };

/**
 * `npm ci` in `cwd`, through a cache of its result keyed by package.json, package-lock.json and the
 * Node that compiles the native modules: it is the slow step (minutes: better-sqlite3 compiles from
 * source), and source edits, the usual change, do not touch its inputs. The cached tree is what
 * `npm ci` made, copied, so the later `npm prune` works on a copy and never on the cache.
 */
function npmCi(cwd: string, log: (m: string) => void): void {
  const key = sha256(JSON.stringify([readFileSync(join(cwd, 'package.json'), 'utf8'), readFileSync(join(cwd, 'package-lock.json'), 'utf8'), process.version, process.versions.modules, npmEnv.PYTHONHASHSEED])).slice(0, 20);
  const cached = join(CACHE_DIR, 'npm-ci', key);
  if (existsSync(cached)) {
    log(`npm ci: cached (${key})`);
    touch(cached);
    cpSync(cached, join(cwd, 'node_modules'), { recursive: true, verbatimSymlinks: true });
    return;
  }
  log('npm ci --no-audit --no-fund');
  run('npm', ['ci', '--no-audit', '--no-fund'], { cwd, env: npmEnv });
  mkdirSync(join(CACHE_DIR, 'npm-ci'), { recursive: true });
  rmSync(`${cached}.tmp`, { recursive: true, force: true });
  cpSync(join(cwd, 'node_modules'), `${cached}.tmp`, { recursive: true, verbatimSymlinks: true });
  renameSync(`${cached}.tmp`, cached);
}

/** Carries out one RUN command of a stage whose tree is `root`, in image folder `wd`. */
function runCommand(c: Command, root: string, wd: string, final: boolean, line: number, log: (m: string) => void): void {
  const cwd = join(root, wd);
  const where = `Dockerfile:${line}`;
  switch (c.kind) {
    case 'apt-update':
    case 'rm-apt-lists':
      return; // the host's package lists (build stage) or base.ts (final stage)
    case 'apt-install':
      if (final) return; // base.ts installs these into the base layer
      // The build stage's tools (compilers for native modules) come from the build host.
      for (const p of c.packages) if (!hostHas(p)) throw new Error(`image: ${where}: the build needs the Debian package ${p} on this machine (apt-get install ${c.packages.join(' ')})`);
      return;
    case 'useradd':
      if (final) return; // base.ts writes the account into the base layer
      throw new Error(`image: ${where}: useradd in a build stage is not supported`);
    case 'npm-ci':
    case 'npm-prune-dev':
    case 'tsc': {
      if (final) throw new Error(`image: ${where}: npm/npx in the final stage is not supported (the image has no npm)`);
      if (c.kind === 'npm-ci') return npmCi(cwd, log);
      const [cmd, ...args] = c.kind === 'tsc' ? ['npx', 'tsc', '-p', c.project] : ['npm', 'prune', '--omit=dev', '--no-audit', '--no-fund'];
      log(`${cmd} ${args.join(' ')}`);
      run(cmd!, args, { cwd, env: npmEnv });
      return;
    }
    case 'chmod':
      chmodSync(join(root, c.path), c.mode);
      return;
    case 'symlink':
      mkdirSync(join(root, dirname(c.link)), { recursive: true, mode: 0o755 });
      symlinkSync(c.target, join(root, c.link));
      return;
  }
}

/** Runs `stage` in the tree `root`; `stages` maps earlier stage names to their trees. */
function runStage(stage: Stage, root: string, context: string, trees: Map<string, string>, final: boolean, log: (m: string) => void): void {
  let wd = '/';
  for (const step of stage.steps) {
    if (step.kind === 'workdir') {
      wd = step.path;
      mkdirSync(join(root, wd), { recursive: true, mode: 0o755 });
    } else if (step.kind === 'copy') {
      const from = step.from === undefined ? context : trees.get(step.from);
      if (!from) throw new Error(`image: Dockerfile:${step.line}: COPY --from=${step.from} names no earlier stage`);
      const srcs = step.sources.map((s) => join(from, s));
      copy(srcs, join(root, step.dest.startsWith('/') ? step.dest : posix.join(wd, step.dest)) + (step.dest.endsWith('/') ? '/' : ''));
    } else for (const c of step.commands) runCommand(c, root, wd, final, step.line, log);
  }
}

/**
 * Builds the app layer's tree in `root` from `repo`'s context `files`: every stage but the last in
 * `work`, then the last stage's own steps into `root`.
 */
export function buildApp(root: string, work: string, repo: string, stages: Stage[], files: string[], log: (m: string) => void): void {
  process.umask(0o022);
  const context = join(work, 'context');
  copyContext(repo, files, context);
  const trees = new Map<string, string>();
  stages.slice(0, -1).forEach((stage, i) => {
    const tree = join(work, `stage-${i}`);
    mkdirSync(tree, { recursive: true });
    runStage(stage, tree, context, trees, false, log);
    if (stage.name) trees.set(stage.name, tree);
  });
  runStage(stages.at(-1)!, root, context, trees, true, log);
}
