/**
 * The CA directory's lock between real processes: two `holdfast tls` commands on one CA directory.
 * The first holds the lock while its reload command blocks on a file the test creates, so the
 * second meets a live owner for as long as the test needs, without a timed sleep.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cli, startCli, tempDir, treeHash, until, type CliProcess } from './harness.js';

const MINUTE = 60_000;

async function withCa(body: (dir: string) => Promise<void>): Promise<void> {
  const t = await tempDir('hf-lock-proc-');
  try {
    const r = await cli(['tls', 'init-ca', '--ca-dir', 'ca'], t.dir);
    assert.equal(r.status, 0, r.stderr);
    await body(t.dir);
  } finally {
    // Lets a blocked reload command (of a killed CLI too) end.
    await writeFile(join(t.dir, 'go'), '');
    await t.cleanup();
  }
}

/** `tls issue` of `name`, its reload command blocking (under the lock) until the file `go` exists. */
function blockingIssue(dir: string, name: string): CliProcess {
  const held = join(dir, 'held');
  const go = join(dir, 'go');
  return startCli(
    ['tls', 'issue', '--ca-dir', 'ca', '--name', name, '--dns', `${name}.svc`, '--out-dir', `out-${name}`,
      '--reload-command', `touch '${held}'; while [ ! -e '${go}' ]; do sleep 0.1; done`],
    dir,
  );
}

async function holding(dir: string, p: CliProcess): Promise<void> {
  await until('the first CLI holds the lock in its reload', async () => existsSync(join(dir, 'held')), 2 * MINUTE, () => p.output().stderr);
  // The owner is recorded as the holding process's pid (and its start time, against pid reuse).
  const owner = JSON.parse(await readFile(join(dir, 'ca', 'lock'), 'utf8')) as { pid: number; what: string };
  assert.equal(owner.pid, p.proc.pid);
  assert.equal(owner.what, 'holdfast tls issue');
}

const names = async (dir: string) =>
  (await readFile(join(dir, 'ca', 'issued.jsonl'), 'utf8')).trim().split('\n').map((l) => (JSON.parse(l) as { name: string }).name);

describe('the CA lock between two processes', () => {
  it('a second CLI told not to wait exits 6 in one line changing nothing; one that waits proceeds after the first', async () => {
    await withCa(async (dir) => {
      const first = blockingIssue(dir, 'a');
      await holding(dir, first);

      const before = await treeHash(join(dir, 'ca'));
      const refused = await cli(['tls', 'issue', '--ca-dir', 'ca', '--name', 'b', '--dns', 'b.svc', '--out-dir', 'out-b', '--lock-wait', '0'], dir);
      assert.equal(refused.status, 6, refused.stderr);
      const lines = refused.stderr.trim().split('\n');
      assert.equal(lines.length, 1, refused.stderr);
      assert.match(lines[0]!, new RegExp(`^holdfast: CA directory \\S+ca: in use by pid ${first.proc.pid} on \\S+ \\(holdfast tls issue, since \\S+\\); try again when it is done$`));
      assert.equal(await treeHash(join(dir, 'ca')), before);
      assert.equal(existsSync(join(dir, 'out-b')), false);

      const second = startCli(['tls', 'issue', '--ca-dir', 'ca', '--name', 'b', '--dns', 'b.svc', '--out-dir', 'out-b'], dir, 'warn');
      // It says that it waits, and for whom, rather than hanging silently.
      await until('the second CLI says it waits', async () => second.output().stderr.includes(`in use by pid ${first.proc.pid}`), 2 * MINUTE, () => second.output().stderr);
      assert.match(second.output().stderr, /waiting up to 120s/);
      assert.equal(second.proc.exitCode, null);
      assert.deepEqual(await names(dir), ['a']);

      await writeFile(join(dir, 'go'), '');
      const [a, b] = await Promise.all([first.done, second.done]);
      assert.equal(a.status, 0, a.stderr);
      assert.equal(b.status, 0, b.stderr);
      assert.match(b.stdout, /^issued b serial [0-9a-f]+ /);
      assert.deepEqual(await names(dir), ['a', 'b']);
      assert.equal(existsSync(join(dir, 'ca', 'lock')), false);
    });
  });

  it('a lock left by a CLI killed mid-operation is taken over, and the next command completes', async () => {
    await withCa(async (dir) => {
      const first = blockingIssue(dir, 'a');
      await holding(dir, first);
      first.proc.kill('SIGKILL');
      await first.done;
      assert.equal(existsSync(join(dir, 'ca', 'lock')), true, 'the killed CLI left its lock');

      const r = await cli(['tls', 'issue', '--ca-dir', 'ca', '--name', 'b', '--dns', 'b.svc', '--out-dir', 'out-b', '--lock-wait', '0'], dir);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /^issued b serial [0-9a-f]+ /);
      assert.ok(existsSync(join(dir, 'out-b', 'tls.crt')));
      assert.deepEqual(await names(dir), ['a', 'b']);
      assert.equal(existsSync(join(dir, 'ca', 'lock')), false);
      const status = await cli(['tls', 'status', '--ca-dir', 'ca', '--no-probe', '--json'], dir);
      assert.deepEqual((JSON.parse(status.stdout) as { name: string; ready: boolean }[]).map((s) => [s.name, s.ready]), [['a', true], ['b', true]]);
    });
  });
});
