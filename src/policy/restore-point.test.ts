import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chooseRestorePoint, explainChoice, type ChooseInput, type DeploymentFact, type JudgedVersion, type RestorePointFact } from './restore-point.js';

const clean = (commit: string): JudgedVersion => ({ commit, verdict: 'clean', why: 'no open finding' });
const bad = (commit: string): JudgedVersion => ({ commit, verdict: 'vulnerable', why: '1 open finding at or above high' });
const unknown = (commit: string): JudgedVersion => ({ commit, verdict: 'unknown', why: 'no successful scan' });
const day = (d: number) => new Date(Date.UTC(2026, 0, d));
const dep = (workload: string, d: number, version: JudgedVersion): DeploymentFact => ({ workload, startedAt: day(d), version });
const point = (id: string, d: number, ...versions: JudgedVersion[]): RestorePointFact => ({ snapshotId: id, time: day(d), versions: versions.map((v) => ({ workload: 'shop', ...v })) });
const suspicious = (p: RestorePointFact): RestorePointFact => ({ ...p, suspicion: { verdict: 'suspicious', reasons: ['410 files renamed to .locked with new content (history: median 0)'] } });
/** Never exposed; ransomware ran before the backup of day 6. */
const ransomed: Partial<ChooseInput> = {
  deployments: [dep('shop', 1, clean('aaaaaaa'))],
  restorePoints: [point('p1', 2, clean('aaaaaaa')), point('p2', 5, clean('aaaaaaa')), suspicious(point('p3', 6, clean('aaaaaaa'))), point('p4', 7, clean('aaaaaaa'))],
};

function input(over: Partial<ChooseInput>): ChooseInput {
  return {
    volume: 'shop-data',
    target: 'findings at or above high',
    workloads: ['shop'],
    deployments: [dep('shop', 1, clean('aaaaaaa')), dep('shop', 10, bad('bbbbbbb'))],
    restorePoints: [point('p1', 2, clean('aaaaaaa')), point('p2', 9, clean('aaaaaaa')), point('p3', 11, bad('bbbbbbb'))],
    ...over,
  };
}

const cases: [string, Partial<ChooseInput>, string, string | undefined][] = [
  ['picks the latest clean restore point taken before the vulnerable version went live', {}, 'before-exposure', 'p2'],
  [
    'skips a point before the exposure that itself records a vulnerable version',
    { restorePoints: [point('p1', 2, clean('aaaaaaa')), point('p2', 9, bad('ccccccc'))] },
    'before-exposure',
    'p1',
  ],
  [
    'the first vulnerable deployment on any workload that mounts the volume counts',
    { workloads: ['shop', 'worker'], deployments: [dep('shop', 1, clean('aaaaaaa')), dep('worker', 5, bad('ddddddd')), dep('shop', 10, bad('bbbbbbb'))] },
    'before-exposure',
    'p1',
  ],
  ['a vulnerable deploy on a workload that does not mount the volume is ignored', { deployments: [dep('shop', 1, clean('aaaaaaa')), dep('billing', 3, bad('eeeeeee')), dep('shop', 10, bad('bbbbbbb'))] }, 'before-exposure', 'p2'],
  [
    'refuses, naming the deployment, when a version deployed before the exposure was never scanned',
    { deployments: [dep('shop', 1, clean('aaaaaaa')), dep('shop', 5, unknown('fffffff')), dep('shop', 10, bad('bbbbbbb'))] },
    'unknown-deployment',
    undefined,
  ],
  ['refuses, naming the restore point, when the newest candidate records an unscanned version', { restorePoints: [point('p1', 2, clean('aaaaaaa')), point('p2', 9, unknown('9999999'))] }, 'unknown-restore-point', undefined],
  ['steps over an unscanned restore point to an older clean one when allowed', { onUnknown: 'skip', restorePoints: [point('p1', 2, clean('aaaaaaa')), point('p2', 9, unknown('9999999'))] }, 'before-exposure', 'p1'],
  ['refuses a restore point that records no versions at all', { restorePoints: [point('p1', 2)] }, 'unknown-restore-point', undefined],
  ['refuses when no restore point predates the exposure', { restorePoints: [point('p3', 11, bad('bbbbbbb'))] }, 'no-clean-restore-point', undefined],
  ['refuses when no deployment is recorded for the volume’s workloads', { deployments: [] }, 'no-deployments', undefined],
  ['refuses when nothing is known to mount the volume', { workloads: [], restorePoints: [] }, 'no-workloads', undefined],
  ['picks the newest clean point when no deployed version was ever vulnerable', { deployments: [dep('shop', 1, clean('aaaaaaa'))] }, 'not-exposed', 'p2'],
  [
    'a vulnerable version deployed after an unscanned one does not excuse the unscanned one',
    { deployments: [dep('shop', 1, unknown('aaaaaaa')), dep('shop', 10, bad('bbbbbbb'))] },
    'unknown-deployment',
    undefined,
  ],
  ['skips a suspicious restore point and every later one, picking the last clean point before it', ransomed, 'not-exposed', 'p2'],
  ['considers suspicious points when the operator allows them', { ...ransomed, allowSuspicious: true }, 'not-exposed', 'p4'],
  ['refuses when every point is at or after a suspicious one', { ...ransomed, restorePoints: ransomed.restorePoints!.slice(2) }, 'no-clean-restore-point', undefined],
  [
    'takes a suspicious point a person cleared as a false positive, and the points after it',
    { ...ransomed, restorePoints: ransomed.restorePoints!.map((p) => (p.snapshotId === 'p3' ? { ...p, cleared: { actor: 'alice', reason: 'planned re-encryption', at: new Date('2026-01-06T12:00:00Z') } } : p)) },
    'not-exposed',
    'p4',
  ],
  [
    'skips from the oldest suspicious point that is not cleared',
    { ...ransomed, restorePoints: [...ransomed.restorePoints!.map((p) => (p.snapshotId === 'p3' ? { ...p, cleared: { actor: 'alice', reason: 'planned', at: new Date('2026-01-06T12:00:00Z') } } : p)), point('p4b', 8, clean('aaaaaaa')), suspicious(point('p5', 9, clean('aaaaaaa')))] },
    'not-exposed',
    'p4b',
  ],
  [
    'skips from the oldest suspicious point when there are several',
    { ...ransomed, restorePoints: [...ransomed.restorePoints!, suspicious(point('p5', 8, clean('aaaaaaa')))] },
    'not-exposed',
    'p2',
  ],
];

for (const [name, over, reason, chosen] of cases) {
  test(name, () => {
    const c = chooseRestorePoint(input(over));
    assert.equal(c.reason, reason, explainChoice(c));
    assert.equal(c.snapshotId, chosen);
    assert.equal(c.decision, chosen ? 'chosen' : 'refused');
    if (!chosen && reason.startsWith('unknown')) assert.ok(c.unknown.length > 0 && c.message.includes(c.unknown[0]!.detail), c.message);
  });
}

test('the explanation names the exposure and the chosen point in words', () => {
  const c = chooseRestorePoint(input({}));
  const text = explainChoice(c);
  assert.match(text, /^chosen: volume shop-data: restore p2 taken 2026-01-09T00:00:00.000Z/);
  assert.match(text, /first vulnerable version: bbbbbbb went live on shop at 2026-01-10/);
  assert.match(text, /1 restore point\(s\) taken at or after the exposure are not candidates/);
  assert.equal(c.exposure?.version, 'bbbbbbb');
});

test('the explanation says which point is suspicious, why, and how to override', () => {
  const c = chooseRestorePoint(input(ransomed));
  const text = explainChoice(c);
  assert.match(text, /^chosen: volume shop-data: restore p2 taken 2026-01-05T00:00:00.000Z, the latest with only clean versions and the volume was never exposed, and before suspicious p3/);
  assert.match(text, /restore point p3 \(2026-01-06T00:00:00.000Z\) is marked suspicious: 410 files renamed to \.locked/);
  assert.match(text, /2 restore point\(s\) taken at or after suspicious p3 .* are not candidates: .*allow suspicious points to consider them/);
  assert.deepEqual(c.suspicious?.map((x) => [x.snapshotId, x.skipped]), [['p3', true]]);
  const allowed = chooseRestorePoint(input({ ...ransomed, allowSuspicious: true }));
  assert.match(explainChoice(allowed), /suspicious restore points were allowed by the operator/);
  assert.deepEqual(allowed.suspicious?.map((x) => [x.snapshotId, x.skipped]), [['p3', false]]);
});
