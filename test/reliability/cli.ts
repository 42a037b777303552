/**
 * The real `holdfast` binary as a user runs it, for the reliability campaign: one child process per
 * command, armed (or not) with a fault point or a kill timer. Every run is recorded with how it
 * ended, so a trial's report can show exactly what the user would have seen.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';

const bin = join(import.meta.dirname, '..', '..', 'bin', 'holdfast.js');

/** Where a repository lives and what a process needs to reach it. */
export interface Site {
  backend: 'fs' | 's3';
  /** HOLDFAST_REPO */
  url: string;
  /** Extra environment (S3 credentials and CA). */
  env: NodeJS.ProcessEnv;
  /** The directory holding the repository (fs only): where bit flips are made. */
  dir?: string;
}

export interface RunOptions {
  password?: string;
  /** HOLDFAST_FAULT */
  fault?: string;
  /** HOLDFAST_FAULT_TRACE */
  trace?: string;
  /** SIGKILL the process after this many ms (a seeded random-time kill). */
  killAfterMs?: number;
  env?: NodeJS.ProcessEnv;
  /** A wall-clock limit, so a hung command fails its trial instead of the campaign. */
  timeoutMs?: number;
}

export interface RunResult {
  args: string[];
  code: number | null;
  /** 'SIGKILL' when the process was killed (by a fault point or the timer). */
  signal: NodeJS.Signals | null;
  out: string;
  err: string;
  ms: number;
  timedOut: boolean;
}

export const PASSWORD = 'reliability-pw-1';
export const NEW_PASSWORD = 'reliability-pw-2';

export interface Running {
  pid: number;
  done: Promise<RunResult>;
  kill(): void;
}

/** Starts `holdfast <args>` against a site; the caller awaits `done`. */
export function start(site: Site, args: string[], o: RunOptions = {}): Running {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    TMPDIR: process.env.TMPDIR,
    // The full run builds dist/ and runs it (as an installed holdfast runs): 3× faster to start.
    HOLDFAST_DIST: process.env.HOLDFAST_DIST,
    ...site.env,
    HOLDFAST_REPO: site.url,
    HOLDFAST_PASSWORD: o.password ?? PASSWORD,
    HOLDFAST_TEST_FAST_KDF: '1',
    ...(o.fault ? { HOLDFAST_FAULT: o.fault } : {}),
    ...(o.trace ? { HOLDFAST_FAULT_TRACE: o.trace } : {}),
    ...o.env,
  };
  const t0 = Date.now();
  const child = spawn(process.execPath, [bin, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  let timedOut = false;
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr.on('data', (b: Buffer) => (err += b.toString()));
  const timers: NodeJS.Timeout[] = [];
  if (o.killAfterMs !== undefined) timers.push(setTimeout(() => child.kill('SIGKILL'), o.killAfterMs));
  timers.push(
    setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, o.timeoutMs ?? 180_000),
  );
  const done = new Promise<RunResult>((resolve) =>
    child.once('close', (code, signal) => {
      for (const t of timers) clearTimeout(t);
      resolve({ args, code, signal, out, err, ms: Date.now() - t0, timedOut });
    }),
  );
  return { pid: child.pid ?? -1, done, kill: () => child.kill('SIGKILL') };
}

export const run = (site: Site, args: string[], o: RunOptions = {}): Promise<RunResult> => start(site, args, o).done;

/** One line for a report: the command, how it ended, and the first line of what it said. */
export function describeRun(r: RunResult): string {
  const how = r.timedOut ? 'timed out' : r.signal ? `killed (${r.signal})` : `exit ${r.code}`;
  // The one line a failing command owes its user starts "holdfast:"; warnings come before it.
  const errLines = r.err.trim().split('\n').filter(Boolean);
  const at = errLines.findIndex((l) => l.startsWith('holdfast:'));
  // An internal error's line ends where its stack trace starts: the next line is the error itself.
  const said = at >= 0 ? errLines.slice(at, /: $|:$/.test(errLines[at]!) ? at + 2 : at + 1).join(' ') : (errLines[0] ?? r.out.trim().split('\n')[0] ?? '');
  return `holdfast ${r.args.join(' ')} → ${how}${said ? `: ${said.slice(0, 300)}` : ''}`;
}
