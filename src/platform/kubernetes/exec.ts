/**
 * Running a command in a container through the pods/exec API (a WebSocket to the API server, which
 * proxies to the kubelet). Outcomes, not exceptions: a hook that cannot run is a result the
 * controller turns into a condition. Command output is discarded, never logged: it may hold secrets.
 * A caller that needs stdout (a mounted file's content) asks for at most `stdoutLimitBytes` of it:
 * returned, never logged nor put in a message; more than the limit is a failure, not a cut copy.
 */
import { Writable } from 'node:stream';
import * as k8s from '@kubernetes/client-node';

export interface ExecTarget {
  namespace: string;
  name: string;
}

export interface ExecOutcome {
  outcome: 'ok' | 'failed' | 'timeout';
  exitCode: number | null;
  message: string;
  /** Only when asked for with stdoutLimitBytes, and only on outcome ok. */
  stdout?: Buffer;
}

const sink = () => new Writable({ write: (_c, _e, cb) => cb() });

/** Keeps up to `limit` bytes; past it, only notes the overflow (the output is not kept). */
function capture(limit: number) {
  const chunks: Buffer[] = [];
  let size = 0;
  let over = false;
  const stream = new Writable({
    write: (c: Buffer, _e, cb) => {
      size += c.length;
      if (size > limit) over = true;
      else chunks.push(c);
      cb();
    },
  });
  return { stream, over: () => over, bytes: () => Buffer.concat(chunks) };
}

function exitCodeOf(s: k8s.V1Status): number | null {
  if (s.status === 'Success') return 0;
  const c = s.details?.causes?.find((x) => x.reason === 'ExitCode')?.message;
  return c !== undefined && /^\d+$/.test(c) ? Number(c) : null;
}

export type PodExec = ReturnType<typeof podExec>;

export function podExec(kc: k8s.KubeConfig) {
  const exec = new k8s.Exec(kc);
  return async (pod: ExecTarget, container: string, command: string[], timeoutMs: number, opts: { stdoutLimitBytes?: number } = {}): Promise<ExecOutcome> => {
    let ws: { close(): void } | undefined;
    let timer: NodeJS.Timeout | undefined;
    const where = `exec in ${pod.namespace}/${pod.name} container ${container}`;
    const out = opts.stdoutLimitBytes !== undefined ? capture(opts.stdoutLimitBytes) : undefined;
    const done = new Promise<ExecOutcome>((resolve) => {
      timer = setTimeout(() => resolve({ outcome: 'timeout', exitCode: null, message: `${where}: no result within ${timeoutMs} ms` }), timeoutMs);
      exec
        .exec(pod.namespace, pod.name, container, command, out?.stream ?? sink(), sink(), null, false, (s) => {
          const code = exitCodeOf(s);
          if (code === 0 && out?.over()) resolve({ outcome: 'failed', exitCode: 0, message: `${where}: more than ${opts.stdoutLimitBytes} bytes of output` });
          else
            resolve(
              code === 0
                ? { outcome: 'ok', exitCode: 0, message: 'ok', ...(out ? { stdout: out.bytes() } : {}) }
                : { outcome: 'failed', exitCode: code, message: `${where}: ${code === null ? (s.message ?? 'failed') : `exit code ${code}`}` },
            );
        })
        .then((socket) => {
          ws = socket;
          socket.on('close', () => resolve({ outcome: 'failed', exitCode: null, message: `${where}: connection closed without a status` }));
        })
        .catch((e: unknown) => resolve({ outcome: 'failed', exitCode: null, message: `${where}: ${describe(e)}` }));
    });
    const r = await done;
    clearTimeout(timer);
    try {
      ws?.close();
    } catch {
      /* already closed */
    }
    return r;
  };
}

/** The API server's refusal ("pod does not have a host assigned", "forbidden") in one line. */
// The WebSocket client reports only the HTTP status of a refused upgrade; say what each one means.
const refusals: Record<string, string> = {
  '400': 'the API server refused exec (HTTP 400): the pod is not running on a node or the container is not running',
  '401': 'the API server rejected the credentials (HTTP 401)',
  '403': 'forbidden (HTTP 403): the operator may not exec here (RBAC: it needs get and create on pods/exec)',
  '404': 'pod or container not found (HTTP 404)',
};

function describe(e: unknown): string {
  const err = e as { message?: string };
  const msg = (typeof err?.message === 'string' ? err.message : String(e)).split('\n')[0]!;
  const status = /Unexpected server response: (\d{3})/.exec(msg)?.[1];
  return (status && refusals[status]) || msg.slice(0, 300);
}
