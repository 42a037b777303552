/**
 * Text from a report (rule ids, messages, paths, a tool's names) as literal Markdown: every
 * character CommonMark gives a meaning inline is backslash-escaped, so `<b onmouseover=…>` stays
 * text, `[x](javascript:…)` is no link and `|` does not split a table cell; line breaks become
 * spaces (a cell and a list item are one line). Shared by every Markdown writer (the review in
 * server/, the incident reports in playbook/ and operator/), so it lives in the lowest layer.
 */
export const mdText = (s: string) => s.replace(/[\\`*_{}[\]()<>#!|~&]/g, '\\$&').replace(/[\r\n]+/g, ' ');

/** The characters mdText escapes, for a renderer that reads its Markdown back (the incident report's HTML). */
export const mdEscaped = /\\([\\`*_{}[\]()<>#!|~&])/;
