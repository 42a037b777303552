/**
 * Key derivation: scrypt, the limits a key file's cost must respect, and derivations started
 * early. A command that opens a repository spends ~0.2 s in scrypt on the thread pool, and ~0.35 s
 * on the main thread loading the engine's modules; started before the modules load (cli/early-key.ts),
 * the two overlap. This file imports nothing heavy, so it costs nothing to load first.
 */
import { scrypt as scryptCb, type ScryptOptions } from 'node:crypto';
import { faultPoint } from '../../base/faults.js';

export interface KdfParams {
  N: number;
  r: number;
  p: number;
}

const MiB = 1024 * 1024;
/** The most scrypt memory (128 · N · r) a key file may ask for: twice the old fixed cost, 8x today's. */
export const MAX_KDF_MEMORY = 256 * MiB;
/** The most work (memory × lanes) a key file may ask for: the most a calibrated key can (64 lanes of 32 MiB). */
const MAX_KDF_WORK = 64 * 32 * MiB;

/**
 * What is wrong with a key file's scrypt cost, or undefined. Checked before deriving: a crafted
 * key file must not make opening a repository allocate gigabytes or run for hours.
 */
export function kdfProblem(k: KdfParams): string | undefined {
  const ok = (v: number, max: number) => Number.isSafeInteger(v) && v >= 1 && v <= max;
  if (!ok(k.N, 2 ** 40) || k.N < 2 || !Number.isInteger(Math.log2(k.N))) return `scrypt N=${k.N} is not a power of two of at least 2`;
  if (!ok(k.r, 1024) || !ok(k.p, 1024)) return `scrypt r=${k.r}, p=${k.p} are not small positive integers`;
  const memory = 128 * k.N * k.r;
  if (memory > MAX_KDF_MEMORY) return `scrypt N=${k.N}, r=${k.r} would take ${Math.ceil(memory / MiB)} MiB of memory, more than the ${MAX_KDF_MEMORY / MiB} MiB accepted`;
  if (memory * k.p > MAX_KDF_WORK) return `scrypt N=${k.N}, r=${k.r}, p=${k.p} asks for ${k.p} lanes of ${Math.ceil(memory / MiB)} MiB, more work than the ${MAX_KDF_WORK / MiB} MiB accepted`;
  return undefined;
}

function scrypt(password: string, salt: Buffer, p: KdfParams): Promise<Buffer> {
  const opts: ScryptOptions = { N: p.N, r: p.r, p: p.p, maxmem: 256 * p.N * p.r + 16 * 1024 * 1024 };
  return new Promise((res, rej) => scryptCb(password.normalize('NFC'), salt, 32, opts, (e, k) => (e ? rej(e) : res(k))));
}

/** Derivations started ahead of need, by salt and cost; each is taken once, by the same password. */
const started = new Map<string, { password: string; key: Promise<Buffer> }>();
const startedKey = (salt: Buffer, k: KdfParams) => `${k.N}:${k.r}:${k.p}:${salt.toString('base64')}`;

/**
 * Starts deriving the key for `password` and a key file's salt and cost, for `deriveKey` to take.
 * A cost `kdfProblem` refuses is not started (the key file is read again, and refused, when the
 * repository is opened). A guess that turns out wrong costs one derivation and nothing else:
 * `deriveKey` uses a started derivation only for the very same password, salt and cost.
 */
export function startDerivation(password: string, salt: Buffer, k: KdfParams): void {
  if (!password || kdfProblem(k)) return;
  const key = scrypt(password, salt, k);
  // A failure here is not reported: deriveKey derives again and reports its own.
  key.catch(() => {});
  started.set(startedKey(salt, k), { password, key });
  // Traced (base/faults.ts) so a test can see that the derivation starts before the command loads.
  faultPoint('kdf:early-started').catch(() => {});
}

/** scrypt of `password` with this salt and cost (32 bytes): a derivation started early when there is one. */
export function deriveKey(password: string, salt: Buffer, k: KdfParams): Promise<Buffer> {
  const id = startedKey(salt, k);
  const early = started.get(id);
  started.delete(id);
  if (early && early.password === password) {
    faultPoint('kdf:early-used').catch(() => {});
    return early.key.catch(() => scrypt(password, salt, k));
  }
  return scrypt(password, salt, k);
}
