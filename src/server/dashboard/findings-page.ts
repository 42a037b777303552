/**
 * /ui/findings: findings grouped by rule (count, severity, CWE, tool) or listed one by one,
 * filtered by severity, tool, state, workload and version, paged with the true count; and
 * /ui/findings/:id, one finding with its history, the versions that carry it and the backups
 * those versions wrote. Filters are a plain GET form: no script.
 */
import { severities } from '../../sast/severity.js';
import type { SaidView, SeverityExplanation } from '../../sast/severity-said.js';
import type { FindingView } from '../views/health.js';
import type { FindingDetail } from '../views/finding-detail.js';
import { cweLink, findingStates, helpLink, type FindingsQuery, type Page, type RuleGroup, type RuleText } from '../views/findings-query.js';
import type { Point } from './charts/svg.js';
import { ago, badge, html, Html, short, stamp } from './html.js';
import { findingsChart } from './overview-page.js';
import { volumeHref } from './volumes-page.js';

export const findingHref = (id: string) => `/ui/findings/${encodeURIComponent(id)}`;

export type FindingsView = 'rules' | 'list';

/** The page's URL for these filters (empty ones left out), so every link keeps the others. */
export function findingsUrl(q: Partial<FindingsQuery>, view: FindingsView, page?: number): string {
  const p = new URLSearchParams();
  if (view === 'list') p.set('view', 'list');
  if (q.severities?.length) p.set('severity', q.severities.join(','));
  p.set('state', q.states?.join(',') ?? 'all');
  if (q.tool) p.set('tool', q.tool);
  if (q.workload) p.set('workload', q.workload);
  if (q.version) p.set('version', q.version);
  if (q.rule) p.set('rule', q.rule);
  if (page && page > 1) p.set('page', String(page));
  return `/ui/findings?${p}`;
}

function select(name: string, label: string, current: string | undefined, options: readonly [string, string][]): Html {
  return html`<label
    >${label}
    <select name="${name}">
      ${options.map(([v, text]) => html`<option value="${v}" ${v === (current ?? '') ? new Html('selected') : ''}>${text}</option>`)}
    </select></label
  >`;
}

function filters(q: FindingsQuery, view: FindingsView, o: { tools: readonly string[]; workloads: readonly string[] }): Html {
  return html`<form class="filters" method="get" action="/ui/findings" data-testid="filters">
    <input type="hidden" name="view" value="${view}" />
    ${select('severity', 'Severity', q.severities?.join(','), [['', 'any'], ['critical,high', 'critical + high'], ...severities.map((s): [string, string] => [s, s])])}
    ${select('state', 'State', q.states?.join(',') ?? 'all', [['all', 'any'], ...findingStates.map((s): [string, string] => [s, s])])}
    ${select('tool', 'Tool', q.tool, [['', 'any'], ...o.tools.map((t): [string, string] => [t, t])])}
    ${select('workload', 'Deployed on', q.workload, [['', 'any'], ...o.workloads.map((w): [string, string] => [w, w])])}
    <label>Version (commit) <input name="version" value="${q.version ?? ''}" size="14" placeholder="any" pattern="[0-9a-fA-F]{7,64}" /></label>
    ${q.rule ? html`<label>Rule <input name="rule" value="${q.rule}" size="16" /></label>` : ''}
    <button type="submit" class="primary">Filter</button>
    <a href="/ui/findings">reset</a>
  </form>`;
}

function ruleHelp(uri: string | undefined): Html | string {
  const href = helpLink(uri);
  return href ? html`<div><a class="rule-help" href="${href}" rel="noreferrer noopener" target="_blank">rule help ↗</a></div>` : '';
}

/**
 * The rule's full description and help, as text (a report's Markdown is shown as written, never
 * rendered), leaving out what only repeats the name or short description. Folded in a rule group,
 * open on a finding's page.
 */
function ruleDetails(r: RuleText, open: boolean): Html | string {
  const shown = [r.name, r.description];
  const full = r.fullDescription && !shown.includes(r.fullDescription) ? r.fullDescription : undefined;
  const help = r.help && ![...shown, full].includes(r.help) ? r.help : undefined;
  if (!full && !help) return '';
  return html`<details class="rule-text" data-testid="rule-text" ${open ? new Html('open') : ''}>
    <summary>description and help</summary>
    ${full ? html`<div class="rule-full">${full}</div>` : ''}${help ? html`<div class="rule-help-text">${help}</div>` : ''}
  </details>`;
}

function rulesTable(groups: readonly RuleGroup[], q: FindingsQuery): Html {
  if (groups.length === 0) return html`<p class="muted">No findings match.</p>`;
  return html`<table data-testid="rules">
    <thead>
      <tr><th>Severity</th><th>Rule</th><th>Tool</th><th>Findings</th><th>CWE</th><th>What it finds (one of its messages)</th><th>Deployed on</th></tr>
    </thead>
    <tbody>
      ${groups.map(
        (g) => html`<tr class="rule" data-rule="${g.ruleId}" data-tool="${g.tool}" data-count="${g.count}">
          <td>${badge(g.severity)}</td>
          <td>
            <a href="${findingsUrl({ ...q, rule: g.ruleId, tool: g.tool }, 'list')}"><code>${g.ruleId}</code></a>
            ${g.name && g.name !== g.ruleId ? html`<div class="rule-name">${g.name}</div>` : ''}
            ${g.description && g.description !== g.ruleId && g.description !== g.name ? html`<div class="muted">${g.description}</div>` : ''}
            ${ruleHelp(g.helpUri)}
            ${ruleDetails(g, false)}
          </td>
          <td>${g.tool}</td>
          <td>
            <b>${g.count}</b>
            <div class="muted">${Object.entries(g.bySeverity).map(([s, n]) => `${n} ${s}`).join(', ')}</div>
          </td>
          <td>${g.cwes.length ? g.cwes.map((c) => { const href = cweLink(c); return href ? html`<a href="${href}" rel="noreferrer">${c}</a> ` : html`${c} `; }) : html`<span class="muted">none given</span>`}</td>
          <td>${g.example}</td>
          <td>${g.deployedIn.join(', ') || html`<span class="muted">not deployed</span>`}</td>
        </tr>`,
      )}
    </tbody>
  </table>`;
}

function listTable(page: Page<FindingView>, now: Date): Html {
  if (page.total === 0) return html`<p class="muted">No findings match.</p>`;
  return html`<table data-testid="findings">
    <thead>
      <tr><th>Severity</th><th>Rule</th><th>Tool</th><th>Where</th><th>Message</th><th>State</th><th>First seen</th><th>SLA</th><th>Deployed on</th></tr>
    </thead>
    <tbody>
      ${page.items.map(
        (f) => html`<tr class="finding" data-finding="${f.id}" data-severity="${f.severity}" data-state="${f.state}">
          <td>${badge(f.severity)}</td>
          <td><a href="${findingHref(f.id)}"><code>${f.ruleId}</code></a></td>
          <td>${f.tool}</td>
          <td><code>${f.path ?? '(no location)'}${f.startLine ? `:${f.startLine}` : ''}</code><div class="muted">${f.repository}</div></td>
          <td>${f.message}</td>
          <td>${badge(f.state)}</td>
          <td class="nowrap">${ago(f.firstSeenAt, now)} <div><code class="muted">${short(f.firstSeenCommit)}</code></div></td>
          <td>${badge(f.sla)}</td>
          <td>${f.deployedIn.join(', ') || html`<span class="muted">not deployed</span>`}</td>
        </tr>`,
      )}
    </tbody>
  </table>`;
}

function pager(page: Page<unknown>, q: FindingsQuery, view: FindingsView): Html {
  return html`<div class="pager" data-testid="pager">
    ${page.page > 1 ? html`<a href="${findingsUrl(q, view, page.page - 1)}" rel="prev">← previous</a>` : html`<span class="muted">← previous</span>`}
    <span>page ${page.page} of ${page.pages}</span>
    ${page.page < page.pages ? html`<a href="${findingsUrl(q, view, page.page + 1)}" rel="next">next →</a>` : html`<span class="muted">next →</span>`}
  </div>`;
}

export interface FindingsPage {
  q: FindingsQuery;
  view: FindingsView;
  page: Page<FindingView>;
  groups: RuleGroup[];
  options: { tools: string[]; workloads: string[] };
  chart: Map<string, Point[]>;
  now: Date;
}

export function findingsBody(d: FindingsPage): Html {
  const { q, view, page } = d;
  return html`<section id="findings">
      <h2 data-testid="findings-count" data-total="${page.total}">
        Findings: ${page.total} matching
        ${view === 'list' && page.total > 0 ? html`<span class="muted">(showing ${page.from}–${page.to})</span>` : view === 'rules' ? html`<span class="muted">in ${d.groups.length} rule(s)</span>` : ''}
      </h2>
      ${filters(q, view, d.options)}
      <div class="tabs">
        <a href="${findingsUrl(q, 'rules')}" aria-current="${String(view === 'rules')}">By rule</a>
        <a href="${findingsUrl(q, 'list')}" aria-current="${String(view === 'list')}">One by one</a>
      </div>
      ${view === 'rules' ? rulesTable(d.groups, q) : html`${listTable(page, d.now)}${pager(page, q, view)}`}
    </section>
    <section id="finding-charts">
      <h2>Over time</h2>
      <div class="charts">${findingsChart(d.chart, d.now)}</div>
    </section>`;
}

/** The finding's rule as the scanner described it: what a reviewer reads to judge the finding. */
function ruleSection(ruleId: string, r: RuleText): Html {
  const named = r.name && r.name !== ruleId ? r.name : undefined;
  const described = r.description && r.description !== ruleId && r.description !== r.name ? r.description : undefined;
  if (!named && !described && !r.fullDescription && !r.help && !helpLink(r.helpUri)) return html`<div id="rule" class="muted">The scanner described no rule ${ruleId}.</div>`;
  return html`<div id="rule">
    ${named ? html`<div class="rule-name"><b>${named}</b></div>` : ''}${described ? html`<div class="muted">${described}</div>` : ''}
    ${ruleDetails(r, true)}${ruleHelp(r.helpUri)}
  </div>`;
}

/** Which source decided the severity and what the others said: a stricter word the policy passed over is shown, never dropped. */
function severitySources(e: SeverityExplanation): Html {
  if (!e.decidedBy) return html`<div data-testid="severity-sources" data-recorded="false">${badge(e.severity)} <span class="muted">which sources said what was not recorded: it was ingested before Holdfast kept them; the next report of it records them</span></div>`;
  const item = (s: SaidView, decided: boolean) =>
    html`<li data-source="${s.source}" data-severity="${s.severity}" data-decided="${String(decided)}">${decided ? html`<b>decided by</b> ` : ''}${s.label} → ${badge(s.severity)}${s.stricter ? html` <span class="muted">stricter; the severity policy (sast.severityPolicy) let another source decide</span>` : ''}</li>`;
  return html`<div data-testid="severity-sources" data-recorded="true">
    ${badge(e.severity)}
    <ul class="severity-sources">
      ${item(e.decidedBy, true)}${e.alsoSaid.map((s) => item(s, false))}
    </ul>
  </div>`;
}

export function findingBody(d: FindingDetail): Html {
  const { f } = d;
  return html`<section id="finding" data-finding="${f.id}" data-state="${f.state}">
      <h2>${badge(f.severity)} <code>${f.ruleId}</code> ${badge(f.state)}</h2>
      <p class="finding-message">${f.message}</p>
      ${ruleSection(f.ruleId, d.rule)}
      <table class="facts">
        <tbody>
          <tr><th>Where</th><td><code>${f.path ?? '(no location)'}${f.startLine ? `:${f.startLine}` : ''}</code> in ${f.repository}</td></tr>
          <tr><th>Severity</th><td>${severitySources(d.severityDecision)}</td></tr>
          <tr><th>Tool</th><td><a href="${findingsUrl({ tool: f.tool }, 'rules')}">${f.tool}</a> · all findings of <a href="${findingsUrl({ rule: f.ruleId, tool: f.tool }, 'list')}">rule ${f.ruleId}</a></td></tr>
          <tr><th>CWE</th><td>${f.cwes.length ? f.cwes.map((c) => { const href = cweLink(c); return href ? html`<a href="${href}" rel="noreferrer">${c}</a> ` : html`${c} `; }) : html`<span class="muted">none given by the tool</span>`}</td></tr>
          <tr><th>SLA</th><td>${badge(f.sla)} ${f.dueAt ? html`<span class="muted">due ${f.dueAt}</span>` : ''}</td></tr>
          <tr><th>Deployed on</th><td>${f.deployedIn.join(', ') || html`<span class="muted">no running version carries it</span>`}</td></tr>
          <tr><th>Id</th><td><code>${f.id}</code></td></tr>
        </tbody>
      </table>
    </section>
    <section id="history">
      <h2>History</h2>
      ${
        d.history.length
          ? html`<ol class="history">
              ${d.history.map((e) => html`<li data-event="${e.what}"><b>${e.what}</b> ${stamp(e.time)}${e.commit ? html` in <code>${short(e.commit)}</code>` : ''} <span class="muted">${e.detail}</span></li>`)}
            </ol>`
          : html`<p class="muted">No complete scan recorded.</p>`
      }
    </section>
    <section id="versions">
      <h2>Versions that carry it (${d.versions.length})</h2>
      ${
        d.versions.length
          ? html`<table>
              <thead><tr><th>Commit</th><th>Running now on</th><th>Its findings</th></tr></thead>
              <tbody>
                ${d.versions.map((v) => html`<tr class="version" data-commit="${v.commit}"><td><code>${v.commit}</code></td><td>${v.deployedOn.join(', ') || html`<span class="muted">not running</span>`}</td><td><a href="${findingsUrl({ version: v.commit }, 'list')}">all findings of this version</a></td></tr>`)}
              </tbody>
            </table>`
          : html`<p class="muted">No version's scans report it (suppressed, or only failed scans).</p>`
      }
    </section>
    <section id="backups">
      <h2>Backups those versions wrote (${d.backups.length})</h2>
      <p class="muted">Restoring one of these brings back data written while the vulnerable version ran.</p>
      ${
        d.backups.length
          ? html`<table>
              <thead><tr><th>Volume</th><th>Restore point</th><th>Time</th><th>Written by</th></tr></thead>
              <tbody>
                ${d.backups.map(
                  (b) => html`<tr class="backup" data-snapshot="${b.point.snapshotId}">
                    <td><a href="${volumeHref(b.volume)}">${b.volume}</a></td>
                    <td><a href="${volumeHref(b.volume)}#restore-points"><code>${short(b.point.snapshotId)}</code></a></td>
                    <td class="nowrap">${stamp(b.point.time)} <span class="muted">${ago(b.point.time, d.now)}</span></td>
                    <td>${b.point.workloads.map((w) => html`<div>${w.workload} <code>${short(w.commit)}</code></div>`)}</td>
                  </tr>`,
                )}
              </tbody>
            </table>`
          : html`<p class="muted">None.</p>`
      }
    </section>
    ${d.incidents.length ? html`<section id="finding-incidents"><h2>Incidents about it</h2><ul>${d.incidents.map((i) => html`<li><a href="/ui/incidents/${encodeURIComponent(i.id)}">${i.id}</a> on ${i.volume} ${badge(i.status)}</li>`)}</ul></section>` : ''}
    <p><a href="/ui/findings">← all findings</a></p>`;
}
