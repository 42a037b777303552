import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, readdir, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { isHoldfastError } from '../../base/errors.js';
import { FsBlobStore } from './fs-store.js';
import { blobStoreConformance } from '../testing.js';

blobStoreConformance('filesystem', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'hf-fs-'));
  return { store: new FsBlobStore(dir), cleanup: () => rm(dir, { recursive: true, force: true }) };
});

it('stores a file staged in its staging directory by linking it, not copying it, and syncs it first', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'hf-fs-stage-'));
  const store = new FsBlobStore(dir);
  await mkdir(store.stagingDir, { recursive: true });
  const staged = join(store.stagingDir, 'pack-1');
  await writeFile(staged, 'a whole pack');
  await store.putFile('data/bb/bb11', staged, 12);
  assert.equal((await stat(join(dir, 'data', 'bb', 'bb11'))).ino, (await stat(staged)).ino);
  assert.deepEqual(await readdir(join(dir, 'data', 'bb')), ['bb11']);
  const names = [];
  for await (const b of store.list('')) names.push(b.name);
  assert.deepEqual(names, ['data/bb/bb11'], 'the staging directory is not part of the repository');
  await rm(dir, { recursive: true, force: true });
});

it('leaves no temporary file behind after a put', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'hf-fs-'));
  const store = new FsBlobStore(dir);
  await store.put('data/aa/aa11', Buffer.from('hello'));
  assert.deepEqual(await readdir(join(dir, 'data', 'aa')), ['aa11']);
  await rm(dir, { recursive: true, force: true });
});

it('names a full disk as such when a blob written as parts fills it part-way, and leaves nothing behind', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'hf-fs-full-'));
  // Not a skip: without mount permission this machine cannot produce ENOSPC for real.
  const m = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir], { encoding: 'utf8' });
  if (m.status !== 0) assert.fail(`cannot mount a small tmpfs to fill (${m.stderr.trim()}); run the suite as root`);
  t.after(async () => {
    spawnSync('umount', [dir]);
    await rm(dir, { recursive: true, force: true });
  });
  const store = new FsBlobStore(dir);
  // 4 MiB into 1 MiB: the vectored write stops part-way and reports only the bytes it wrote.
  const parts = Array.from({ length: 64 }, () => Buffer.alloc(64 * 1024, 1));
  await assert.rejects(store.put('data/aa/aa22', parts), (e) => isHoldfastError(e, 'DISK_FULL') && /no space left on device/.test(e.message));
  assert.deepEqual(await readdir(join(dir, 'data', 'aa')), []);
});
