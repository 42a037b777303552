/**
 * Turns bench/run.sh's results.tsv (tool, step, wall s, CPU s, peak RSS KiB) into the Markdown
 * tables of bench/README.md: one per measure, ratios peer / Holdfast (> 1: Holdfast faster, or
 * smaller).
 */
import { readFileSync } from 'node:fs';

const [file, dataset] = process.argv.slice(2);
const rows = readFileSync(file!, 'utf8').trim().split('\n').map((l) => l.split('\t'));
const tools = ['holdfast', 'restic', 'kopia', 'borg'];
const peers = tools.slice(1);
const steps = ['initial', 'nochange', 'incremental', 'restore'];
const get = (tool: string, step: string, col: number) => Number(rows.find((r) => r[0] === tool && r[1] === step)?.[col]);
const load = (when: string) => rows.find((r) => r[0] === 'load' && r[1] === when)?.[2] ?? '?';
const out: string[] = [];
out.push(`Dataset: ${dataset}; load average at start ${load('start')}, at end ${load('end')}.`, '');
const table = (title: string, col: number, fmt: (v: number) => string, stepsOf = steps) => {
  out.push(`${title}`, '', `| step | ${tools.join(' | ')} | ${peers.map((p) => `${p} ÷ Holdfast`).join(' | ')} |`, `|---|${tools.map(() => '---|').join('')}${peers.map(() => '---|').join('')}`);
  for (const step of stepsOf) {
    const h = get('holdfast', step, col);
    out.push(`| ${step} | ${tools.map((t) => fmt(get(t, step, col))).join(' | ')} | ${peers.map((p) => `${(get(p, step, col) / h).toFixed(2)}x`).join(' | ')} |`);
  }
  out.push('');
};
table('Wall time, seconds:', 2, (v) => v.toFixed(2));
table('CPU seconds (user + system):', 3, (v) => v.toFixed(2));
table('Peak RSS, MiB:', 4, (v) => (v / 1024).toFixed(0));
table('Repository size, MiB:', 2, (v) => (v / 1024 / 1024).toFixed(0), ['size']);
console.log(out.join('\n'));
