/** Turns bench/run.sh's results.tsv into the Markdown table of bench/README.md (ratios vs Holdfast). */
import { readFileSync } from 'node:fs';

const [file, gib] = process.argv.slice(2);
const rows = readFileSync(file!, 'utf8').trim().split('\n').map((l) => l.split('\t'));
const get = (tool: string, step: string, col: 2 | 3) => Number(rows.find((r) => r[0] === tool && r[1] === step)?.[col]);
const total = Number(gib) * 1024 ** 3;
const mib = (b: number) => `${(b / 1024 / 1024).toFixed(0)} MiB`;
const out: string[] = [];
out.push(`Dataset: ${gib} GiB (bench/gen-dataset.ts). Ratio = peer / Holdfast (time: > 1 means Holdfast is faster; size and RSS: > 1 means Holdfast is smaller).`, '');
out.push('| step | Holdfast | restic | borg | vs restic | vs borg |', '|---|---|---|---|---|---|');
for (const step of ['initial', 'incremental', 'restore']) {
  const [h, r, b] = ['holdfast', 'restic', 'borg'].map((t) => get(t, step, 2));
  const rate = (s: number) => (step === 'incremental' ? `${s.toFixed(1)} s` : `${s.toFixed(1)} s (${(total / 1024 / 1024 / s).toFixed(0)} MiB/s)`);
  out.push(`| ${step} | ${rate(h!)} | ${rate(r!)} | ${rate(b!)} | ${(r! / h!).toFixed(2)}x | ${(b! / h!).toFixed(2)}x |`);
}
const [hs, rs, bs] = ['holdfast', 'restic', 'borg'].map((t) => get(t, 'size', 2));
out.push(`| repository size | ${mib(hs!)} | ${mib(rs!)} | ${mib(bs!)} | ${(rs! / hs!).toFixed(2)}x | ${(bs! / hs!).toFixed(2)}x |`);
const peak = (t: string) => Math.max(...['initial', 'incremental', 'restore'].map((s) => get(t, s, 3)));
const [hp, rp, bp] = ['holdfast', 'restic', 'borg'].map(peak);
out.push(`| peak RSS | ${(hp! / 1024).toFixed(0)} MiB | ${(rp! / 1024).toFixed(0)} MiB | ${(bp! / 1024).toFixed(0)} MiB | ${(rp! / hp!).toFixed(2)}x | ${(bp! / hp!).toFixed(2)}x |`);
console.log(out.join('\n'));
