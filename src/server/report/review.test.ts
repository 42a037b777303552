/**
 * The Markdown review writes report text literally: rendered by a real CommonMark renderer with
 * raw HTML allowed (test/harness/commonmark.ts), as GitHub and most viewers do, a hostile rule id or message makes no element and no link.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { asHtmlText, renderCommonMark as render } from '../../../test/harness/commonmark.js';
import { toMarkdown, type Review } from './review.js';

const hostile = [
  '<b onmouseover="alert(1)">hover</b>',
  '[click](javascript:alert(1))',
  '![x](https://tracker.example/p.png)',
  'a | b',
  'line\nbreak # not a heading',
  '`code` *em* _em_ ~~del~~ \\ &amp; <script>x</script>',
];

test('toMarkdown escapes everything that came from a report: no element, no link, no split cell', () => {
  const review: Review = {
    generatedAt: '2026-12-07T00:00:00.000Z',
    since: undefined,
    status: 'degraded',
    problems: hostile,
    sections: [{ title: 'Overdue findings', header: ['Severity', 'Rule', 'Where'], rows: hostile.map((h) => ['high', h, h]) }],
  };
  const html = render(toMarkdown(review));
  assert.doesNotMatch(html, /<(b|a|img|script|code|em|del)\b/i, html);
  assert.equal(html.match(/<h\d>/g)!.length, 2, "only the review's own headings");
  // Each cell stayed one cell: three per row, the header's three included.
  for (const row of html.match(/<tr>[\s\S]*?<\/tr>/g)!) assert.equal(row.match(/<t[dh]\b/g)!.length, 3, row);
  for (const h of hostile) {
    assert.ok(html.includes(asHtmlText(h)), `the text ${JSON.stringify(h)} is shown as written`);
  }
});
