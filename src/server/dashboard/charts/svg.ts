/**
 * Charts as inline SVG, drawn on the server: no script, no CDN, nothing the CSP has to allow.
 * Two shapes cover what the dashboard plots: values over time (lines, steps or bars, one series
 * per colour) and spans over time (a certificate's lifetime, with marks where it was renewed).
 * Every point carries a <title>, so hovering shows the exact value; every element a data-
 * attribute, so tests read the chart rather than pixels.
 */
import { esc, html, Html, stamp } from '../html.js';
import { linearScale, timeTicks, type Tick } from './scale.js';

export interface Point {
  t: number;
  v: number;
  /** What hovering the point says (default: the time and the value's label). */
  title?: string;
}

export interface Series {
  name: string;
  color: string;
  points: Point[];
}

export interface TimeChart {
  id: string;
  title: string;
  kind: 'line' | 'step' | 'bar';
  series: Series[];
  /** Value-axis ticks for the largest value (byteTicks, durationTicks, countTicks). */
  ticks: (max: number) => Tick[];
  /** How a value reads in a point's title. */
  format: (v: number) => string;
  /** Draw the time axis up to here (e.g. now), not just to the last point. */
  until?: number | undefined;
  empty?: string;
  /** Instants drawn as a red dashed line across the chart (a suspicious backup), with what hovering says. */
  marks?: { t: number; title: string }[];
}

const W = 480;
const H = 210;
const pad = { l: 64, r: 24, t: 10, b: 26 };
const fixed = (n: number) => Number(n.toFixed(1));
const iso = (t: number) => stamp(new Date(t).toISOString());

function frame(id: string, title: string, body: string, legend: Html | string = ''): Html {
  return html`<figure class="chart" id="${id}" data-chart="${id}">
    <figcaption>${title}</figcaption>
    ${new Html(`<svg viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(title)}" xmlns="http://www.w3.org/2000/svg" font-family="system-ui,sans-serif" font-size="12">${body}</svg>`)}
    ${legend}
  </figure>`;
}

const emptyFrame = (id: string, title: string, text: string) =>
  frame(id, title, `<text x="${W / 2}" y="${H / 2}" text-anchor="middle" fill="#889" data-empty="true">${esc(text)}</text>`);

function axes(x: (t: number) => number, y: (v: number) => number, xt: Tick[], yt: Tick[]): string {
  const parts: string[] = [];
  for (const t of yt)
    parts.push(
      `<line x1="${pad.l}" x2="${W - pad.r}" y1="${fixed(y(t.value))}" y2="${fixed(y(t.value))}" stroke="#e6eaef"/>`,
      `<text x="${pad.l - 6}" y="${fixed(y(t.value)) + 4}" text-anchor="end" fill="#556">${esc(t.label)}</text>`,
    );
  for (const t of xt)
    parts.push(
      `<line x1="${fixed(x(t.value))}" x2="${fixed(x(t.value))}" y1="${H - pad.b}" y2="${H - pad.b + 4}" stroke="#889"/>`,
      `<text x="${fixed(x(t.value))}" y="${H - 8}" text-anchor="middle" fill="#556">${esc(t.label)}</text>`,
    );
  parts.push(`<line x1="${pad.l}" x2="${W - pad.r}" y1="${H - pad.b}" y2="${H - pad.b}" stroke="#889"/>`);
  return parts.join('');
}

function legendOf(series: readonly { name: string; color: string }[]): Html {
  if (series.length < 2) return html``;
  return html`<div class="legend">${series.map((s) => html`<span><i style="background:${s.color}"></i>${s.name}</span>`)}</div>`;
}

export function timeChart(c: TimeChart): Html {
  const all = c.series.flatMap((s) => s.points);
  if (all.length === 0) return emptyFrame(c.id, c.title, c.empty ?? 'no data yet');
  let t0 = Math.min(...all.map((p) => p.t));
  let t1 = Math.max(c.until ?? -Infinity, ...all.map((p) => p.t));
  // One instant (a single backup): widen to a minute either side so the point sits in the middle.
  if (t1 === t0) [t0, t1] = [t0 - 60_000, t1 + 60_000];
  const barPad = c.kind === 'bar' ? (t1 - t0) / Math.max(8, all.length * 2) : 0;
  const x = linearScale([t0 - barPad, t1 + barPad], [pad.l, W - pad.r]);
  const yt = c.ticks(Math.max(0, ...all.map((p) => p.v)));
  const y = linearScale([0, yt.at(-1)!.value], [H - pad.b, pad.t]);
  const parts = [axes(x, y, timeTicks(t0, t1, 5), yt)];
  const n = c.series.length;
  const slot = c.kind === 'bar' ? Math.max(2, Math.min(18, ((W - pad.l - pad.r) / Math.max(1, all.length)) * 0.7)) : 0;
  c.series.forEach((s, si) => {
    const pts = [...s.points].sort((a, b) => a.t - b.t);
    const tip = (p: Point) => `<title>${esc(p.title ?? `${s.name}: ${c.format(p.v)} at ${iso(p.t)}`)}</title>`;
    if (c.kind === 'bar') {
      const w = slot / n;
      for (const p of pts) {
        const bx = fixed(x(p.t) - slot / 2 + si * w);
        parts.push(`<rect data-series="${esc(s.name)}" data-t="${p.t}" data-v="${p.v}" x="${bx}" y="${fixed(y(p.v))}" width="${fixed(w)}" height="${fixed(y(0) - y(p.v))}" fill="${s.color}">${tip(p)}</rect>`);
      }
      return;
    }
    const coords: string[] = [];
    pts.forEach((p, i) => {
      if (c.kind === 'step' && i > 0) coords.push(`${fixed(x(p.t))},${fixed(y(pts[i - 1]!.v))}`);
      coords.push(`${fixed(x(p.t))},${fixed(y(p.v))}`);
    });
    if (c.kind === 'step' && c.until !== undefined && pts.length) coords.push(`${fixed(x(t1))},${fixed(y(pts.at(-1)!.v))}`);
    parts.push(`<polyline data-series="${esc(s.name)}" points="${coords.join(' ')}" fill="none" stroke="${s.color}" stroke-width="2"/>`);
    for (const p of pts)
      parts.push(`<circle data-series="${esc(s.name)}" data-t="${p.t}" data-v="${p.v}" cx="${fixed(x(p.t))}" cy="${fixed(y(p.v))}" r="3" fill="${s.color}">${tip(p)}</circle>`);
  });
  for (const m of c.marks ?? [])
    parts.push(`<line data-mark="${m.t}" x1="${fixed(x(m.t))}" x2="${fixed(x(m.t))}" y1="${pad.t}" y2="${H - pad.b}" stroke="#dc2626" stroke-width="2" stroke-dasharray="4 3"><title>${esc(m.title)}</title></line>`);
  return frame(c.id, c.title, parts.join(''), legendOf(c.series));
}

export interface Span {
  row: string;
  from: number;
  to: number;
  title: string;
}

export interface SpanChart {
  id: string;
  title: string;
  spans: Span[];
  /** Instants marked on a row (renewals), drawn as ticks over the spans. */
  marks: { row: string; t: number; title: string }[];
  now: number;
  empty?: string;
}

/** Rows of spans on one time axis, with a line at now: certificate lifetimes and when each was renewed. */
export function spanChart(c: SpanChart): Html {
  if (c.spans.length === 0) return emptyFrame(c.id, c.title, c.empty ?? 'no data yet');
  const rows = [...new Set(c.spans.map((s) => s.row))];
  const t0 = Math.min(c.now, ...c.spans.map((s) => s.from));
  const t1 = Math.max(c.now, ...c.spans.map((s) => s.to));
  const left = 110;
  const x = linearScale([t0, t1], [left, W - pad.r]);
  const band = (H - pad.t - pad.b) / rows.length;
  const rowY = (r: string) => pad.t + rows.indexOf(r) * band;
  const parts: string[] = [];
  for (const t of timeTicks(t0, t1, 5))
    parts.push(
      `<line x1="${fixed(x(t.value))}" x2="${fixed(x(t.value))}" y1="${pad.t}" y2="${H - pad.b}" stroke="#e6eaef"/>`,
      `<text x="${fixed(x(t.value))}" y="${H - 8}" text-anchor="middle" fill="#556">${esc(t.label)}</text>`,
    );
  for (const r of rows)
    parts.push(`<text x="${left - 8}" y="${fixed(rowY(r) + band / 2 + 4)}" text-anchor="end" fill="#334">${esc(r.length > 16 ? r.slice(0, 15) + '…' : r)}</text>`);
  // Two lanes per row: a renewal overlaps the certificate it replaces, and both stay visible.
  const h = Math.max(3, Math.min(14, band * 0.3));
  const lane = new Map<string, number>();
  c.spans.forEach((s, i) => {
    const k = lane.get(s.row) ?? 0;
    lane.set(s.row, k + 1);
    const y0 = rowY(s.row) + band / 2 + (k % 2 ? 1 : -h - 1);
    const past = s.to < c.now;
    parts.push(`<rect data-span="${esc(s.row)}" data-from="${s.from}" data-to="${s.to}" x="${fixed(x(s.from))}" y="${fixed(y0)}" width="${fixed(Math.max(1, x(s.to) - x(s.from)))}" height="${fixed(h)}" rx="3" fill="${past ? '#b8c2cc' : i % 2 ? '#3b82c4' : '#2563a8'}" fill-opacity="0.85"><title>${esc(s.title)}</title></rect>`);
  });
  for (const m of c.marks) {
    if (!rows.includes(m.row)) continue;
    const mx = fixed(x(m.t));
    parts.push(`<line data-mark="${esc(m.row)}" data-t="${m.t}" x1="${mx}" x2="${mx}" y1="${fixed(rowY(m.row) + 2)}" y2="${fixed(rowY(m.row) + band - 2)}" stroke="#f0b429" stroke-width="2"><title>${esc(m.title)}</title></line>`);
  }
  parts.push(`<line data-now="${c.now}" x1="${fixed(x(c.now))}" x2="${fixed(x(c.now))}" y1="${pad.t}" y2="${H - pad.b}" stroke="#7f1d1d" stroke-dasharray="4 3"><title>now ${iso(c.now)}</title></line>`);
  parts.push(`<line x1="${left}" x2="${W - pad.r}" y1="${H - pad.b}" y2="${H - pad.b}" stroke="#889"/>`);
  return frame(c.id, c.title, parts.join(''), html`<div class="legend"><span><i style="background:#2563a8"></i>valid</span><span><i style="background:#b8c2cc"></i>expired</span><span><i style="background:#f0b429"></i>renewed</span><span><i style="background:#7f1d1d"></i>now</span></div>`);
}
