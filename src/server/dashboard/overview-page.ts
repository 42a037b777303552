/**
 * /ui: is everything fine, and if not why (each reason links to the page that shows it), the
 * workloads, what waits for a person (incidents), open findings over time, and the latest events.
 */
import type { Overview } from '../views/overview.js';
import type { TimelineEntry } from '../views/timeline.js';
import { countTicks } from './charts/scale.js';
import { timeChart } from './charts/svg.js';
import type { Point } from './charts/svg.js';
import { ago, badge, html, type Html } from './html.js';
import { timelineTable } from './timeline-page.js';

export const severityColors: Record<string, string> = { critical: '#7f1d1d', high: '#dc2626', medium: '#f59e0b', low: '#3b82c4', info: '#94a3b8' };

export function findingsChart(series: Map<string, Point[]>, now: Date): Html {
  return timeChart({
    id: 'chart-findings',
    title: 'Open findings per severity',
    kind: 'step',
    series: [...series].map(([sev, points]) => ({ name: sev, color: severityColors[sev] ?? '#667', points })),
    ticks: countTicks,
    format: (v) => `${v} open`,
    until: now.getTime(),
    empty: 'no findings yet',
  });
}

export interface OverviewPage {
  o: Overview;
  now: Date;
  incidents: Html;
  findings: Map<string, Point[]>;
  recent: TimelineEntry[];
}

export function overviewBody({ o, now, incidents, findings, recent }: OverviewPage): Html {
  return html`<section id="overview" data-status="${o.status}">
      <h2>Overview ${badge(o.status)}</h2>
      <div class="cards">
        <a class="card" href="/ui/volumes" data-testid="card-volumes">
          <b>${o.volumes.backedUp}/${o.volumes.total}</b>volumes backed up · ${o.volumes.verified} verified
        </a>
        <a class="card" href="/ui/certificates" data-testid="card-certificates">
          <b>${o.certificates.valid}/${o.certificates.total}</b>certificates valid
        </a>
        <a class="card" href="/ui/findings?severity=critical,high" data-testid="card-findings">
          <b>${o.findings.open.critical ?? 0} / ${o.findings.open.high ?? 0}</b>open critical / high findings
          · ${o.findings.overdue} overdue · ${o.findings.deployedAtOrAboveThreshold} deployed at or above ${o.threshold}
        </a>
        <a class="card" href="/ui/runs?status=failed" data-testid="card-runs">
          <b>${o.runs.failedLast24h}</b>failed runs (24h) · ${o.runs.missedLast24h} missed · ${o.runs.running} running
        </a>
      </div>
      ${
        o.reasons.length
          ? html`<ul class="problems" data-testid="reasons">
              ${o.reasons.map((r) => html`<li data-reason="${r.kind}"><a href="${r.link}">${r.message}</a></li>`)}
            </ul>`
          : html`<p class="muted">No problems.</p>`
      }
    </section>
    ${
      o.workloads.length
        ? html`<section id="workloads">
            <h2>Workloads</h2>
            <table>
              <thead>
                <tr>
                  <th>Workload</th>
                  <th>State</th>
                  <th>Process</th>
                  <th>Restarts</th>
                  <th>Last exit</th>
                </tr>
              </thead>
              <tbody>
                ${o.workloads.map(
                  (w) =>
                    html`<tr class="workload" data-workload="${w.name}">
                      <td>${w.name}</td>
                      <td>${badge(w.state)} <span class="muted">since ${ago(w.since, now)}: ${w.message}</span></td>
                      <td>${w.pid ?? '—'}</td>
                      <td>${w.restarts}</td>
                      <td>${w.lastExit ? html`${w.lastExit.message} <span class="muted">(${ago(w.lastExit.at, now)})</span>` : 'none since serve started'}</td>
                    </tr>`,
                )}
              </tbody>
            </table>
          </section>`
        : ''
    }
    ${incidents}
    <section id="trends">
      <h2>Findings over time <a class="muted" href="/ui/findings">all findings →</a></h2>
      <div class="charts">${findingsChart(findings, now)}</div>
    </section>
    <section id="recent">
      <h2>Latest events <a class="muted" href="/ui/timeline">full timeline →</a></h2>
      ${timelineTable(recent)}
    </section>`;
}
