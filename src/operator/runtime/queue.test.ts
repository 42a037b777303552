import { test } from 'node:test';
import assert from 'node:assert/strict';
import { silentLogger } from '../../base/log.js';
import { WorkQueue } from './queue.js';

test('a key added many times before a worker picks it up is reconciled once', async () => {
  const seen: string[] = [];
  const q = new WorkQueue('t', async (k) => void seen.push(k), () => 1, silentLogger, 1);
  for (let i = 0; i < 5; i++) q.add('a');
  q.start();
  await q.idle();
  assert.deepEqual(seen, ['a']);
});

test('a key changed while it is being reconciled is reconciled again afterwards, never concurrently', async () => {
  let active = 0;
  let maxActive = 0;
  let runs = 0;
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const q = new WorkQueue('t', async () => {
    active++;
    maxActive = Math.max(maxActive, active);
    runs++;
    if (runs === 1) await gate;
    active--;
  }, () => 1, silentLogger, 4);
  q.start();
  q.add('a');
  await new Promise((r) => setImmediate(r));
  q.add('a');
  release();
  await q.idle();
  await new Promise((r) => setTimeout(r, 5));
  await q.idle();
  assert.equal(runs, 2);
  assert.equal(maxActive, 1);
});

test('a failing key is retried after the backoff with the attempt count growing', async () => {
  const attempts: number[] = [];
  let calls = 0;
  const q = new WorkQueue('t', async () => {
    calls++;
    if (calls < 3) throw new Error('API down');
  }, (n) => (attempts.push(n), 1), silentLogger, 1);
  q.start();
  q.add('a');
  while (calls < 3) await new Promise((r) => setTimeout(r, 2));
  await q.idle();
  assert.deepEqual(attempts, [1, 2]);
  q.stop();
});

test('a stopped queue does no work until started', async () => {
  let runs = 0;
  const q = new WorkQueue('t', async () => void runs++, () => 1, silentLogger, 1);
  q.add('a');
  await new Promise((r) => setTimeout(r, 5));
  assert.equal(runs, 0);
  q.start();
  await q.idle();
  assert.equal(runs, 1);
});
