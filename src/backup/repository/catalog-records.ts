/**
 * catalog records in a repository: `catalog/<id>` objects, each one record of what a catalog knew
 * (catalog/records.ts says what they hold), sealed like every metadata object (AES-256-GCM, the
 * object's name as associated data), so the store can neither read one nor pass off a truncated
 * or swapped one as valid.
 *
 * Content-addressed: the id is the keyed hash (the repository's blob-id key) of the plaintext, so
 * giving a repository the same record twice — a retried push, two runs racing — writes one object,
 * and the name says nothing about the content to whoever can list the bucket. Written once, never
 * rewritten: object lock and WORM buckets hold them like snapshots. The repository layer checks a
 * record's envelope only; what a kind's body means, and which formats can be read, is the
 * catalog's business.
 */
import { z } from 'zod';
import { isHoldfastError } from '../../base/errors.js';
import { isDamage, type Repository } from './repository.js';

export const CATALOG_PREFIX = 'catalog/';

export const catalogObjectSchema = z
  .object({
    format: z.number().int().positive(),
    kind: z.string().min(1),
    origin: z.string().min(1),
    seq: z.number().int(),
    time: z.string(),
    body: z.record(z.unknown()),
  })
  .passthrough();
export type CatalogObject = z.infer<typeof catalogObjectSchema>;

export interface StoredCatalogObject {
  name: string;
  record: CatalogObject;
}

/** Stores a record unless an identical one is there; returns its name and whether it was new. */
export async function saveCatalogRecord(repo: Repository, record: CatalogObject): Promise<{ name: string; isNew: boolean }> {
  const name = CATALOG_PREFIX + repo.id(Buffer.from(JSON.stringify(record)));
  if (await repo.store.stat(name)) return { name, isNew: false };
  await repo.saveJson('catalog', record, name);
  return { name, isNew: true };
}

/**
 * Every catalog record in the repository. One that cannot be decrypted or parsed (damaged,
 * truncated, written under another key) is named in `damaged` and skipped: the rest still rebuild.
 */
export async function readCatalogRecords(repo: Repository, onRead?: (done: number, total: number) => void): Promise<{ records: StoredCatalogObject[]; damaged: { name: string; reason: string }[] }> {
  const names: string[] = [];
  for await (const b of repo.store.list(CATALOG_PREFIX)) names.push(b.name);
  names.sort();
  const records: StoredCatalogObject[] = [];
  const damaged: { name: string; reason: string }[] = [];
  let next = 0;
  let done = 0;
  // A few reads in flight: an object store answers each GET in a round trip.
  const worker = async () => {
    while (next < names.length) {
      const name = names[next++]!;
      try {
        records.push({ name, record: await repo.loadJson(name, catalogObjectSchema) });
      } catch (e) {
        if (isDamage(e)) damaged.push({ name, reason: e.message });
        else if (!isHoldfastError(e, 'BLOB_NOT_FOUND')) throw e;
      }
      onRead?.(++done, names.length);
    }
  };
  await Promise.all(Array.from({ length: Math.min(8, names.length) }, worker));
  return { records, damaged: damaged.sort((a, b) => a.name.localeCompare(b.name)) };
}
