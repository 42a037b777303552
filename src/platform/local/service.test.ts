import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { systemClock } from '../clock.js';
import { alive, LocalService, pidFileOf, runningPidIn } from './service.js';

// Real processes: a shell that traps SIGHUP (the reload) and otherwise sleeps, in its own process group.
const dir = mkdtempSync(join(tmpdir(), 'holdfast-service-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const start = `sh -c 'echo "commit=$HOLDFAST_DEPLOY_COMMIT"; trap "echo reloaded" HUP; while :; do sleep 0.05; done'`;
const service = (name: string, o: Partial<ConstructorParameters<typeof LocalService>[0]> = {}) =>
  new LocalService({ name, start, reload: 'kill -HUP "$HOLDFAST_SERVICE_PID"', cwd: dir, dataDir: dir, ...o }, systemClock);
const until = async (f: () => boolean) => {
  for (let i = 0; i < 200 && !f(); i++) await new Promise((r) => setTimeout(r, 25));
  return f();
};

describe('LocalService', () => {
  it('starts a detached service, keeps its pid in the pid file, and passes the version to run', async () => {
    const s = service('a');
    const r = (await s.start({ commit: 'c1ea' }))!;
    try {
      assert.equal(r.adopted, false);
      assert.equal(await s.pid(), r.pid);
      assert.match(readFileSync(pidFileOf(dir, 'a'), 'utf8'), new RegExp(`^${r.pid} \\d+\\n$`));
      assert.ok(await until(() => readFileSync(s.logFile, 'utf8').includes('commit=c1ea')));
    } finally {
      await s.stop(2000);
    }
  });

  it('adopts the process in the pid file instead of starting a second one (another instance, as a restarted serve is)', async () => {
    const first = (await service('b').start())!;
    const again = new LocalService({ name: 'b', start, cwd: dir, dataDir: dir }, systemClock);
    try {
      const r = (await again.start())!;
      assert.deepEqual([r.pid, r.adopted], [first.pid, true]);
    } finally {
      await again.stop(2000);
    }
    assert.equal(alive(first.pid), false, 'stopped by the instance that adopted it');
    assert.equal(existsSync(pidFileOf(dir, 'b')), false);
  });

  it('reloads the process named in the pid file, and tells a stopped one nothing', async () => {
    const s = service('c');
    const r = (await s.start())!;
    await until(() => readFileSync(s.logFile, 'utf8').includes('commit='));
    const res = (await s.reload())!;
    assert.equal(res.exitCode, 0, res.stderr);
    assert.ok(await until(() => readFileSync(s.logFile, 'utf8').includes('reloaded')));
    await s.stop(2000);
    assert.equal(alive(r.pid), false);
    assert.equal(await s.reload(), undefined);
  });

  it('stops a stopped service as a no-op', async () => {
    assert.deepEqual(await service('d').stop(100), { stopped: false, how: 'not running' });
  });

  it('kills a service that ignores SIGTERM after the grace period', async () => {
    const s = service('e', { start: `sh -c 'trap "" TERM; while :; do sleep 0.05; done'` });
    const r = (await s.start())!;
    await new Promise((res) => setTimeout(res, 100)); // let the trap be set
    const out = await s.stop(300);
    assert.match(out.how, /SIGKILL after 300 ms/);
    assert.equal(alive(r.pid), false);
  });

  it('does not take a pid file whose process is gone, or whose pid now belongs to another process, for a running service', async () => {
    mkdirSync(join(dir, 'services'), { recursive: true });
    const file = pidFileOf(dir, 'f');
    writeFileSync(file, '999999999 1\n');
    assert.equal(await runningPidIn(file), undefined, 'no such process');
    const other = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      writeFileSync(file, `${other.pid} 1\n`); // the pid lives, but it started at another time
      assert.equal(await runningPidIn(file), undefined);
      writeFileSync(file, `${other.pid}\n`); // an old pid file without a start time: the pid is all there is
      assert.equal(await runningPidIn(file), other.pid);
    } finally {
      other.kill('SIGKILL');
    }
  });

  it('treats a service without a start command as external: start does nothing, a failed stop command is an error', async () => {
    const s = service('g', { start: undefined, stop: 'echo cannot >&2; exit 3' });
    assert.equal(await s.start(), undefined);
    await assert.rejects(s.stop(1000), (e: Error & { code?: string }) => e.code === 'SERVICE_STOP_FAILED' && /stop workload g: exit 3: cannot/.test(e.message));
  });
});
