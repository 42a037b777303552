/**
 * Turns bench/run.sh's results.tsv (tool, step, wall s, CPU s, peak RSS KiB) into the Markdown
 * tables of bench/README.md: one per measure, ratios peer / Holdfast (> 1: Holdfast faster, or
 * smaller).
 */
import { Col, mib, ratio, readResults, steps } from './results.js';

const [file, dataset] = process.argv.slice(2);
const r = readResults(file!);
const tools = r.tools;
const peers = tools.filter((t) => t !== 'holdfast');
const out: string[] = [];
out.push(`Dataset: ${dataset}; load average at start ${r.load('start')}, at end ${r.load('end')}.`, '');
const table = (title: string, col: number, fmt: (v: number) => string, stepsOf: readonly string[] = steps) => {
  out.push(`${title}`, '', `| step | ${tools.join(' | ')} | ${peers.map((p) => `${p} ÷ Holdfast`).join(' | ')} |`, `|---|${tools.map(() => '---|').join('')}${peers.map(() => '---|').join('')}`);
  for (const step of stepsOf) {
    const h = r.get('holdfast', step, col);
    out.push(`| ${step} | ${tools.map((t) => fmt(r.get(t, step, col))).join(' | ')} | ${peers.map((p) => ratio(r.get(p, step, col), h)).join(' | ')} |`);
  }
  out.push('');
};
table('Wall time, seconds:', Col.wall, (v) => v.toFixed(2));
table('CPU seconds (user + system):', Col.cpu, (v) => v.toFixed(2));
table('Peak RSS, MiB:', Col.rss, mib);
table('Repository size, MiB:', Col.bytes, (v) => (v / 1024 / 1024).toFixed(0), ['size']);
console.log(out.join('\n'));
