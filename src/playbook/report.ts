/**
 * The auditors' report of an incident, as Markdown and as a self-contained HTML page: what was
 * found, what was decided and why, the evidence kept, the certificates replaced, what was verified,
 * and the timeline of every step. Pure: it renders what the journal and the audit trail hold.
 */
import { mdEscaped, mdText } from '../base/markdown.js';
import type { AuditEvent } from '../catalog/index.js';
import type { IncidentRow, IncidentStepRow } from '../catalog/incidents.js';

export interface ReportInput {
  incident: IncidentRow;
  steps: IncidentStepRow[];
  audit: AuditEvent[];
  generatedAt: Date;
}

type O = Record<string, unknown>;
const out = (steps: IncidentStepRow[], uses: string): O[] => steps.filter((s) => s.uses === uses && s.status === 'completed').map((s) => s.outputs);
const short = (s: unknown, n = 12) => String(s ?? '?').slice(0, n);
/** A value as literal Markdown text: most of it came from a report, a scanner or a workload, none of it may make an element or a link. */
const t = (s: unknown) => mdText(String(s ?? '?'));

/** The report as Markdown lines; the HTML is rendered from the same sections. */
function sections(r: ReportInput): { title: string; lines: string[] }[] {
  const { incident: i, steps } = r;
  const assess = out(steps, 'assess')[0] ?? {};
  const choice = out(steps, 'choose-restore-point')[0] ?? {};
  const finding = assess.finding as O | undefined;
  const affected = (assess.affected ?? []) as O[];
  const evidence = out(steps, 'preserve-evidence');
  const rotated = (out(steps, 'rotate-tls')[0]?.certificates ?? []) as { name: string; endpoint?: string; old?: O; new: O }[];
  const verify = out(steps, 'verify')[0] ?? {};
  const restore = out(steps, 'restore').filter((o) => o.data).at(-1) ?? {};
  return [
    {
      title: 'Summary',
      lines: [
        `- Incident: \`${i.id}\` (playbook ${i.playbook}), status **${i.status}**`,
        `- Volume: ${t(i.volume)}; config ${t(i.configFile)}`,
        `- Vulnerability: ${t(assess.target)}${finding ? ` — finding \`${String(finding.id)}\` ${t(finding.ruleId)} (${t(finding.severity)}): ${t(finding.message)}${finding.path ? ` at ${t(finding.path)}:${t(finding.line ?? '')}` : ''}` : ''}`,
        `- Restore point: \`${String(choice.snapshotId ?? '?')}\` taken ${t(choice.restorePointTime)}`,
        `- Report generated ${r.generatedAt.toISOString()}`,
      ],
    },
    {
      title: 'Affected versions',
      lines: affected.length ? affected.map((a) => `- ${t(a.workload)} ran ${t(a.version)} from ${t(a.since)}${a.until ? ` until ${t(a.until)}` : ' (until this incident)'}, writing ${(a.volumes as string[]).map(t).join(', ')}: ${t(a.why)}`) : ['- no deployed version carries it'],
    },
    { title: 'Decision: restore point', lines: [`- ${t(choice.message)}`, ...((choice.steps ?? []) as string[]).map((s) => `  - ${t(s)}`)] },
    {
      title: 'Evidence kept',
      lines: evidence.map((e) => `- snapshot \`${String(e.snapshotId)}\` (${e.sealed ? 'sealed, after the quiesce' : 'live, before the quiesce'}) at ${t(e.time)}: ${t(e.files)} file(s), ${t(e.bytes)} byte(s); tags ${(e.tags as string[]).map(t).join(', ')}`),
    },
    {
      title: 'Certificates',
      lines: rotated.length
        ? rotated.map((c) => `- ${t(c.name)}${c.endpoint ? ` on ${t(c.endpoint)}` : ''}: serial ${t(short(c.old?.serial, 40))} → ${t(short(c.new.serial, 40))}; key ${t(short(c.old?.keyId, 16))} → ${t(short(c.new.keyId, 16))}; fingerprint ${t(c.new.fingerprint)}; valid until ${t(c.new.notAfter)}`)
        : ['- none rotated'],
    },
    {
      title: 'Verification',
      lines: [
        ...((verify.health ?? []) as O[]).map((h) => `- health ${t(h.endpoint)}: ${h.ok ? 'passed' : 'FAILED'} (HTTP ${t(h.status)})`),
        ...((verify.certificates ?? []) as O[]).map((c) => `- ${t(c.name)}: ${c.servesInstalled ? 'serves the new certificate' : 'does NOT serve the new certificate'}; ${c.trusted ? 'trusted by the CA bundle' : 'NOT trusted'}; ${c.newKey === false ? 'OLD key' : 'new key'}`),
        ...((verify.versions ?? []) as O[]).map((v) => `- ${t(v.workload)} runs ${t(short(v.running))} (expected ${t(short(v.expected))})`),
        restore.data ? `- data: ${t((restore.data as O).entries)} entr(ies), ${t((restore.data as O).bytes)} byte(s) equal to the restore point's manifest` : '- data: not compared',
      ],
    },
    {
      title: 'Timeline',
      lines: [
        '| step | kind | status | started | completed | attempts |',
        '|---|---|---|---|---|---|',
        ...steps.map((s) => `| ${[s.step, s.uses, s.status, s.startedAt ?? '', s.completedAt ?? '', s.attempts].map(t).join(' | ')} |`),
      ],
    },
    { title: 'Audit trail', lines: [...r.audit].reverse().map((e) => `- ${t(e.time)} ${t(e.actor)} ${t(e.action)} ${t(e.object)}${e.details.step ? ` (${t(e.details.step)})` : ''}`) },
  ];
}

export function renderMarkdown(r: ReportInput): string {
  return [`# Incident ${t(r.incident.id)}: restore of ${t(r.incident.volume)}`, '', ...sections(r).flatMap((s) => [`## ${s.title}`, '', ...s.lines, ''])].join('\n');
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
/** The Markdown of a line as HTML: a backslash escape is its character, `code` and **strong** are the report's own, all else is text. */
const inlineMd = new RegExp(`${mdEscaped.source}|\`([^\`]+)\`|\\*\\*([^*]+)\\*\\*|[&<>"]`, 'g');
const inline = (s: string): string =>
  s.replace(inlineMd, (m, escaped?: string, code?: string, strong?: string) => (escaped !== undefined ? esc(escaped) : code !== undefined ? `<code>${esc(code)}</code>` : strong !== undefined ? `<strong>${inline(strong)}</strong>` : esc(m)));

export function renderHtml(r: ReportInput): string {
  const body = sections(r)
    .map((s) => {
      const rows = s.lines.filter((l) => l.startsWith('| ') && !l.startsWith('|---'));
      if (rows.length) {
        const cells = (l: string) => l.slice(2, -2).split(' | ');
        const [head, ...rest] = rows;
        return `<h2>${esc(s.title)}</h2><table><tr>${cells(head!).map((c) => `<th>${inline(c)}</th>`).join('')}</tr>${rest.map((l) => `<tr>${cells(l).map((c) => `<td>${inline(c)}</td>`).join('')}</tr>`).join('')}</table>`;
      }
      return `<h2>${esc(s.title)}</h2><ul>${s.lines.map((l) => `<li${l.startsWith('  ') ? ' class="sub"' : ''}>${inline(l.replace(/^\s*- /, ''))}</li>`).join('')}</ul>`;
    })
    .join('\n');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Incident ${esc(r.incident.id)}</title><style>body{font:14px system-ui,sans-serif;max-width:60rem;margin:2rem auto}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2rem .5rem}li.sub{margin-left:1.5rem;color:#444}code{background:#f3f3f3}</style></head><body><h1>Incident ${esc(r.incident.id)}: restore of ${esc(r.incident.volume)}</h1>\n${body}\n</body></html>\n`;
}
