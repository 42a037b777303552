/**
 * The key derivation of a repository command, started before the command's modules load. Opening
 * a repository costs one scrypt (~0.2 s, on the thread pool) and loading the engine ~0.35 s of the
 * main thread; one after the other they were most of a no-change backup and of `holdfast
 * snapshots`. From the command line alone this guesses the repository (a directory) and the
 * password as the command will, reads the first key file and starts scrypt; Repository.open then
 * takes the result (backup/crypto/kdf.ts). A wrong guess costs one derivation and nothing else:
 * the result is used only for the same password, salt and cost, and whatever is wrong (no
 * repository, an unreadable password file, a damaged key) is found and reported as before, when
 * the command opens the repository.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDerivation } from '../backup/crypto/kdf.js';
import { localDirectory } from '../storage/open.js';

/** Commands that open a repository with the password (repoOptions and openRepo in common.ts). */
const OPENS_REPOSITORY = new Set(['backup', 'restore', 'snapshots', 'ls', 'diff', 'check', 'forget', 'prune', 'locks', 'unlock', 'repair', 'key']);

/** The value of an option (`--long v`, `--long=v`, `-s v`, `-sv`) before `--`; the last given wins, as in commander. */
export function optionValue(argv: readonly string[], long: string, short: string): string | undefined {
  let value: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') break;
    if (a === long || a === short) value = argv[++i];
    else if (a.startsWith(`${long}=`)) value = a.slice(long.length + 1);
    else if (a.startsWith(short) && !a.startsWith('--') && a.length > short.length) value = a.slice(short.length);
  }
  return value;
}

export type PasswordSource = { file: string } | { value: string };

/**
 * Where the command line and environment say the repository and its password are, with the
 * precedence of common.ts (a flag over its variable; a password file over HOLDFAST_PASSWORD), or
 * undefined when the command opens no repository or the password would be asked for.
 */
export function earlyKeySource(argv: readonly string[], env: NodeJS.ProcessEnv): { repo: string; password: PasswordSource } | undefined {
  const command = argv.find((a) => !a.startsWith('-'));
  if (!command || !OPENS_REPOSITORY.has(command) || argv.includes('--help') || argv.includes('-h')) return undefined;
  const repo = optionValue(argv, '--repo', '-r') ?? env.HOLDFAST_REPO;
  const file = optionValue(argv, '--password-file', '-p') ?? env.HOLDFAST_PASSWORD_FILE;
  const password: PasswordSource | undefined = file ? { file } : env.HOLDFAST_PASSWORD ? { value: env.HOLDFAST_PASSWORD } : undefined;
  return repo && password ? { repo, password } : undefined;
}

/** A password file's content as the password: without its final line break. */
export function secretText(raw: string): string {
  return raw.replace(/\r?\n$/, '');
}

/** Starts deriving the key of the first key file, when the repository is a directory; never throws. */
export function startKeyDerivation(argv: readonly string[], env: NodeJS.ProcessEnv): void {
  const source = earlyKeySource(argv, env);
  const dir = source && localDirectory(source.repo);
  if (!dir) return;
  try {
    const password = 'file' in source.password ? secretText(readFileSync(source.password.file, 'utf8')) : source.password.value;
    // The order the repository lists key files in (fs-store's readdir), so the first it tries.
    const name = readdirSync(join(dir, 'keys')).find((n) => !n.startsWith('.'));
    if (!name) return;
    const key = JSON.parse(readFileSync(join(dir, 'keys', name), 'utf8')) as { kdf?: unknown; salt?: unknown; N?: unknown; r?: unknown; p?: unknown };
    if (key.kdf !== 'scrypt' || typeof key.salt !== 'string') return;
    startDerivation(password, Buffer.from(key.salt, 'base64'), { N: Number(key.N), r: Number(key.r), p: Number(key.p) });
  } catch {
    // Nothing to start: the command finds the same problem when it opens the repository, and says so.
  }
}
