import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { afterRecheck, decideRestart, describeExit, failuresInARow, isDown, isUp, reloadGate, type WorkloadState } from './decide.js';

const restart = { policy: 'always' as const, backoff: 1000, maxBackoff: 60_000 };
const killed = { code: null, signal: 'SIGKILL' };

describe('decideRestart', () => {
  const cases: { name: string; input: Parameters<typeof decideRestart>[0]; reason: string; delayMs?: number; message?: RegExp }[] = [
    { name: 'restarts a killed workload after the first backoff', input: { workload: 'shop', exit: killed, restart, failures: 1 }, reason: 'Restart', delayMs: 1000, message: /^workload shop was killed by SIGKILL: restarting in 1s \(failure 1 in a row\)$/ },
    { name: 'doubles the backoff per failure in a row', input: { workload: 'shop', exit: { code: 1, signal: null }, restart, failures: 4 }, reason: 'Restart', delayMs: 8000, message: /exited with code 1: restarting in 8s/ },
    { name: 'never waits longer than maxBackoff', input: { workload: 'shop', exit: { code: 1, signal: null }, restart, failures: 40 }, reason: 'Restart', delayMs: 60_000 },
    { name: 'restarts a clean exit under always', input: { workload: 'shop', exit: { code: 0, signal: null }, restart, failures: 1 }, reason: 'Restart', delayMs: 1000 },
    { name: 'keeps a clean exit down under on-failure', input: { workload: 'shop', exit: { code: 0, signal: null }, restart: { ...restart, policy: 'on-failure' }, failures: 1 }, reason: 'CleanExit' },
    { name: 'restarts a signal under on-failure', input: { workload: 'shop', exit: killed, restart: { ...restart, policy: 'on-failure' }, failures: 1 }, reason: 'Restart' },
    { name: 'restarts a start command that could not run under on-failure', input: { workload: 'shop', exit: { code: null, signal: null, error: 'ENOENT' }, restart: { ...restart, policy: 'on-failure' }, failures: 2 }, reason: 'Restart', delayMs: 2000, message: /could not be started: ENOENT/ },
    { name: 'keeps it down under never', input: { workload: 'shop', exit: killed, restart: { ...restart, policy: 'never' }, failures: 1 }, reason: 'PolicyNever', message: /not restarted \(restart.policy is never\)/ },
    { name: 'leaves a workload an incident stopped to the incident', input: { workload: 'shop', exit: { code: 0, signal: null }, restart, failures: 1, heldBy: 'incident i-1 is running on volume shop-data' }, reason: 'Held', message: /not restarted: incident i-1/ },
  ];
  for (const c of cases)
    it(c.name, () => {
      const d = decideRestart(c.input);
      assert.equal(d.reason, c.reason);
      if (c.delayMs !== undefined) assert.equal('delayMs' in d && d.delayMs, c.delayMs);
      if (c.message) assert.match(d.message, c.message);
    });
});

describe('failuresInARow', () => {
  const t = (s: number) => new Date(Date.UTC(2026, 11, 1, 8, 0, s));
  it('counts an end soon after becoming ready as another failure', () => assert.equal(failuresInARow(2, t(0), t(5), 60_000), 3));
  it('counts an end that never got ready as another failure', () => assert.equal(failuresInARow(2, undefined, t(5), 60_000), 3));
  it('starts again at one after a stable stretch', () => assert.equal(failuresInARow(5, t(0), new Date(t(0).getTime() + 60_000), 60_000), 1));
});

describe('describeExit', () => {
  it('names the signal, the code, or that nobody heard it end', () => {
    assert.equal(describeExit(killed), 'was killed by SIGKILL');
    assert.equal(describeExit({ code: 129, signal: null }), 'exited with code 129');
    assert.match(describeExit({ code: null, signal: null }), /how is unknown/);
  });
});

describe('reloadGate and up/down', () => {
  const table: [WorkloadState, ReturnType<typeof reloadGate>, boolean, boolean][] = [
    ['ready', 'now', true, false],
    ['reloading', 'now', true, false],
    ['external', 'now', false, false],
    ['starting', 'wait', false, true],
    ['deploying', 'wait', false, false],
    ['restarting', 'wait', false, true],
    ['down', 'wait', false, true],
    ['unready', 'wait', false, true],
    ['stopped', 'skip', false, true],
    ['held', 'skip', false, true],
    ['exited', 'fail', false, true],
  ];
  for (const [state, gate, up, down] of table)
    it(`a ${state} workload: reload ${gate}, up ${up}, down ${down}`, () => {
      assert.equal(reloadGate(state), gate);
      assert.equal(isUp(state), up);
      assert.equal(isDown(state), down);
    });
});

describe('afterRecheck', () => {
  const cases: [string, Parameters<typeof afterRecheck>[0], ReturnType<typeof afterRecheck>][] = [
    ['a ready workload that passes stays ready', { state: 'ready', failures: 0, ok: true, threshold: 3 }, { state: 'ready', failures: 0 }],
    ['one failed check is counted, not acted on (a blip of a busy machine)', { state: 'ready', failures: 0, ok: false, threshold: 3 }, { state: 'ready', failures: 1 }],
    ['the threshold-th failure in a row makes it unready though its process runs', { state: 'ready', failures: 2, ok: false, threshold: 3 }, { state: 'unready', failures: 3 }],
    ['a pass in between starts the count again', { state: 'ready', failures: 2, ok: true, threshold: 3 }, { state: 'ready', failures: 0 }],
    ['an unready workload that still fails stays unready', { state: 'unready', failures: 5, ok: false, threshold: 3 }, { state: 'unready', failures: 6 }],
    ['an unready workload is ready again at its first pass', { state: 'unready', failures: 5, ok: true, threshold: 3 }, { state: 'ready', failures: 0 }],
  ];
  for (const [name, input, expected] of cases) it(name, () => assert.deepEqual(afterRecheck(input), expected));
});
