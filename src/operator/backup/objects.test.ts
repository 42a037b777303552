import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dataMoverJob, type JobInput } from './objects.js';

const input: JobInput = {
  ref: { policyNamespace: 'shop', policy: 'nightly', runId: 'r1', namespace: 'shop', pvc: 'pgdata' },
  claimName: 'pgdata',
  repository: { name: 'main', secretName: 'repo', spec: { url: '/repo', credentials: { secretName: 'repo', passwordKey: 'password' }, volume: { claimName: 'backups' } } },
  provenance: { workloads: [], hooks: [], labels: {} },
  tags: [],
  image: 'holdfast:1',
  postHooksPending: false,
};

test('the backup Job runs non-root with seccomp RuntimeDefault, as Pod Security restricted requires (never runAsNonRoot: false)', () => {
  const pod = dataMoverJob(input).spec!.template.spec!;
  assert.equal(pod.securityContext!.runAsNonRoot, true);
  assert.deepEqual(pod.securityContext!.seccompProfile, { type: 'RuntimeDefault' });
  assert.deepEqual(pod.containers[0]!.securityContext, { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
  assert.deepEqual(pod.containers[0]!.volumeMounts!.find((m) => m.name === 'repository'), { name: 'repository', mountPath: '/repo' });
});

test('a policy\'s dataMover settings land in the backup Job', () => {
  const pod = dataMoverJob({ ...input, security: { podSecurityContext: { runAsUser: 999, runAsGroup: 999 }, securityContext: { capabilities: { add: ['DAC_READ_SEARCH'] } } } }).spec!.template.spec!;
  assert.equal(pod.securityContext!.runAsUser, 999);
  assert.equal(pod.securityContext!.runAsGroup, 999);
  assert.deepEqual(pod.containers[0]!.securityContext!.capabilities, { drop: ['ALL'], add: ['DAC_READ_SEARCH'] });
});

const unreadable: [string, boolean | undefined, boolean][] = [
  ['a policy without failOnUnreadable lets the data mover skip what it cannot read', undefined, false],
  ['failOnUnreadable: false is the same', false, false],
  ['failOnUnreadable: true makes the data mover fail at the first entry it cannot read', true, true],
];
for (const [name, failOnUnreadable, flag] of unreadable)
  test(name, () => {
    const args = dataMoverJob({ ...input, failOnUnreadable }).spec!.template.spec!.containers[0]!.args!;
    assert.equal(args.includes('--fail-on-unreadable'), flag, args.join(' '));
  });

test('a policy without changeSignals leaves the thresholds to the engine; with them the data mover gets them as JSON', () => {
  const args = (changeSignals?: Record<string, unknown>) => dataMoverJob({ ...input, changeSignals }).spec!.template.spec!.containers[0]!.args!;
  assert.equal(args().includes('--change-signals'), false);
  const given = args({ minHistory: 3, rewritten: { floor: 0.3, minDelta: 0.15 } });
  assert.deepEqual(JSON.parse(given[given.indexOf('--change-signals') + 1]!), { minHistory: 3, rewritten: { floor: 0.3, minDelta: 0.15 } });
});
