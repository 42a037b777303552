/**
 * The one place that turns errors into exit codes and the one line a user sees. A user's mistake
 * never shows a stack trace; a bug does, because that is what a bug report needs.
 */
import { HoldfastError, type ErrorKind } from '../base/errors.js';

export const exitCodes: Record<ErrorKind, number> = {
  'invalid-input': 2,
  auth: 3,
  'not-found': 4,
  corrupt: 5,
  conflict: 6,
  transient: 7,
  resource: 8,
  permanent: 9,
  bug: 70,
};

export function reportError(e: unknown, write: (s: string) => void = (s) => process.stderr.write(s)): number {
  if (e instanceof HoldfastError) {
    write(`holdfast: ${e.message}\n`);
    return exitCodes[e.kind];
  }
  // commander reports its own usage errors before throwing CommanderError with an exitCode.
  if (typeof e === 'object' && e !== null && 'code' in e && String((e as { code: unknown }).code).startsWith('commander.')) {
    const code = (e as { exitCode?: number }).exitCode ?? 2;
    return code === 0 ? 0 : 2;
  }
  write(`holdfast: internal error (please report it): ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  return exitCodes.bug;
}
