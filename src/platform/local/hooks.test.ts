import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { systemClock } from '../clock.js';
import { runCommand } from './exec.js';
import { withHooks, type HookSpec } from './hooks.js';
import { readVersion } from './version.js';

const hook = (name: string, command: string, extra: Partial<HookSpec> = {}): HookSpec => ({
  name,
  command,
  timeoutMs: 5000,
  onError: 'abort',
  ...extra,
});

describe('hooks around a capture', () => {
  it('runs pre-hooks, the capture and post-hooks in order', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hf-hooks-'));
    try {
      const f = join(dir, 'trace');
      const r = await withHooks(
        [hook('quiesce', `echo pre >> ${f}`)],
        [hook('resume', `echo post >> ${f}`)],
        { clock: systemClock },
        async () => {
          assert.equal(readFileSync(f, 'utf8'), 'pre\n', 'the capture sees the quiesced state');
          return 7;
        },
      );
      assert.ok(r.ok && r.value === 7);
      assert.equal(readFileSync(f, 'utf8'), 'pre\npost\n');
      assert.deepEqual(
        r.hooks.map((h) => `${h.phase}:${h.name}:${h.outcome}`),
        ['pre:quiesce:ok', 'post:resume:ok'],
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('still resumes the application when the capture fails', async () => {
    const r = await withHooks(
      [hook('quiesce', 'true')],
      [hook('resume', 'true')],
      { clock: systemClock },
      async () => {
        throw new Error('disk full');
      },
    );
    assert.ok(!r.ok);
    assert.equal((r.error as Error).message, 'disk full');
    assert.equal(r.hooks.at(-1)!.outcome, 'ok');
  });

  it('cancels the capture when an aborting pre-hook fails, and still runs the post-hooks', async () => {
    let captured = false;
    const r = await withHooks(
      [hook('dump', 'echo nope >&2; exit 3'), hook('second', 'true')],
      [hook('resume', 'true')],
      { clock: systemClock },
      async () => {
        captured = true;
      },
    );
    assert.equal(captured, false);
    assert.ok(!r.ok);
    assert.match(r.abortedBy!, /pre-hook dump exit 3: nope/);
    assert.deepEqual(
      r.hooks.map((h) => h.outcome),
      ['failed', 'skipped', 'ok'],
    );
  });

  it('goes on when a failing pre-hook says continue', async () => {
    const r = await withHooks(
      [hook('optional', 'exit 1', { onError: 'continue' })],
      [],
      { clock: systemClock },
      async () => 'done',
    );
    assert.ok(r.ok);
    assert.equal(r.hooks[0]!.outcome, 'failed');
  });

  it('kills a hanging hook and its whole process group at the timeout', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hf-hooks-'));
    try {
      const marker = join(dir, 'survived');
      // A grandchild that would write the marker if it outlived the kill.
      const r = await withHooks(
        [hook('hang', `(sleep 3; touch ${marker}) & sleep 30`, { timeoutMs: 300 })],
        [hook('resume', 'true')],
        { clock: systemClock },
        async () => 1,
      );
      assert.ok(!r.ok);
      assert.equal(r.hooks[0]!.outcome, 'timeout');
      assert.match(r.hooks[0]!.detail, /process group was killed/);
      assert.equal(r.hooks[1]!.outcome, 'ok', 'the post-hook ran after the timeout');
      await new Promise((res) => setTimeout(res, 3500));
      assert.equal(existsSync(marker), false, 'the grandchild was killed with the group');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('commands and versions', () => {
  it('reports a command that cannot start instead of throwing', async () => {
    const r = await runCommand('true', { cwd: '/nonexistent-dir-hf', timeoutMs: 1000, clock: systemClock });
    assert.ok(r.spawnError);
  });

  it('reads a version from a command printing JSON and refuses one that does not', async () => {
    const o = { cwd: tmpdir(), clock: systemClock, resolvePath: (p: string) => p };
    const v = await readVersion(
      'shop',
      {
        command: `echo '{"commit":"abc1234","imageDigest":"sha256:${'0'.repeat(64)}","extra":1}'`,
        timeout: 5000,
      },
      o,
    );
    assert.deepEqual(v, { commit: 'abc1234', imageDigest: `sha256:${'0'.repeat(64)}` });
    await assert.rejects(
      readVersion('shop', { command: 'echo hello', timeout: 5000 }, o),
      /version command of workload shop: did not print JSON/,
    );
    await assert.rejects(
      readVersion('shop', { file: '/nonexistent/v.json' }, o),
      /read version of workload shop from \/nonexistent\/v.json: no such file/,
    );
  });
});
