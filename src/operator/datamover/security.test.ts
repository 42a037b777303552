import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dataMoverSecurity } from './security.js';

test('by default the data mover runs as the image user with everything Pod Security restricted asks for', () => {
  assert.deepEqual(dataMoverSecurity(undefined), {
    pod: { runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, seccompProfile: { type: 'RuntimeDefault' } },
    container: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
  });
});

test('a policy running it as the volume owner with an fsGroup keeps the restricted defaults it did not change', () => {
  const s = dataMoverSecurity({ podSecurityContext: { runAsUser: 999, runAsGroup: 999, fsGroup: 999, fsGroupChangePolicy: 'OnRootMismatch' } });
  assert.deepEqual(s.pod, { runAsNonRoot: true, runAsUser: 999, runAsGroup: 999, fsGroup: 999, fsGroupChangePolicy: 'OnRootMismatch', seccompProfile: { type: 'RuntimeDefault' } });
  assert.deepEqual(s.container.capabilities, { drop: ['ALL'] });
});

test('capabilities are added to the drop of ALL, never instead of it', () => {
  const s = dataMoverSecurity({ securityContext: { capabilities: { add: ['CHOWN', 'FOWNER', 'CHOWN'] } } });
  assert.deepEqual(s.container.capabilities, { drop: ['ALL'], add: ['CHOWN', 'FOWNER'] });
  assert.equal(s.container.allowPrivilegeEscalation, false);
});

test('running as root to read any volume and restore ownership drops the default runAsNonRoot, which would stop the pod', () => {
  const s = dataMoverSecurity({ securityContext: { runAsUser: 0, capabilities: { add: ['DAC_READ_SEARCH', 'CHOWN', 'FOWNER', 'DAC_OVERRIDE'] } } });
  assert.equal(s.container.runAsUser, 0);
  assert.equal(s.pod.runAsNonRoot, undefined);
  assert.deepEqual(s.container.capabilities, { drop: ['ALL'], add: ['DAC_READ_SEARCH', 'CHOWN', 'FOWNER', 'DAC_OVERRIDE'] });
  assert.deepEqual(s.pod.seccompProfile, { type: 'RuntimeDefault' });
});

test('a runAsNonRoot the user set is kept even with uid 0 (the kubelet then refuses, as they asked)', () => {
  assert.equal(dataMoverSecurity({ podSecurityContext: { runAsUser: 0, runAsNonRoot: true } }).pod.runAsNonRoot, true);
});
