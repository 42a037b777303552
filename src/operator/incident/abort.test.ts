import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kubePlaybook } from './playbook.js';
import { planAbort } from './abort.js';

const pb = kubePlaybook('restore-secure-and-rotate');
/** The built-in playbook's steps with the first `n` completed and the next one running. */
const upTo = (n: number, running = true) =>
  pb.order.map((id, i) => ({ name: id, uses: pb.steps.find((s) => s.id === id)!.uses, phase: i < n ? ('Completed' as const) : i === n && running ? ('Running' as const) : ('Pending' as const) }));

test('aborting while awaiting approval undoes nothing and has nothing it cannot undo', () => {
  assert.deepEqual(planAbort(upTo(2, false)), { undoQuiesce: false, undone: [], notUndone: [] });
});

test('aborting during the evidence backup scales the workloads back and keeps the evidence', () => {
  const p = planAbort(upTo(3));
  assert.equal(p.undoQuiesce, true);
  assert.deepEqual(p.undone, ['quiesce']);
  assert.deepEqual(p.notUndone.map((x) => x.step), ['evidence']);
});

test('once the restore has started the workloads are not brought back on the restored data, and the way back is named', () => {
  const p = planAbort(upTo(4), 'shop/data-ev');
  assert.equal(p.undoQuiesce, false);
  assert.deepEqual(p.notUndone.map((x) => x.step), ['restore', 'evidence', 'quiesce']);
  assert.match(p.notUndone[0]!.why, /evidence RestorePoint shop\/data-ev/);
});

test('after the certificates were reissued the new key is kept', () => {
  const p = planAbort(upTo(7));
  assert.ok(p.notUndone.some((x) => x.step === 'rotate-tls' && /old key may have leaked/.test(x.why)));
});

test('a Restore the cluster shows counts as started even when the status write that said so was lost: the workloads stay down', () => {
  // Status says evidence completed and restore pending; the Restore object exists all the same.
  const p = planAbort(upTo(4, false), 'shop/data-ev', { restore: true, evidence: true });
  assert.equal(p.undoQuiesce, false);
  assert.deepEqual(p.notUndone.map((x) => x.step), ['restore', 'evidence', 'quiesce']);
});

test('an evidence Job the status does not know of yet is named as kept', () => {
  const p = planAbort(upTo(3, false), undefined, { evidence: true });
  assert.equal(p.undoQuiesce, true);
  assert.deepEqual(p.notUndone.map((x) => x.step), ['evidence']);
});
