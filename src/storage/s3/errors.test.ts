import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { classifyS3Error } from './errors.js';

/** Shaped like what the AWS SDK and Node throw; only names, codes and status are read. */
const sdk = (name: string, status?: number) => Object.assign(new Error(`${name}: the server says secret=hunter2`), { name, $metadata: { httpStatusCode: status } });
const sys = (code: string) => Object.assign(new Error(code), { code });

describe('classifyS3Error', () => {
  const cases: Array<[string, unknown, string, string]> = [
    ['treats an unknown access key as an auth failure', sdk('InvalidAccessKeyId', 403), 'S3_AUTH', 'auth'],
    ['treats versitygw\'s unknown-user answer as an auth failure, not a missing bucket', sdk('XAdminUserNotFound', 404), 'S3_AUTH', 'auth'],
    ['treats a wrong secret as an auth failure', sdk('SignatureDoesNotMatch', 403), 'S3_AUTH', 'auth'],
    ['reports clock skew as its own permanent error', sdk('RequestTimeTooSkewed', 403), 'S3_CLOCK_SKEW', 'permanent'],
    ['reports a missing bucket as not found', sdk('NoSuchBucket', 404), 'S3_NO_BUCKET', 'not-found'],
    ['reports a missing key as BLOB_NOT_FOUND', sdk('NoSuchKey', 404), 'BLOB_NOT_FOUND', 'not-found'],
    ['reports a HEAD 404 as BLOB_NOT_FOUND', sdk('NotFound', 404), 'BLOB_NOT_FOUND', 'not-found'],
    ['reports a failed If-None-Match as BLOB_EXISTS', sdk('PreconditionFailed', 412), 'BLOB_EXISTS', 'conflict'],
    ['retries a conditional write that raced another one, so the retry can see BLOB_EXISTS', sdk('ConditionalRequestConflict', 409), 'S3_CONDITIONAL_CONFLICT', 'transient'],
    ['treats AccessDenied as a permission problem', sdk('AccessDenied', 403), 'S3_ACCESS_DENIED', 'auth'],
    ['retries SlowDown', sdk('SlowDown', 503), 'S3_THROTTLED', 'transient'],
    ['retries a bare 503', sdk('Unknown', 503), 'S3_THROTTLED', 'transient'],
    ['retries 429 Too Many Requests', sdk('Unknown', 429), 'S3_THROTTLED', 'transient'],
    ['retries InternalError', sdk('InternalError', 500), 'S3_SERVER', 'transient'],
    ['retries any other 5xx', sdk('Weird', 502), 'S3_SERVER', 'transient'],
    ['retries an SDK timeout', sdk('TimeoutError'), 'S3_TIMEOUT', 'transient'],
    ['retries a connection reset', sys('ECONNRESET'), 'NETWORK', 'transient'],
    ['retries a reset hidden in a cause', Object.assign(new Error('socket hang up'), { cause: sys('ECONNRESET') }), 'NETWORK', 'transient'],
    ['retries a refused connection', sys('ECONNREFUSED'), 'S3_UNREACHABLE', 'transient'],
    ['does not retry a host that does not resolve', sys('ENOTFOUND'), 'S3_UNREACHABLE', 'permanent'],
    ['reports an untrusted certificate as a TLS error', sys('SELF_SIGNED_CERT_IN_CHAIN'), 'S3_TLS', 'permanent'],
    ['reports a certificate for another host as a TLS error', sys('ERR_TLS_CERT_ALTNAME_INVALID'), 'S3_TLS', 'permanent'],
    ['reports an expired certificate as a TLS error', sys('CERT_HAS_EXPIRED'), 'S3_TLS', 'permanent'],
    ['does not retry another 4xx', sdk('InvalidArgument', 400), 'S3_REFUSED', 'permanent'],
    ['does not retry something unknown', new Error('boom'), 'S3_ERROR', 'permanent'],
  ];
  for (const [name, err, code, kind] of cases)
    it(name, () => {
      const f = classifyS3Error(err);
      assert.deepEqual([f.code, f.kind], [code, kind]);
      assert.doesNotMatch(f.reason, /hunter2/, 'the SDK message is never copied');
    });
});
