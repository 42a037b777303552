import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ByteBudget } from './byte-budget.js';

const settled = async (p: Promise<void>) => {
  let done = false;
  void p.then(() => (done = true));
  await new Promise((r) => setImmediate(r));
  return done;
};

describe('ByteBudget', () => {
  it('holds a request that would pass the limit until enough is released', async () => {
    const b = new ByteBudget(100);
    await b.acquire(60);
    const second = b.acquire(60);
    assert.equal(await settled(second), false);
    b.release(60);
    assert.equal(await settled(second), true);
  });

  it('serves requests in order: a small one does not overtake a large one waiting', async () => {
    const b = new ByteBudget(100);
    await b.acquire(50);
    const large = b.acquire(80);
    const small = b.acquire(10);
    assert.equal(await settled(small), false);
    b.release(50);
    assert.equal(await settled(large), true);
    assert.equal(await settled(small), true);
  });

  it('lets a request larger than the whole budget through once nothing else is held', async () => {
    const b = new ByteBudget(100);
    await b.acquire(10);
    const huge = b.acquire(500);
    assert.equal(await settled(huge), false);
    b.release(10);
    assert.equal(await settled(huge), true);
  });
});
