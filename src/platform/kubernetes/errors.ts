/**
 * API errors as HoldfastErrors. The kind decides what a controller does: transient (the API server is
 * gone, overloaded, or timed out) is retried with backoff; auth (RBAC denied) and invalid-input
 * (schema rejected) become a condition with a clear reason and are not hammered.
 */
import { HoldfastError, type ErrorKind } from '../../base/errors.js';

export function statusOf(e: unknown): number | undefined {
  if (typeof e === 'object' && e !== null && 'code' in e && typeof (e as { code: unknown }).code === 'number')
    return (e as { code: number }).code;
  return undefined;
}

export const isNotFound = (e: unknown) => statusOf(e) === 404;
export const isConflict = (e: unknown) => statusOf(e) === 409;

/** The API server's own one-line message ("jobs.batch is forbidden: User ... cannot create ..."). */
function serverMessage(e: unknown): string | undefined {
  const body = (e as { body?: unknown }).body;
  if (typeof body === 'string') {
    try {
      const m = (JSON.parse(body) as { message?: string }).message;
      if (m) return m;
    } catch {
      /* not JSON */
    }
  } else if (body && typeof body === 'object' && 'message' in body) return String((body as { message: unknown }).message);
  return undefined;
}

const byStatus = (s: number | undefined): [string, ErrorKind] => {
  if (s === 401 || s === 403) return ['K8S_FORBIDDEN', 'auth'];
  if (s === 404) return ['K8S_NOT_FOUND', 'not-found'];
  if (s === 409) return ['K8S_CONFLICT', 'conflict'];
  if (s === 400 || s === 422) return ['K8S_INVALID', 'invalid-input'];
  return ['K8S_UNAVAILABLE', 'transient'];
};

/** `action` reads like "create Job hfb-data-1a2b in namespace shop" and comes first in the message. */
export function kubeError(action: string, e: unknown): HoldfastError {
  if (e instanceof HoldfastError) return e;
  const status = statusOf(e);
  const [code, kind] = byStatus(status);
  const detail =
    serverMessage(e) ??
    (status === undefined ? `API server unreachable (${(e as { code?: string }).code ?? (e as Error).message})` : `HTTP ${status}`);
  return new HoldfastError(code, kind, `${action}: ${detail}`, { cause: e });
}

/** Runs one API call, mapping failures to a HoldfastError that names the action. */
export async function call<T>(action: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw kubeError(action, e);
  }
}
