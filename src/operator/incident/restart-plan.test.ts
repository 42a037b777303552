import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pinnedImage, planRestart } from './restart-plan.js';

const A = 'sha256:' + 'a1'.repeat(32);
const B = 'sha256:' + 'b2'.repeat(32);

for (const [image, want] of [
  ['registry.example/shop-db:1.4', `registry.example/shop-db@${A}`],
  ['registry.example:5000/shop/db:1.4', `registry.example:5000/shop/db@${A}`],
  ['registry.example:5000/shop/db', `registry.example:5000/shop/db@${A}`],
  [`shop-db:2.0@${B}`, `shop-db@${A}`],
  ['postgres', `postgres@${A}`],
] as const)
  test(`pins ${image} to the recorded digest without its tag or old digest`, () => assert.equal(pinnedImage(image, A), want));

const recorded = [{ kind: 'StatefulSet' as const, name: 'db', replicas: 3, containers: [{ name: 'db', image: 'r/db:2.0' }, { name: 'proxy', image: 'r/proxy:1' }] }];

test('a container the restore point recorded restarts on that version, a sidecar it did not record keeps its image', () => {
  const p = planRestart('shop', recorded, [{ workload: 'shop/StatefulSet/db', container: 'db', image: 'r/db:1.4', imageDigest: A }]);
  assert.ok(p.ok);
  assert.deepEqual(p.targets[0]!.images, { db: `r/db@${A}`, proxy: 'r/proxy:1' });
  assert.equal(p.targets[0]!.replicas, 3, 'scaled back to the recorded replicas');
});

test('spec.knownGoodImage is used for containers the restore point does not record', () => {
  const p = planRestart('shop', recorded, [], `r/db@${A}`);
  assert.ok(p.ok);
  assert.deepEqual(p.targets[0]!.images, { db: `r/db@${A}`, proxy: `r/db@${A}` });
});

test('a workload with no recorded version and no spec.knownGoodImage has nothing known-good to restart on', () => {
  const p = planRestart('shop', recorded, [{ workload: 'shop/Deployment/other', imageDigest: A }]);
  assert.equal(p.ok, false);
  assert.equal(!p.ok && p.reason, 'NoKnownGoodVersion');
});
