/**
 * Runs a user's shell command (a hook, a version probe, a check) with a timeout. The command gets
 * its own process group, and a timeout kills the whole group — SIGTERM, then SIGKILL after a grace
 * period — because `sh -c "pg_dump ... | gzip"` leaves grandchildren that killing `sh` alone would
 * orphan, still holding the application quiesced or the pipe open.
 */
import { spawn } from 'node:child_process';
import type { Clock } from '../clock.js';

export interface ExecOptions {
  cwd?: string | undefined;
  env?: NodeJS.ProcessEnv;
  timeoutMs: number;
  /** Time between SIGTERM and SIGKILL of the group. */
  killGraceMs?: number;
  /** Keep at most this many bytes of each output stream (the tail is kept). */
  maxOutput?: number;
  clock: Clock;
}

export interface ExecResult {
  command: string;
  /** null when killed by a signal. */
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
  startedAt: Date;
  durationMs: number;
  /** Set when the command could not be started at all (no shell, bad cwd). */
  spawnError?: string;
}

export function runCommand(command: string, o: ExecOptions): Promise<ExecResult> {
  const max = o.maxOutput ?? 64 * 1024;
  const startedAt = o.clock.now();
  return new Promise((resolve) => {
    const child = spawn('/bin/sh', ['-c', command], {
      cwd: o.cwd,
      env: o.env ?? process.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out = { stdout: '', stderr: '' };
    const keep = (k: 'stdout' | 'stderr') => (b: Buffer) => {
      out[k] = (out[k] + b.toString('utf8')).slice(-max);
    };
    child.stdout.on('data', keep('stdout'));
    child.stderr.on('data', keep('stderr'));
    let timedOut = false;
    let killTimer: NodeJS.Timeout | undefined;
    const killGroup = (sig: NodeJS.Signals) => {
      try {
        if (child.pid) process.kill(-child.pid, sig);
      } catch {
        // The group is already gone.
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup('SIGTERM');
      killTimer = setTimeout(() => killGroup('SIGKILL'), o.killGraceMs ?? 2000);
      killTimer.unref();
    }, o.timeoutMs);
    let done = false;
    const finish = (exitCode: number | null, signal: string | null, spawnError?: string) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (killTimer) clearTimeout(killTimer);
      // Whatever the shell left behind in its group goes with it.
      if (timedOut) killGroup('SIGKILL');
      const r: ExecResult = {
        command,
        exitCode,
        signal,
        timedOut,
        ...out,
        startedAt,
        durationMs: o.clock.now().getTime() - startedAt.getTime(),
      };
      if (spawnError) r.spawnError = spawnError;
      resolve(r);
    };
    child.on('error', (e) => finish(null, null, e.message));
    child.on('close', (code, signal) => finish(code, signal));
  });
}

/** One line for logs and run records: "exit 3", "timed out after 5s (killed)", "killed by SIGTERM". */
export function describeResult(r: ExecResult): string {
  if (r.spawnError) return `could not start: ${r.spawnError}`;
  if (r.timedOut) return `timed out after ${Math.round(r.durationMs / 1000)}s; its process group was killed`;
  if (r.exitCode !== null)
    return r.exitCode === 0
      ? 'ok'
      : `exit ${r.exitCode}${lastLine(r.stderr) ? `: ${lastLine(r.stderr)}` : ''}`;
  return `killed by ${r.signal}`;
}

const lastLine = (s: string) => s.trim().split('\n').at(-1)?.slice(0, 200) ?? '';
