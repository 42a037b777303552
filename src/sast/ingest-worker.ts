/**
 * The worker side of `ingestOffThread`: opens its own connection to the catalog (WAL: the
 * server's connection keeps reading while this one writes), ingests, and posts the summary or
 * the error. The clock is the instant the caller started at, so an injected clock still decides.
 */
import { parentPort } from 'node:worker_threads';
import { Catalog } from '../catalog/index.js';
import { isHoldfastError } from '../base/errors.js';
import { ingestBytes } from './ingest.js';
import type { WorkerRequest, WorkerReply } from './off-thread.js';

function answer(req: WorkerRequest): WorkerReply {
  const at = new Date(req.now);
  let reply: WorkerReply;
  try {
    const catalog = Catalog.open(req.catalogPath, { now: () => at });
    try {
      const summary = ingestBytes(Buffer.from(req.bytes.buffer, req.bytes.byteOffset, req.bytes.byteLength), req.envelope, { catalog, clock: { now: () => at }, name: req.name, actor: req.actor, keepNew: req.keepNew });
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
parentPort!.once('message', (req: WorkerRequest) => parentPort!.postMessage(answer(req)));
