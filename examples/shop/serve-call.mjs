#!/usr/bin/env node
// Calls the API of the `holdfast serve` running this example, as a pipeline step would:
//   node examples/shop/serve-call.mjs METHOD PATH [JSON-BODY]
// It finds serve through its data directory (the lock names its address; the API token and CA are
// beside it), prints the answer's body and exits 0 for a 2xx answer, 3 when serve does not run
// (no lock, or nothing answers at its address), 1 otherwise. upload-report.mjs uses serveRequest.
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const state = process.env.SHOP_STATE ?? join(here, '..', '..', '.holdfast-tmp', 'shop');
export const dataDir = process.env.HOLDFAST_DATA_DIR ?? join(state, 'holdfast');

/** Thrown when no serve runs for this example: the caller may do without it. */
export class NotRunning extends Error {}

const read = (file, what) => {
  try {
    return readFileSync(file);
  } catch (e) {
    throw new Error(`${what} ${file}: ${e.code ?? e.message}`);
  }
};

/** One request to serve: resolves { status, text }. */
export function serveRequest(method, path, body, contentType = 'application/json') {
  let lock;
  try {
    lock = JSON.parse(readFileSync(join(dataDir, 'serve.lock'), 'utf8'));
  } catch {
    return Promise.reject(new NotRunning(`holdfast serve is not running for this example (no lock in ${dataDir})`));
  }
  const token = read(join(dataDir, 'api-token'), 'read').toString().trim();
  const ca = read(join(dataDir, 'tls', 'ca.crt'), 'read');
  const url = new URL(path, lock.address);
  const headers = { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': contentType }) };
  return new Promise((resolve, reject) => {
    const req = request(url, { method, ca, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode, text }));
    });
    req.on('error', (e) =>
      reject(['ECONNREFUSED', 'ENOTFOUND'].includes(e.code) ? new NotRunning(`holdfast serve is not running for this example (nothing answers at ${url.origin}: ${e.code})`) : new Error(`${method} ${url.origin}${url.pathname}: ${e.message}`)),
    );
    req.end(body);
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [method, path, body] = process.argv.slice(2);
  if (!method || !path) {
    console.error('usage: serve-call.mjs METHOD PATH [JSON-BODY]');
    process.exit(2);
  }
  serveRequest(method, path, body).then(
    (r) => {
      console.log(r.text);
      process.exit(r.status >= 200 && r.status < 300 ? 0 : 1);
    },
    (e) => {
      console.error(`serve-call: ${e.message}`);
      process.exit(e instanceof NotRunning ? 3 : 1);
    },
  );
}
