import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { withCaLock } from './lock.js';

describe('withCaLock within one process', () => {
  it('is re-entrant in one call chain, and a concurrent chain waits (serve issues while its rotation runs a step)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hf-lock-'));
    try {
      const events: string[] = [];
      const step = withCaLock(dir, 'rotation step', async () => {
        events.push('step starts');
        // Nested: a step that reads status takes the lock again without waiting for itself.
        await withCaLock(dir, 'nested', async () => events.push('nested'));
        await new Promise((r) => setTimeout(r, 300));
        events.push('step ends');
      });
      await new Promise((r) => setTimeout(r, 50));
      const issue = withCaLock(dir, 'issue', async () => events.push('issue'));
      await Promise.all([step, issue]);
      assert.deepEqual(events, ['step starts', 'nested', 'step ends', 'issue']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
