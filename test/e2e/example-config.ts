/**
 * examples/shop/holdfast.yaml as shipped, pointed at a temporary state directory and free ports,
 * and the environment its scripts (run-shop.sh, deploy.sh, upload-report.mjs) read to find that
 * state: for end-to-end tests of serve on the example that may run beside each other.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDocument, type Document } from 'yaml';
import { deadPort } from '../harness/webhook.js';

export const shopDir = new URL('../../examples/shop/', import.meta.url).pathname;

export interface ExampleState {
  dir: string;
  config: string;
  shopPort: number;
  env: NodeJS.ProcessEnv;
}

/** `edit` changes the parsed config before it is written (e.g. drop the seed). */
export async function exampleState(edit: (doc: Document) => void = () => undefined): Promise<ExampleState> {
  const dir = mkdtempSync(join(tmpdir(), 'holdfast-example-'));
  const st = (p: string) => join(dir, p);
  const shopPort = await deadPort();
  const doc = parseDocument(readFileSync(join(shopDir, 'holdfast.yaml'), 'utf8'));
  doc.setIn(['server', 'listen'], `127.0.0.1:${await deadPort()}`);
  doc.setIn(['server', 'dataDir'], st('holdfast'));
  doc.setIn(['repositories', 'local', 'location'], st('repo'));
  doc.setIn(['repositories', 'local', 'password'], doc.createNode({ file: st('repo-password'), generate: true }));
  doc.setIn(['volumes', 'shop-data', 'path'], st('shop/data'));
  doc.setIn(['workloads', 'shop', 'cwd'], shopDir);
  doc.setIn(['certificates', 'shop-tls', 'certFile'], st('shop/certs/tls.crt'));
  doc.setIn(['certificates', 'shop-tls', 'keyFile'], st('shop/certs/tls.key'));
  doc.setIn(['certificates', 'shop-tls', 'caFile'], st('shop/certs/ca.crt'));
  doc.setIn(['certificates', 'shop-tls', 'endpoint'], `127.0.0.1:${shopPort}`);
  doc.setIn(['sast', 'seed', 0, 'file'], join(shopDir, 'releases/v1/semgrep.sarif'));
  edit(doc);
  const config = join(dir, 'holdfast.yaml');
  writeFileSync(config, doc.toString());
  const env: NodeJS.ProcessEnv = { ...process.env, SHOP_STATE: st('shop'), SHOP_PORT: String(shopPort), HOLDFAST_DATA_DIR: st('holdfast'), HOLDFAST_TEST_FAST_KDF: '1', HOLDFAST_LOG_LEVEL: 'info' };
  delete env.HOLDFAST_DEPLOY_COMMIT;
  return { dir, config, shopPort, env };
}
