import { mkdtemp, rm, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { FsBlobStore } from './fs-store.js';
import { blobStoreConformance } from '../testing.js';

blobStoreConformance('filesystem', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'hf-fs-'));
  return { store: new FsBlobStore(dir), cleanup: () => rm(dir, { recursive: true, force: true }) };
});

it('leaves no temporary file behind after a put', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'hf-fs-'));
  const store = new FsBlobStore(dir);
  await store.put('data/aa/aa11', Buffer.from('hello'));
  assert.deepEqual(await readdir(join(dir, 'data', 'aa')), ['aa11']);
  await rm(dir, { recursive: true, force: true });
});
