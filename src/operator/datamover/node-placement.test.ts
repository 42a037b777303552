import { test } from 'node:test';
import assert from 'node:assert/strict';
import type * as k8s from '@kubernetes/client-node';
import { holderPod, nodeMoverSecurity, nodePlacementProblem, placeOnNode, volumeDirOnNode, volumePod } from './node-placement.js';

const UID = '6f1c2a4e-0b7d-4c43-9d7e-2f0a1b3c4d5e';
const pv = (name: string, spec: k8s.V1PersistentVolumeSpec): k8s.V1PersistentVolume => ({ metadata: { name }, spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], ...spec } });

const paths: [string, k8s.V1PersistentVolume, string, string | RegExp][] = [
  ['a local PV is the kubelet\'s bind of it under the pod', pv('pg-local', { local: { path: '/mnt/disks/pg' } }), '/var/lib/kubelet', `/var/lib/kubelet/pods/${UID}/volumes/kubernetes.io~local-volume/pg-local`],
  ['a kubelet with another root dir (and a trailing slash) is followed', pv('pg-local', { local: { path: '/mnt/disks/pg' } }), '/var/tmp/node/kubelet/', `/var/tmp/node/kubelet/pods/${UID}/volumes/kubernetes.io~local-volume/pg-local`],
  ['a CSI volume is published in the mount folder beside the plugin\'s metadata', pv('pvc-3f2a', { csi: { driver: 'hostpath.csi.k8s.io', volumeHandle: 'v1' } }), '/var/lib/kubelet', `/var/lib/kubelet/pods/${UID}/volumes/kubernetes.io~csi/pvc-3f2a/mount`],
  ['an NFS volume is mounted under its plugin\'s folder', pv('share', { nfs: { server: 'nfs.example', path: '/export' } }), '/var/lib/kubelet', `/var/lib/kubelet/pods/${UID}/volumes/kubernetes.io~nfs/share`],
  ['a hostPath PV is the host path itself: the kubelet mounts nothing under pods/ for it', pv('shop-data', { hostPath: { path: '/srv/shop', type: 'Directory' } }), '/var/lib/kubelet', '/srv/shop'],
  ['a raw block volume is refused: the data mover reads filesystems', pv('raw', { volumeMode: 'Block', local: { path: '/dev/sdb' } }), '/var/lib/kubelet', /raw block device/],
  ['an unknown volume source is refused naming it', pv('ceph', { rbd: { image: 'i', monitors: ['m'] } }), '/var/lib/kubelet', /PersistentVolume ceph \(rbd\): node placement reads hostPath, local, CSI and NFS volumes/],
];
for (const [name, volume, dir, want] of paths)
  test(name, () => {
    const r = volumeDirOnNode(volume, UID, dir);
    if (typeof want === 'string') assert.deepEqual(r, { ok: true, value: want });
    else {
      assert.equal(r.ok, false);
      assert.match(r.ok ? '' : r.message, want);
    }
  });

const pod = (name: string, o: { phase?: string; node?: string; deleting?: boolean } = {}): k8s.V1Pod => ({
  metadata: { name, uid: `uid-${name}`, ...(o.deleting ? { deletionTimestamp: new Date() } : {}) },
  spec: { containers: [], ...(o.node ? { nodeName: o.node } : {}) },
  status: { phase: o.phase ?? 'Running' },
});
const choices: [string, k8s.V1Pod[], string | undefined][] = [
  ['no pod mounts the volume: none', [], undefined],
  ['a pod not yet scheduled or still starting is not a way in', [pod('db-0', { phase: 'Pending', node: 'n1' }), pod('db-1')], undefined],
  ['a pod being deleted is passed over for the one that stays', [pod('db-0', { node: 'n1', deleting: true }), pod('db-1', { node: 'n2' })], 'db-1 uid-db-1 n2'],
  ['of two running pods the same one every time', [pod('web-b', { node: 'n2' }), pod('web-a', { node: 'n1' })], 'web-a uid-web-a n1'],
];
for (const [name, pods, want] of choices)
  test(name, () => {
    const p = volumePod(pods);
    assert.equal(p ? `${p.name} ${p.uid} ${p.nodeName}` : undefined, want);
  });

const problems: [string, Parameters<typeof nodePlacementProblem>[0], RegExp | undefined][] = [
  ['a direct backup into S3 can be node-placed', { snapshotMode: 'Direct', repositoryOnVolume: false }, undefined],
  ['a snapshot clone has no pod to reach it through', { snapshotMode: 'Snapshot', repositoryOnVolume: false }, /use snapshot mode Direct/],
  ['a repository on a PVC of the volume\'s namespace cannot be mounted from Holdfast\'s', { snapshotMode: 'Direct', repositoryOnVolume: true }, /use a repository on S3/],
];
for (const [name, input, want] of problems)
  test(name, () => {
    const p = nodePlacementProblem(input);
    if (want) assert.match(p ?? '', want);
    else assert.equal(p, undefined);
  });

test('a node-placed backup reads as root with DAC_READ_SEARCH alone, everything else still dropped', () => {
  assert.deepEqual(nodeMoverSecurity('read', undefined), {
    pod: { runAsUser: 0, runAsGroup: 0, seccompProfile: { type: 'RuntimeDefault' } },
    container: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'], add: ['DAC_READ_SEARCH'] }, runAsUser: 0, runAsGroup: 0 },
  });
});

test('a node-placed restore may chown and set modes, plus what the policy adds; a uid and fsGroup the policy set for its namespace are overruled', () => {
  const s = nodeMoverSecurity('write', { podSecurityContext: { runAsUser: 999, fsGroup: 999 }, securityContext: { runAsUser: 999, capabilities: { add: ['SETFCAP'] } } });
  assert.deepEqual(s.container.capabilities, { drop: ['ALL'], add: ['CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'SETFCAP'] });
  assert.equal(s.container.runAsUser, 0);
  assert.equal(s.pod.runAsUser, 0);
  assert.equal(s.pod.fsGroup, undefined);
  assert.equal(s.pod.runAsNonRoot, undefined);
});

test('placing a Job on the node moves it to Holdfast\'s namespace and swaps only the PVC for the volume directory', () => {
  const job: k8s.V1Job = {
    metadata: { name: 'hfb-data-1', namespace: 'shop', labels: { a: 'b' } },
    spec: {
      template: {
        spec: {
          serviceAccountName: 'movers',
          containers: [{ name: 'data-mover', image: 'holdfast:1', volumeMounts: [{ name: 'data', mountPath: '/data', readOnly: true }] }],
          volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'data', readOnly: true } }, { name: 'tmp', emptyDir: {} }],
        },
      },
    },
  };
  const placed = placeOnNode(job, { namespace: 'holdfast-system', nodeName: 'n1', volumeDir: '/srv/shop', access: 'read', settings: undefined });
  assert.equal(placed.metadata!.namespace, 'holdfast-system');
  assert.deepEqual(placed.metadata!.labels, { a: 'b' });
  const spec = placed.spec!.template.spec!;
  assert.equal(spec.nodeName, 'n1');
  assert.equal(spec.serviceAccountName, undefined, 'the volume namespace\'s service account does not exist in Holdfast\'s');
  assert.deepEqual(spec.volumes, [{ name: 'data', hostPath: { path: '/srv/shop', type: 'Directory' } }, { name: 'tmp', emptyDir: {} }]);
  assert.deepEqual(spec.containers[0]!.volumeMounts, [{ name: 'data', mountPath: '/data', readOnly: true }]);
  assert.deepEqual(spec.containers[0]!.securityContext!.capabilities, { drop: ['ALL'], add: ['DAC_READ_SEARCH'] });
  assert.equal(job.metadata!.namespace, 'shop', 'the input is not changed');
});

test('the holder pod passes Pod Security restricted and mounts the claim read-write', () => {
  const p = holderPod({ name: 'hfh-r', namespace: 'shop', claimName: 'data-restored', image: 'holdfast:1', labels: { x: 'y' } });
  const c = p.spec!.containers[0]!;
  assert.deepEqual(p.spec!.securityContext, { runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, seccompProfile: { type: 'RuntimeDefault' } });
  assert.deepEqual(c.securityContext, { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
  assert.deepEqual(c.volumeMounts, [{ name: 'data', mountPath: '/data' }]);
  assert.deepEqual(p.spec!.volumes, [{ name: 'data', persistentVolumeClaim: { claimName: 'data-restored' } }]);
  assert.equal(p.spec!.automountServiceAccountToken, false);
});
