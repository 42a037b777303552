#!/bin/sh
":" //; exec node --max-semi-space-size=4 "$0" "$@"
// The line above is shell to sh and a no-op to Node: sh replaces itself with Node (one process,
// the same pid for tini's signals) started with every thread's young generation capped at 4 MiB
// semi-spaces. V8 otherwise grows it to 16 MiB under a backup's or a restore's allocation rate and
// holds that much garbage (1 GiB synthetic set, median peak RSS: backup 243 -> 226 MiB, restore
// 210 -> 179, same CPU; bench/README.md, sixth session). It has to be given at start-up: set from
// inside the CLI (v8.setFlagsFromString) it came too late to pay. It also overrides the workers'
// resourceLimits (src/backup/workers.ts sets the same size for runs without this line). Not
// `#!/usr/bin/env -S node ...`: BusyBox's env (Alpine) has no -S.
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
