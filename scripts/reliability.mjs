#!/usr/bin/env node
// The full reliability campaign: seeded kill -9 at every named fault point and at random times
// across backup, forget, prune, key, init and restore; bit flips in every kind of repository file;
// backup + prune + restore + check at once; the same on S3. Prints a table and writes
// bench/out/reliability-<seed>.json. See docs/reliability.md; options are in test/reliability/main.ts.
//
// It first compiles dist/ from the current sources and runs that (HOLDFAST_DIST=1), as an installed
// holdfast runs: a command starts 3× faster than through tsx, which is most of a trial's time.
// --no-build runs the sources through tsx instead.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const args = process.argv.slice(2);
const build = !args.includes('--no-build');
const env = { ...process.env };
if (build) {
  console.log('compiling dist/ from the current sources (npm run build)…');
  const b = spawnSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
  if (b.status !== 0) process.exit(b.status ?? 1);
  env.HOLDFAST_DIST = '1';
}
const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'test', 'reliability', 'main.ts'), ...args.filter((a) => a !== '--no-build')], {
  cwd: root,
  stdio: 'inherit',
  env,
});
process.exit(r.status ?? 1);
