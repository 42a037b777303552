/**
 * Reads one bench/run.sh results.tsv: rows of tool, step, wall s, CPU s, peak RSS KiB (the `size`
 * step holds the repository's bytes in the wall column), plus `load` rows (load average at start
 * and end) and `meta` rows (dataset, size, repo, cores). Shared by report.ts (one run) and
 * matrix-report.ts (many).
 */
import { readFileSync } from 'node:fs';

export const allTools = ['holdfast', 'restic', 'kopia', 'borg'] as const;
export const steps = ['initial', 'nochange', 'incremental', 'restore'] as const;
export const Col = { wall: 2, cpu: 3, rss: 4, bytes: 2 } as const;

export interface Results {
  /** The tools this run measured, in allTools' order (borg is absent on S3). */
  tools: string[];
  /** NaN when the tool or step is absent. */
  get(tool: string, step: string, col: number): number;
  load(when: 'start' | 'end'): string;
  meta(key: 'dataset' | 'size' | 'repo' | 'cores'): string;
}

export function parseResults(text: string): Results {
  const rows = text.trim().split('\n').map((l) => l.split('\t'));
  const find = (a: string, b: string) => rows.find((r) => r[0] === a && r[1] === b);
  return {
    tools: allTools.filter((t) => rows.some((r) => r[0] === t)),
    get: (tool, step, col) => Number(find(tool, step)?.[col] ?? NaN),
    load: (when) => find('load', when)?.[2] ?? '?',
    meta: (key) => find('meta', key)?.[2] ?? '?',
  };
}

export const readResults = (file: string) => parseResults(readFileSync(file, 'utf8'));

/** peer ÷ Holdfast, as the tables print it (> 1: Holdfast faster or smaller). */
export const ratio = (peer: number, holdfast: number) => (Number.isFinite(peer / holdfast) ? `${(peer / holdfast).toFixed(2)}x` : '—');
export const mib = (v: number) => (Number.isFinite(v) ? (v / 1024).toFixed(0) : '—');
