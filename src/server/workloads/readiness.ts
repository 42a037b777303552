/**
 * A workload's readiness check: how serve tells "its process runs" from "it serves". A reload
 * signal sent between the two kills a process that has not installed its handler yet (SIGHUP's
 * default action is to end it), so this is what gates reloads.
 */
import { connect } from 'node:net';
import type { HoldfastConfig, WorkloadConfig } from '../../config/index.js';
import type { Clock } from '../../platform/clock.js';
import { describeResult, runCommand } from '../../platform/local/exec.js';

export type ReadinessCheck =
  | { kind: 'tcp'; host: string; port: number; what: string }
  | { kind: 'command'; command: string; what: string }
  | { kind: 'process'; what: string };

/** Pure: the check a workload's config asks for; else its certificate's endpoint; else its process. */
export function readinessOf(name: string, w: WorkloadConfig, certificates: HoldfastConfig['certificates']): ReadinessCheck {
  if (w.ready && 'command' in w.ready) return { kind: 'command', command: w.ready.command, what: `ready.command of workload ${name}` };
  const endpoint =
    w.ready?.tcp ?? Object.values(certificates).find((c) => c.workload === name && c.endpoint)?.endpoint;
  if (endpoint) {
    const i = endpoint.lastIndexOf(':');
    return { kind: 'tcp', host: endpoint.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(endpoint.slice(i + 1)), what: `${endpoint} accepts connections` };
  }
  return { kind: 'process', what: 'its process runs (no readiness check configured)' };
}

export interface ProbeResult {
  ok: boolean;
  detail: string;
}

export function probeReady(
  check: ReadinessCheck,
  o: { cwd: string; env?: NodeJS.ProcessEnv | undefined; clock: Clock; timeoutMs?: number },
): Promise<ProbeResult> {
  const timeoutMs = o.timeoutMs ?? 2000;
  if (check.kind === 'process') return Promise.resolve({ ok: true, detail: check.what });
  if (check.kind === 'command')
    return runCommand(check.command, { cwd: o.cwd, env: o.env, timeoutMs, clock: o.clock }).then((r) => ({
      ok: r.exitCode === 0,
      detail: `${check.what}: ${describeResult(r)}`,
    }));
  return new Promise((resolve) => {
    const sock = connect({ host: check.host, port: check.port, timeout: timeoutMs });
    const done = (r: ProbeResult) => {
      sock.destroy();
      resolve(r);
    };
    sock.once('connect', () => done({ ok: true, detail: check.what }));
    sock.once('timeout', () => done({ ok: false, detail: `${check.host}:${check.port}: no connection within ${timeoutMs} ms` }));
    sock.once('error', (e: NodeJS.ErrnoException) => done({ ok: false, detail: `${check.host}:${check.port}: ${e.code ?? e.message}` }));
  });
}
