/**
 * The bracket logic with a scripted HookRunner: the runner is the seam to pods/exec, which cannot
 * succeed without a kubelet; test/kubernetes covers the exec failure path against the API server.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../platform/clock.js';
import type { Hook } from '../api/index.js';
import { bracket, type ExecResult, type HookRunner } from './hooks.js';

const clock = new ManualClock(new Date('2026-12-01T00:00:00Z'));
const hook = (name: string, onError: 'Fail' | 'Continue' = 'Fail'): Hook => ({ name, command: [name], timeoutSeconds: 5, onError });
const pods = [{ namespace: 'shop', name: 'db-0', defaultContainer: 'db' }];

function scripted(results: Record<string, ExecResult['outcome']>): HookRunner & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    async exec(_pod, _c, command) {
      calls.push(command[0]!);
      const outcome = results[command[0]!] ?? 'ok';
      return { outcome, exitCode: outcome === 'ok' ? 0 : outcome === 'timeout' ? null : 1, message: outcome };
    },
  };
}

test('post hooks run after a successful capture', async () => {
  const r = scripted({});
  const res = await bracket({ pre: [hook('freeze')], post: [hook('thaw')] }, pods, r, clock, async () => 'snap');
  assert.deepEqual(r.calls, ['freeze', 'thaw']);
  assert.equal(res.value, 'snap');
});

test('post hooks still run when a pre hook fails, and the capture is skipped', async () => {
  const r = scripted({ freeze: 'failed' });
  let captured = false;
  const res = await bracket({ pre: [hook('freeze')], post: [hook('thaw')] }, pods, r, clock, async () => (captured = true));
  assert.deepEqual(r.calls, ['freeze', 'thaw']);
  assert.equal(captured, false);
  assert.equal(res.error?.reason, 'HookFailed');
  assert.match(res.error!.message, /pre hook freeze in pod shop\/db-0: failed/);
});

test('post hooks still run when the capture throws', async () => {
  const r = scripted({});
  const res = await bracket({ pre: [hook('freeze')], post: [hook('thaw')] }, pods, r, clock, async () => {
    throw new Error('create VolumeSnapshot: forbidden');
  });
  assert.deepEqual(r.calls, ['freeze', 'thaw']);
  assert.equal(res.error?.reason, 'CaptureFailed');
});

test('a timed-out pre hook with onError Continue does not stop the capture', async () => {
  const r = scripted({ flush: 'timeout' });
  const res = await bracket({ pre: [hook('flush', 'Continue')], post: [hook('thaw')] }, pods, r, clock, async () => 1);
  assert.equal(res.value, 1);
  assert.deepEqual(res.pre.runs.map((x) => x.outcome), ['timeout']);
});

test('deferred post hooks are left to the caller only when the capture succeeded', async () => {
  const ok = scripted({});
  await bracket({ pre: [hook('freeze')], post: [hook('thaw')] }, pods, ok, clock, async () => 1, true);
  assert.deepEqual(ok.calls, ['freeze']);
  const bad = scripted({});
  await bracket({ pre: [hook('freeze')], post: [hook('thaw')] }, pods, bad, clock, async () => { throw new Error('x'); }, true);
  assert.deepEqual(bad.calls, ['freeze', 'thaw']);
});

test('a failing post hook does not stop the remaining post hooks', async () => {
  const r = scripted({ thaw1: 'failed' });
  await bracket({ pre: [], post: [hook('thaw1'), hook('thaw2')] }, pods, r, clock, async () => 1);
  assert.deepEqual(r.calls, ['thaw1', 'thaw2']);
});
