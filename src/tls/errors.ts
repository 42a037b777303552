/**
 * The stable error codes of the TLS engine. Each failure a user can cause is one HoldfastError with
 * a code from this list and a one-line message that names the object (a CA, a certificate, a file,
 * an endpoint) and what is wrong with it. docs/tls.md lists the same codes.
 */
import { HoldfastError, type ErrorKind } from '../base/errors.js';

export const TLS_ERRORS = {
  TLS_UNKNOWN_ALGORITHM: 'invalid-input',
  TLS_INVALID_SAN: 'invalid-input',
  TLS_INVALID_SPEC: 'invalid-input',
  TLS_CA_EXPIRED: 'invalid-input',
  TLS_CA_NOT_YET_VALID: 'invalid-input',
  TLS_CA_NOT_A_CA: 'invalid-input',
  TLS_KEY_MISMATCH: 'corrupt',
  TLS_KEY_PERMISSIONS: 'auth',
  TLS_KEY_UNREADABLE: 'invalid-input',
  TLS_BAD_PEM: 'corrupt',
  TLS_CA_DIR_MISSING: 'not-found',
  TLS_CA_DIR_EXISTS: 'conflict',
  TLS_UNKNOWN_CERT: 'not-found',
  TLS_UNEXPECTED_CHAIN: 'permanent',
  TLS_SERVED_INVALID: 'permanent',
  TLS_NOT_READY: 'permanent',
  TLS_PROBE_FAILED: 'transient',
  TLS_RELOAD_FAILED: 'permanent',
  TLS_GATE_FAILED: 'permanent',
  TLS_ROTATION_IN_PROGRESS: 'conflict',
  TLS_CA_LOCKED: 'conflict',
  TLS_STATE_CORRUPT: 'corrupt',
} as const satisfies Record<string, ErrorKind>;

export type TlsErrorCode = keyof typeof TLS_ERRORS;

export function tlsError(code: TlsErrorCode, message: string, cause?: unknown): HoldfastError {
  return new HoldfastError(code, TLS_ERRORS[code], message, { cause });
}
