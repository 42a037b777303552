import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { KDF_MEMORY_N, KDF_TARGET_MS, lanesFor, newMasterKey, unwrapMasterKey, wrapMasterKey } from './keys.js';

describe('key derivation cost', () => {
  for (const [name, oneLaneMs, lanes] of [
    ['one lane already takes the target: still two, the floor', KDF_TARGET_MS, 2],
    ['a machine loaded while it calibrates still writes two lanes, not a weak key', KDF_TARGET_MS * 3, 2],
    ['a fast machine gets the lanes that fill the target', KDF_TARGET_MS / 4, 4],
    ['a lane timed at zero (coarse clock) is capped, not infinite', 0, 64],
    ['an absurdly fast lane is capped', 0.001, 64],
  ] as const) {
    it(name, () => assert.equal(lanesFor(oneLaneMs), lanes));
  }

  it('a new key fits a 256 MiB data-mover pod: 32 MiB of scrypt memory, cost recorded in the key', async () => {
    const saved = process.env.HOLDFAST_TEST_FAST_KDF;
    delete process.env.HOLDFAST_TEST_FAST_KDF;
    try {
      const master = newMasterKey();
      const file = await wrapMasterKey(master, 'pw');
      assert.equal(file.N, KDF_MEMORY_N);
      assert.equal(128 * file.N * file.r, 32 * 1024 * 1024);
      assert.ok(file.p >= 2);
      assert.deepEqual(await unwrapMasterKey(file, 'pw', 'keys/new'), master);
    } finally {
      if (saved !== undefined) process.env.HOLDFAST_TEST_FAST_KDF = saved;
    }
  });

  it('a key written with the old fixed cost (N = 2^17, 128 MiB) still opens', async () => {
    const master = newMasterKey();
    const old = await wrapMasterKey(master, 'pw', { N: 1 << 17, r: 8, p: 1 });
    assert.deepEqual(await unwrapMasterKey(old, 'pw', 'keys/old'), master);
  });
});
