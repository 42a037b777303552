import { test } from 'node:test';
import assert from 'node:assert/strict';
import type * as k8s from '@kubernetes/client-node';
import { imageDigest, mountingContainers, pullableRef, podsMountingClaim, workloadOf, workloadVersions } from './pods.js';

const D = 'sha256:' + 'ab'.repeat(32);
const pod = (name: string, claim: string, extra: Partial<k8s.V1Pod> = {}): k8s.V1Pod => ({
  metadata: { name, namespace: 'shop', ...extra.metadata },
  spec: { containers: [{ name: 'app', image: 'shop:1.2' }], volumes: [{ name: 'd', persistentVolumeClaim: { claimName: claim } }] },
  status: { phase: 'Running', containerStatuses: [{ name: 'app', image: 'shop:1.2', imageID: `docker-pullable://shop@${D}`, ready: true, restartCount: 0 }], ...extra.status },
});

test('imageDigest reads the digest from every runtime spelling of imageID', () => {
  for (const id of [`docker-pullable://r/x@${D}`, `r/x@${D}`, D]) assert.equal(imageDigest(id), D);
  assert.equal(imageDigest('docker://deadbeef'), undefined);
  assert.equal(imageDigest(undefined), undefined);
});

for (const [imageID, want] of [
  [`docker-pullable://registry:5000/shop/db@${D}`, `registry:5000/shop/db@${D}`],
  [`docker.io/library/postgres@${D}`, `docker.io/library/postgres@${D}`],
  [D, undefined],
  ['docker://' + 'ab'.repeat(32), undefined],
  [`@${D}`, undefined],
  [undefined, undefined],
] as const)
  test(`pullableRef of ${imageID}: ${want ?? 'none, nothing can pull it'}`, () => assert.equal(pullableRef(imageID), want));

test('only running pods of the same namespace that mount the claim are selected', () => {
  const pods = [
    pod('a', 'data'),
    pod('b', 'other'),
    pod('c', 'data', { status: { phase: 'Succeeded' } }),
    pod('d', 'data', { metadata: { name: 'd', namespace: 'elsewhere' } }),
  ];
  assert.deepEqual(podsMountingClaim(pods, 'shop', 'data').map((p) => p.metadata!.name), ['a']);
});

test('a pod of a Deployment is reported as the Deployment, not its ReplicaSet', () => {
  const p = pod('web-5d8f-x', 'data', {
    metadata: { name: 'web-5d8f-x', namespace: 'shop', labels: { 'pod-template-hash': '5d8f' }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-5d8f', uid: 'u', controller: true }] },
  });
  assert.equal(workloadOf(p), 'shop/Deployment/web');
});

test('containers without a reported imageID are recorded without a digest rather than guessed', () => {
  const p = pod('a', 'data', { status: { phase: 'Pending', containerStatuses: [] } });
  assert.deepEqual(mountingContainers([p]), [{ workload: 'shop/Pod/a', pod: 'a', container: 'app', image: 'shop:1.2' }]);
});

test('a container records the pullable reference beside the digest only when imageID names a repository', () => {
  assert.equal(mountingContainers([pod('a', 'data')])[0]!.imageRef, `shop@${D}`);
  const bare = pod('b', 'data', { status: { phase: 'Running', containerStatuses: [{ name: 'app', image: 'shop:1.2', imageID: D, ready: true, restartCount: 0 }] } });
  const [c] = mountingContainers([bare]);
  assert.equal(c!.imageDigest, D, 'the digest is still the identity SAST verdicts use');
  assert.equal(c!.imageRef, undefined);
});

test('a version is recorded once however many pods run it; a rollout caught mid-way records both versions', () => {
  const D2 = 'sha256:' + 'cd'.repeat(32);
  const of = (name: string, hash: string, digest: string) =>
    pod(name, 'data', {
      metadata: { name, namespace: 'shop', labels: { 'pod-template-hash': hash }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `web-${hash}`, uid: hash, controller: true }] },
      status: { phase: 'Running', containerStatuses: [{ name: 'app', image: 'shop:1.2', imageID: `shop@${digest}`, ready: true, restartCount: 0 }] },
    });
  const versions = workloadVersions(mountingContainers([of('web-a-1', 'a', D), of('web-a-2', 'a', D), of('web-b-1', 'b', D2), of('web-a-3', 'a', D)]));
  assert.deepEqual(versions, [
    { workload: 'shop/Deployment/web', container: 'app', image: 'shop:1.2', imageDigest: D, imageRef: `shop@${D}` },
    { workload: 'shop/Deployment/web', container: 'app', image: 'shop:1.2', imageDigest: D2, imageRef: `shop@${D2}` },
  ]);
});
