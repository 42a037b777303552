/**
 * Hooks bracket a capture: pre-hooks (quiesce, flush, dump) run in order before it, post-hooks
 * (resume) after it. The rule that matters: once any pre-hook has started, every post-hook runs —
 * after the capture, after a failed capture, and after a pre-hook that failed or hung — so the
 * application is never left quiesced. A pre-hook failure with onError "abort" cancels the capture;
 * with "continue" it is recorded and the capture goes on.
 */
import type { Clock } from '../clock.js';
import { describeResult, runCommand } from './exec.js';

export interface HookSpec {
  name: string;
  command: string;
  timeoutMs: number;
  onError: 'abort' | 'continue';
}

/** Structurally the provenance's HookRun (backup/snapshot/provenance.ts), which this layer may not import. */
export interface HookRecord {
  name: string;
  phase: 'pre' | 'post';
  command: string;
  exitCode: number | null;
  startedAt: string;
  durationMs: number;
  outcome: 'ok' | 'failed' | 'timeout' | 'skipped';
  detail: string;
}

export interface HookContext {
  cwd?: string | undefined;
  env?: NodeJS.ProcessEnv;
  clock: Clock;
  log?: (level: 'info' | 'warn' | 'error', message: string) => void;
}

export type Bracketed<T> =
  | { ok: true; value: T; hooks: HookRecord[] }
  | { ok: false; error: unknown; hooks: HookRecord[]; abortedBy?: string };

async function runHook(h: HookSpec, phase: 'pre' | 'post', ctx: HookContext): Promise<HookRecord> {
  const r = await runCommand(h.command, {
    cwd: ctx.cwd,
    env: ctx.env ?? process.env,
    timeoutMs: h.timeoutMs,
    clock: ctx.clock,
  });
  const outcome = r.timedOut ? 'timeout' : r.exitCode === 0 ? 'ok' : 'failed';
  const rec: HookRecord = {
    name: h.name,
    phase,
    command: h.command,
    exitCode: r.exitCode,
    startedAt: r.startedAt.toISOString(),
    durationMs: r.durationMs,
    outcome,
    detail: describeResult(r),
  };
  ctx.log?.(outcome === 'ok' ? 'info' : 'warn', `${phase}-hook ${h.name}: ${rec.detail}`);
  return rec;
}

export async function withHooks<T>(
  pre: readonly HookSpec[],
  post: readonly HookSpec[],
  ctx: HookContext,
  capture: (preHooks: readonly HookRecord[]) => Promise<T>,
): Promise<Bracketed<T>> {
  const hooks: HookRecord[] = [];
  let abortedBy: string | undefined;
  let result: Bracketed<T> | undefined;
  try {
    for (const h of pre) {
      const rec = await runHook(h, 'pre', ctx);
      hooks.push(rec);
      if (rec.outcome !== 'ok' && h.onError === 'abort') {
        abortedBy = `pre-hook ${h.name} ${rec.detail}`;
        break;
      }
    }
    if (abortedBy) {
      for (const h of pre.slice(hooks.length))
        hooks.push({
          name: h.name,
          phase: 'pre',
          command: h.command,
          exitCode: null,
          startedAt: ctx.clock.now().toISOString(),
          durationMs: 0,
          outcome: 'skipped',
          detail: 'skipped after an aborting pre-hook',
        });
      result = { ok: false, error: new Error(abortedBy), hooks, abortedBy };
    } else {
      try {
        result = { ok: true, value: await capture([...hooks]), hooks };
      } catch (error) {
        result = { ok: false, error, hooks };
      }
    }
  } finally {
    // Post-hooks run even if the code above threw: never leave the application quiesced.
    for (const h of post) hooks.push(await runHook(h, 'post', ctx));
  }
  return result;
}
