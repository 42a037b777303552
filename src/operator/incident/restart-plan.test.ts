import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chooseImage, planRestart } from './restart-plan.js';
import type { ObservedVersion } from './facts.js';

const A = 'sha256:' + 'a1'.repeat(32);
const B = 'sha256:' + 'b2'.repeat(32);
const K = 'sha256:' + 'c3'.repeat(32);
const rec = (v: Partial<ObservedVersion>): ObservedVersion => ({ workload: 'shop/StatefulSet/db', container: 'db', ...v });

const cases: [string, ObservedVersion | undefined, string | undefined, { image: string; digest?: string; knownGood: boolean; why: RegExp }][] = [
  ['pins the pullable reference the kubelet reported', rec({ image: 'r/db:1.4', imageDigest: A, imageRef: `registry:5000/r/db@${A}` }), undefined,
    { image: `registry:5000/r/db@${A}`, digest: A, knownGood: true, why: /pinned by the digest the kubelet reported/ }],
  ['keeps a recorded image that was itself pinned by digest', rec({ image: `r/db@${A}`, imageDigest: A }), undefined,
    { image: `r/db@${A}`, digest: A, knownGood: true, why: /already pinned/ }],
  ['never pins a bare config digest: restarts on the recorded tag and says why', rec({ image: 'r/db:1.4', imageDigest: B }), undefined,
    { image: 'r/db:1.4', digest: B, knownGood: true, why: /reported only sha256:b2.* no registry serves/ }],
  ['prefers spec.knownGoodImage to a recorded tag when the digest cannot be pulled', rec({ image: 'r/db:1.4', imageDigest: B }), `r/db@${K}`,
    { image: `r/db@${K}`, digest: K, knownGood: true, why: /spec\.knownGoodImage \(the kubelet reported only/ }],
  ['the pullable recorded version wins over spec.knownGoodImage', rec({ imageDigest: A, imageRef: `r/db@${A}` }), `r/db@${K}`,
    { image: `r/db@${A}`, digest: A, knownGood: true, why: /the version the restore point recorded/ }],
  ['uses spec.knownGoodImage for a container the restore point does not record', undefined, `r/db@${K}`,
    { image: `r/db@${K}`, digest: K, knownGood: true, why: /named in spec\.knownGoodImage$/ }],
  ['keeps the current image when nothing is known, and says it is not a known-good one', undefined, undefined,
    { image: 'r/db:2.0', knownGood: false, why: /unchanged \(r\/db:2\.0\)/ }],
];
for (const [name, r, knownGood, want] of cases)
  test(`chooseImage ${name}`, () => {
    const got = chooseImage('db', 'r/db:2.0', r, knownGood);
    assert.equal(got.image, want.image);
    assert.equal(got.digest, want.digest);
    assert.equal(got.knownGood, want.knownGood);
    assert.match(got.why, want.why);
  });

const recorded = [{ kind: 'StatefulSet' as const, name: 'db', replicas: 3, containers: [{ name: 'db', image: 'r/db:2.0' }, { name: 'proxy', image: 'r/proxy:1' }] }];

test('a container the restore point recorded restarts on that version, a sidecar it did not record keeps its image and is not checked', () => {
  const p = planRestart('shop', recorded, [{ workload: 'shop/StatefulSet/db', container: 'db', image: 'r/db:1.4', imageDigest: A, imageRef: `r/db@${A}` }]);
  assert.ok(p.ok);
  assert.deepEqual(p.targets[0]!.images, { db: `r/db@${A}`, proxy: 'r/proxy:1' });
  assert.deepEqual(p.targets[0]!.digests, { db: A });
  assert.equal(p.targets[0]!.replicas, 3, 'scaled back to the recorded replicas');
});

test('a restore point recorded by a kubelet that reported a bare sha256: imageID restarts on its recorded image, not repo@<config digest>', () => {
  const p = planRestart('shop', recorded, [{ workload: 'shop/StatefulSet/db', container: 'db', image: 'r/db:1.4', imageDigest: B }]);
  assert.ok(p.ok);
  assert.equal(p.targets[0]!.images.db, 'r/db:1.4');
  assert.equal(p.targets[0]!.digests.db, B, 'verify still checks the pods run the recorded version');
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
