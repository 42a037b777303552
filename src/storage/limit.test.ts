import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FsBlobStore } from './fs/fs-store.js';
import { LimitedBlobStore, Semaphore } from './limit.js';

describe('Semaphore', () => {
  it('never lets more than the limit run at once', async () => {
    const s = new Semaphore(3);
    let now = 0;
    let peak = 0;
    await Promise.all(
      Array.from({ length: 20 }, () =>
        s.run(async () => {
          peak = Math.max(peak, ++now);
          await new Promise((r) => setImmediate(r));
          now--;
        }),
      ),
    );
    assert.equal(peak, 3);
    assert.equal(s.inFlight, 0);
  });

  it('starts waiting calls in the order they arrived', async () => {
    const s = new Semaphore(1);
    const order: number[] = [];
    await Promise.all([0, 1, 2, 3].map((i) => s.run(async () => void order.push(i))));
    assert.deepEqual(order, [0, 1, 2, 3]);
  });

  it('frees the slot when a call fails', async () => {
    const s = new Semaphore(1);
    await assert.rejects(s.run(async () => Promise.reject(new Error('x'))));
    assert.equal(await s.run(async () => 7), 7);
  });

  it('refuses a limit below one', () => {
    assert.throws(() => new Semaphore(0));
  });
});

it('a limited store still does what the store does', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'hf-limit-'));
  try {
    const store = new LimitedBlobStore(new FsBlobStore(dir), 2);
    await Promise.all(Array.from({ length: 10 }, (_, i) => store.put(`data/aa/${i}`, Buffer.from(String(i)))));
    const names = [];
    for await (const b of store.list('data/')) names.push(b.name);
    assert.equal(names.length, 10);
    assert.equal(store.gate.inFlight, 0);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
