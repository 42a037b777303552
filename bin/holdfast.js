#!/usr/bin/env node
// In a source checkout, runs the TypeScript sources through tsx, so a fresh clone works after
// `npm ci` alone and a stale build can never shadow an edit. An installed package (no src/) runs
// the compiled dist/; HOLDFAST_DIST=1 forces dist/ in a checkout (benchmarks, after npm run build).
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(root, 'src', 'cli', 'main.ts');
if (existsSync(source) && process.env.HOLDFAST_DIST !== '1') {
  const { register } = await import('tsx/esm/api');
  register();
  await import(pathToFileURL(source).href);
} else {
  await import(pathToFileURL(join(root, 'dist', 'cli', 'main.js')).href);
}
