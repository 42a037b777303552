/**
 * Reads a secret named in the config. Messages name where the secret was looked for, never its
 * value; the value is returned to the caller and must go nowhere but the thing that needs it.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { errnoCode, fromSystemError, invalidInput } from '../base/errors.js';
import type { SecretRef } from './schema.js';

export async function readSecret(
  ref: SecretRef,
  what: string,
  resolvePath: (p: string) => string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string> {
  if ('env' in ref) {
    const v = env[ref.env];
    if (!v) throw invalidInput('SECRET_MISSING', `${what}: environment variable ${ref.env} is not set`);
    return v;
  }
  const path = resolvePath(ref.file);
  if (ref.generate) {
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    // 'wx': never overwrite — two starts racing keep whichever secret was written first.
    await writeFile(path, randomBytes(24).toString('base64url') + '\n', { mode: 0o600, flag: 'wx' }).catch(
      (e) => {
        if (errnoCode(e) !== 'EEXIST') throw fromSystemError(`${what}: create secret file ${path}`, e);
      },
    );
  }
  let v: string;
  try {
    v = (await readFile(path, 'utf8')).trim();
  } catch (e) {
    throw fromSystemError(`${what}: read secret file ${path}`, e);
  }
  if (!v) throw invalidInput('SECRET_MISSING', `${what}: secret file ${path} is empty`);
  return v;
}
