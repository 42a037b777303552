/**
 * What each command loads at start-up: every data-mover Job and every scripted `holdfast` call pays
 * it. A resolve hook records each module the real binary imports.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bin, env, ok, run } from './cli.js';

const hook = `data:text/javascript,${encodeURIComponent(`
import { register } from 'node:module';
register('data:text/javascript,' + encodeURIComponent(\`
  import { writeSync } from 'node:fs';
  export async function resolve(s, c, next) { const r = await next(s, c); writeSync(2, 'LOADED ' + r.url + '\\\\n'); return r; }
\`));`)}`;

function loaded(repo: string, args: string[], extra: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, ['--import', hook, bin, ...args], { env: env(repo, extra), encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const urls = r.stderr.split('\n').filter((l) => l.startsWith('LOADED ')).map((l) => l.slice(7));
  return { out: r.stdout, urls };
}

describe('start-up', () => {
  it('--version prints the package version, not an npm script environment, and loads no module', () => {
    const version = (JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'package.json'), 'utf8')) as { version: string }).version;
    const { out, urls } = loaded('', ['--version'], { npm_package_version: '9.9.9' });
    assert.equal(out, `${version}\n`);
    assert.deepEqual(urls.filter((u) => !u.startsWith('node:') && !u.endsWith('/bin/holdfast.js')), []);
  });

  it('snapshots and backup on a directory repository load neither the AWS SDK, the server, the Kubernetes client nor X.509', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hf-startup-'));
    try {
      const repo = join(dir, 'repo');
      ok(repo, 'repo', 'init');
      for (const args of [['snapshots'], ['backup', join(import.meta.dirname)]]) {
        const heavy = loaded(repo, args).urls.filter((u) => /node_modules\/(@aws-sdk|@smithy|fastify|@kubernetes|@peculiar|better-sqlite3)\//.test(u));
        assert.deepEqual(heavy, [], `holdfast ${args[0]} loaded ${heavy.length} heavy modules`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a backup with nothing new', () => {
  it('starts no worker thread: the walk alone decides that every file is unchanged', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hf-nochange-'));
    try {
      const repo = join(dir, 'repo');
      ok(repo, 'repo', 'init');
      // The fault trace lists every point a process reaches; unarmed otherwise.
      const points = (n: number) => {
        const trace = join(dir, `trace-${n}`);
        writeFileSync(trace, '');
        const r = run(repo, ['backup', import.meta.dirname], { HOLDFAST_FAULT_TRACE: trace });
        assert.equal(r.code, 0, r.err);
        return readFileSync(trace, 'utf8');
      };
      const first = points(1);
      const second = points(2);
      assert.match(first, /archiver:workers-started/);
      assert.doesNotMatch(second, /archiver:workers-started/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
