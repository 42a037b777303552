import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { silentLogger } from '../../base/log.js';
import { systemClock } from '../../platform/clock.js';
import { LocalService } from '../../platform/local/service.js';
import type { AlertInput } from '../alerts/alerter.js';
import { WorkloadSupervisor } from './supervisor.js';

// Real processes: a shell that says which version it runs, becomes ready (a file) after a moment,
// and traps SIGHUP (the reload) only from then on — as a service installs its handler late.
const dir = mkdtempSync(join(tmpdir(), 'holdfast-supervise-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const start = (name: string) =>
  `sh -c 'rm -f ${name}.ready; echo "commit=$HOLDFAST_DEPLOY_COMMIT"; sleep 0.3; trap "echo reloaded" HUP; touch ${name}.ready; while :; do sleep 0.05; done'`;
const service = (name: string) =>
  new LocalService({ name, start: start(name), reload: 'kill -HUP "$HOLDFAST_SERVICE_PID"', cwd: dir, dataDir: dir }, systemClock);

function supervise(name: string, o: { held?: () => string | undefined } = {}) {
  const alerts: AlertInput[] = [];
  const s = service(name);
  const w = new WorkloadSupervisor({
    name,
    service: s,
    check: { kind: 'command', command: `test -f ${name}.ready`, what: `${name}.ready exists` },
    readyTimeoutMs: 10_000,
    restart: { policy: 'always', backoff: 200, maxBackoff: 1000 },
    heldBy: o.held ?? (() => undefined),
    alert: (a) => alerts.push(a),
    log: silentLogger,
    clock: systemClock,
    pollMs: 50,
    recheckMs: 50,
  });
  return { w, s, alerts };
}

async function until<T>(what: string, f: () => T | undefined | false | Promise<T | undefined | false>, ms = 10_000): Promise<T> {
  for (const end = Date.now() + ms; ; ) {
    const v = await f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('WorkloadSupervisor (real processes)', () => {
  it('is ready only once its check passes, and a reload waits for that', async () => {
    const { w, s } = supervise('gate');
    try {
      await w.start();
      assert.equal(w.status().state, 'starting');
      assert.equal(await w.reload(), undefined, 'no reload to a workload that is not ready: the HUP would kill it');
      assert.equal(await w.whenReady(10_000), true);
      assert.equal(w.status().state, 'ready');
      const r = (await w.reload())!;
      assert.equal(r.exitCode, 0);
      await until('the reload handled', () => readFileSync(s.logFile, 'utf8').includes('reloaded'));
      assert.equal(w.status().state, 'ready');
    } finally {
      await w.stop();
    }
  });

  it('reports a killed process, alerts once, and restarts it with the version it was started with', async () => {
    const { w, s, alerts } = supervise('crash');
    const first = (await s.start({ commit: 'c0ffee' }))!; // as an incident starts the known-good version
    try {
      await w.start();
      await w.whenReady(10_000);
      assert.equal(w.status().pid, first.pid, 'adopted, not started twice');
      process.kill(first.pid, 'SIGKILL');
      const down = await until('reported down', () => (w.status().state === 'restarting' ? w.status() : undefined));
      assert.match(down.message, /^workload crash ended \(how is unknown: an earlier serve or an incident started it\): restarting in 0\.2s \(failure 1 in a row\)$/);
      assert.equal(alerts.length, 1);
      assert.equal(alerts[0]!.event, 'workload-down');
      await until('ready again', () => w.status().state === 'ready');
      const now = w.status();
      assert.notEqual(now.pid, first.pid);
      assert.equal(now.restarts, 1);
      assert.equal(readFileSync(s.logFile, 'utf8').match(/commit=c0ffee/g)?.length, 2, 'the restart ran c0ffee again, not the default');
      // Started by the supervisor itself this time: how it ends is known.
      process.kill(now.pid!, 'SIGTERM');
      await until('the exit heard', () => w.status().lastExit?.signal === 'SIGTERM');
      assert.equal(alerts.length, 2, 'a new outage after a ready stretch is a new alert');
    } finally {
      await w.stop();
    }
  });

  it('once ready, checks again: a process that lives but no longer answers is unready (down, alerted once), and ready again when it answers', async () => {
    const { w, alerts } = supervise('hang');
    try {
      await w.start();
      assert.equal(await w.whenReady(10_000), true);
      const pid = w.status().pid;
      rmSync(join(dir, 'hang.ready')); // it stops answering; its process goes on
      const unready = await until('unready', () => (w.status().state === 'unready' ? w.status() : undefined));
      assert.equal(unready.up, false);
      assert.equal(unready.pid, pid, 'the same process: not restarted');
      assert.match(unready.message, /^workload hang: not ready any more though process \d+ runs \(3 failed checks in a row\): hang\.ready exists: /);
      assert.equal(await w.reload(), undefined, 'no reload to a workload that does not answer');
      await new Promise((r) => setTimeout(r, 300));
      assert.deepEqual(alerts.map((a) => a.event), ['workload-down'], 'one alert for the outage, not one per failed check');
      writeFileSync(join(dir, 'hang.ready'), '');
      await until('ready again', () => w.status().state === 'ready');
      assert.equal(w.status().pid, pid);
      assert.equal(w.status().restarts, 0);
    } finally {
      await w.stop();
    }
  });

  it('leaves a workload an incident stopped to the incident, and adopts the process the incident starts', async () => {
    let held: string | undefined;
    const { w, s, alerts } = supervise('held', { held: () => held });
    try {
      await w.start();
      await w.whenReady(10_000);
      held = 'incident i-1 is running on volume data';
      await s.stop(2000); // the incident's quiesce
      await until('held', () => w.status().state === 'held');
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(w.status().state, 'held', 'not restarted under the incident');
      assert.equal(alerts.length, 0, 'a stop on purpose is no alert');
      assert.equal(await w.whenReady(5000), false, 'nothing to wait for while held');
      const again = (await service('held').start({ commit: 'abc' }))!; // the incident's restart, from another instance
      await until('adopted and ready', () => w.status().state === 'ready' && w.status().pid === again.pid);
      assert.equal(w.status().restarts, 0);
    } finally {
      await w.stop();
    }
    assert.equal(existsSync(join(dir, 'services', 'held.pid')), false, 'stopped with serve');
  });

  it('deploys a version as a planned restart: deploying (not down), no alert, ready on the new version, and a crash after it restarts that version', async () => {
    let held: string | undefined;
    const { w, s, alerts } = supervise('deploy', { held: () => held });
    try {
      await w.start();
      await w.whenReady(10_000);
      const before = w.status().pid;
      let recorded = '';
      const states: string[] = [];
      const watching = setInterval(() => states.push(w.status().state), 10);
      const done = await w.deploy({ version: { commit: 'beef01' }, why: 'deploy of beef01', beforeStart: () => (recorded = w.status().state) });
      clearInterval(watching);
      assert.equal(done.state, 'ready');
      assert.notEqual(done.pid, before);
      assert.equal(done.restarts, 0);
      assert.equal(done.lastDeploy?.version?.commit, 'beef01');
      assert.equal(recorded, 'deploying', 'recorded while the old process is stopped and the new one not started');
      assert.ok(states.includes('deploying') && !states.some((x) => x === 'restarting' || x === 'starting'), states.join(','));
      assert.deepEqual(alerts, [], 'a planned restart is no outage');
      assert.match(readFileSync(s.logFile, 'utf8'), /commit=beef01/);
      process.kill(done.pid!, 'SIGKILL'); // a real end after the deploy is an outage, and it comes back on the deployed version
      await until('alerted', () => alerts.length === 1);
      await until('ready again', () => w.status().state === 'ready');
      assert.equal(readFileSync(s.logFile, 'utf8').match(/commit=beef01/g)?.length, 2);
      assert.equal(w.status().lastDeploy?.version?.commit, 'beef01', 'the restart ran the deployed version');
      // An incident restarts it on another version, from another process: the deploy no longer describes what runs.
      held = 'incident i-3 is running on volume data';
      await s.stop(2000);
      await until('held', () => w.status().state === 'held');
      const incident = (await service('deploy').start({ commit: 'c1ea11' }))!;
      await until('adopted', () => w.status().pid === incident.pid && w.status().state === 'ready');
      assert.equal(w.status().lastDeploy, undefined);
    } finally {
      await w.stop();
    }
  });

  it('refuses a deploy while an incident holds the workload, or while another deploy of it runs', async () => {
    let held: string | undefined;
    const { w } = supervise('refuse', { held: () => held });
    try {
      await w.start();
      await w.whenReady(10_000);
      const first = w.deploy({ why: 'restart asked for' });
      await assert.rejects(w.deploy({ why: 'restart asked for' }), { code: 'WORKLOAD_DEPLOYING' });
      assert.equal((await first).state, 'ready');
      held = 'incident i-2 is running on volume data';
      await assert.rejects(w.deploy({ version: { commit: 'abc' }, why: 'deploy' }), { code: 'WORKLOAD_HELD', message: /incident i-2 is running/ });
    } finally {
      await w.stop();
    }
  });
});
