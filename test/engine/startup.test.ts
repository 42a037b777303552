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
import { PASSWORD, bin, env, ok, run } from './cli.js';

/** A resolve hook that records each module the real binary imports, with `record` (JS taking `line`). */
const recordingHook = (imports: string, record: string) => `data:text/javascript,${encodeURIComponent(`
import { register } from 'node:module';
register('data:text/javascript,' + encodeURIComponent(\`
  ${imports}
  export async function resolve(s, c, next) { const r = await next(s, c); const line = 'LOADED ' + r.url + '\\\\n'; ${record}; return r; }
\`));`)}`;
const hook = recordingHook("import { writeSync } from 'node:fs';", 'writeSync(2, line)');
/** The same record, appended to the fault trace file, beside the fault points. */
const traceHook = recordingHook("import { appendFileSync } from 'node:fs';", 'appendFileSync(process.env.HOLDFAST_FAULT_TRACE, line)');

/** Runs `fn` with a new repository in a temporary directory, removed afterwards. */
function withRepo(fn: (repo: string, dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'hf-startup-'));
  try {
    const repo = join(dir, 'repo');
    ok(repo, 'repo', 'init');
    fn(repo, dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

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

  it('snapshots and backup on a directory repository load neither the AWS SDK, the server, the Kubernetes client nor X.509', () =>
    withRepo((repo) => {
      for (const args of [['snapshots'], ['backup', join(import.meta.dirname)]]) {
        const heavy = loaded(repo, args).urls.filter((u) => /node_modules\/(@aws-sdk|@smithy|fastify|@kubernetes|@peculiar|better-sqlite3)\//.test(u));
        assert.deepEqual(heavy, [], `holdfast ${args[0]} loaded ${heavy.length} heavy modules`);
      }
    }));
});

describe('the repository key', () => {
  it('is derived while the command loads: scrypt starts before the backup command\'s modules, and the backup takes it', () =>
    withRepo((repo, dir) => {
      // Fault points and loaded modules in one file, in the order they happened.
      const trace = join(dir, 'trace');
      writeFileSync(trace, '');
      const r = spawnSync(process.execPath, ['--import', traceHook, bin, 'backup', import.meta.dirname], { env: env(repo, { HOLDFAST_FAULT_TRACE: trace }), encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      const text = readFileSync(trace, 'utf8');
      const lines = text.split('\n');
      const started = lines.indexOf('kdf:early-started');
      const command = lines.findIndex((l) => /^LOADED .*\/cli\/commands\/backup\.[jt]s$/.test(l));
      assert.ok(started >= 0 && command > started, `expected kdf:early-started before the backup command loads:\n${text}`);
      assert.ok(lines.includes('kdf:early-used'), text);
    }));

  it('started from a password file opens the repository; a wrong password is refused as before, exit 3', () =>
    withRepo((repo, dir) => {
      ok(repo, 'backup', import.meta.dirname);
      const file = join(dir, 'pw');
      writeFileSync(file, `${PASSWORD}\n`);
      const trace = join(dir, 'trace');
      writeFileSync(trace, '');
      const right = run(repo, ['snapshots', '--password-file', file], { HOLDFAST_PASSWORD: '', HOLDFAST_FAULT_TRACE: trace });
      assert.equal(right.code, 0, right.err);
      assert.match(right.out, /1 snapshots/);
      assert.match(readFileSync(trace, 'utf8'), /kdf:early-used/);
      writeFileSync(file, 'wrong\n');
      const wrong = run(repo, ['snapshots', '--password-file', file], { HOLDFAST_PASSWORD: '' });
      assert.equal(wrong.code, 3);
      assert.equal(wrong.err, `holdfast: open repository ${repo}: wrong password (no key matches)\n`);
    }));
});

describe('a backup with nothing new', () => {
  it('starts no worker thread: the walk alone decides that every file is unchanged', () =>
    withRepo((repo, dir) => {
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
    }));
});
