import { test } from 'node:test';
import assert from 'node:assert/strict';
import { incidentSpecSchema } from '../api/index.js';
import { asHtmlText, renderCommonMark } from '../../../test/harness/commonmark.js';
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

test('text from a report or the cluster stays text: a real CommonMark renderer makes no element, no link and no extra cell of it', () => {
  const hostile = '<b onmouseover=alert(1)>x</b> **bold** [l](javascript:x) | pipe\n# not a heading `code`';
  const evil = incidentSpecSchema.parse({ pvc: 'data', vulnerable: { imageDigests: [B], finding: { id: hostile, ruleId: hostile, severity: hostile, message: hostile } } });
  const md = renderReport('cve', 'shop', evil, {
    plan: { message: hostile, reasoning: [hostile], exposedSince: hostile },
    steps: [{ name: hostile, uses: hostile, phase: 'Completed', attempts: 1 }],
  }, new Date('2026-12-01T11:00:00Z'));
  const html = renderCommonMark(md);
  assert.doesNotMatch(html, /<(b|a|img|script|em|strong)\b/i, html);
  // The report's own code spans are the digest, the PVC, the playbook and the restore's fields; none holds report text.
  for (const code of html.match(/<code>[^<]*<\/code>/g) ?? []) assert.doesNotMatch(code, /pipe|bold/, code);
  assert.equal(html.match(/<h\d>/g)!.length, 7, "only the report's own headings");
  for (const row of html.match(/<tr>[\s\S]*?<\/tr>/g)!) assert.equal(row.match(/<t[dh]\b/g)!.length, 6, row);
  assert.equal(html.split(asHtmlText(hostile)).length - 1, 9, 'the finding (4 fields), why, reasoning, exposed since and the step (name and uses) shown as written');
});
