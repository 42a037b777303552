/**
 * Ingest off the caller's event loop: each report is parsed, normalised and written by a worker
 * thread with a deadline. A server that ingests here keeps answering /healthz
 * whatever a report holds, and `close()` ends running ingests at once so shutdown never waits on
 * one. A worker ended mid-write leaves nothing: its transaction never commits.
 */
import { HoldfastError, transient, type ErrorKind } from '../base/errors.js';
import { startWorker } from '../base/workers.js';
import type { Clock } from '../platform/clock.js';
import type { EnvelopeInput } from './envelope.js';
import type { IngestSummary } from './ingest.js';
import { defaultKeepNew, type KeepNew } from './kept-new.js';

export interface WorkerRequest {
  bytes: Uint8Array;
  envelope: EnvelopeInput;
  catalogPath: string;
  name: string;
  actor: string | undefined;
  now: string;
  keepNew: KeepNew;
}
export type WorkerReply = { ok: true; summary: IngestSummary } | { ok: false; code: string; kind: ErrorKind; message: string };

export interface OffThreadOptions {
  /** The catalog file: the worker opens its own connection to it. */
  catalogPath: string;
  clock: Clock;
  /** Longest one ingest may take, from the worker's start. */
  deadlineMs?: number;
}

export const defaultIngestDeadlineMs = 300_000;

export interface OffThreadIngester {
  /** The summary's newOpenFindings are those `keep` names (default: high and above, and 1000 in all); newOpenCount counts all. */
  ingest(bytes: Buffer, envelope: EnvelopeInput, o: { name: string; actor?: string; keep?: KeepNew }): Promise<IngestSummary>;
  /** Ends every running ingest (each rejects with INGEST_ABORTED) and refuses new ones. */
  close(): Promise<void>;
}

export function offThreadIngester(opts: OffThreadOptions): OffThreadIngester {
  const deadlineMs = opts.deadlineMs ?? defaultIngestDeadlineMs;
  // Each running ingest, with what ends it as aborted.
  const running = new Set<() => void>();
  let closed = false;
  return {
    ingest(bytes, envelope, o) {
      const aborted = () => transient('INGEST_ABORTED', `ingest report ${o.name}: the server is shutting down; nothing was written, upload it again`);
      if (closed) return Promise.reject(aborted());
      const req: WorkerRequest = { bytes, envelope, catalogPath: opts.catalogPath, name: o.name, actor: o.actor, now: opts.clock.now().toISOString(), keepNew: o.keep ?? defaultKeepNew };
      // No resourceLimits heap cap: V8 aborts the whole process, not the worker, when JSON.parse
      // reaches it. Memory is bounded by the report size limit the caller enforces.
      const w = startWorker(import.meta.url, 'ingest-worker');
      w.postMessage(req);
      return new Promise<IngestSummary>((resolve, reject) => {
        let settled = false;
        const settle = (f: () => void) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          running.delete(abort);
          void w.terminate();
          f();
        };
        const fail = (e: HoldfastError) => settle(() => reject(e));
        const abort = () => fail(aborted());
        const timer = setTimeout(
          () => fail(new HoldfastError('REPORT_TOO_SLOW', 'resource', `ingest report ${o.name}: not done within ${Math.round(deadlineMs / 1000)} s, the ingest deadline; nothing was written`)),
          deadlineMs,
        );
        running.add(abort);
        w.once('message', (m: WorkerReply) => settle(() => (m.ok ? resolve(m.summary) : reject(new HoldfastError(m.code, m.kind, m.message)))));
        w.once('error', (e) => fail(new HoldfastError('INGEST_FAILED', 'bug', `ingest report ${o.name}: the ingest worker failed: ${e.message}`, { cause: e })));
        w.once('exit', (code) => fail(new HoldfastError('INGEST_FAILED', 'bug', `ingest report ${o.name}: the ingest worker exited (${code}) without an answer`)));
      });
    },
    async close() {
      closed = true;
      for (const abort of [...running]) abort();
    },
  };
}
