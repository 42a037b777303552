/**
 * Keys: a random master key (encKey for AES-256-GCM, idKey for blob ids) wrapped by one or more
 * password-derived keys. Each `keys/<id>` blob holds scrypt parameters, a salt and the wrapped
 * master key, so a password can be added, changed or revoked without re-encrypting any data.
 */
import { randomBytes } from 'node:crypto';
import { hostname, userInfo } from 'node:os';
import { z } from 'zod';
import { authFailed, corrupt } from '../../base/errors.js';
import { open, seal } from './seal.js';
import { deriveKey as scrypt, kdfProblem, type KdfParams } from './kdf.js';

export { kdfProblem, type KdfParams } from './kdf.js';

export interface MasterKey {
  encKey: Buffer;
  idKey: Buffer;
}

export const keyFileSchema = z.object({
  version: z.literal(1),
  created: z.string(),
  host: z.string(),
  user: z.string(),
  kdf: z.literal('scrypt'),
  N: z.number().int(),
  r: z.number().int(),
  p: z.number().int(),
  salt: z.string(),
  data: z.string(),
}).superRefine((k, ctx) => {
  const problem = kdfProblem(k);
  if (problem) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['N'], message: problem });
});
export type KeyFile = z.infer<typeof keyFileSchema>;

const KEY_AAD = Buffer.from('holdfast-master-key-v1');

/**
 * scrypt memory, like restic's: 128 · N · r bytes. 32 MiB (N = 2^15, r = 8) leaves a data-mover pod
 * with a 256 MiB limit room for the backup itself; the old fixed N = 2^17 took 128 MiB and half of
 * the peak memory of opening a repository.
 */
export const KDF_MEMORY_N = 1 << 15;

/**
 * Time one key derivation should take on the machine that creates the key. restic calibrates to
 * 0.5 s; Holdfast to 0.3 s, because Node's own start-up costs 0.1–0.2 s that a Go binary does not
 * pay, and every command (a data-mover Job, `snapshots`) pays both.
 */
export const KDF_TARGET_MS = 300;
const MAX_P = 64;
/**
 * Floor on lanes: a machine loaded while it calibrates would otherwise write a weak key for good.
 * Two lanes of N = 2^15 (0.18 s of CPU here) cost more than the key restic wrote on this machine
 * under load (N = 2^14, r = 8, p = 3: 0.11 s in Node, 0.13 s for all of `restic cat config`).
 */
const MIN_P = 2;

/**
 * The lanes (p) that make one derivation take `targetMs`, given what one lane took. Memory stays
 * at one lane's (Node derives lanes in turn), so cost grows with time, never with memory.
 */
export function lanesFor(oneLaneMs: number, targetMs = KDF_TARGET_MS): number {
  if (!(oneLaneMs > 0)) return MAX_P;
  return Math.min(MAX_P, Math.max(MIN_P, Math.round(targetMs / oneLaneMs)));
}

/**
 * scrypt cost for a new key, calibrated here and recorded in the key file, so it never weakens or
 * slows an existing key (old files keep their own N, r, p). HOLDFAST_TEST_FAST_KDF=1 selects
 * N = 2^10 for test suites only.
 */
export async function defaultKdf(): Promise<KdfParams> {
  if (process.env.HOLDFAST_TEST_FAST_KDF === '1') return { N: 1 << 10, r: 8, p: 1 };
  const one = { N: KDF_MEMORY_N, r: 8, p: 1 };
  const started = performance.now();
  await scrypt('calibration', randomBytes(32), one);
  return { ...one, p: lanesFor(performance.now() - started) };
}

export function newMasterKey(): MasterKey {
  return { encKey: randomBytes(32), idKey: randomBytes(32) };
}

export async function wrapMasterKey(master: MasterKey, password: string, given?: KdfParams): Promise<KeyFile> {
  if (!password) throw authFailed('PASSWORD_EMPTY', 'refusing an empty repository password');
  const kdf = given ?? (await defaultKdf());
  const salt = randomBytes(32);
  const kek = await scrypt(password, salt, kdf);
  const plain = Buffer.from(JSON.stringify({ encKey: master.encKey.toString('base64'), idKey: master.idKey.toString('base64') }));
  return {
    version: 1,
    created: new Date().toISOString(),
    host: hostname(),
    user: userInfo().username,
    kdf: 'scrypt',
    ...kdf,
    salt: salt.toString('base64'),
    data: seal(kek, plain, KEY_AAD).toString('base64'),
  };
}

/** Returns undefined when the password does not open this key file. */
export async function unwrapMasterKey(file: KeyFile, password: string, name: string): Promise<MasterKey | undefined> {
  const problem = kdfProblem(file);
  if (problem) throw corrupt('KEY_PARAMS', `read ${name}: ${problem}`);
  const kek = await scrypt(password, Buffer.from(file.salt, 'base64'), file);
  let plain: Buffer;
  try {
    plain = open(kek, Buffer.from(file.data, 'base64'), KEY_AAD, name);
  } catch {
    return undefined;
  }
  try {
    const j = JSON.parse(plain.toString()) as { encKey: string; idKey: string };
    return { encKey: Buffer.from(j.encKey, 'base64'), idKey: Buffer.from(j.idKey, 'base64') };
  } catch {
    throw corrupt('KEY_FORMAT', `read ${name}: master key is malformed`);
  }
}
