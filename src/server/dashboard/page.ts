/**
 * The dashboard page, rendered on the server from the same views as the API: health overview,
 * volumes with restore points (versions and SAST verdicts), certificates (expiry, served vs
 * written), incidents (incidents.ts), findings, one timeline, and run history. A small script
 * refreshes the content in place.
 */
import { formatBytes, formatDuration } from '../../base/format.js';
import type { ControlPlane } from '../control-plane.js';
import { certificateViews, findingViews, volumeViews } from '../views/health.js';
import { overview } from '../views/overview.js';
import { timeline } from '../views/timeline.js';
import { overviewSource } from '../views/sources.js';
import { ago, badge, html, Html } from './html.js';
import { incidentsSection } from './incidents.js';

const style = `
body{font:14px/1.4 system-ui,sans-serif;margin:0;color:#1b1f24;background:#f6f7f9}
header{background:#123;color:#fff;padding:10px 20px;display:flex;gap:20px;align-items:center}
header a{color:#cde;text-decoration:none}header h1{font-size:18px;margin:0}
main{padding:12px 20px;max-width:1400px}section{background:#fff;border:1px solid #dde;border-radius:6px;margin:12px 0;padding:8px 16px}
h2{font-size:16px;margin:8px 0}table{border-collapse:collapse;width:100%;font-size:13px}
td,th{border-bottom:1px solid #eee;padding:4px 6px;text-align:left;vertical-align:top}.nowrap,#timeline td:first-child{white-space:nowrap}th{color:#556}
.badge{display:inline-block;border-radius:10px;padding:0 8px;font-size:12px;font-weight:600}
.good{background:#d8f5dd;color:#14532d}.bad{background:#fde0e0;color:#7f1d1d}.neutral{background:#e8ecf2;color:#334}
.cards{display:flex;gap:12px;flex-wrap:wrap}.card{border:1px solid #dde;border-radius:6px;padding:8px 12px;min-width:150px}
.card b{font-size:20px;display:block}code{font-size:12px}.muted{color:#667}ul.problems{margin:4px 0;color:#7f1d1d}
pre{background:#111;color:#eee;padding:8px;overflow:auto;font-size:12px}
.warn{background:#fff1c2;color:#6b4500}section.attention{border:2px solid #e0a800}tr.step.running{background:#fff8dc;font-weight:600}
tr.step.running td:first-child{border-left:4px solid #e0a800}tr.step[data-status=failed],tr.step[data-status=undo-failed]{background:#fdecec}.notice{padding:6px 10px;border-radius:4px}.actions form{display:inline-block;margin-right:16px}
button{font:inherit;padding:4px 14px;cursor:pointer}button.approve{background:#14532d;color:#fff;border:0;border-radius:4px}
button.abort{background:#7f1d1d;color:#fff;border:0;border-radius:4px}ol.reasoning li{margin:2px 0}table.facts th{width:120px}`;

export function layout(title: string, body: Html): Html {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <title>${title}</title>
        <meta name="viewport" content="width=device-width" />
        <style>
          ${new Html(style)}
        </style>
      </head>
      <body>
        <header>
          <h1>Holdfast</h1>
          <a href="/ui#overview">Overview</a><a href="/ui#incidents">Incidents</a><a href="/ui#volumes">Volumes</a
          ><a href="/ui#certificates">Certificates</a><a href="/ui#findings">Findings</a
          ><a href="/ui#timeline">Timeline</a><a href="/ui#runs">Runs</a>
        </header>
        <main id="content">${body}</main>
        <script src="/ui/refresh.js" defer></script>
      </body>
    </html>`;
}

const short = (s: string | undefined, n = 12) => (s ? s.slice(0, n) : '—');

export async function dashboardBody(cp: ControlPlane): Promise<Html> {
  const now = cp.d.clock.now();
  const [o, certs] = await Promise.all([overview(overviewSource(cp)), certificateViews(cp)]);
  const vols = volumeViews(cp, { points: 10 });
  const findings = findingViews(cp);
  const events = timeline(cp, 120, 20);
  const runs = cp.runs.list({ limit: 40 });
  const jobs = cp.scheduler
    .list()
    .map((j) => ({
      job: j,
      last: cp.runs.list({ kind: j.kind, policy: j.policy, target: j.target, limit: 1 })[0],
    }));
  return html` <section id="overview">
      <h2>Overview ${badge(o.status)}</h2>
      <div class="cards">
        <div class="card" data-testid="card-volumes">
          <b>${o.volumes.backedUp}/${o.volumes.total}</b>volumes backed up · ${o.volumes.verified} verified
        </div>
        <div class="card" data-testid="card-certificates">
          <b>${o.certificates.valid}/${o.certificates.total}</b>certificates valid
        </div>
        <div class="card" data-testid="card-findings">
          <b>${o.findings.open.critical ?? 0} / ${o.findings.open.high ?? 0}</b>open critical / high findings
          · ${o.findings.overdue} overdue
        </div>
        <div class="card">
          <b>${o.runs.failedLast24h}</b>failed runs (24h) · ${o.runs.missedLast24h} missed
        </div>
      </div>
      ${
        o.reasons.length
          ? html`<ul class="problems" data-testid="reasons">
              ${o.reasons.map((r) => html`<li data-reason="${r.kind}"><a href="${r.link}">${r.message}</a></li>`)}
            </ul>`
          : html`<p class="muted">No problems.</p>`
      }
      ${
        o.workloads.length
          ? html`<table id="workloads">
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
                      <td>${w.lastExit ? html`${w.lastExit.message} <span class="muted">(${ago(w.lastExit.at, now)})</span>` : '—'}</td>
                    </tr>`,
                )}
              </tbody>
            </table>`
          : ''
      }
    </section>

    ${incidentsSection(cp)}

    <section id="volumes">
      <h2>Volumes</h2>
      ${vols.map(
        (v) =>
          html`<div class="volume" data-volume="${v.name}">
            <h3>${v.name} <span class="muted">${v.path}</span></h3>
            <p>
              Last backup:
              ${v.lastBackup ? html`${badge(v.lastBackup.status)} ${ago(v.lastBackup.time, now)} ${v.lastBackup.status === 'succeeded' ? '' : html`<span class="muted">${v.lastBackup.message}</span>`}` : 'none yet'}
              · Verification: ${badge(v.verification.state)}
              <span class="muted"
                >${v.verification.message}${v.verification.lastRestoreMs !== undefined ? ` · last restore ${v.verification.lastRestoreMs} ms` : ''}</span
              >
              · Workloads: ${v.workloads.join(', ') || '—'}
            </p>
            <table>
              <thead>
                <tr>
                  <th>Restore point</th>
                  <th>Time</th>
                  <th>App versions</th>
                  <th>SAST verdict</th>
                  <th>Verified</th>
                </tr>
              </thead>
              <tbody>
                ${v.restorePoints.map(
                  (p) =>
                    html`<tr class="restore-point" data-snapshot="${p.snapshotId}">
                      <td><code>${short(p.snapshotId)}</code></td>
                      <td>${p.time} <span class="muted">(${ago(p.time, now)})</span></td>
                      <td>
                        ${p.workloads.map((w) => html`<div>${w.workload} <code>${short(w.commit)}</code>${w.imageDigest ? html` <code class="muted">${short(w.imageDigest, 19)}</code>` : ''}</div>`)}
                      </td>
                      <td>
                        ${p.workloads.map((w) => html`<div>${badge(w.verdict)}${w.highest ? html` <span class="muted">highest ${w.highest}</span>` : ''}</div>`)}
                      </td>
                      <td>
                        ${p.verification ? html`${badge(p.verification.result)} <span class="muted">${formatBytes(p.verification.bytes)} in ${p.verification.restoreMs} ms</span>` : html`<span class="muted">not verified</span>`}
                      </td>
                    </tr>`,
                )}
              </tbody>
            </table>
          </div>`,
      )}
    </section>

    <section id="certificates">
      <h2>Certificates</h2>
      <table>
        <thead>
          <tr>
            <th>Name</th>
            <th>State</th>
            <th>Written: expires</th>
            <th>Served by endpoint</th>
            <th>Served matches</th>
            <th>Last rotation</th>
          </tr>
        </thead>
        <tbody>
          ${certs.map(
            (c) =>
              html`<tr class="certificate" data-certificate="${c.name}">
                <td>
                  ${c.name}
                  <div class="muted">${c.commonName}</div>
                </td>
                <td>
                  ${badge(c.state)}
                  <div class="muted">${c.message}</div>
                </td>
                <td>
                  ${
                    c.written
                      ? html`${c.written.notAfter}
                          <span class="muted">(${ago(c.written.notAfter, now)})</span>
                          <div class="muted">serial ${short(c.written.serial, 16)}</div>`
                      : '—'
                  }
                </td>
                <td>
                  ${c.endpoint ?? '—'}
                  ${c.served ? (c.served.error ? html`<div class="muted">${c.served.error}</div>` : html`<div class="muted">until ${c.served.notAfter}</div>`) : ''}
                </td>
                <td>
                  ${c.servedMatchesWritten === undefined ? '—' : badge(c.servedMatchesWritten ? 'ok' : 'Mismatch', c.servedMatchesWritten ? 'yes' : 'no')}
                </td>
                <td>${ago(c.lastRenewal, now)}</td>
              </tr>`,
          )}
        </tbody>
      </table>
    </section>

    <section id="findings">
      <h2>Open findings (${findings.length})</h2>
      <table>
        <thead>
          <tr>
            <th>Severity</th>
            <th>Rule</th>
            <th>Where</th>
            <th>Message</th>
            <th>First seen</th>
            <th>SLA</th>
            <th>Deployed in</th>
          </tr>
        </thead>
        <tbody>
          ${findings.slice(0, 200).map(
            (f) =>
              html`<tr class="finding" data-severity="${f.severity}">
                <td>${badge(f.severity)}</td>
                <td><code>${f.ruleId}</code></td>
                <td>
                  <code>${f.path ?? ''}${f.startLine ? `:${f.startLine}` : ''}</code>
                  <div class="muted">${f.repository}</div>
                </td>
                <td>${f.message}</td>
                <td>${ago(f.firstSeenAt, now)} <code class="muted">${short(f.firstSeenCommit)}</code></td>
                <td>${badge(f.sla)}</td>
                <td>${f.deployedIn.join(', ') || '—'}</td>
              </tr>`,
          )}
        </tbody>
      </table>
    </section>

    <section id="timeline">
      <h2>Timeline</h2>
      <table>
        <tbody>
          ${events.map(
            (e) =>
              html`<tr class="event" data-type="${e.type}">
                <td>${e.time.slice(0, 19).replace('T', ' ')}</td>
                <td>
                  ${badge(e.status === 'ok' ? 'ok' : e.status === 'failed' ? 'failed' : 'info', e.type)}
                </td>
                <td>${e.title}</td>
                <td class="muted">${e.detail}</td>
              </tr>`,
          )}
        </tbody>
      </table>
    </section>

    <section id="runs">
      <h2>Jobs</h2>
      <table>
        <thead>
          <tr>
            <th>Job</th>
            <th>Schedule</th>
            <th>Next</th>
            <th>Last run</th>
            <th>Result</th>
          </tr>
        </thead>
        <tbody>
          ${jobs.map(
            ({ job, last }) =>
              html`<tr class="job" data-job="${job.id}">
                <td>${job.id}</td>
                <td><code>${job.schedule}</code></td>
                <td class="nowrap">
                  ${job.running ? 'running now' : job.queued ? 'queued' : ago(job.next?.toISOString(), now)}
                </td>
                <td>
                  ${last ? html`<a href="/ui/runs/${last.id}">#${last.id}</a> ${badge(last.status)} <span class="muted">${ago((last.finishedAt ?? last.scheduledFor).toISOString(), now)}</span>` : 'never'}
                </td>
                <td class="muted">
                  ${last && last.status !== 'succeeded' ? `${last.reason ?? ''} ${last.message ?? ''}` : ''}
                </td>
              </tr>`,
          )}
        </tbody>
      </table>
      <h2>Run history</h2>
      <table>
        <thead>
          <tr>
            <th>Run</th>
            <th>Job</th>
            <th>Scheduled</th>
            <th>Status</th>
            <th>Duration</th>
            <th>Result</th>
          </tr>
        </thead>
        <tbody>
          ${runs.map(
            (r) =>
              html`<tr class="run" data-kind="${r.kind}" data-target="${r.target}" data-status="${r.status}">
                <td><a href="/ui/runs/${r.id}">#${r.id}</a></td>
                <td>${r.kind} ${r.policy}/${r.target}</td>
                <td>${r.scheduledFor.toISOString()}</td>
                <td>${badge(r.status)}</td>
                <td>${r.durationMs !== undefined ? formatDuration(r.durationMs) : '—'}</td>
                <td class="muted">
                  ${r.status === 'succeeded' ? (r.snapshotId ? `snapshot ${short(r.snapshotId)} · ${formatBytes(r.bytes ?? 0)}` : (r.message ?? 'ok')) : `${r.reason ?? ''} ${r.message ?? ''}`}
                </td>
              </tr>`,
          )}
        </tbody>
      </table>
    </section>`;
}

export function runPage(cp: ControlPlane, id: number): Html | undefined {
  const r = cp.runs.get(id);
  if (!r) return undefined;
  const logs = cp.runs.logs(id);
  return layout(
    `Run #${id}`,
    html`<section>
      <h2>Run #${r.id}: ${r.kind} ${r.policy}/${r.target} ${badge(r.status)}</h2>
      <p>
        Scheduled ${r.scheduledFor.toISOString()} · started ${r.startedAt?.toISOString() ?? '—'} · finished
        ${r.finishedAt?.toISOString() ?? '—'}
      </p>
      ${r.reason ? html`<p><b>${r.reason}</b>: ${r.message}</p>` : ''}
      <pre data-testid="run-log">
${logs.map((l) => `${l.time.toISOString()} ${l.level.padEnd(5)} ${l.message}\n`).join('')}</pre>
      <p><a href="/ui#runs">← all runs</a></p>
    </section>`,
  );
}
