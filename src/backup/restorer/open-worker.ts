/**
 * Worker thread for restore and check: decrypts, decompresses and verifies blobs, the CPU cost of
 * reading a repository, while the main thread reads packs and writes files.
 */
import { parentPort } from 'node:worker_threads';
import { blobId, decodeBlob, open } from '../crypto/seal.js';
import type { OpenReply, OpenRequest } from './open-protocol.js';

let encKey: Buffer;
let idKey: Buffer;

parentPort!.on('message', (m: OpenRequest) => {
  if (m.kind === 'init') {
    encKey = Buffer.from(m.encKey);
    idKey = Buffer.from(m.idKey);
    return;
  }
  try {
    const what = `blob ${m.id.slice(0, 12)} from pack ${m.pack.slice(0, 12)}`;
    const plain = decodeBlob(open(encKey, Buffer.from(m.sealed), Buffer.from(m.id, 'hex'), what), what);
    if (blobId(idKey, plain) !== m.id) throw Object.assign(new Error(`verify ${what}: content does not match its id`), { code: 'BLOB_HASH' });
    const ab = plain.buffer.slice(plain.byteOffset, plain.byteOffset + plain.byteLength) as ArrayBuffer;
    parentPort!.postMessage({ job: m.job, plain: ab } satisfies OpenReply, [ab]);
  } catch (e) {
    const code = (e as { code?: string }).code ?? 'DECRYPT_FAILED';
    parentPort!.postMessage({ job: m.job, error: { code, message: e instanceof Error ? e.message : String(e) } } satisfies OpenReply);
  }
});
