/**
 * The checkout's source lines, for identities of results that carry no fingerprint and no
 * snippet (ESLint): the text of the flagged line identifies a finding through edits elsewhere in
 * the file, as GitHub's primaryLocationLineHash does. Only files inside the checkout root, only
 * regular files up to 4 MiB, each read once; anything else is simply not at hand.
 */
import { readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';

const maxFileBytes = 4 * 1024 * 1024;

export type SourceLines = (path: string, line: number) => string | undefined;

export function sourceLines(root: string): SourceLines {
  const files = new Map<string, string[] | undefined>();
  const read = (path: string): string[] | undefined => {
    if (files.has(path)) return files.get(path);
    let lines: string[] | undefined;
    const file = join(root, path);
    const rel = relative(root, file);
    if (!isAbsolute(path) && rel !== '' && !rel.startsWith('..') && !isAbsolute(rel)) {
      try {
        const st = statSync(file);
        if (st.isFile() && st.size <= maxFileBytes) lines = readFileSync(file, 'utf8').split(/\r?\n/);
      } catch {
        lines = undefined;
      }
    }
    files.set(path, lines);
    return lines;
  };
  return (path, line) => {
    const text = read(path)?.[line - 1]?.replace(/\s+/g, ' ').trim();
    return text ? text : undefined;
  };
}
