/**
 * The worker side of `ingestOffThread`: opens its own connection to the catalog (WAL: the
 * server's connection keeps reading while this one writes), ingests, and posts the summary or
 * the error. The clock is the instant the caller started at, so an injected clock still decides.
 */
import { MessageChannel, parentPort } from 'node:worker_threads';
import { Catalog } from '../catalog/index.js';
import { isHoldfastError } from '../base/errors.js';
import { ingestBytes } from './ingest.js';
import { IngestGate } from './ingest-gate.js';
import type { WorkerRequest, WorkerReply, WorkerWriting } from './off-thread.js';
import { HandedReport, wholeArrayBuffer } from './read-report.js';

// Where a report's bytes go to be freed once parsed. They outlive many scavenges while parsed, so
// V8 would free them only at its next mark-compact, which often comes after the ingest (69 MiB at
// 200k results, held through the writes), and Node 20 has no ArrayBuffer.prototype.transfer.
// Posted to a port whose other end is closed, an ArrayBuffer is detached and its memory freed at
// once; before the close is complete, it would wait in that end's queue.
const sink = new MessageChannel();
const sinkClosed = new Promise<void>((resolve) => sink.port2.once('close', resolve));
sink.port2.close();
sink.port1.unref();
const free = (b: Buffer) => {
  const whole = wholeArrayBuffer(b);
  if (whole) sink.port1.postMessage(null, [whole]);
};

/**
 * The request's bytes, handed over: taken out of the request, which the message event holds for
 * the whole ingest, and freed once parsed. They are this worker's own (moved or copied to it).
 */
function handed(req: WorkerRequest): HandedReport {
  const b = req.bytes;
  req.bytes = new Uint8Array(0);
  return new HandedReport(Buffer.from(b.buffer, b.byteOffset, b.byteLength), free);
}

function answer(req: WorkerRequest): WorkerReply {
  const at = new Date(req.now);
  let reply: WorkerReply;
  try {
    const catalog = Catalog.open(req.catalogPath, { now: () => at });
    try {
      const summary = ingestBytes(handed(req), req.envelope, {
        catalog,
        clock: { now: () => at },
        name: req.name,
        actor: req.actor,
        keepNew: req.keepNew,
        severityPolicy: req.severityPolicy,
        gate: new IngestGate(req.gate),
        onWriting: (results) => parentPort!.postMessage({ writing: results } satisfies WorkerWriting),
      });
      // Copy the report's pages from the WAL into the database here, off the server's thread:
      // otherwise the server's next write would do it, stalling its event loop for seconds.
      catalog.db.pragma('wal_checkpoint(PASSIVE)');
      reply = { ok: true, summary };
    } finally {
      catalog.close();
    }
  } catch (e) {
    reply = isHoldfastError(e)
      ? { ok: false, code: e.code, kind: e.kind, message: e.message }
      : { ok: false, code: 'INGEST_FAILED', kind: 'bug', message: `ingest report ${req.name}: ${e instanceof Error ? e.message : String(e)}` };
  }
  return reply;
}

// The request comes as a message, like the other workers': importing this module anywhere else
// (the image test loads every shipped module) then does nothing.
parentPort!.once('message', (req: WorkerRequest) => void sinkClosed.then(() => parentPort!.postMessage(answer(req))));
