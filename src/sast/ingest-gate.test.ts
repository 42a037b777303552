import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isHoldfastError } from '../base/errors.js';
import { IngestGate } from './ingest-gate.js';

type Step = 'begin' | 'check' | 'commit' | 'stop';

/** Runs the steps in order, as the worker (begin, check, commit) and the caller (stop) would interleave them. */
function run(steps: Step[]): string[] {
  const g = new IngestGate();
  const worker = new IngestGate(g.buffer); // the worker's view: the same shared state
  return steps.map((s) => {
    if (s === 'stop') return g.stop();
    try {
      if (s === 'begin') worker.beginWriting('r.sarif');
      else if (s === 'check') worker.check('r.sarif');
      else worker.commit('r.sarif');
      return 'ok';
    } catch (e) {
      assert.ok(isHoldfastError(e, 'INGEST_INTERRUPTED'));
      return 'interrupted';
    }
  });
}

test('who is first decides: a stop while reading ends the worker, while writing rolls back, at the commit is too late', () => {
  const cases: { steps: Step[]; want: string[] }[] = [
    { steps: ['begin', 'check', 'commit'], want: ['ok', 'ok', 'ok'] },
    { steps: ['stop', 'begin'], want: ['end-now', 'interrupted'] },
    { steps: ['begin', 'stop', 'check'], want: ['ok', 'rolls-back', 'interrupted'] },
    { steps: ['begin', 'check', 'stop', 'commit'], want: ['ok', 'ok', 'rolls-back', 'interrupted'] },
    { steps: ['begin', 'commit', 'stop'], want: ['ok', 'ok', 'too-late'] },
    { steps: ['begin', 'stop', 'stop', 'check'], want: ['ok', 'rolls-back', 'rolls-back', 'interrupted'] },
  ];
  for (const c of cases) assert.deepEqual(run(c.steps), c.want, c.steps.join(' → '));
});

test('the interruption is one line that names the report and says nothing was written', () => {
  const g = new IngestGate();
  g.stop();
  assert.throws(() => g.beginWriting('big.sarif'), { code: 'INGEST_INTERRUPTED', kind: 'transient', message: 'ingest report big.sarif: interrupted; nothing was written, run it again to ingest the report' });
});
