import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isHoldfastError } from '../../base/errors.js';
import { KDF_MEMORY_N, KDF_TARGET_MS, kdfProblem, lanesFor, newMasterKey, unwrapMasterKey, wrapMasterKey } from './keys.js';

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

describe('a key file\'s scrypt cost is bounded before deriving', () => {
  for (const [name, kdf, problem] of [
    ['a calibrated key (32 MiB, 64 lanes at most)', { N: 1 << 15, r: 8, p: 64 }, undefined],
    ['the old fixed cost (128 MiB, one lane)', { N: 1 << 17, r: 8, p: 1 }, undefined],
    ['the test suites\' cost', { N: 1 << 10, r: 8, p: 1 }, undefined],
    ['N = 2^30 asks for 1 TiB', { N: 2 ** 30, r: 8, p: 1 }, /N=1073741824, r=8 would take 1048576 MiB of memory, more than the 256 MiB accepted/],
    ['a large r asks for the memory a large N would', { N: 1 << 15, r: 1 << 10, p: 1 }, /4096 MiB of memory/],
    ['many lanes of the largest memory: hours of work', { N: 1 << 17, r: 8, p: 1000 }, /1000 lanes of 128 MiB/],
    ['N not a power of two', { N: 1000, r: 8, p: 1 }, /not a power of two/],
    ['N of 1', { N: 1, r: 8, p: 1 }, /not a power of two/],
    ['p of 0', { N: 1 << 10, r: 8, p: 0 }, /not small positive integers/],
    ['a fractional r', { N: 1 << 10, r: 0.5, p: 1 }, /not small positive integers/],
  ] as const) {
    it(name, () => {
      const got = kdfProblem(kdf);
      if (problem === undefined) assert.equal(got, undefined);
      else assert.match(got ?? '', problem);
    });
  }

  it('a crafted key file with N = 2^30 is refused at once with one line naming it, before any memory is taken', async () => {
    const file = await wrapMasterKey(newMasterKey(), 'pw', { N: 1 << 10, r: 8, p: 1 });
    const before = process.memoryUsage().rss;
    const started = performance.now();
    await assert.rejects(unwrapMasterKey({ ...file, N: 2 ** 30 }, 'pw', 'keys/crafted'), (e) => isHoldfastError(e) && e.code === 'KEY_PARAMS' && e.message.startsWith('read keys/crafted: scrypt N=1073741824') && !e.message.includes('\n'));
    assert.ok(performance.now() - started < 100);
    assert.ok(process.memoryUsage().rss - before < 64 * 1024 * 1024);
  });
});
