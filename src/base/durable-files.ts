/**
 * The two primitives of crash-safe writes, shared by the CA directory (tls/files.ts) and the
 * certificate files of local workloads (platform/local/cert-target.ts): create a new file with its
 * final mode from the first byte (a private key is never readable, not even briefly) and fsync it,
 * and fsync a directory so a rename in it survives a power cut.
 */
import { open } from 'node:fs/promises';

/** Creates `path` (it must not exist) with `mode`, writes `data` and fsyncs it. */
export async function writeNewFile(path: string, data: string | Uint8Array, mode: number): Promise<void> {
  const fh = await open(path, 'wx', mode);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Best effort: some filesystems cannot fsync a directory, and the write is no less correct there. */
export async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r').catch(() => undefined);
  if (!fh) return;
  try {
    await fh.sync().catch(() => {});
  } finally {
    await fh.close();
  }
}
