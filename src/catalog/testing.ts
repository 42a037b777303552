/** Test helpers for the catalog: a fresh catalog in a temporary directory, removed afterwards. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Catalog, type OpenOptions } from './catalog.js';

export function tempCatalog(options: OpenOptions = {}): { catalog: Catalog; path: string; dir: string; dispose(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'holdfast-catalog-'));
  const path = join(dir, 'holdfast.db');
  const catalog = Catalog.open(path, options);
  return {
    catalog,
    path,
    dir,
    dispose() {
      catalog.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const commitA = 'a'.repeat(40);
export const commitB = 'b'.repeat(40);
export const digestOf = (c: string) => 'sha256:' + c.repeat(64).slice(0, 64);
