/**
 * The incident report writes text from a report (the finding), a scanner or a workload literally:
 * its Markdown, rendered by a real CommonMark renderer with raw HTML allowed (as GitHub does),
 * makes no element and no link of it, and its HTML page shows the same text as written.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { asHtmlText, renderCommonMark } from '../../test/harness/commonmark.js';
import { renderHtml, renderMarkdown, type ReportInput } from './report.js';

const hostile = '<b onmouseover=alert(1)>x</b> **bold** [l](javascript:x) | pipe\n# not a heading `code` \\';
const at = '2026-12-01T10:00:00.000Z';
const step = (s: string, uses: string, outputs: Record<string, unknown>) => ({ step: s, seq: 0, uses, status: 'completed' as const, attempts: 1, startedAt: at, completedAt: at, outputs, progress: {}, error: undefined });

const input: ReportInput = {
  incident: { id: 'inc-1', playbook: 'cve', volume: 'shop-data', status: 'succeeded', configFile: 'holdfast.yaml', params: {}, runnerPid: undefined, message: undefined, createdAt: at, updatedAt: at, finishedAt: at },
  steps: [
    step('assess', 'assess', { target: hostile, finding: { id: 'f-1', ruleId: hostile, severity: 'high', message: hostile, path: hostile, line: 3 }, affected: [{ workload: 'shop', version: hostile, since: at, volumes: ['shop-data'], why: hostile }] }),
    step(hostile, 'choose-restore-point', { snapshotId: 'snap-1', restorePointTime: at, message: hostile, steps: [hostile] }),
  ],
  audit: [{ id: 1, time: at, actor: 'serve', action: 'incident.step', object: hostile, details: { step: hostile } }],
  generatedAt: new Date(at),
};
/** The target, the finding's rule, message and path, the version and why it is affected, the choice's message and step, the step's name in the timeline, the audit's object and step. */
const shown = 11;

test('the Markdown report makes no element, no link and no extra cell of a hostile finding', () => {
  const html = renderCommonMark(renderMarkdown(input));
  assert.doesNotMatch(html, /<(b|a|img|script|em)\b/i, html);
  assert.equal(html.match(/<strong>/g)!.length, 1, 'only the status is strong');
  for (const code of html.match(/<code>[^<]*<\/code>/g)!) assert.doesNotMatch(code, /pipe|bold/, code);
  assert.equal(html.match(/<h\d>/g)!.length, 9, "only the report's own headings");
  for (const row of html.match(/<tr>[\s\S]*?<\/tr>/g)!) assert.equal(row.match(/<t[dh]\b/g)!.length, 6, row);
  assert.equal(html.split(asHtmlText(hostile)).length - 1, shown, html);
});

test('the HTML report shows the same hostile text as written, without the Markdown escapes', () => {
  const html = renderHtml(input);
  assert.doesNotMatch(html, /<(b|a|img|script|em)\b/i);
  assert.equal(html.split(asHtmlText(hostile)).length - 1, shown, html);
  assert.doesNotMatch(html, /\\(&lt;|\*|\[|\||`)/, 'no Markdown escape left in the page');
});
