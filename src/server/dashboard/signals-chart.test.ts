import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RestorePointView } from '../views/health.js';
import { restorePointsTable, signalsChart } from './volumes-page.js';

const signals = (o: Partial<NonNullable<RestorePointView['signals']>> = {}) => ({
  files: 100, filesNew: 1, filesChanged: 3, filesRemoved: 1, bytesChanged: 4e6, bytesNew: 2e6, bytesDeduplicated: 2e6, bytesNewStored: 5e5, bytesNewIncompressible: 1e5, renamed: {}, ...o,
});
const point = (day: number, o: Partial<RestorePointView> = {}): RestorePointView => ({
  snapshotId: `${day}`.padStart(64, 'a'), time: new Date(Date.UTC(2026, 11, day)).toISOString(), repository: 'r', tags: [], workloads: [], verification: undefined, ...o,
});

describe('the change-signals chart of a volume', () => {
  const points = [
    point(1, { signals: { ...signals(), initial: true }, suspicion: { verdict: 'unjudged', reasons: [] } }),
    point(2, { signals: signals(), suspicion: { verdict: 'normal', reasons: [] } }),
    point(3, { signals: signals({ filesNew: 60, filesRemoved: 60, bytesNew: 3e6, bytesNewIncompressible: 3e6, renamed: { '.locked': 60 } }), suspicion: { verdict: 'suspicious', reasons: ['60 files renamed to .locked with new content (history: median 0)'] } }),
    point(4),
  ].reverse();

  it('plots both shares per backup with signals, leaving out the first backup and points without signals, and marks the suspicious one with its reasons', () => {
    const svg = signalsChart({ name: 'data', restorePoints: points }).toString();
    const values = (series: string) => [...svg.matchAll(new RegExp(`<circle data-series="${series}" data-t="\\d+" data-v="(\\d+)"`, 'g'))].map((m) => Number(m[1]));
    assert.deepEqual(values('files rewritten or removed'), [4, 63]);
    assert.deepEqual(values('new data incompressible'), [5, 100]);
    assert.match(svg, /<line data-mark="\d+"[^>]*><title>suspicious a{12}: 60 files renamed to \.locked with new content \(history: median 0\)<\/title>/);
    assert.equal([...svg.matchAll(/data-mark=/g)].length, 1);
  });

  it('says so when no backup has signals yet', () => {
    assert.match(signalsChart({ name: 'data', restorePoints: [point(4)] }).toString(), /data-empty="true">no backup with change signals yet/);
  });

  it('shows the judgement of each restore point in the table, with the reasons of a suspicious one', () => {
    const table = restorePointsTable({ name: 'data', path: '/d', policies: [], workloads: [], lastBackup: undefined, lastSuccess: undefined, verification: { state: 'x', message: '' }, restorePoints: points }, new Date('2026-12-05T00:00:00Z')).toString();
    assert.match(table, /<td class="signals"><span class="badge bad" data-state="suspicious">suspicious<\/span><div class="muted">60 files renamed to \.locked/);
    assert.match(table, /data-state="normal">normal</);
  });
});
