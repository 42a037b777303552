import { it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';

/**
 * A filesystem repository must not pay for loading the AWS SDK (hundreds of modules). The SDK is
 * CommonJS, so once loaded it sits in the require cache of a fresh process — checked before and
 * after opening an s3: location, so the test would notice if the probe stopped working.
 */
it('loads the AWS SDK only when an s3: repository is opened', () => {
  const script = `
    import { createRequire } from 'node:module';
    import { mkdtempSync } from 'node:fs';
    import { tmpdir } from 'node:os';
    import { join } from 'node:path';
    const { openBlobStore } = await import(${JSON.stringify(new URL('../index.ts', import.meta.url).pathname)});
    const sdkLoaded = () => Object.keys(createRequire(import.meta.url).cache).some((k) => k.includes('@aws-sdk'));
    await openBlobStore(mkdtempSync(join(tmpdir(), 'hf-reg-')));
    const afterFs = sdkLoaded();
    await openBlobStore('s3:https://127.0.0.1:9/bucket', { env: { AWS_ACCESS_KEY_ID: 'a', AWS_SECRET_ACCESS_KEY: 'b' }, retry: { policy: { attempts: 1 } } }).catch((e) => e);
    console.log(JSON.stringify({ afterFs, afterS3: sdkLoaded() }));
  `;
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.deepEqual(JSON.parse(out.trim().split('\n').pop()!), { afterFs: false, afterS3: true });
});
