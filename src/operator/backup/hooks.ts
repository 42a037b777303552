/**
 * Application-consistency hooks: pre hooks (flush, freeze) before the volume is captured, post hooks
 * (thaw) after. The one promise that matters: once any pre hook has run, the post hooks run, whether
 * a pre hook failed, the capture threw, or a hook timed out, because a frozen database left frozen
 * is an outage. Exec itself is behind HookRunner (pods/exec on Kubernetes), so this logic is pure.
 */
import type { HookRun } from '../../backup/snapshot/provenance.js';
import type { Clock } from '../../platform/clock.js';
import type { Hook } from '../api/index.js';

export interface PodRef {
  namespace: string;
  name: string;
  /** First container, used when a hook names none. */
  defaultContainer: string;
}

export interface ExecResult {
  outcome: 'ok' | 'failed' | 'timeout';
  exitCode: number | null;
  /** One line, no command output (it may carry secrets). */
  message: string;
}

export interface HookRunner {
  /** Never throws: transport errors come back as outcome "failed" with the reason in `message`. */
  exec(pod: PodRef, container: string, command: string[], timeoutMs: number): Promise<ExecResult>;
}

export interface PhaseResult {
  runs: HookRun[];
  /** The first failure of a hook with onError: Fail, which stops the phase and skips the capture. */
  failure?: { hook: string; pod: string; message: string };
}

export async function runPhase(phase: 'pre' | 'post', hooks: readonly Hook[], pods: readonly PodRef[], runner: HookRunner, clock: Clock): Promise<PhaseResult> {
  const runs: HookRun[] = [];
  for (const hook of hooks)
    for (const pod of pods) {
      const started = clock.now();
      const r = await runner.exec(pod, hook.container ?? pod.defaultContainer, hook.command, hook.timeoutSeconds * 1000);
      runs.push({
        name: hook.name,
        phase,
        command: hook.command.join(' ').slice(0, 200),
        exitCode: r.exitCode,
        startedAt: started.toISOString(),
        durationMs: Math.max(0, clock.now().getTime() - started.getTime()),
        outcome: r.outcome,
      });
      // A post hook failure never stops the other post hooks: every pod must be thawed.
      if (r.outcome !== 'ok' && hook.onError === 'Fail' && phase === 'pre')
        return { runs, failure: { hook: hook.name, pod: `${pod.namespace}/${pod.name}`, message: r.message } };
    }
  return { runs };
}

export interface BracketResult<T> {
  pre: PhaseResult;
  post?: PhaseResult;
  /** Set when the capture ran and succeeded. */
  value?: T;
  /** Why the capture did not happen or failed. */
  error?: { reason: 'HookFailed' | 'CaptureFailed'; message: string; cause?: unknown };
}

/**
 * pre → capture → post. With `deferPost`, post hooks are left to the caller (Direct mode runs them
 * when the data mover Job finishes) unless the capture never started or threw: then they run here.
 */
export async function bracket<T>(
  hooks: { pre: readonly Hook[]; post: readonly Hook[] },
  pods: readonly PodRef[],
  runner: HookRunner,
  clock: Clock,
  capture: (pre: PhaseResult) => Promise<T>,
  deferPost = false,
): Promise<BracketResult<T>> {
  const pre = await runPhase('pre', hooks.pre, pods, runner, clock);
  const preRan = pre.runs.length > 0;
  const post = async () => (preRan || hooks.pre.length === 0 ? runPhase('post', hooks.post, pods, runner, clock) : undefined);
  if (pre.failure) {
    const p = await post();
    return { pre, ...(p ? { post: p } : {}), error: { reason: 'HookFailed', message: `pre hook ${pre.failure.hook} in pod ${pre.failure.pod}: ${pre.failure.message}` } };
  }
  let value: T;
  try {
    value = await capture(pre);
  } catch (e) {
    const p = await post();
    return { pre, ...(p ? { post: p } : {}), error: { reason: 'CaptureFailed', message: (e as Error).message, cause: e } };
  }
  if (deferPost) return { pre, value };
  const p = await post();
  return { pre, ...(p ? { post: p } : {}), value };
}
