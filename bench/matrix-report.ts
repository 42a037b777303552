/**
 * The summary of bench/matrix.sh: reads the results.tsv of each run (bench/results.ts) and prints,
 * per step, one row per run with each tool's wall s / CPU s / peak RSS MiB and the ratios
 * restic ÷ Holdfast and kopia ÷ Holdfast (> 1: Holdfast faster or smaller); the repository sizes;
 * and, for the synthetic runs of each core set and repository kind, each tool's peak RSS at the
 * smallest size beside the largest (a memory bound should not grow with the data).
 *
 *   node --import tsx bench/matrix-report.ts <out>/<run>/results.tsv...
 */
import { allTools, Col, mib, ratio, readResults, steps, type Results } from './results.js';

const runs = process.argv.slice(2).map((file) => readResults(file));
const name = (r: Results) => `${r.meta('dataset')} ${r.meta('size')}, cores ${r.meta('cores')}, ${r.meta('repo')}`;
const tools = allTools.filter((t) => runs.some((r) => r.tools.includes(t)));
const peers = ['restic', 'kopia'].filter((t) => tools.includes(t as (typeof allTools)[number]));
const cell = (v: number, digits: number) => (Number.isFinite(v) ? v.toFixed(digits) : '—');
const out: string[] = [];

out.push('Each tool: wall s / CPU s / peak RSS MiB. Ratios peer ÷ Holdfast, same order (> 1: Holdfast faster or smaller). — : not run (borg has no S3 backend).', '');
for (const step of steps) {
  out.push(`### ${step}`, '', `| run | ${tools.join(' | ')} | ${peers.map((p) => `${p} ÷ Holdfast`).join(' | ')} |`, `|---|${[...tools, ...peers].map(() => '---|').join('')}`);
  for (const r of runs) {
    const m = (t: string) => (r.tools.includes(t) ? `${cell(r.get(t, step, Col.wall), 1)} / ${cell(r.get(t, step, Col.cpu), 1)} / ${mib(r.get(t, step, Col.rss))}` : '—');
    const q = (p: string) => ([Col.wall, Col.cpu, Col.rss] as number[]).map((c) => ratio(r.get(p, step, c), r.get('holdfast', step, c))).join(' / ');
    out.push(`| ${name(r)} | ${tools.map(m).join(' | ')} | ${peers.map(q).join(' | ')} |`);
  }
  out.push('');
}

out.push('### repository size, MiB', '', `| run | ${tools.join(' | ')} | ${peers.map((p) => `${p} ÷ Holdfast`).join(' | ')} |`, `|---|${[...tools, ...peers].map(() => '---|').join('')}`);
for (const r of runs) {
  const size = (t: string) => r.get(t, 'size', Col.bytes);
  out.push(`| ${name(r)} | ${tools.map((t) => (r.tools.includes(t) ? (size(t) / 1024 / 1024).toFixed(0) : '—')).join(' | ')} | ${peers.map((p) => ratio(size(p), size('holdfast'))).join(' | ')} |`);
}
out.push('');

// The flat-memory check: synthetic runs that differ only in size.
const groups = new Map<string, Results[]>();
for (const r of runs.filter((x) => x.meta('dataset') === 'synthetic')) {
  const key = `cores ${r.meta('cores')}, ${r.meta('repo')}`;
  groups.set(key, [...(groups.get(key) ?? []), r]);
}
const gib = (r: Results) => parseFloat(r.meta('size'));
const pairs = [...groups].filter(([, rs]) => rs.length > 1);
if (pairs.length > 0) {
  out.push('### peak RSS, MiB, smallest → largest synthetic size (× growth; ~1.00x is a flat memory bound)', '', `| runs | step | ${tools.join(' | ')} |`, `|---|---|${tools.map(() => '---|').join('')}`);
  for (const [key, rs] of pairs) {
    const sorted = [...rs].sort((a, b) => gib(a) - gib(b));
    const [small, large] = [sorted[0]!, sorted.at(-1)!];
    for (const step of steps) {
      const c = (t: string) => {
        const [a, b] = [small.get(t, step, Col.rss), large.get(t, step, Col.rss)];
        return Number.isFinite(a) && Number.isFinite(b) ? `${mib(a)} → ${mib(b)} (${(b / a).toFixed(2)}x)` : '—';
      };
      out.push(`| ${key}, ${gib(small)} → ${gib(large)} GiB | ${step} | ${tools.map(c).join(' | ')} |`);
    }
  }
  out.push('');
}
out.push(`Load average (1 min) at each run's start → end: ${runs.map((r) => `${name(r)}: ${r.load('start').split(' ')[0]} → ${r.load('end').split(' ')[0]}`).join('; ')}.`);
console.log(out.join('\n'));
