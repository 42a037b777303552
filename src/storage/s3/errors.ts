/**
 * What an S3 failure means for Holdfast: one pure function from whatever the AWS SDK (or Node's
 * TLS and socket layers) threw to a stable code, a kind (which decides retry and exit code) and a
 * short reason. The store puts the action, blob and bucket in front of the reason.
 *
 * The SDK's own messages are never copied verbatim into ours: some servers echo request details,
 * and our rule is that credentials never appear in an error. Only error names, HTTP status and
 * Node error codes are read.
 */
import type { ErrorKind } from '../../base/errors.js';

export interface S3Failure {
  code: string;
  kind: ErrorKind;
  reason: string;
}

interface Shape {
  name?: unknown;
  code?: unknown;
  Code?: unknown;
  $metadata?: { httpStatusCode?: unknown };
  cause?: unknown;
}

const tlsCodes = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_SIGNATURE_FAILURE',
]);
const networkCodes = new Set(['ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ECONNABORTED', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH', 'ERR_STREAM_PREMATURE_CLOSE', 'UND_ERR_SOCKET']);
const throttling = new Set(['SlowDown', 'Throttling', 'ThrottlingException', 'RequestThrottled', 'TooManyRequestsException', 'RequestLimitExceeded']);
const serverSide = new Set(['InternalError', 'ServiceUnavailable', 'RequestTimeout', 'InternalServerError']);

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** Walks `cause` chains: the SDK wraps socket errors, and TLS errors hide one level down. */
function codes(e: unknown): { names: string[]; status: number | undefined } {
  const names: string[] = [];
  let status: number | undefined;
  for (let cur = e, depth = 0; cur && typeof cur === 'object' && depth < 5; cur = (cur as Shape).cause, depth++) {
    const s = cur as Shape;
    for (const v of [s.name, s.code, s.Code]) if (str(v)) names.push(v as string);
    const st = s.$metadata?.httpStatusCode;
    if (status === undefined && typeof st === 'number') status = st;
  }
  return { names, status };
}

export function classifyS3Error(e: unknown): S3Failure {
  const { names, status } = codes(e);
  const has = (n: string) => names.includes(n);
  const any = (set: Set<string>) => names.find((n) => set.has(n));

  const tls = any(tlsCodes);
  if (tls)
    return {
      code: 'S3_TLS',
      kind: 'permanent',
      reason: `TLS certificate not trusted (${tls}); set HOLDFAST_S3_CA_FILE to the CA bundle that signed the server's certificate`,
    };
  if (has('InvalidAccessKeyId')) return { code: 'S3_AUTH', kind: 'auth', reason: 'the access key is not known to the server (InvalidAccessKeyId)' };
  // versitygw answers an unknown key with its own code (and a 404).
  if (has('XAdminUserNotFound')) return { code: 'S3_AUTH', kind: 'auth', reason: 'the access key is not known to the server (XAdminUserNotFound)' };
  if (has('SignatureDoesNotMatch')) return { code: 'S3_AUTH', kind: 'auth', reason: 'the secret key is wrong (SignatureDoesNotMatch)' };
  if (has('ExpiredToken') || has('InvalidToken')) return { code: 'S3_AUTH', kind: 'auth', reason: 'the session token is expired or invalid' };
  if (has('CredentialsProviderError')) return { code: 'S3_AUTH', kind: 'auth', reason: 'no credentials found; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY or AWS_PROFILE' };
  if (has('RequestTimeTooSkewed'))
    return { code: 'S3_CLOCK_SKEW', kind: 'permanent', reason: "this machine's clock differs too much from the server's (RequestTimeTooSkewed); fix the time (NTP) and retry" };
  if (has('NoSuchBucket')) return { code: 'S3_NO_BUCKET', kind: 'not-found', reason: 'the bucket does not exist' };
  if (has('NoSuchKey') || has('NotFound') || status === 404) return { code: 'BLOB_NOT_FOUND', kind: 'not-found', reason: 'not found' };
  // AWS answers two conditional writes racing for one key with 409; the retry then sees 412.
  if (has('ConditionalRequestConflict')) return { code: 'S3_CONDITIONAL_CONFLICT', kind: 'transient', reason: 'a concurrent conditional write to the same key (ConditionalRequestConflict)' };
  if (has('PreconditionFailed') || status === 412) return { code: 'BLOB_EXISTS', kind: 'conflict', reason: 'already exists' };
  if (has('InvalidRequest') && names.some((n) => /lock/i.test(n))) return { code: 'S3_NO_OBJECT_LOCK', kind: 'invalid-input', reason: 'the bucket has no object lock' };
  if (has('AccessDenied') || status === 403) return { code: 'S3_ACCESS_DENIED', kind: 'auth', reason: 'access denied by the server (check the key\'s permissions on this bucket)' };
  const thr = any(throttling);
  if (thr || status === 503 || status === 429) return { code: 'S3_THROTTLED', kind: 'transient', reason: `server asked to slow down (${thr ?? status})` };
  const srv = any(serverSide);
  if (srv || (status !== undefined && status >= 500)) return { code: 'S3_SERVER', kind: 'transient', reason: `server error (${srv ?? status})` };
  if (has('TimeoutError') || has('RequestTimeoutException')) return { code: 'S3_TIMEOUT', kind: 'transient', reason: 'the request timed out' };
  const net = any(networkCodes);
  if (net) return { code: 'NETWORK', kind: 'transient', reason: `connection failed (${net})` };
  if (has('ECONNREFUSED')) return { code: 'S3_UNREACHABLE', kind: 'transient', reason: 'connection refused (is the server running and the port right?)' };
  if (has('ENOTFOUND')) return { code: 'S3_UNREACHABLE', kind: 'permanent', reason: 'host name does not resolve' };
  if (has('AbortError') || has('ERR_STREAM_PREMATURE_CLOSE')) return { code: 'NETWORK', kind: 'transient', reason: 'the response was cut short' };
  const name = names.find((n) => /^[A-Za-z][A-Za-z0-9_.]{1,63}$/.test(n)) ?? 'unknown';
  if (status !== undefined && status >= 400) return { code: 'S3_REFUSED', kind: 'permanent', reason: `the server refused the request (${name}, HTTP ${status})` };
  return { code: 'S3_ERROR', kind: 'permanent', reason: `unexpected failure (${name})` };
}
