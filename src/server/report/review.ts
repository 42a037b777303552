/**
 * The review document: backup health and verification evidence, the certificate inventory, open
 * findings by severity with SLA state, and what changed since the last review. Built as one
 * structure, rendered to Markdown and to HTML from it, so both always say the same.
 */
import { mdText } from '../../base/markdown.js';
import { certificateViews, findingViews, volumeViews, type CertificateViewDeps } from '../views/health.js';
import { overview } from '../views/overview.js';
import { timeline, type TimelineDeps } from '../views/timeline.js';
import { overviewSource, type OverviewDeps } from '../views/sources.js';

/** What the review reads: the views it is made of (views/deps.ts), not the control plane that schedules it. */
export type ReviewDeps = OverviewDeps & CertificateViewDeps & TimelineDeps;

export interface Review {
  generatedAt: string;
  since: string | undefined;
  status: string;
  problems: string[];
  sections: { title: string; header: string[]; rows: string[][]; note?: string }[];
}

export async function buildReview(cp: ReviewDeps, since: Date | undefined): Promise<Review> {
  const o = await overview(overviewSource(cp));
  const vols = volumeViews(cp, { points: 1 });
  const certs = await certificateViews(cp);
  const findings = findingViews(cp);
  const changes = timeline(cp, 1000).filter((e) => !since || new Date(e.time) > since);
  const bySeverity = ['critical', 'high', 'medium', 'low', 'info'].map((s) => {
    const fs = findings.filter((f) => f.severity === s);
    return [
      s,
      String(fs.length),
      String(fs.filter((f) => f.sla === 'Overdue').length),
      String(fs.filter((f) => f.deployedIn.length > 0).length),
    ];
  });
  return {
    generatedAt: cp.clock.now().toISOString(),
    since: since?.toISOString(),
    status: o.status,
    problems: o.problems,
    sections: [
      {
        title: 'Backup health and verification evidence',
        header: [
          'Volume',
          'Last backup',
          'Last success',
          'Newest restore point',
          'Verification',
          'Last verified',
          'Restore time (RTO)',
        ],
        rows: vols.map((v) => [
          v.name,
          v.lastBackup ? `${v.lastBackup.status} ${v.lastBackup.time}` : 'none',
          v.lastSuccess ?? 'never',
          v.restorePoints[0]
            ? `${v.restorePoints[0].snapshotId.slice(0, 12)} (${v.restorePoints[0].time})`
            : 'none',
          `${v.verification.state}: ${v.verification.message}`,
          v.verification.lastPassed ?? 'never',
          v.verification.lastRestoreMs !== undefined ? `${v.verification.lastRestoreMs} ms` : '—',
        ]),
      },
      {
        title: 'Certificate inventory',
        header: [
          'Certificate',
          'Common name',
          'State',
          'Expires (written)',
          'Served matches',
          'Last rotation',
        ],
        rows: certs.map((c) => [
          c.name,
          c.commonName,
          c.state,
          c.written?.notAfter ?? '—',
          c.servedMatchesWritten === undefined ? 'not probed' : c.servedMatchesWritten ? 'yes' : 'NO',
          c.lastRenewal ?? '—',
        ]),
      },
      {
        title: 'Open findings by severity',
        header: ['Severity', 'Open', 'Past SLA', 'In a deployed version'],
        rows: bySeverity,
      },
      {
        title: 'Overdue findings',
        header: ['Severity', 'Rule', 'Where', 'Due', 'Deployed in'],
        rows: findings
          .filter((f) => f.sla === 'Overdue')
          .map((f) => [
            f.severity,
            f.ruleId,
            `${f.path ?? ''}:${f.startLine ?? ''}`,
            f.dueAt ?? '',
            f.deployedIn.join(', '),
          ]),
        note: 'none',
      },
      {
        title: since ? `Changes since the last review (${since.toISOString()})` : 'Changes (first review)',
        header: ['Time', 'Type', 'What', 'Detail'],
        rows: changes.slice(0, 300).map((e) => [e.time, e.type, e.title, e.detail]),
        note: 'nothing happened',
      },
    ],
  };
}

export function toMarkdown(r: Review): string {
  const out = [`# Holdfast review — ${r.generatedAt}`, '', `Status: **${mdText(r.status)}**`, ''];
  if (r.problems.length) out.push('Problems:', '', ...r.problems.map((p) => `- ${mdText(p)}`), '');
  for (const s of r.sections) {
    out.push(`## ${s.title}`, '');
    if (s.rows.length === 0) out.push(`_${s.note ?? 'none'}_`, '');
    else
      out.push(
        `| ${s.header.join(' | ')} |`,
        `|${s.header.map(() => '---').join('|')}|`,
        ...s.rows.map((row) => `| ${row.map(mdText).join(' | ')} |`),
        '',
      );
  }
  return out.join('\n');
}

const e = (s: string) =>
  s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
export function toHtml(r: Review): string {
  const parts = [
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Holdfast review ${e(r.generatedAt)}</title>`,
    '<style>body{font:14px system-ui;margin:24px}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 6px}</style></head><body>',
  ];
  parts.push(`<h1>Holdfast review — ${e(r.generatedAt)}</h1><p>Status: <b>${e(r.status)}</b></p>`);
  if (r.problems.length) parts.push(`<ul>${r.problems.map((p) => `<li>${e(p)}</li>`).join('')}</ul>`);
  for (const s of r.sections) {
    parts.push(`<h2>${e(s.title)}</h2>`);
    parts.push(
      s.rows.length === 0
        ? `<p><i>${e(s.note ?? 'none')}</i></p>`
        : `<table><tr>${s.header.map((h) => `<th>${e(h)}</th>`).join('')}</tr>${s.rows.map((row) => `<tr>${row.map((c) => `<td>${e(c)}</td>`).join('')}</tr>`).join('')}</table>`,
    );
  }
  parts.push('</body></html>');
  return parts.join('\n');
}
