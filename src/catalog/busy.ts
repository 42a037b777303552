/**
 * "database is locked": another connection holds the catalog's write lock for longer than the
 * busy timeout. On one machine that is usually another process on the same data directory — a
 * `holdfast sast ingest` of a large report writes its findings in one transaction beside a running
 * `holdfast serve` — so it is a wait, not a fault: callers try again instead of failing for good.
 */
import { HoldfastError, errnoCode } from '../base/errors.js';

export function isCatalogBusy(e: unknown): boolean {
  return errnoCode(e)?.startsWith('SQLITE_BUSY') === true;
}

export const catalogBusy = (action: string, cause: unknown): HoldfastError =>
  new HoldfastError('CATALOG_BUSY', 'transient', `${action}: the catalog is locked by another process (a long write such as a large SARIF ingest); try again shortly`, { cause });

/**
 * Runs `write` until the catalog takes it: on a busy catalog it waits `pauseMs` (without holding
 * the event loop: the busy timeout already did) and tries again, `attempts` times in all.
 */
export async function whenCatalogFree<T>(write: () => T, o: { attempts?: number; pauseMs?: number; onBusy?: (attempt: number) => void } = {}): Promise<T> {
  const attempts = o.attempts ?? 20;
  for (let attempt = 1; ; attempt++) {
    try {
      return write();
    } catch (e) {
      if (!isCatalogBusy(e) || attempt >= attempts) throw e;
      o.onBusy?.(attempt);
      await new Promise((r) => setTimeout(r, o.pauseMs ?? 1000));
    }
  }
}
