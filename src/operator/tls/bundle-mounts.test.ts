import { test } from 'node:test';
import assert from 'node:assert/strict';
import type * as k8s from '@kubernetes/client-node';
import { bundleMount, holdsRoot, mountedSummary, type MountedCopy } from './bundle-mounts.js';

const running = (...names: string[]) => names.map((name) => ({ name, image: 'x', imageID: '', ready: true, restartCount: 0, state: { running: {} } }));
const pod = (volumes: k8s.V1Volume[], containers: k8s.V1Container[], up = containers.map((c) => c.name)): k8s.V1Pod => ({
  metadata: { name: 'p', namespace: 'shop' },
  spec: { volumes, containers },
  status: { phase: 'Running', containerStatuses: running(...up) },
});
const app = (name: string, mounts: k8s.V1VolumeMount[]): k8s.V1Container => ({ name, volumeMounts: mounts });

const cases: { name: string; pod: k8s.V1Pod; want: ReturnType<typeof bundleMount> }[] = [
  { name: 'a configMap volume: the key under the mount path', pod: pod([{ name: 'ca', configMap: { name: 'shop-ca' } }], [app('c', [{ name: 'ca', mountPath: '/ca/' }])]), want: { read: { container: 'c', path: '/ca/ca.crt', running: true }, subPaths: [] } },
  {
    name: 'items rename the key',
    pod: pod([{ name: 'ca', configMap: { name: 'shop-ca', items: [{ key: 'ca.crl', path: 'crl' }, { key: 'ca.crt', path: 'certs/roots.pem' }] } }], [app('c', [{ name: 'ca', mountPath: '/etc/tls' }])]),
    want: { read: { container: 'c', path: '/etc/tls/certs/roots.pem', running: true }, subPaths: [] },
  },
  { name: 'items without the key: the bundle is not mounted', pod: pod([{ name: 'ca', configMap: { name: 'shop-ca', items: [{ key: 'ca.crl', path: 'crl' }] } }], [app('c', [{ name: 'ca', mountPath: '/ca' }])]), want: undefined },
  { name: 'another ConfigMap', pod: pod([{ name: 'ca', configMap: { name: 'other' } }], [app('c', [{ name: 'ca', mountPath: '/ca' }])]), want: undefined },
  {
    name: 'a projected volume',
    pod: pod([{ name: 'all', projected: { sources: [{ secret: { name: 's' } }, { configMap: { name: 'shop-ca', items: [{ key: 'ca.crt', path: 'trust/ca.pem' }] } }] } }], [app('c', [{ name: 'all', mountPath: '/run/x' }])]),
    want: { read: { container: 'c', path: '/run/x/trust/ca.pem', running: true }, subPaths: [] },
  },
  {
    name: 'a subPath mount is reported, and the plain mount of another container is read',
    pod: pod([{ name: 'ca', configMap: { name: 'shop-ca' } }], [app('a', [{ name: 'ca', mountPath: '/etc/ssl/ca.pem', subPath: 'ca.crt' }]), app('b', [{ name: 'ca', mountPath: '/ca' }])]),
    want: { read: { container: 'b', path: '/ca/ca.crt', running: true }, subPaths: ['a:/etc/ssl/ca.pem'] },
  },
  { name: 'only a subPath mount: nothing to read', pod: pod([{ name: 'ca', configMap: { name: 'shop-ca' } }], [app('a', [{ name: 'ca', mountPath: '/ca.pem', subPath: 'ca.crt' }])]), want: { subPaths: ['a:/ca.pem'] } },
  {
    name: 'a running container is preferred over one that is not',
    pod: pod([{ name: 'ca', configMap: { name: 'shop-ca' } }], [app('a', [{ name: 'ca', mountPath: '/a' }]), app('b', [{ name: 'ca', mountPath: '/b' }])], ['b']),
    want: { read: { container: 'b', path: '/b/ca.crt', running: true }, subPaths: [] },
  },
  { name: 'a volume no container mounts', pod: pod([{ name: 'ca', configMap: { name: 'shop-ca' } }], [app('c', [])]), want: undefined },
];

for (const c of cases) test(`bundle mount: ${c.name}`, () => assert.deepEqual(bundleMount(c.pod, 'shop-ca', 'ca.crt'), c.want));

const pemOf = (body: string) => `-----BEGIN CERTIFICATE-----\n${body.match(/.{1,64}/g)!.join('\n')}\n-----END CERTIFICATE-----\n`;
const A = pemOf('QUFB'.repeat(40));
const B = pemOf('QkJC'.repeat(40));

test('holdsRoot finds the root among the bundle\'s certificates, whatever the line breaks', () => {
  assert.equal(holdsRoot(A + B, B), true);
  assert.equal(holdsRoot(A.replace(/\n/g, '\r\n') + B.replace(/\n(?!-)/g, ''), B), true);
  assert.equal(holdsRoot(A, B), false);
  assert.equal(holdsRoot('', B), false);
  assert.equal(holdsRoot('cat: /ca/ca.crt: No such file or directory', B), false);
});

test('the summary groups copies by bundle and lists at most five names', () => {
  const c = (bundle: string, pod: string, state: MountedCopy['state']): MountedCopy => ({ bundle, pod, path: '/ca/ca.crt', state, ...(state === 'unread' ? { reason: 'exit code 1' } : {}) });
  const s = mountedSummary([
    ...Array.from({ length: 7 }, (_, i) => c('a/one', `a/p${i}`, 'old')),
    c('b/two', 'b/q', 'new'),
    c('b/two', 'b/r', 'unread'),
  ]);
  assert.deepEqual({ waiting: s.waiting, confirmed: s.confirmed, unread: s.unread }, { waiting: 7, confirmed: 1, unread: 1 });
  assert.equal(
    s.message,
    '0 of 7 pods have the new CA in their mounted one: waiting for a/p0 (/ca/ca.crt), a/p1 (/ca/ca.crt), a/p2 (/ca/ca.crt), a/p3 (/ca/ca.crt), a/p4 (/ca/ca.crt) and 2 more; ' +
      '1 of 2 pods have the new CA in their mounted two; not read, so only the propagation delay covers them: b/r (/ca/ca.crt): exit code 1',
  );
  assert.equal(mountedSummary([]).message, '');
});
