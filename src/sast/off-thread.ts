/**
 * Ingest off the caller's event loop: each report is parsed, normalised and written by a worker
 * thread with a deadline. A server that ingests here keeps answering /healthz
 * whatever a report holds, and `close()` ends running ingests at once so shutdown never waits on
 * one. A worker ended mid-write leaves nothing: its transaction never commits. The CLI ingests here
 * too, so its memory is bounded the same way (bench/sast-ingest.ts).
 */
import { HoldfastError, transient, type ErrorKind } from '../base/errors.js';
import { startWorker } from '../base/workers.js';
import type { Clock } from '../platform/clock.js';
import { parseEnvelope, type EnvelopeInput } from './envelope.js';
import type { IngestSummary } from './ingest.js';
import { IngestGate, interrupted } from './ingest-gate.js';
import { defaultKeepNew, type KeepNew } from './kept-new.js';
import { HandedReport, wholeArrayBuffer } from './read-report.js';
import type { SeverityPolicy } from './severity-policy.js';

export interface WorkerRequest {
  bytes: Uint8Array;
  envelope: EnvelopeInput;
  catalogPath: string;
  name: string;
  actor: string | undefined;
  now: string;
  keepNew: KeepNew;
  severityPolicy: SeverityPolicy;
  /** The IngestGate's state, shared with the caller. */
  gate: SharedArrayBuffer;
}
export type WorkerReply = { ok: true; summary: IngestSummary } | { ok: false; code: string; kind: ErrorKind; message: string };
/** Sent before the reply, once the report is read and its transaction begun. */
export interface WorkerWriting {
  writing: number;
}

export interface OffThreadOptions {
  /** The catalog file: the worker opens its own connection to it. */
  catalogPath: string;
  clock: Clock;
  /** Longest one ingest may take, from the worker's start; Infinity for none (the CLI: its user can stop it). */
  deadlineMs?: number;
}

export const defaultIngestDeadlineMs = 300_000;

/**
 * The worker's young generation (V8's semi-spaces are a third of it: 8 MiB instead of 16). Every
 * result read is garbage soon after, and a smaller young generation holds less of it between
 * scavenges: at 200k results the peak RSS was 276-282 MiB against 284-288 without the limit, for
 * no measurable CPU (bench/README.md).
 */
export const ingestYoungGenerationMb = 24;

export interface OffThreadIngester {
  /**
   * The summary's newOpenFindings are those `keep` names (default: high and above, and 1000 in
   * all); newOpenCount counts all. A HandedReport's bytes move to the worker (the caller keeps no
   * copy); a Buffer is copied.
   */
  ingest(report: Buffer | HandedReport, envelope: EnvelopeInput, o: IngestCall): Promise<IngestSummary>;
  /** Ends every running ingest (each rejects with INGEST_ABORTED) and refuses new ones. */
  close(): Promise<void>;
}

export interface IngestCall {
  name: string;
  actor?: string;
  keep?: KeepNew;
  severityPolicy?: SeverityPolicy;
  /**
   * Stops this ingest (a user's Ctrl-C): it rejects with INGEST_INTERRUPTED and nothing is
   * written, unless its commit had begun; then it resolves as written (ingest-gate.ts).
   */
  signal?: AbortSignal;
  /** Told how many results are being written, once the report is read and the transaction begun. */
  onWriting?: (results: number) => void;
}

export function offThreadIngester(opts: OffThreadOptions): OffThreadIngester {
  const deadlineMs = opts.deadlineMs ?? defaultIngestDeadlineMs;
  // Each running ingest, with what ends it as aborted.
  const running = new Set<() => void>();
  let closed = false;
  return {
    ingest(report, envelope, o) {
      const aborted = () => transient('INGEST_ABORTED', `ingest report ${o.name}: the server is shutting down; nothing was written, upload it again`);
      if (closed) return Promise.reject(aborted());
      try {
        parseEnvelope(envelope, o.name); // a bad envelope is refused before a worker starts
      } catch (e) {
        return Promise.reject(e);
      }
      if (o.signal?.aborted) return Promise.reject(interrupted(o.name));
      const bytes = report instanceof HandedReport ? report.take() : report;
      const gate = new IngestGate();
      const req: WorkerRequest = {
        bytes,
        envelope,
        catalogPath: opts.catalogPath,
        name: o.name,
        actor: o.actor,
        now: opts.clock.now().toISOString(),
        keepNew: o.keep ?? defaultKeepNew,
        severityPolicy: o.severityPolicy ?? 'strictest',
        gate: gate.buffer,
      };
      // No heap cap (maxOldGenerationSizeMb): V8 aborts the whole process, not the worker, when
      // JSON.parse reaches it. Memory is bounded by the report size limit the caller enforces. The
      // young generation is only how often garbage is collected: no limit an allocation can reach.
      const w = startWorker(import.meta.url, 'ingest-worker', { resourceLimits: { maxYoungGenerationSizeMb: ingestYoungGenerationMb } });
      const moved = report instanceof HandedReport ? wholeArrayBuffer(bytes) : undefined;
      w.postMessage(req, moved ? [moved] : []);
      return new Promise<IngestSummary>((resolve, reject) => {
        let settled = false;
        const settle = (f: () => void) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          running.delete(abort);
          o.signal?.removeEventListener('abort', onSignal);
          void w.terminate();
          f();
        };
        const fail = (e: HoldfastError) => settle(() => reject(e));
        const abort = () => fail(aborted());
        const timer = Number.isFinite(deadlineMs)
          ? setTimeout(
              () => fail(new HoldfastError('REPORT_TOO_SLOW', 'resource', `ingest report ${o.name}: not done within ${Math.round(deadlineMs / 1000)} s, the ingest deadline; nothing was written`)),
              deadlineMs,
            )
          : undefined;
        // Reading: nothing is written yet, the worker can go now (its connection closed before the
        // caller goes on to close its own). Otherwise the worker's answer tells what happened.
        let ended: HoldfastError | undefined;
        const onSignal = () => {
          if (gate.stop() !== 'end-now') return;
          ended = interrupted(o.name);
          void w.terminate();
        };
        running.add(abort);
        o.signal?.addEventListener('abort', onSignal, { once: true });
        w.on('message', (m: WorkerReply | WorkerWriting) => {
          if ('writing' in m) o.onWriting?.(m.writing);
          else settle(() => (m.ok ? resolve(m.summary) : reject(new HoldfastError(m.code, m.kind, m.message))));
        });
        w.once('error', (e) => fail(new HoldfastError('INGEST_FAILED', 'bug', `ingest report ${o.name}: the ingest worker failed: ${e.message}`, { cause: e })));
        w.once('exit', (code) => fail(ended ?? new HoldfastError('INGEST_FAILED', 'bug', `ingest report ${o.name}: the ingest worker exited (${code}) without an answer`)));
      });
    },
    async close() {
      closed = true;
      for (const abort of [...running]) abort();
    },
  };
}
