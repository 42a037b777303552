/**
 * Gives a repository the catalog records it does not have yet (catalog/records.ts): called by the
 * runs that have both open — a scheduled backup, `restore-point sync`, an incident, `catalog push`.
 * Each record becomes one content-addressed object, so a push repeated after a crash between the
 * upload and the bookkeeping writes nothing twice.
 */
import { saveCatalogRecord, type Repository } from '../backup/index.js';
import type { Catalog } from '../catalog/index.js';

export interface PushResult {
  /** Records written now. */
  pushed: number;
  /** Records the repository already held (an earlier push that was not recorded as done). */
  already: number;
}

export async function pushCatalogRecords(catalog: Catalog, repo: Repository, now: () => Date = () => new Date()): Promise<PushResult> {
  const id = repo.config.id;
  const out: PushResult = { pushed: 0, already: 0 };
  for (;;) {
    const batch = catalog.records.pending(id);
    if (batch.length === 0) return out;
    for (const r of batch) {
      const { isNew } = await saveCatalogRecord(repo, { ...r });
      if (isNew) out.pushed++;
      else out.already++;
    }
    catalog.records.markExported(id, batch.at(-1)!.seq, now());
  }
}
