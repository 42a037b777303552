/**
 * Markdown rendered the way GitHub and most viewers do: a real CommonMark renderer (markdown-it-py
 * from the scanners' venv, scripts/prepare/20-scanners.sh) with raw HTML allowed and tables on.
 * The tests of every Markdown writer check with it that text from a report makes no element.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

const python = join(homedir(), '.cache', 'holdfast', 'venv', 'bin', 'python');

export function renderCommonMark(md: string): string {
  if (!existsSync(python)) throw new Error(`markdown-it-py is not installed at ${python}: run scripts/prepare/20-scanners.sh`);
  const r = spawnSync(python, ['-c', "import sys, markdown_it; sys.stdout.write(markdown_it.MarkdownIt('commonmark', {'html': True}).enable('table').render(sys.stdin.read()))"], { input: md, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return r.stdout;
}

/** Text as the renderer shows it in HTML: line breaks are spaces, and &, <, > and " are entities. */
export const asHtmlText = (s: string) => s.replace(/[\r\n]+/g, ' ').replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
