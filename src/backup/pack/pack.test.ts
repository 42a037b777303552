import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { isHoldfastError } from '../../base/errors.js';
import { PackBuilder, expectedPackSize, fetchPackHeader, readPackHeader } from './pack.js';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PackFile } from './pack-file.js';
import { BLOB_OVERHEAD, decodeBlob, open, sealBlobAt } from '../crypto/seal.js';

const key = randomBytes(32);
function pack(blobs: number, size = 1000) {
  const b = new PackBuilder();
  for (let i = 0; i < blobs; i++) b.add(i % 2 ? 'tree' : 'data', randomBytes(32).toString('hex'), randomBytes(size + i), size + i);
  return whole(b);
}
/** A finished pack with its parts joined, as a reader sees it. */
function whole(b: PackBuilder) {
  const p = b.finish(key);
  return { ...p, data: Buffer.concat(p.data) };
}
/** A ranged reader over a buffer that counts the bytes it hands out. */
function reader(data: Buffer) {
  const r = { bytes: 0, calls: 0, get: async ({ offset, length }: { offset: number; length: number }) => {
    r.calls++;
    const out = data.subarray(offset, offset + length);
    r.bytes += out.length;
    return out;
  } };
  return r;
}
const corruptWith = (code: string) => (e: unknown) => isHoldfastError(e, code);

describe('pack headers', () => {
  it('the size the index implies is exactly the size written', () => {
    for (const n of [1, 7, 300]) {
      const p = pack(n);
      assert.equal(expectedPackSize([...p.blobs].reverse()), p.data.length);
    }
  });

  it("names a pack by the SHA-256 of exactly the bytes its parts make, and says their length", () => {
    const b = new PackBuilder();
    for (let i = 0; i < 40; i++) b.add('data', randomBytes(32).toString('hex'), randomBytes(100 + i), 100 + i);
    const p = b.finish(key);
    const bytes = Buffer.concat(p.data);
    assert.equal(p.id, createHash('sha256').update(bytes).digest('hex'));
    assert.equal(p.length, bytes.length);
  });

  it('a pack a chunk worker writes to a file reads back like any pack: header, name, length and every blob', (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'hf-packfile-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const w = new PackFile(join(dir, 'p'));
    const scratch = Buffer.alloc(8 << 20);
    // Compressible; random; tiny; compressible at its start only (zstd is tried, and does not pay);
    // compressible and small enough to be its own sample.
    const startOnly = Buffer.concat([Buffer.alloc(64 * 1024, 'compressible '), randomBytes(4 << 20)]);
    const plains = [Buffer.alloc(300_000, 'compressible '), randomBytes(5000), Buffer.from('tiny'), startOnly, Buffer.alloc(100_000, 'row ')];
    const blobs = plains.map((plain) => ({ plain, id: randomBytes(32).toString('hex') }));
    for (const b of blobs) w.add('data', b.id, b.plain.length, scratch.subarray(0, sealBlobAt(key, b.plain, b.id, scratch, 0)));
    const p = w.finish(key);
    const bytes = readFileSync(p.path);
    assert.equal(p.length, bytes.length);
    assert.equal(p.id, createHash('sha256').update(bytes).digest('hex'));
    assert.equal(expectedPackSize(p.blobs), bytes.length);
    assert.deepEqual(readPackHeader(key, bytes, p.id), p.blobs);
    for (const [i, b] of p.blobs.entries()) {
      const sealed = bytes.subarray(b.offset, b.offset + b.length);
      assert.deepEqual(decodeBlob(open(key, sealed, Buffer.from(b.id, 'hex'), b.id), b.id), blobs[i]!.plain);
    }
    assert.ok(p.blobs[0]!.length < 300_000 / 10, 'the compressible blob was stored compressed');
    assert.equal(p.blobs[3]!.length, startOnly.length + BLOB_OVERHEAD, 'a blob zstd would barely shrink is stored as it is');
    assert.ok(p.blobs[4]!.length < 100_000 / 10, 'a small compressible blob was stored compressed');
  });

  it('reads a header from the tail of a pack, not the whole pack, and agrees with the full read', async () => {
    const p = pack(20, 50_000);
    const r = reader(p.data);
    const fetched = await fetchPackHeader(r.get, key, p.id, p.data.length);
    assert.deepEqual(fetched, readPackHeader(key, p.data, p.id));
    assert.deepEqual(fetched, p.blobs);
    assert.equal(r.calls, 1);
    assert.ok(r.bytes <= 64 * 1024, `read ${r.bytes} bytes`);
  });

  it('reads a header longer than the first tail read with a second ranged read', async () => {
    const p = pack(1500, 10);
    const r = reader(p.data);
    assert.equal((await fetchPackHeader(r.get, key, p.id, p.data.length)).length, 1500);
    assert.equal(r.calls, 2);
  });

  it('names a truncated pack, a damaged header and a header that places blobs outside the pack', async () => {
    const p = pack(3);
    const cut = p.data.subarray(0, p.data.length - 1);
    await assert.rejects(fetchPackHeader(reader(cut).get, key, p.id, cut.length), (e) => corruptWith('DECRYPT_FAILED')(e) || corruptWith('PACK_TRUNCATED')(e));
    const flipped = Buffer.from(p.data);
    flipped[flipped.length - 10]! ^= 1;
    await assert.rejects(fetchPackHeader(reader(flipped).get, key, p.id, flipped.length), corruptWith('DECRYPT_FAILED'));
    // The store says the pack is longer than the bytes it returns.
    await assert.rejects(fetchPackHeader(reader(cut).get, key, p.id, p.data.length), corruptWith('PACK_TRUNCATED'));
    // A well-sealed header whose entry points past the blobs (a hostile pack).
    const b = new PackBuilder();
    b.add('data', 'ab'.repeat(32), randomBytes(10), 1);
    b.blobs[0]!.length = 10_000;
    const bad = whole(b);
    await assert.rejects(fetchPackHeader(reader(bad.data).get, key, bad.id, bad.data.length), corruptWith('PACK_HEADER'));
  });
});
