/**
 * Keys: a random master key (encKey for AES-256-GCM, idKey for blob ids) wrapped by one or more
 * password-derived keys. Each `keys/<id>` blob holds scrypt parameters, a salt and the wrapped
 * master key, so a password can be added, changed or revoked without re-encrypting any data.
 */
import { randomBytes, scrypt as scryptCb, type ScryptOptions } from 'node:crypto';
import { hostname, userInfo } from 'node:os';
import { z } from 'zod';
import { authFailed, corrupt } from '../../base/errors.js';
import { open, seal } from './seal.js';

export interface MasterKey {
  encKey: Buffer;
  idKey: Buffer;
}

export interface KdfParams {
  N: number;
  r: number;
  p: number;
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
});
export type KeyFile = z.infer<typeof keyFileSchema>;

const KEY_AAD = Buffer.from('holdfast-master-key-v1');

function scrypt(password: string, salt: Buffer, p: KdfParams): Promise<Buffer> {
  const opts: ScryptOptions = { N: p.N, r: p.r, p: p.p, maxmem: 256 * p.N * p.r + 16 * 1024 * 1024 };
  return new Promise((res, rej) => scryptCb(password.normalize('NFC'), salt, 32, opts, (e, k) => (e ? rej(e) : res(k))));
}

/**
 * scrypt cost: N = 2^17 (128 MiB, ~0.3–0.6 s here) protects a stolen key file against offline
 * guessing. HOLDFAST_TEST_FAST_KDF=1 selects N = 2^10 for test suites only; the choice is recorded
 * in the key file, so it never weakens an existing repository.
 */
export function defaultKdf(): KdfParams {
  return process.env.HOLDFAST_TEST_FAST_KDF === '1' ? { N: 1 << 10, r: 8, p: 1 } : { N: 1 << 17, r: 8, p: 1 };
}

export function newMasterKey(): MasterKey {
  return { encKey: randomBytes(32), idKey: randomBytes(32) };
}

export async function wrapMasterKey(master: MasterKey, password: string, kdf = defaultKdf()): Promise<KeyFile> {
  if (!password) throw authFailed('PASSWORD_EMPTY', 'refusing an empty repository password');
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
