import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { advance, type Journal, type JournalStep, type StepOutcome } from './engine.js';
import { parsePlaybook } from './definition.js';

const pb = parsePlaybook(
  `playbook: p
steps:
  - { id: a, uses: k }
  - { id: c, uses: k, needs: [b] }
  - { id: b, uses: k, needs: [a] }
`,
  'p.yaml',
  new Set(['k']),
);

/** A journal in memory, recording the calls in order. */
function memoryJournal(initial: Partial<Record<string, JournalStep['status']>> = {}) {
  const rows = new Map<string, JournalStep>(pb.order.map((s) => [s, { step: s, uses: 'k', status: initial[s] ?? 'pending', attempts: 0, outputs: {} }]));
  const calls: string[] = [];
  const journal: Journal = {
    steps: () => [...rows.values()],
    start: (s) => (calls.push(`start ${s}`), Object.assign(rows.get(s)!, { status: 'started', attempts: rows.get(s)!.attempts + 1 })) && undefined,
    complete: (s, outputs) => (calls.push(`complete ${s}`), Object.assign(rows.get(s)!, { status: 'completed', outputs })) && undefined,
    fail: (s, m) => (calls.push(`fail ${s}: ${m}`), Object.assign(rows.get(s)!, { status: 'failed' })) && undefined,
  };
  return { journal, calls, rows };
}

const done = (outputs = {}): StepOutcome => ({ state: 'done', outputs });

describe('advance walks a playbook against a journal', () => {
  it('runs every step in dependency order and reports success', async () => {
    const { journal, calls } = memoryJournal();
    const r = await advance(pb, journal, async (d) => done({ ran: d.id }));
    assert.deepEqual(r, { state: 'succeeded' });
    assert.deepEqual(calls, ['start a', 'complete a', 'start b', 'complete b', 'start c', 'complete c']);
  });

  it('never runs a completed step again, and runs an interrupted (started) one again', async () => {
    const { journal, calls } = memoryJournal({ a: 'completed', b: 'started' });
    const ran: string[] = [];
    await advance(pb, journal, async (d) => (ran.push(d.id), done()));
    assert.deepEqual(ran, ['b', 'c']);
    assert.equal(calls[0], 'start b');
  });

  it('stops at a waiting step without completing it, and continues from there on the next call', async () => {
    const { journal, rows } = memoryJournal();
    let ready = false;
    const run = async (d: { id: string }): Promise<StepOutcome> => (d.id === 'b' && !ready ? { state: 'waiting', message: 'Job running', retryAfterMs: 5000 } : done());
    assert.deepEqual(await advance(pb, journal, run), { state: 'waiting', step: 'b', message: 'Job running', retryAfterMs: 5000 });
    assert.equal(rows.get('b')!.status, 'started');
    assert.equal(rows.get('c')!.status, 'pending');
    ready = true;
    assert.deepEqual(await advance(pb, journal, run), { state: 'succeeded' });
    assert.equal(rows.get('c')!.status, 'completed');
  });

  it('journals a throwing step as failed, rethrows, and leaves later steps pending', async () => {
    const { journal, calls, rows } = memoryJournal();
    await assert.rejects(
      advance(pb, journal, async (d) => {
        if (d.id === 'b') throw new Error('disk full');
        return done();
      }),
      /disk full/,
    );
    assert.ok(calls.includes('fail b: disk full'));
    assert.equal(rows.get('c')!.status, 'pending');
  });
});
