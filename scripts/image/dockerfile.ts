/**
 * The Dockerfile, read as the image builder's instructions (scripts/image/build.ts), so the image
 * built here and the one `docker build` makes cannot drift apart: the package list, the user, the
 * working directory, the copies, the environment and the entry point all come from the file itself.
 *
 * The builder has no container engine, so it understands a small, closed set of instructions and
 * shell commands (the ones the Dockerfile uses). Anything else fails with one line naming the
 * Dockerfile line, instead of an image that silently lacks a step.
 */

/** One shell command of a RUN, in the forms the builder can carry out without an engine. */
export type Command =
  | { kind: 'apt-update' }
  | { kind: 'apt-install'; packages: string[] }
  | { kind: 'rm-apt-lists' }
  | { kind: 'useradd'; name: string; uid: number; home: string; createHome: boolean; shell: string }
  | { kind: 'npm-ci' }
  | { kind: 'tsc'; project: string }
  | { kind: 'npm-prune-dev' }
  | { kind: 'chmod'; mode: number; path: string }
  | { kind: 'symlink'; target: string; link: string };

export type Step =
  | { kind: 'workdir'; path: string; line: number }
  | { kind: 'copy'; from: string | undefined; sources: string[]; dest: string; line: number }
  | { kind: 'run'; commands: Command[]; line: number };

export interface Stage {
  name: string | undefined;
  /** `FROM node:<major>-<suite>[-slim]`: Debian `suite` with Node `nodeMajor`. */
  nodeMajor: number;
  suite: string;
  line: number;
  steps: Step[];
  user: string | undefined;
  env: [string, string][];
  entrypoint: string[] | undefined;
  cmd: string[] | undefined;
}

export class DockerfileError extends Error {}

/** Joins `\` continuations and drops comments and blank lines; each entry keeps its first line number. */
export function logicalLines(text: string): { line: number; text: string }[] {
  const out: { line: number; text: string }[] = [];
  let current: { line: number; text: string } | undefined;
  text.split('\n').forEach((raw, i) => {
    const trimmed = raw.trim();
    if (!current && (trimmed === '' || trimmed.startsWith('#'))) return;
    if (current && trimmed.startsWith('#')) return; // comment lines inside a continuation are dropped by Docker too
    const continued = trimmed.endsWith('\\');
    const body = continued ? trimmed.slice(0, -1).trim() : trimmed;
    current = current ? { line: current.line, text: `${current.text} ${body}`.trim() } : { line: i + 1, text: body };
    if (!continued) {
      out.push(current);
      current = undefined;
    }
  });
  if (current) out.push(current);
  return out;
}

const PACKAGE = /^[a-z0-9][a-z0-9+.-]+$/;
const QUIET = new Set(['-y', '-q', '-qq', '--yes', '--quiet']);
const NPM_QUIET = new Set(['--no-audit', '--no-fund']);

/** One `&&`-separated shell command of a RUN; undefined when the builder cannot carry it out. */
export function parseCommand(text: string): Command | undefined {
  // Quotes, variables, pipes, redirections and subshells would need a shell's meaning; none is used.
  if (/["'`$|;<>(){}]/.test(text)) return undefined;
  const [cmd, ...args] = text.trim().split(/\s+/);
  const flags = args.filter((a) => a.startsWith('-'));
  const words = args.filter((a) => !a.startsWith('-'));
  const only = (allowed: Set<string>) => flags.every((f) => allowed.has(f));
  if (cmd === 'apt-get' && words[0] === 'update' && words.length === 1 && only(QUIET)) return { kind: 'apt-update' };
  if (cmd === 'apt-get' && words[0] === 'install') {
    // Debootstrap installs Depends only; a Dockerfile that wants Recommends too would get less here.
    if (!flags.includes('--no-install-recommends') || !only(new Set([...QUIET, '--no-install-recommends']))) return undefined;
    const packages = words.slice(1);
    return packages.length && packages.every((p) => PACKAGE.test(p)) ? { kind: 'apt-install', packages } : undefined;
  }
  if (cmd === 'rm' && args.join(' ') === '-rf /var/lib/apt/lists/*') return { kind: 'rm-apt-lists' };
  if (cmd === 'useradd') return parseUseradd(args);
  if (cmd === 'npm' && words.length === 1 && words[0] === 'ci' && only(NPM_QUIET)) return { kind: 'npm-ci' };
  if (cmd === 'npm' && words.length === 1 && words[0] === 'prune' && flags.includes('--omit=dev') && only(new Set([...NPM_QUIET, '--omit=dev'])))
    return { kind: 'npm-prune-dev' };
  if (cmd === 'npx' && args.length === 3 && args[0] === 'tsc' && args[1] === '-p') return { kind: 'tsc', project: args[2]! };
  if (cmd === 'chmod' && args.length === 2 && /^0?[0-7]{3,4}$/.test(args[0]!) && args[1]!.startsWith('/'))
    return { kind: 'chmod', mode: parseInt(args[0]!, 8), path: args[1]! };
  if (cmd === 'ln' && args.length === 3 && args[0] === '-s' && args[2]!.startsWith('/')) return { kind: 'symlink', target: args[1]!, link: args[2]! };
  return undefined;
}

function parseUseradd(args: string[]): Command | undefined {
  let uid: number | undefined;
  let home: string | undefined;
  let createHome = false;
  let shell = '/bin/sh'; // SHELL in Debian's /etc/default/useradd
  const rest = [...args];
  while (rest.length > 1) {
    const a = rest.shift()!;
    if ((a === '--uid' || a === '-u') && /^\d+$/.test(rest[0] ?? '')) uid = Number(rest.shift());
    else if ((a === '--home-dir' || a === '-d') && rest[0]?.startsWith('/')) home = rest.shift();
    else if ((a === '--shell' || a === '-s') && rest[0]?.startsWith('/')) shell = rest.shift()!;
    else if (a === '--create-home' || a === '-m') createHome = true;
    else return undefined;
  }
  const name = rest[0];
  if (uid === undefined || !name || !/^[a-z_][a-z0-9_-]*$/.test(name)) return undefined;
  return { kind: 'useradd', name, uid, home: home ?? `/home/${name}`, createHome, shell };
}

const jsonArray = (text: string): string[] | undefined => {
  try {
    const v: unknown = JSON.parse(text);
    return Array.isArray(v) && v.every((s) => typeof s === 'string') ? (v as string[]) : undefined;
  } catch {
    return undefined;
  }
};

/** `ENV A=1 B=2` or `ENV A 1`, unquoted values only. */
function parseEnv(args: string): [string, string][] | undefined {
  const name = /^[A-Za-z_][A-Za-z0-9_]*$/;
  if (!args.includes('=')) {
    const [k, ...v] = args.split(/\s+/);
    return k && name.test(k) && v.length ? [[k, v.join(' ')]] : undefined;
  }
  const pairs = args.split(/\s+/).map((p) => [p.slice(0, p.indexOf('=')), p.slice(p.indexOf('=') + 1)] as [string, string]);
  return pairs.every(([k, v]) => name.test(k) && !/["'$\\]/.test(v)) ? pairs : undefined;
}

/** Every stage of the Dockerfile; throws a DockerfileError naming the first line it does not understand. */
export function parseDockerfile(text: string, file = 'Dockerfile'): Stage[] {
  const stages: Stage[] = [];
  for (const { line, text: l } of logicalLines(text)) {
    const fail = (what = `"${l.length > 100 ? `${l.slice(0, 100)}...` : l}"`): never => {
      throw new DockerfileError(`${file}:${line}: the image builder (scripts/image) does not understand ${what}`);
    };
    const m = /^([A-Za-z]+)\s+(.*)$/.exec(l);
    if (!m) fail();
    const instruction = m![1]!.toUpperCase();
    const args = m![2]!.trim();
    const stage = stages.at(-1);
    if (instruction === 'FROM') {
      const from = /^node:(\d+)-([a-z]+)(?:-slim)?(?:\s+AS\s+([A-Za-z0-9_-]+))?$/i.exec(args);
      if (!from) fail(`the base image in "${l}" (only node:<major>-<debian suite>[-slim])`);
      stages.push({ name: from![3], nodeMajor: Number(from![1]), suite: from![2]!, line, steps: [], user: undefined, env: [], entrypoint: undefined, cmd: undefined });
      continue;
    }
    if (!stage) fail(`"${l}" before the first FROM`);
    if (instruction === 'WORKDIR' && /^\/\S*$/.test(args)) stage!.steps.push({ kind: 'workdir', path: args, line });
    else if (instruction === 'COPY') {
      const parts = args.split(/\s+/);
      const from = parts[0]?.startsWith('--from=') ? parts.shift()!.slice('--from='.length) : undefined;
      if (parts.length < 2 || parts.some((p) => p.startsWith('-') || /[*?[\]"'$]/.test(p))) fail();
      stage!.steps.push({ kind: 'copy', from, sources: parts.slice(0, -1), dest: parts.at(-1)!, line });
    } else if (instruction === 'RUN') {
      const commands = args.split('&&').map((c) => {
        const parsed = parseCommand(c);
        return parsed ?? fail(`the command "${c.trim()}" in RUN`);
      });
      stage!.steps.push({ kind: 'run', commands, line });
    } else if (instruction === 'USER' && /^[a-z0-9_-]+$/i.test(args)) stage!.user = args;
    else if (instruction === 'ENV') stage!.env.push(...(parseEnv(args) ?? fail()));
    else if (instruction === 'ENTRYPOINT') stage!.entrypoint = jsonArray(args) ?? fail(`${l} (only the JSON array form)`);
    else if (instruction === 'CMD') stage!.cmd = jsonArray(args) ?? fail(`${l} (only the JSON array form)`);
    else fail();
  }
  if (stages.length === 0) throw new DockerfileError(`${file}: no FROM line`);
  return stages;
}
