import { test } from 'node:test';
import assert from 'node:assert/strict';
import { beforeApproval, kubePlaybook } from './playbook.js';

test('the built-in Kubernetes playbook parses with the Kubernetes step kinds and keeps the local step names', () => {
  const pb = kubePlaybook('restore-secure-and-rotate');
  assert.deepEqual(pb.order, ['assess', 'choose', 'quiesce', 'evidence', 'restore', 'restart', 'rotate-tls', 'verify', 'report']);
  assert.deepEqual(pb.steps.map((s) => s.uses), ['assess', 'choose-restore-point', 'quiesce', 'preserve-evidence', 'restore', 'restart', 'rotate-tls', 'verify', 'report']);
});

test('before approval only the read-only steps up to the first one that changes the cluster run', () => {
  assert.deepEqual(beforeApproval(kubePlaybook('restore-secure-and-rotate')).order, ['assess', 'choose']);
});

test('an unknown playbook name fails naming the built-in ones', () => {
  assert.throws(() => kubePlaybook('nope'), /spec\.playbook: no Kubernetes playbook named nope \(built-in: restore-secure-and-rotate\)/);
});
