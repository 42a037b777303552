#!/usr/bin/env node
// `npm test`: the whole suite with Node's test runner. Test files are found here because Node 20's
// `--test` does not expand globs. Suites that need real servers (S3, kube-apiserver, Chromium)
// start them from their own harness in test/harness and skip nothing silently: a missing part fails.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spreadOut } from './spread-out.mjs';

const root = new URL('..', import.meta.url).pathname;
const only = process.argv.slice(2);
function find(dir, out = []) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) find(p, out);
    else if (name.endsWith('.test.ts')) out.push(relative(root, p));
  }
  return out;
}
let files = [...find(join(root, 'src')), ...find(join(root, 'test'))].sort();
if (only.length) files = files.filter((f) => only.some((o) => f.includes(o)));
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
// Prepare real parts first (Debian packages, servers built from registries); each script is
// idempotent and caches under ~/.cache/holdfast. HOLDFAST_SKIP_PREPARE=1 skips it for quick local loops.
if (!process.env.HOLDFAST_SKIP_PREPARE) {
  const prep = join(root, 'scripts', 'prepare');
  for (const name of readdirSync(prep).filter((n) => n.endsWith('.sh')).sort()) {
    const r = spawnSync('bash', [join(prep, name)], { cwd: root, stdio: 'inherit' });
    if (r.status !== 0) {
      console.error(`prepare step ${name} failed (exit ${r.status})`);
      process.exit(1);
    }
  }
}
// Each file in test/node brings up the real one-node cluster, and a machine-wide lock lets one run at
// a time (test/harness/node-lock.ts): next to each other in the list, the second would hold one of
// the two runner slots only to wait. Spread evenly through the list, they rarely meet.
files = spreadOut(files, (f) => f.startsWith('test/node/'));
// Against one external cluster (HOLDFAST_KUBECONFIG) the files share its cluster-scoped objects (the
// CRDs, the holdfast-operator ClusterRole the RBAC tests bind and remove), so they run one at a time.
const concurrency = process.env.HOLDFAST_KUBECONFIG ? 1 : 2;
const args = ['--import', 'tsx', '--test', '--test-reporter=spec', `--test-concurrency=${concurrency}`, ...files];
const r = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit', env: { ...process.env } });
process.exit(r.status ?? 1);
