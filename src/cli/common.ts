/**
 * What every repository command shares: where the repository is, the password, output mode, and
 * progress. The password never goes through argv (visible in `ps`): a file, an environment
 * variable, or a prompt without echo.
 */
import { readFile } from 'node:fs/promises';
import { Option, type Command } from 'commander';
import { authFailed, fromSystemError, invalidInput, notFound } from '../base/errors.js';
import { formatBytes, formatDuration } from '../base/format.js';
import { openBlobStore } from '../storage/index.js';
import { Repository, type RepositoryOptions } from '../backup/index.js';
import { secretText } from './early-key.js';

export interface RepoFlags {
  repo?: string;
  passwordFile?: string;
  json?: boolean;
  lockDays?: string;
}

export function repoOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('-r, --repo <path|url>', 'repository: a directory, or s3:https://host/bucket/prefix').env('HOLDFAST_REPO'))
    .addOption(new Option('-p, --password-file <file>', 'read the repository password from a file').env('HOLDFAST_PASSWORD_FILE'))
    .option('--json', 'machine-readable output (JSON; JSON lines for progress)');
}

async function readSecretFile(path: string, what: string): Promise<string> {
  try {
    const s = secretText(await readFile(path, 'utf8'));
    if (!s) throw authFailed('PASSWORD_EMPTY', `read ${what} from ${path}: the file is empty`);
    return s;
  } catch (e) {
    throw fromSystemError(`read ${what} from ${path}`, e);
  }
}

export async function promptHidden(question: string): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) throw invalidInput('PASSWORD_MISSING', 'no password given: use --password-file, HOLDFAST_PASSWORD, or run on a terminal to be asked');
  process.stderr.write(question);
  stdin.setRawMode(true);
  stdin.resume();
  let s = '';
  return new Promise((res, rej) => {
    const onData = (b: Buffer) => {
      for (const ch of b.toString('utf8')) {
        if (ch === '\r' || ch === '\n') {
          stdin.setRawMode(false);
          stdin.pause();
          stdin.off('data', onData);
          process.stderr.write('\n');
          return res(s);
        }
        if (ch === '\u0003') {
          stdin.setRawMode(false);
          return rej(invalidInput('INTERRUPTED', 'interrupted'));
        }
        if (ch === '\u007f') s = s.slice(0, -1);
        else s += ch;
      }
    };
    stdin.on('data', onData);
  });
}

export async function readPassword(flags: RepoFlags): Promise<string> {
  if (flags.passwordFile) return readSecretFile(flags.passwordFile, 'password');
  if (process.env.HOLDFAST_PASSWORD) return process.env.HOLDFAST_PASSWORD;
  return promptHidden('repository password: ');
}

/** A second password for `key add` / `key passwd`: --new-password-file, HOLDFAST_NEW_PASSWORD, or prompt twice. */
export async function readNewPassword(file?: string): Promise<string> {
  if (file) return readSecretFile(file, 'new password');
  if (process.env.HOLDFAST_NEW_PASSWORD) return process.env.HOLDFAST_NEW_PASSWORD;
  const a = await promptHidden('new password: ');
  const b = await promptHidden('repeat new password: ');
  if (a !== b) throw invalidInput('PASSWORD_MISMATCH', 'the two passwords differ');
  return a;
}

/** Opens the repository; `loadIndex: false` for commands that must lock before reading it (backup). */
export async function openRepo(flags: RepoFlags, opts: RepositoryOptions & { loadIndex?: boolean } = {}): Promise<Repository> {
  const store = await openBlobStore(flags.repo ?? '');
  const lockDays = flags.lockDays ? Number(flags.lockDays) : undefined;
  if (lockDays !== undefined && !(lockDays > 0)) throw invalidInput('LOCK_DAYS', `--lock-days ${flags.lockDays}: must be a positive number of days`);
  // Say "no repository there" before asking for a password that could not help.
  if (!(await store.stat('config')))
    throw notFound('REPO_NOT_FOUND', `open repository ${store.location}: no repository there (run 'holdfast repo init')`);
  // Damage that a command can work around (a segment, snapshot or plan that cannot be read) is
  // skipped, and said on stderr so it never passes silently.
  const onWarning = (m: string) => process.stderr.write(`warning: ${m}
`);
  // Test suites shrink packs so that a few small files give many packs for prune to work on.
  const packSize = Number(process.env.HOLDFAST_TEST_PACK_SIZE) || undefined;
  const repo = await Repository.open(store, await readPassword(flags), { onWarning, ...(packSize ? { packSize } : {}), ...opts, ...(lockDays ? { lockDays } : {}) });
  if (opts.loadIndex !== false) await repo.loadIndex();
  return repo;
}

export function print(flags: { json?: boolean }, value: unknown, human: () => string): void {
  process.stdout.write(flags.json ? JSON.stringify(value, null, 2) + '\n' : human() + '\n');
}

/** Progress on a TTY as one rewritten line; JSON lines with --json; nothing otherwise. */
export function progressReporter(flags: { json?: boolean }, total?: () => number | undefined) {
  const started = Date.now();
  const tty = process.stderr.isTTY && !flags.json;
  return {
    update(p: { files: number; bytes: number; bytesRead?: number }) {
      const secs = (Date.now() - started) / 1000;
      const done = p.bytesRead ?? p.bytes;
      const rate = secs > 0 ? done / secs : 0;
      const t = total?.();
      const eta = t && rate > 0 ? formatDuration(((t - done) / rate) * 1000) : '?';
      if (flags.json) process.stderr.write(JSON.stringify({ type: 'progress', elapsed: secs, ...p, rate }) + '\n');
      else if (tty)
        process.stderr.write(`\r${p.files} files, ${formatBytes(done)} at ${formatBytes(rate)}/s, ETA ${eta}   `);
    },
    done() {
      if (tty) process.stderr.write('\n');
    },
  };
}
