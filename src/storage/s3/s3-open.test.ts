import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isHoldfastError } from '../../base/errors.js';
import { connectS3 } from './s3-open.js';

// These fail before any request is made, so they need no server.
describe('opening an S3 repository with bad settings', () => {
  const cases: Array<[string, NodeJS.ProcessEnv, string, RegExp]> = [
    ['refuses a timeout that is not a number', { HOLDFAST_S3_TIMEOUT_MS: 'soon' }, 'S3_ENV', /^HOLDFAST_S3_TIMEOUT_MS=soon: must be a whole number of at least 100$/],
    ['refuses a concurrency of zero', { HOLDFAST_S3_CONCURRENCY: '0' }, 'S3_ENV', /HOLDFAST_S3_CONCURRENCY=0/],
    ['names the CA bundle it cannot read', { HOLDFAST_S3_CA_FILE: '/nonexistent/ca.pem' }, 'S3_CA_FILE', /^open s3:https:\/\/h\/bk: cannot read CA bundle \/nonexistent\/ca\.pem \(ENOENT\)$/],
  ];
  for (const [name, env, code, re] of cases)
    it(name, async () => {
      await assert.rejects(connectS3('s3:https://h/bk', { env: { AWS_ACCESS_KEY_ID: 'a', AWS_SECRET_ACCESS_KEY: 'b', ...env } }), (e) => {
        assert.ok(isHoldfastError(e, code), String(e));
        assert.match(e.message, re);
        return true;
      });
    });
});
