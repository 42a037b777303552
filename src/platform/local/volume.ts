/**
 * A local volume is a directory. Before a backup it must exist and be a directory: a missing
 * mount point backed up as "empty" would look like data loss in the next restore.
 */
import { stat } from 'node:fs/promises';
import { fromSystemError, invalidInput } from '../../base/errors.js';

export async function checkVolumeDir(name: string, path: string): Promise<void> {
  let s;
  try {
    s = await stat(path);
  } catch (e) {
    throw fromSystemError(`volume ${name}: open ${path}`, e);
  }
  if (!s.isDirectory()) throw invalidInput('VOLUME_NOT_DIR', `volume ${name}: ${path} is not a directory`);
}
