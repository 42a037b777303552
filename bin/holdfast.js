#!/usr/bin/env node
// In a source checkout, runs the TypeScript sources through tsx, so a fresh clone works after
// `npm ci` alone and a stale build can never shadow an edit. An installed package (no src/) runs
// the compiled dist/; HOLDFAST_DIST=1 forces dist/ in a checkout (benchmarks, after npm run build).
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
// `--version` answers before any module loads: scripts and probes call it often, and Node's own
// start-up is then all it costs.
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  process.stdout.write(`${JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version}\n`);
  process.exit(0);
}
const source = join(root, 'src', 'cli', 'main.ts');
if (existsSync(source) && process.env.HOLDFAST_DIST !== '1') {
  const { register } = await import('tsx/esm/api');
  register();
  await import(pathToFileURL(source).href);
} else {
  await import(pathToFileURL(join(root, 'dist', 'cli', 'main.js')).href);
}
