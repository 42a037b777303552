import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FsBlobStore } from '../storage/fs/fs-store.js';
import { engineSuite } from './testing-suite.js';

engineSuite('the filesystem', async () => {
  const root = await mkdtemp(join(tmpdir(), 'hf-repo-'));
  return {
    store: new FsBlobStore(root),
    damage: async (name, mutate) => {
      const p = join(root, ...name.split('/'));
      await writeFile(p, mutate(await readFile(p)));
    },
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
});
