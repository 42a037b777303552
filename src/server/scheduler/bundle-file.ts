/**
 * A trust bundle file serve writes for clients (a certificate's caFile, the API's ca.crt), kept
 * equal to the CA's trusted set at every check, not only when a leaf is issued: during a CA
 * rotation the new root must reach the clients before any leaf from it does. Rewritten only when
 * its content differs, so its modification time says since when it has held what it holds.
 */
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

export async function syncBundleFile(path: string, bundlePem: string): Promise<{ since: Date | undefined; wrote: boolean }> {
  const current = await readFile(path, 'utf8').catch(() => undefined);
  let wrote = false;
  if (bundlePem && current !== bundlePem) {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path + '.holdfast-tmp', bundlePem, { mode: 0o644 });
    await rename(path + '.holdfast-tmp', path);
    wrote = true;
  }
  return { since: await stat(path).then((s) => s.mtime, () => undefined), wrote };
}
