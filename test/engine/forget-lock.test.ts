/**
 * forget holds the repository's exclusive lock: two retention passes deciding on the same list of
 * snapshots could together remove all of them, and a forget beside a prune or a repair would act
 * on a repository that is being rewritten. Interleavings are driven by the named fault points
 * (src/base/faults.ts) in the real binary.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { bin, env, hf, ok } from './cli.js';

let work: string;
const snapshotTags = (repo: string): string[][] => (JSON.parse(ok(repo, 'snapshots', '--json').out) as { tags: string[] }[]).map((s) => s.tags);

/** Starts a command that stops at `point` until the test opens the gate; resolves once it is there. */
async function paused(repo: string, args: string[], point: string) {
  const gate = join(work, `gate-${Math.random().toString(36).slice(2)}`);
  const child = spawn(process.execPath, [bin, ...args], { env: env(repo, { HOLDFAST_FAULT: `${point}=pause:${gate}` }), stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  child.stdout.on('data', (d: Buffer) => (text += d.toString()));
  child.stderr.on('data', (d: Buffer) => (text += d.toString()));
  const exited = new Promise<number | null>((res) => child.on('exit', (c) => res(c)));
  while (!existsSync(`${gate}.reached`)) {
    if (child.exitCode !== null) throw new Error(`holdfast ${args.join(' ')} exited (${child.exitCode}) before ${point}: ${text}`);
    await sleep(20);
  }
  return {
    /** Lets it go on and waits for its exit code. */
    resume: async () => {
      writeFileSync(gate, '');
      setTimeout(() => child.kill('SIGKILL'), 60_000).unref();
      return { code: await exited, text };
    },
  };
}

describe('forget and repair snapshots hold the exclusive lock', () => {
  let repo: string;
  before(() => {
    work = mkdtempSync(join(tmpdir(), 'hf-forget-lock-'));
    repo = join(work, 'repo');
    const src = join(work, 'src');
    mkdirSync(src);
    writeFileSync(join(src, 'f'), 'one');
    ok(repo, 'repo', 'init');
    ok(repo, 'backup', src, '--tag', 'good');
    writeFileSync(join(src, 'f'), 'two');
    ok(repo, 'backup', src, '--tag', 'newer');
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  it('a second forget while one is deciding is refused, so two policies never remove every snapshot', async () => {
    // Alone, each policy keeps one snapshot; run one after the other, the second keeps what the
    // first left. Deciding on the same list at once, each removes the other's keeper.
    const first = await paused(repo, ['forget', '--keep-tag', 'good'], 'forget:decided');
    let second: ReturnType<typeof hf>;
    try {
      second = hf(repo, 'forget', '--keep-last', '1');
    } finally {
      const r = await first.resume();
      assert.equal(r.code, 0, r.text);
    }
    assert.equal(second.code, 6, `the second forget was not refused: ${second.err}${second.out}`);
    assert.match(second.err, /forget already running/);
    assert.deepEqual(snapshotTags(repo), [['good']]);
  });

  it('repair snapshots beside a deciding forget is refused: it deletes and saves snapshots too', async () => {
    const forget = await paused(repo, ['forget', '--keep-tag', 'good'], 'forget:decided');
    let r: ReturnType<typeof hf>;
    try {
      r = hf(repo, 'repair', 'snapshots', '--forget');
    } finally {
      assert.equal((await forget.resume()).code, 0);
    }
    assert.equal(r.code, 6, `repair snapshots beside forget was not refused: ${r.err}${r.out}`);
    assert.match(r.err, /forget already running/);
    assert.deepEqual(snapshotTags(repo), [['good']]);
  });

  it('forget beside a running prune is refused and removes nothing; after it, forget runs', async () => {
    const before = snapshotTags(repo).length;
    const prune = await paused(repo, ['prune', '--grace', '0s'], 'prune:index-rewrite');
    let r: ReturnType<typeof hf>;
    try {
      r = hf(repo, 'forget', '--keep-tag', 'none-such');
    } finally {
      assert.equal((await prune.resume()).code, 0);
    }
    assert.equal(r.code, 6, `forget beside prune was not refused: ${r.err}${r.out}`);
    assert.match(r.err, /prune already running/);
    assert.equal(snapshotTags(repo).length, before);
    // Once prune is done forget runs, and releases the lock it took.
    ok(repo, 'forget', '--keep-tag', 'none-such');
    assert.equal(snapshotTags(repo).length, 0);
    assert.deepEqual(JSON.parse(ok(repo, 'locks', '--json').out), []);
  });
});
