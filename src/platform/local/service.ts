/**
 * A local workload: a long-running process Holdfast may start (its `start` command), stop (its
 * `stop` command, else SIGTERM to its process group, then SIGKILL) and reload (its `reload`
 * command, e.g. after a certificate renewal). Output goes to a log file, never to Holdfast's own
 * log, since an application may print secrets of its own.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import { conflict } from '../../base/errors.js';
import type { Clock } from '../clock.js';
import { describeResult, runCommand, type ExecResult } from './exec.js';

export interface ServiceSpec {
  name: string;
  start?: string | undefined;
  stop?: string | undefined;
  reload?: string | undefined;
  cwd: string;
  env?: NodeJS.ProcessEnv;
  logFile: string;
}

export class LocalService {
  private child: ChildProcess | undefined;
  private exited: Promise<void> | undefined;
  constructor(
    readonly spec: ServiceSpec,
    private readonly clock: Clock,
  ) {}

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Starts the service in its own process group; a service without a start command is external. */
  start(): void {
    if (!this.spec.start || this.running) return;
    const fd = openSync(this.spec.logFile, 'a');
    try {
      const child = spawn('/bin/sh', ['-c', `exec ${this.spec.start}`], {
        cwd: this.spec.cwd,
        env: this.spec.env ?? process.env,
        detached: true,
        stdio: ['ignore', fd, fd],
      });
      this.child = child;
      this.exited = new Promise((r) => child.once('exit', () => r()));
      child.once('error', () => undefined);
    } finally {
      closeSync(fd);
    }
  }

  async stop(graceMs = 5000): Promise<void> {
    if (this.spec.stop) {
      const r = await runCommand(this.spec.stop, {
        cwd: this.spec.cwd,
        timeoutMs: graceMs,
        clock: this.clock,
      });
      if (r.exitCode !== 0 && !this.running)
        throw conflict('SERVICE_STOP_FAILED', `stop workload ${this.spec.name}: ${describeResult(r)}`);
    }
    const child = this.child;
    if (!child?.pid || !this.running) return;
    const kill = (sig: NodeJS.Signals) => {
      try {
        process.kill(-child.pid!, sig);
      } catch {
        // already gone
      }
    };
    kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const graceful = await Promise.race([
      this.exited!.then(() => true),
      new Promise<boolean>((r) => (timer = setTimeout(() => r(false), graceMs))),
    ]);
    clearTimeout(timer);
    if (!graceful) {
      kill('SIGKILL');
      await this.exited;
    }
  }

  /** Runs the reload command; a service without one is told nothing (it may watch its files). */
  async reload(timeoutMs = 30_000): Promise<ExecResult | undefined> {
    // A service Holdfast starts but has not started yet picks the new files up when it starts.
    if (!this.spec.reload || (this.spec.start && !this.running)) return undefined;
    return runCommand(this.spec.reload, {
      cwd: this.spec.cwd,
      env: { ...process.env, HOLDFAST_SERVICE_PID: String(this.child?.pid ?? '') },
      timeoutMs,
      clock: this.clock,
    });
  }
}
