/**
 * Sealing: how every stored byte is encrypted and every chunk named.
 *
 * - A blob id is HMAC-SHA256(idKey, plaintext): keyed, so the storage provider cannot confirm that
 *   a repository holds a guessed file by hashing it.
 * - A sealed object is nonce(12) ‖ AES-256-GCM ciphertext ‖ tag(16). The associated data binds it to
 *   its name (the blob id, or the object's name for metadata), so an attacker who can write to the
 *   store cannot swap two valid ciphertexts without `open` failing.
 * - Blob plaintext is prefixed by one byte: 0 = stored, 1 = zstd. Compression is tried only when a
 *   sample shrinks, because zstd on incompressible data costs CPU and gains nothing.
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { Decompressor } from 'zstd-napi';
import zstd from 'zstd-napi/binding.js';
import { corrupt } from '../../base/errors.js';

export const NONCE = 12;
export const TAG = 16;
export const SEAL_OVERHEAD = NONCE + TAG;
/** A sealed blob is at most this much longer than its plaintext: the seal and the compression flag. */
export const BLOB_OVERHEAD = SEAL_OVERHEAD + 1;

export function blobId(idKey: Buffer, data: Uint8Array): string {
  return createHmac('sha256', idKey).update(data).digest('hex');
}

export function seal(encKey: Buffer, plaintext: Uint8Array, aad: Uint8Array): Buffer {
  const nonce = randomBytes(NONCE);
  const c = createCipheriv('aes-256-gcm', encKey, nonce);
  c.setAAD(aad);
  const body = c.update(plaintext);
  const fin = c.final();
  return Buffer.concat([nonce, body, fin, c.getAuthTag()]);
}

/** Throws `corrupt` naming `what` when the data was altered, truncated or sealed under another key. */
export function open(encKey: Buffer, sealed: Uint8Array, aad: Uint8Array, what: string): Buffer {
  if (sealed.length < SEAL_OVERHEAD) throw corrupt('DECRYPT_FAILED', `decrypt ${what}: truncated (${sealed.length} bytes)`);
  const buf = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
  const d = createDecipheriv('aes-256-gcm', encKey, buf.subarray(0, NONCE));
  d.setAAD(aad);
  d.setAuthTag(buf.subarray(buf.length - TAG));
  try {
    const body = d.update(buf.subarray(NONCE, buf.length - TAG));
    // GCM's final gives no bytes: joining it would only copy the plaintext.
    const fin = d.final();
    return fin.length ? Buffer.concat([body, fin]) : body;
  } catch {
    throw corrupt('DECRYPT_FAILED', `decrypt ${what}: authentication failed (damaged, or not written with this key)`);
  }
}

const SAMPLE = 64 * 1024;
let cctx: zstd.CCtx | undefined;
/** The compressor's output, reused: zstd-napi's own `compress` allocated and trimmed a buffer per chunk. */
let scratch = Buffer.alloc(0);
let decompressor: Decompressor | undefined;
let dctx: zstd.DCtx | undefined;

/**
 * Compress-if-it-pays + seal, into one transferable ArrayBuffer of exactly the sealed length.
 */
export function sealBlobInto(encKey: Buffer, data: Uint8Array, idHex: string, level = 3): ArrayBuffer {
  const payload = compressIfWorthIt(data, level);
  const ab = new ArrayBuffer(BLOB_OVERHEAD + payload.bytes.length);
  writeSealed(encKey, payload, idHex, Buffer.from(ab), 0);
  return ab;
}

/**
 * Compress-if-it-pays + seal, written at `pos` of `out`, which must have `data.length +
 * BLOB_OVERHEAD` bytes of room; returns the sealed length. The chunk workers' hot path: they seal
 * straight into the pack they are filling, where every extra copy of a megabyte chunk showed up
 * as GC time. zstd writes into the pack too, where the ciphertext goes: a scratch buffer as large
 * as the largest chunk's compressed form was up to 8 MiB per worker.
 */
export function sealBlobAt(encKey: Buffer, data: Uint8Array, idHex: string, out: Buffer, pos: number, level = 3): number {
  const body = pos + NONCE + 1;
  const z = compressAt(data, out, body, level);
  return writeSealed(encKey, z ? { flag: 1, bytes: out.subarray(body, body + z) } : { flag: 0, bytes: data }, idHex, out, pos);
}

/** Random bytes for nonces, drawn 48 KiB at a time: a system call per small chunk showed in the workers' profile. */
let nonces = Buffer.alloc(0);
let noncesUsed = 0;

/** `payload.bytes` may be `out` itself at the payload's place (compressed there): the cipher's output is a new buffer, copied over it. */
function writeSealed(encKey: Buffer, payload: { flag: 0 | 1; bytes: Uint8Array }, idHex: string, out: Buffer, at: number): number {
  if (noncesUsed + NONCE > nonces.length) {
    nonces = randomBytes(NONCE * 4096);
    noncesUsed = 0;
  }
  const nonce = nonces.subarray(noncesUsed, (noncesUsed += NONCE));
  nonce.copy(out, at);
  const c = createCipheriv('aes-256-gcm', encKey, nonce);
  c.setAAD(Buffer.from(idHex, 'hex'));
  let pos = at + NONCE;
  pos += c.update(payload.flag ? FLAG_ZSTD : FLAG_STORED).copy(out, pos);
  pos += c.update(payload.bytes).copy(out, pos);
  pos += c.final().copy(out, pos);
  pos += c.getAuthTag().copy(out, pos);
  return pos - at;
}

const FLAG_STORED = Buffer.of(0);
const FLAG_ZSTD = Buffer.of(1);

/** zstd of `data` into the scratch buffer (valid until the next call); its length. */
function zstdInto(data: Uint8Array, level: number): number {
  cctx ??= new zstd.CCtx();
  const bound = zstd.compressBound(data.length);
  if (scratch.length < bound) scratch = Buffer.allocUnsafe(bound);
  return cctx.compress(scratch, data, level);
}

/** Whether zstd is worth trying on the whole chunk: its first 64 KiB (all of a chunk up to 128 KiB) shrink by a tenth. */
function sampleShrinks(data: Uint8Array, level: number): { sample: Uint8Array; z: number } | undefined {
  if (data.length < 256) return undefined;
  const sample = data.length > SAMPLE * 2 ? data.subarray(0, SAMPLE) : data;
  const z = zstdInto(sample, level);
  return z < sample.length * 0.9 ? { sample, z } : undefined;
}

function compressIfWorthIt(data: Uint8Array, level: number): { flag: 0 | 1; bytes: Uint8Array } {
  const tried = sampleShrinks(data, level);
  if (tried) {
    const z = tried.sample === data ? tried.z : zstdInto(data, level);
    if (z < data.length * 0.97) return { flag: 1, bytes: scratch.subarray(0, z) };
  }
  return { flag: 0, bytes: data };
}

/**
 * zstd of `data` written at `at` of `out` when it pays (shorter than 97 % of the data), its length;
 * 0 when it does not. zstd is given exactly the room a result that pays needs, so a result that
 * would not pay stops it with "destination too small" instead of being made and dropped.
 */
function compressAt(data: Uint8Array, out: Buffer, at: number, level: number): number {
  const tried = sampleShrinks(data, level);
  if (!tried) return 0;
  const room = Math.ceil(data.length * 0.97) - 1;
  if (tried.sample === data) return tried.z <= room ? scratch.copy(out, at, 0, tried.z) : 0;
  try {
    return cctx!.compress(out.subarray(at, at + room), data, level);
  } catch (e) {
    if (e instanceof Error && /too small/.test(e.message)) return 0;
    throw e;
  }
}

/**
 * The plaintext of a decrypted blob. With `into`, a compressed blob is decompressed into it (a
 * restore's reused buffer) and the part written is returned; a blob larger than `into` fails.
 */
export function decodeBlob(encoded: Buffer, what: string, into?: Buffer): Buffer {
  const flag = encoded[0];
  if (flag === 0) return encoded.subarray(1);
  if (flag === 1) {
    try {
      if (into) {
        dctx ??= new zstd.DCtx();
        return into.subarray(0, dctx.decompress(into, encoded.subarray(1)));
      }
      decompressor ??= new Decompressor();
      return decompressor.decompress(encoded.subarray(1));
    } catch {
      throw corrupt('DECOMPRESS_FAILED', `decompress ${what}: invalid zstd data`);
    }
  }
  throw corrupt('BLOB_FORMAT', `decode ${what}: unknown compression flag ${flag}`);
}
