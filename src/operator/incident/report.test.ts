import { test } from 'node:test';
import assert from 'node:assert/strict';
import { incidentSpecSchema } from '../api/index.js';
import { renderReport } from './report.js';

const B = 'sha256:' + 'b2'.repeat(32);
const spec = incidentSpecSchema.parse({ pvc: 'data', vulnerable: { imageDigests: [B], finding: { id: 'f-1', ruleId: 'js/sqli', severity: 'high', message: 'query from input' } } });

test('the report names the finding, the restore point and why, the evidence, both serials and every step', () => {
  const md = renderReport('cve', 'shop', spec, {
    plan: { restorePoint: 'shop/data-v1', snapshotId: 'snap-v1', message: 'the latest with only clean versions', reasoning: ['restore point snap-v1: chosen'] },
    evidence: { job: 'shop/hfb-data-1', restorePoint: 'shop/data-ev', snapshotId: 'snap-ev' },
    certificates: [{ policy: 'db', secretName: 'db-tls', reissue: 'cve-1', oldSerial: '0a', newSerial: '0b' }],
    steps: [{ name: 'assess', uses: 'assess', phase: 'Completed', attempts: 1, startedAt: '2026-12-01T10:00:00.000Z', completedAt: '2026-12-01T10:00:01.000Z' }],
  }, new Date('2026-12-01T11:00:00Z'));
  for (const want of ['f-1', 'js/sqli', 'shop/data-v1', 'snap-v1', 'the latest with only clean versions', '  - restore point snap-v1: chosen', 'snap-ev', 'serial 0a -> 0b', '| assess | assess | Completed | 1 |', B])
    assert.ok(md.includes(want), `missing ${want}:\n${md}`);
});

test('a report without certificates says none served the workloads instead of an empty section', () => {
  assert.match(renderReport('cve', 'shop', spec, {}, new Date()), /no CertificatePolicy serves the affected workloads/);
});
