import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chooseRestorePoint } from '../../policy/restore-point.js';
import { chooseInputFrom, judge, type FactsInput, type Observation } from './facts.js';

const A = 'sha256:' + 'a1'.repeat(32);
const B = 'sha256:' + 'b2'.repeat(32);
const C = 'sha256:' + 'c3'.repeat(32);
const W = 'shop/StatefulSet/db';
const at = (h: number) => new Date(Date.UTC(2026, 10, 1, h));
const point = (id: string, h: number, ...digests: (string | undefined)[]): Observation => ({ snapshotId: id, time: at(h), versions: digests.map((d) => ({ workload: W, ...(d ? { imageDigest: d } : {}) })) });
const input = (points: Observation[], running: (string | undefined)[], extra: Partial<FactsInput> = {}): FactsInput => ({
  volume: 'shop/data', target: 'finding f-1', points, running: running.map((d) => ({ workload: W, ...(d ? { imageDigest: d } : {}) })),
  now: at(20), vulnerable: [B], clean: [A], onUnknown: 'refuse', ...extra,
});

const cases: { name: string; in: FactsInput; decision: 'chosen' | 'refused'; snapshot?: string; reason: string }[] = [
  { name: 'keeps the last point of the clean version when the newest point and the running pods are vulnerable', in: input([point('v1', 1, A), point('v2', 2, B)], [B]), decision: 'chosen', snapshot: 'v1', reason: 'before-exposure' },
  { name: 'takes the newest of several clean points before the exposure', in: input([point('a', 1, A), point('b', 2, A), point('c', 3, B)], [B]), decision: 'chosen', snapshot: 'b', reason: 'before-exposure' },
  { name: 'a vulnerable version only seen running now still excludes nothing it cannot have written', in: input([point('a', 1, A), point('b', 2, A)], [B]), decision: 'chosen', snapshot: 'b', reason: 'before-exposure' },
  { name: 'refuses when every point records a vulnerable version', in: input([point('a', 1, B), point('b', 2, B)], [B]), decision: 'refused', reason: 'no-clean-restore-point' },
  { name: 'refuses when the version before the exposure was never judged (fail closed)', in: input([point('a', 1, C), point('b', 2, B)], [B]), decision: 'refused', reason: 'unknown-deployment' },
  { name: 'refuses when a point before the exposure records its workload without a digest (fail closed)', in: input([point('a', 1, A), point('b', 2, undefined), point('c', 3, B)], [B], { clean: [A] }), decision: 'refused', reason: 'unknown-deployment' },
  { name: 'with nothing vulnerable ever deployed the newest clean point is chosen as not exposed', in: input([point('a', 1, A), point('b', 2, A)], [A]), decision: 'chosen', snapshot: 'b', reason: 'not-exposed' },
];
for (const c of cases)
  test(c.name, () => {
    const choice = chooseRestorePoint(chooseInputFrom(c.in));
    assert.equal(choice.decision, c.decision, choice.message);
    assert.equal(choice.reason, c.reason, choice.message);
    if (c.snapshot) assert.equal(choice.snapshotId, c.snapshot);
  });

test('a version first seen at a point is taken to go live just after the previous observation of that workload', () => {
  const i = chooseInputFrom(input([point('v1', 1, A), point('v2', 5, B)], [B]));
  const b = i.deployments.find((d) => d.version.imageDigest === B)!;
  assert.equal(b.startedAt.toISOString(), new Date(at(1).getTime() + 1).toISOString());
  assert.equal(i.deployments.find((d) => d.version.imageDigest === A)!.startedAt.toISOString(), at(1).toISOString());
});

test('a digest listed in neither list is unknown, and a missing digest is unknown with its own reason', () => {
  assert.equal(judge(C, [B], [A]).verdict, 'unknown');
  assert.match(judge(undefined, [B], [A]).why, /no image digest/);
  assert.equal(judge(B, [B], [B]).verdict, 'vulnerable', 'vulnerable wins over clean');
});

test('a RestorePoint marked suspicious by its change signals is skipped with every later one, unless spec.allowSuspicious', () => {
  const suspicion = { verdict: 'suspicious' as const, reasons: ['80 files renamed to .locked with new content (history: median 0)'] };
  const points = [point('a', 1, A), point('b', 2, A), { ...point('c', 3, A), suspicion }, point('d', 4, A)];
  const skipped = chooseRestorePoint(chooseInputFrom(input(points, [A])));
  assert.equal(skipped.snapshotId, 'b', skipped.message);
  assert.deepEqual(skipped.suspicious?.map((x) => x.snapshotId), ['c']);
  const allowed = chooseRestorePoint(chooseInputFrom(input(points, [A], { allowSuspicious: true })));
  assert.equal(allowed.snapshotId, 'd', allowed.message);
});
