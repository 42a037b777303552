import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decideApprove, decideAutoRun, decideSkip, decideStart, type ApproveInput } from './incident-decisions.js';

const proposed: ApproveInput = {
  incident: { id: 'inc-1', volume: 'shop-data', status: 'proposed', runnerPid: undefined },
  runningHere: false,
  runnerAlive: false,
  otherActive: undefined,
};
const w = (o: Partial<ApproveInput>, inc: Partial<ApproveInput['incident']> = {}): ApproveInput => ({ ...proposed, ...o, incident: { ...proposed.incident, ...inc } });

describe('decideApprove', () => {
  const cases: [string, ApproveInput, boolean, string][] = [
    ['approves a proposal when nothing else runs on its volume', proposed, true, 'approve'],
    ['refuses a proposal while another incident runs on the same volume', w({ otherActive: { id: 'inc-0', status: 'running' } }), false, 'volume-busy'],
    ['refuses a proposal while another incident on the volume has failed (it is still active)', w({ otherActive: { id: 'inc-0', status: 'failed' } }), false, 'volume-busy'],
    ['refuses a second approval while this server runs it', w({ runningHere: true, otherActive: { id: 'inc-1', status: 'running' } }, { status: 'running', runnerPid: 42 }), false, 'running'],
    ['refuses while another live process runs it', w({ runnerAlive: true, otherActive: { id: 'inc-1', status: 'running' } }, { status: 'running', runnerPid: 42 }), false, 'running'],
    ['continues a run whose process is gone', w({ otherActive: { id: 'inc-1', status: 'running' } }, { status: 'running', runnerPid: 42 }), true, 'continue'],
    ['continues a failed run (it is the active one on its volume)', w({ otherActive: { id: 'inc-1', status: 'failed' } }, { status: 'failed' }), true, 'continue'],
    ['refuses a run that succeeded', w({}, { status: 'succeeded' }), false, 'finished'],
    ['refuses a run that was aborted', w({}, { status: 'aborted' }), false, 'finished'],
  ];
  for (const [name, input, ok, reason] of cases)
    it(name, () => {
      const d = decideApprove(input);
      assert.equal(d.ok, ok, d.message);
      assert.equal(d.reason, reason);
      assert.match(d.message, /inc-1/);
    });
});

describe('decideAutoRun', () => {
  const cases: [string, Parameters<typeof decideAutoRun>, boolean][] = [
    ['does not auto-run without an incidents section', [undefined, 'critical', 'shop-data'], false],
    ['does not auto-run when autoRun is off', [{ enabled: false, atOrAbove: 'low' }, 'critical', 'shop-data'], false],
    ['auto-runs a critical finding when enabled with the default threshold', [{ enabled: true, atOrAbove: 'critical' }, 'critical', 'shop-data'], true],
    ['only proposes a high finding when auto-run starts at critical', [{ enabled: true, atOrAbove: 'critical' }, 'high', 'shop-data'], false],
    ['auto-runs a high finding when the threshold is high', [{ enabled: true, atOrAbove: 'high' }, 'high', 'shop-data'], true],
    ['only proposes for a volume the list leaves out', [{ enabled: true, atOrAbove: 'high', volumes: ['other'] }, 'critical', 'shop-data'], false],
    ['auto-runs nothing with an empty volume list', [{ enabled: true, atOrAbove: 'low', volumes: [] }, 'critical', 'shop-data'], false],
    ['auto-runs for a listed volume', [{ enabled: true, atOrAbove: 'high', volumes: ['shop-data'] }, 'critical', 'shop-data'], true],
  ];
  for (const [name, args, run] of cases)
    it(name, () => {
      const d = decideAutoRun(...args);
      assert.equal(d.run, run, d.message);
      assert.ok(d.message.length > 0);
    });
});

describe('decideSkip', () => {
  const job = { id: 'backup/shop/shop-data', kind: 'backup' };
  it('runs a job when no incident runs on its volume', () => {
    const d = decideSkip({ job, incident: undefined, runnerAlive: false });
    assert.equal(d.skip, false);
  });
  it('skips a job while an incident runs on its volume, naming the incident', () => {
    const d = decideSkip({ job, incident: { id: 'inc-1', runnerPid: 7 }, runnerAlive: true });
    assert.deepEqual([d.skip, d.reason], [true, 'IncidentActive']);
    assert.match(d.message, /^backup\/shop\/shop-data skipped: incident inc-1 is running$/);
  });
  it('skips a job while an interrupted incident waits for resume or abort, and says so', () => {
    const d = decideSkip({ job, incident: { id: 'inc-1', runnerPid: 7 }, runnerAlive: false });
    assert.equal(d.skip, true);
    assert.match(d.message, /interrupted \(process 7 is gone; resume or abort it\)/);
  });
});

describe('decideStart', () => {
  const cases: [string, Parameters<typeof decideStart>[0], boolean][] = [
    ['starts a workload whose volumes have no incident', { workload: 'shop', volumes: ['shop-data'], active: [] }, true],
    ['starts a workload when the incident is on another volume', { workload: 'shop', volumes: ['shop-data'], active: [{ id: 'inc-1', volume: 'logs', status: 'running' }] }, true],
    ['does not start a workload whose volume an interrupted incident holds', { workload: 'shop', volumes: ['shop-data'], active: [{ id: 'inc-1', volume: 'shop-data', status: 'running' }] }, false],
    ['does not start a workload whose volume a failed incident holds', { workload: 'shop', volumes: ['shop-data', 'logs'], active: [{ id: 'inc-1', volume: 'logs', status: 'failed' }] }, false],
  ];
  for (const [name, input, start] of cases)
    it(name, () => {
      const d = decideStart(input);
      assert.equal(d.start, start, d.message);
      if (!start) assert.match(d.message, /not started: incident inc-1 is (running|failed) on volume/);
    });
});
