/**
 * The backup engine's own suite (src/backup/testing-suite.ts) on the real S3 server, through
 * openBlobStore exactly as the CLI opens a repository. Lives here, not in src/storage/s3, because
 * storage must not import the engine above it.
 */
import { after } from 'node:test';
import { engineSuite } from '../../src/backup/testing-suite.js';
import { openBlobStore } from '../../src/storage/index.js';
import { startS3Server } from '../harness/s3-server.js';

const server = startS3Server();
after(async () => (await server.catch(() => undefined))?.stop());
let n = 0;

engineSuite('S3 (versitygw over TLS)', async () => {
  const s3 = await server;
  const store = await openBlobStore(s3.url(s3.buckets.plain, `engine-${n++}`), { env: s3.env() });
  return {
    store,
    // Damage in place, as a faulty disk or a hostile bucket admin would: a plain bucket lets us overwrite.
    damage: async (name, mutate) => store.put(name, mutate(await store.get(name))),
    cleanup: async () => store.close?.(),
  };
});
