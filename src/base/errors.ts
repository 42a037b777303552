/**
 * Errors a user can act on.
 *
 * Every failure that reaches a user is a HoldfastError: a stable `code` (kept identical in code,
 * docs and tests), a `kind` that decides retry and exit code, and a one-line message that names the
 * object and the action ("open pack 3f2a91c0: header checksum mismatch"). Anything else that
 * escapes is a bug and is reported as one.
 */

export type ErrorKind =
  /** The user gave something wrong: a flag, a config, a file. Not retried. */
  | 'invalid-input'
  /** Credentials or password are wrong, or a permission is missing. Not retried. */
  | 'auth'
  /** A thing that was asked for does not exist. */
  | 'not-found'
  /** Stored data is damaged or inconsistent. Not retried; the message names the damaged object. */
  | 'corrupt'
  /** Refused because of state (locked, non-empty target, held by retention). */
  | 'conflict'
  /** The world may fix itself: timeouts, 5xx, resets. Retried by the layers that may retry. */
  | 'transient'
  /** Out of space, quota, or another resource the user must free. */
  | 'resource'
  /** Failed for a reason that retrying will not fix, but that is not the user's input. */
  | 'permanent'
  /** A defect in Holdfast itself. */
  | 'bug';

export class HoldfastError extends Error {
  override readonly name = 'HoldfastError';
  constructor(
    readonly code: string,
    readonly kind: ErrorKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export const invalidInput = (code: string, message: string, cause?: unknown) =>
  new HoldfastError(code, 'invalid-input', message, { cause });
export const notFound = (code: string, message: string, cause?: unknown) =>
  new HoldfastError(code, 'not-found', message, { cause });
export const corrupt = (code: string, message: string, cause?: unknown) =>
  new HoldfastError(code, 'corrupt', message, { cause });
export const conflict = (code: string, message: string, cause?: unknown) =>
  new HoldfastError(code, 'conflict', message, { cause });
export const authFailed = (code: string, message: string, cause?: unknown) =>
  new HoldfastError(code, 'auth', message, { cause });
export const transient = (code: string, message: string, cause?: unknown) =>
  new HoldfastError(code, 'transient', message, { cause });

export function isHoldfastError(e: unknown, code?: string): e is HoldfastError {
  return e instanceof HoldfastError && (code === undefined || e.code === code);
}

/** Node's errno errors carry `code` ('ENOENT', 'ENOSPC', ...). */
export function errnoCode(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null && 'code' in e && typeof e.code === 'string' ? e.code : undefined;
}

/**
 * Turns an operating-system error into a HoldfastError that says what we were doing.
 * `action` reads like "write pack data/3f/3f2a…" and is put first in the message.
 */
export function fromSystemError(action: string, e: unknown): HoldfastError {
  if (e instanceof HoldfastError) return e;
  const code = errnoCode(e);
  const detail = e instanceof Error ? e.message : String(e);
  switch (code) {
    case 'ENOSPC':
    case 'EDQUOT':
      return new HoldfastError('DISK_FULL', 'resource', `${action}: no space left on device`, { cause: e });
    case 'ENOENT':
      return notFound('NOT_FOUND', `${action}: no such file or directory`, e);
    case 'EACCES':
    case 'EPERM':
      return authFailed('PERMISSION_DENIED', `${action}: permission denied`, e);
    case 'ETIMEDOUT':
    case 'ECONNRESET':
    case 'ECONNREFUSED':
    case 'EPIPE':
    case 'EAI_AGAIN':
      return transient('NETWORK', `${action}: ${code}`, e);
    default:
      return new HoldfastError('IO', 'permanent', `${action}: ${detail}`, { cause: e });
  }
}
