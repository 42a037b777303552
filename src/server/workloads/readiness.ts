/**
 * A workload's readiness check: how serve tells "its process runs" from "it serves". A reload
 * signal sent between the two kills a process that has not installed its handler yet (SIGHUP's
 * default action is to end it), so this is what gates reloads. Run again once ready, it tells a
 * process that lives but no longer answers: for that the check of a certificate's endpoint is a
 * TLS handshake, not a TCP connect, which the kernel completes for a listening socket even while
 * the process is stopped or hung.
 */
import { connect, isIP } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { HoldfastConfig, WorkloadConfig } from '../../config/index.js';
import type { Clock } from '../../platform/clock.js';
import { describeResult, runCommand } from '../../platform/local/exec.js';

export type ReadinessCheck =
  | { kind: 'tcp'; host: string; port: number; what: string }
  | { kind: 'tls'; host: string; port: number; serverName: string | undefined; what: string }
  | { kind: 'command'; command: string; what: string }
  | { kind: 'process'; what: string };

/** Pure: the check a workload's config asks for; else its certificate's endpoint; else its process. */
export function readinessOf(name: string, w: WorkloadConfig, certificates: HoldfastConfig['certificates']): ReadinessCheck {
  if (w.ready && 'command' in w.ready) return { kind: 'command', command: w.ready.command, what: `ready.command of workload ${name}` };
  const split = (endpoint: string) => {
    const i = endpoint.lastIndexOf(':');
    return { host: endpoint.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(endpoint.slice(i + 1)) };
  };
  if (w.ready?.tcp) return { kind: 'tcp', ...split(w.ready.tcp), what: `${w.ready.tcp} accepts connections` };
  const cert = Object.values(certificates).find((c) => c.workload === name && c.endpoint);
  if (cert?.endpoint) {
    const serverName = cert.dnsNames[0] ?? cert.commonName;
    return { kind: 'tls', ...split(cert.endpoint), serverName: isIP(serverName) ? undefined : serverName, what: `${cert.endpoint} completes a TLS handshake` };
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
    // Any certificate will do: this asks whether it answers, not what it serves (the certificate job checks that).
    const sock =
      check.kind === 'tls'
        ? tlsConnect({ host: check.host, port: check.port, timeout: timeoutMs, rejectUnauthorized: false, ...(check.serverName ? { servername: check.serverName } : {}) })
        : connect({ host: check.host, port: check.port, timeout: timeoutMs });
    const done = (r: ProbeResult) => {
      sock.destroy();
      resolve(r);
    };
    sock.once(check.kind === 'tls' ? 'secureConnect' : 'connect', () => done({ ok: true, detail: check.what }));
    sock.once('timeout', () => done({ ok: false, detail: `${check.host}:${check.port}: no ${check.kind === 'tls' ? 'TLS handshake' : 'connection'} within ${timeoutMs} ms` }));
    sock.once('error', (e: NodeJS.ErrnoException) =>
      // A TLS alert (e.g. a client certificate it requires) is an answer: the workload is there.
      e.code?.startsWith('ERR_SSL_') ? done({ ok: true, detail: `${check.what} (it answered: ${e.code})` }) : done({ ok: false, detail: `${check.host}:${check.port}: ${e.code ?? e.message}` }),
    );
  });
}
