/**
 * The incident pages of the dashboard: the "Incidents" section of /ui (proposals awaiting approval
 * first) and /ui/incidents/:id — the incident, its plan (for a proposal: what approving would do
 * and why this restore point), progress per step from the journal, the evidence kept, the
 * certificates replaced, the checks, and the report. Everything from findings, outputs and errors
 * goes through the `html` template, which escapes it.
 */
import { formatBytes } from '../../base/format.js';
import type { IncidentRow } from '../../catalog/incidents.js';
import type { ControlPlane } from '../control-plane.js';
import { ago, badge, html, Html, short } from './html.js';
import type { IncidentDetail } from '../engines/incidents.js';
import { readIncident, type IncidentRecord } from './incident-data.js';
import { actionsFor, choiceView, journalView, orderIncidents, type ChoiceView, type JournalView } from './incident-view.js';
import { layout } from './layout.js';

/** How often a running incident's page refreshes itself (refresh.js reads it from the page). */
export const INCIDENT_REFRESH_MS = 2000;


/** The vulnerability an incident is about, in words, with the finding's own text when the catalog has it. */
function targetOf(cp: ControlPlane, row: IncidentRow): Html {
  const t = row.params.target as { findingId?: string; severity?: string } | undefined;
  if (t?.findingId) {
    const f = cp.d.catalog.sast.getFinding(t.findingId);
    return f
      ? html`${badge(f.severity)} <code>${f.ruleId}</code> <span class="finding-message">${f.message}</span>
          <span class="muted">finding <code>${f.id}</code>${f.path ? html` at <code>${f.path}${f.startLine ? `:${f.startLine}` : ''}</code>` : ''}</span>`
      : html`finding <code>${t.findingId}</code> <span class="muted">(no longer in the catalog)</span>`;
  }
  return html`open findings at or above ${t?.severity ?? '?'}`;
}

export function incidentsSection(cp: ControlPlane): Html {
  const now = cp.d.clock.now();
  const rows = orderIncidents(cp.incidents.list({ limit: 100 }));
  const proposed = rows.filter((r) => r.status === 'proposed').length;
  return html`<section id="incidents" class="${proposed ? 'attention' : ''}">
    <h2>Incidents${proposed ? html` ${badge('proposed', `${proposed} awaiting approval`)}` : ''}</h2>
    ${
      rows.length === 0
        ? html`<p class="muted">No incidents. A new finding at or above the policy threshold in a deployed version proposes one here.</p>`
        : html`<table>
            <thead>
              <tr><th>Incident</th><th>Status</th><th>Volume</th><th>Vulnerability</th><th>Created</th><th>Message</th></tr>
            </thead>
            <tbody>
              ${rows.map(
                (r) => html`<tr class="incident" data-incident="${r.id}" data-status="${r.status}">
                  <td class="nowrap"><a href="/ui/incidents/${encodeURIComponent(r.id)}">${r.id}</a></td>
                  <td>${badge(r.interrupted ? 'interrupted' : r.status, r.status === 'proposed' ? 'awaiting approval' : r.interrupted ? 'interrupted' : r.status)}</td>
                  <td>${r.volume}</td>
                  <td>${targetOf(cp, r)}</td>
                  <td class="nowrap">${ago(r.createdAt, now)}</td>
                  <td class="muted">${r.message ?? ''}</td>
                </tr>`,
              )}
            </tbody>
          </table>`
    }
  </section>`;
}

function choiceBlock(c: ChoiceView | undefined): Html {
  if (!c) return html`<p class="muted">Not chosen yet.</p>`;
  return html`<div data-testid="choice">
    <p>
      Restore point <code data-testid="restore-point">${c.snapshotId ?? '—'}</code>
      ${c.restorePointTime ? html`taken ${c.restorePointTime}` : ''}
    </p>
    <p><b>Why:</b> ${c.message}</p>
    <ol class="reasoning" data-testid="reasoning">
      ${c.reasoning.map((s) => html`<li>${s}</li>`)}
    </ol>
  </div>`;
}

function planSection(p: NonNullable<IncidentDetail['plan']>): Html {
  if ('error' in p)
    return html`<section id="plan">
      <h2>Plan ${badge('failed', 'refused')}</h2>
      <p role="alert" data-code="${p.code}">${p.error}</p>
      <p class="muted">Approving is refused until this is fixed; abort the proposal if it is no longer wanted.</p>
    </section>`;
  const { plan } = p;
  return html`<section id="plan">
    <h2>Plan <span class="muted">(what approving would do now; nothing has changed yet)</span></h2>
    <p>
      Playbook <b>${plan.playbook}</b> on volume <b>${plan.volume.name}</b> <code>${plan.volume.path}</code>, from
      repository ${plan.repository}
    </p>
    <p>Vulnerability: ${plan.target}${plan.assessment.exposedSince ? `, exposed since ${plan.assessment.exposedSince}` : ''}</p>
    <ul>
      ${plan.assessment.affected.map((a) => html`<li>${a.workload} ran <code>${a.version}</code> from ${a.since}${a.until ? ` until ${a.until}` : ' (still running)'}: ${a.why}</li>`)}
    </ul>
    <h3>Restore point</h3>
    ${choiceBlock(choiceView(plan.choice as unknown as Record<string, unknown>))}
    <p>
      Restart on:
      ${plan.knownGood.map((k) => html`<span>${k.workload} <code>${short(k.commit)}</code></span> `)}
    </p>
    <p data-testid="plan-certificates">
      Certificates rotated:
      ${plan.certificates.length ? plan.certificates.map((c) => html`<span>${c.name} <code>${c.certFile}</code>${c.endpoint ? ` on ${c.endpoint}` : ''}</span> `) : 'none'}
      ${plan.rotateCa ? html`<b>and the CA</b>` : ''}
    </p>
    ${plan.activeIncident ? html`<p role="alert">Incident ${plan.activeIncident} is active on this volume: approving is refused until it is resumed or aborted.</p>` : ''}
    <ol data-testid="plan-steps">
      ${plan.steps.map((s) => html`<li><b>${s.id}</b>: ${s.what}</li>`)}
    </ol>
    <details><summary>As text (holdfast incident plan)</summary><pre>${p.text}</pre></details>
  </section>`;
}

function stepsSection(rec: IncidentRecord, v: JournalView): Html {
  return html`<section id="steps">
    <h2>Progress${v.runningStep ? html` ${badge('running', `running: ${v.runningStep}`)}` : ''}</h2>
    <table>
      <thead>
        <tr><th>#</th><th>Step</th><th>What it does</th><th>Status</th><th>Attempts</th><th>Started</th><th>Completed</th><th>Error / note</th></tr>
      </thead>
      <tbody>
        ${rec.steps.map((s) => {
          const running = s.step === v.runningStep;
          const state = running ? 'running' : s.status === 'started' && rec.interrupted ? 'interrupted' : s.status;
          return html`<tr class="step${running ? ' running' : ''}" data-step="${s.step}" data-status="${s.status}" ${running ? new Html('aria-current="step"') : ''}>
            <td>${s.seq + 1}</td>
            <td><b>${s.step}</b><div class="muted">${s.uses}</div></td>
            <td>${rec.descriptions.get(s.step) ?? s.uses}</td>
            <td>${badge(state, running ? 'running now' : state)}</td>
            <td>${s.attempts}</td>
            <td class="nowrap">${s.startedAt ?? '—'}</td>
            <td class="nowrap">${s.completedAt ?? '—'}</td>
            <td class="step-error">${s.error ?? ''}</td>
          </tr>`;
        })}
      </tbody>
    </table>
  </section>`;
}

function evidenceSection(v: JournalView): Html {
  return html`<section id="evidence">
    <h2>Evidence</h2>
    <p class="muted">
      Backups of the state this incident replaces, tagged <code>incident-evidence</code>: never forgotten or pruned by
      retention, never deleted by a playbook (an abort keeps them too).
    </p>
    ${
      v.evidence.length === 0
        ? html`<p class="muted">No evidence snapshot yet.</p>`
        : html`<table>
            <thead><tr><th>Snapshot</th><th>Kind</th><th>Taken</th><th>Content</th><th>Tags</th></tr></thead>
            <tbody>
              ${v.evidence.map(
                (e) => html`<tr class="evidence" data-snapshot="${e.snapshotId}" data-sealed="${String(e.sealed)}">
                  <td><code>${e.snapshotId}</code></td>
                  <td>${e.sealed ? html`<b>sealed</b> (after the quiesce: nothing wrote)` : 'live (before the quiesce)'}</td>
                  <td class="nowrap">${e.time ?? '—'}</td>
                  <td>${e.files ?? '?'} file(s), ${e.bytes !== undefined ? formatBytes(e.bytes) : '?'}${e.bytesAdded !== undefined ? html` <span class="muted">(${formatBytes(e.bytesAdded)} new)</span>` : ''}</td>
                  <td class="muted">${e.tags.join(', ')}</td>
                </tr>`,
              )}
            </tbody>
          </table>`
    }
  </section>`;
}

function certificatesSection(v: JournalView): Html {
  return html`<section id="incident-certificates">
    <h2>Certificates</h2>
    ${
      v.certificates.length === 0
        ? html`<p class="muted">None rotated yet.</p>`
        : html`<table>
            <thead><tr><th>Certificate</th><th>Serial (old → new)</th><th>Key id (old → new)</th><th>New: valid until</th></tr></thead>
            <tbody>
              ${v.certificates.map(
                (c) => html`<tr class="rotated" data-certificate="${c.name}" data-new-serial="${c.new.serial ?? ''}">
                  <td>${c.name}<div class="muted">${c.endpoint ?? ''}</div></td>
                  <td><code>${c.old?.serial ?? '(none)'}</code> → <code class="new-serial">${c.new.serial ?? '?'}</code></td>
                  <td><code>${short(c.old?.keyId, 16)}</code> → <code>${short(c.new.keyId, 16)}</code></td>
                  <td>${c.new.notAfter ?? '—'}<div class="muted"><code>${short(c.new.fingerprint, 23)}</code></div></td>
                </tr>`,
              )}
            </tbody>
          </table>`
    }
    ${v.caRotation ? html`<p>CA rotation <code>${v.caRotation.id ?? '?'}</code>: ${v.caRotation.finished ? 'finished' : 'not finished'}</p>` : ''}
  </section>`;
}

function verifySection(v: JournalView): Html {
  return html`<section id="verification">
    <h2>Verification</h2>
    ${
      v.checks.length === 0
        ? html`<p class="muted">Not verified yet.</p>`
        : html`<table>
            <tbody>
              ${v.checks.map((c) => html`<tr class="check" data-ok="${String(c.ok)}"><td>${badge(c.ok ? 'passed' : 'failed')}</td><td>${c.what}</td><td class="muted">${c.detail}</td></tr>`)}
            </tbody>
          </table>`
    }
  </section>`;
}

function reportSection(row: IncidentRow, v: JournalView): Html {
  const base = `/ui/incidents/${encodeURIComponent(row.id)}`;
  return html`<section id="report">
    <h2>Report</h2>
    ${
      v.report
        ? html`<p>
            <a href="${base}/report.html" data-testid="report-html">Report (HTML)</a> ·
            <a href="${base}/report.md" data-testid="report-md">Report (Markdown)</a>
            <span class="muted">written to <code>${v.report.markdown ?? ''}</code></span>
          </p>`
        : html`<p class="muted">Written by the last step, once everything is verified.</p>`
    }
  </section>`;
}

export interface PageNotice {
  kind: 'ok' | 'error';
  text: string;
}

export function incidentBody(cp: ControlPlane, rec: IncidentRecord, notice?: PageNotice): Html {
  const { row } = rec;
  const now = cp.d.clock.now();
  const v = journalView(row, rec.steps, rec.interrupted);
  const can = actionsFor(row, rec.interrupted);
  const state = rec.interrupted ? 'interrupted' : row.status;
  const f = v.finding;
  return html`${row.status === 'running' && !rec.interrupted ? html`<div id="auto-refresh" data-refresh-ms="${INCIDENT_REFRESH_MS}" hidden></div>` : ''}
    <section id="incident" data-incident="${row.id}" data-status="${row.status}">
      <h2>Incident ${row.id} ${badge(state, row.status === 'proposed' ? 'proposed: awaiting approval' : state)}</h2>
      ${notice ? html`<p class="notice ${notice.kind === 'ok' ? 'good' : 'bad'}" role="${notice.kind === 'ok' ? 'status' : 'alert'}">${notice.text}</p>` : ''}
      <p data-testid="incident-message">${row.message ?? ''}</p>
      ${rec.interrupted ? html`<p role="alert">The process that ran it (pid ${row.runnerPid}) is gone: <code>holdfast incident resume ${row.id}</code> continues it from the journal.</p>` : ''}
      <table class="facts">
        <tbody>
          <tr><th>Volume</th><td>${row.volume}</td></tr>
          <tr><th>Vulnerability</th><td data-testid="target">${f?.message !== undefined ? html`${badge(f.severity ?? '?')} <code>${f.ruleId}</code> <span class="finding-message">${f.message}</span> <span class="muted">finding <code>${f.id}</code>${f.path ? html` at <code>${f.path}:${f.line ?? ''}</code>` : ''}</span>` : targetOf(cp, row)}</td></tr>
          <tr><th>Playbook</th><td>${row.playbook} <span class="muted">config ${row.configFile}</span></td></tr>
          <tr><th>Created</th><td>${row.createdAt} <span class="muted">(${ago(row.createdAt, now)})</span></td></tr>
          <tr><th>Updated</th><td>${row.updatedAt}</td></tr>
          <tr><th>Finished</th><td>${row.finishedAt ?? '—'}</td></tr>
        </tbody>
      </table>
      ${actions(row, can)}
    </section>
    ${row.status === 'proposed' && rec.plan ? planSection(rec.plan) : html`<section id="decision"><h2>Restore point</h2>${choiceBlock(v.choice)}${v.affected.length ? html`<ul>${v.affected.map((a) => html`<li>${a.workload} ran <code>${a.version}</code> from ${a.since}${a.until ? ` until ${a.until}` : ''}: ${a.why}</li>`)}</ul>` : ''}</section>`}
    ${stepsSection(rec, v)} ${evidenceSection(v)} ${certificatesSection(v)} ${verifySection(v)} ${reportSection(row, v)}
    <p><a href="/ui/incidents">← all incidents</a></p>`;
}

/**
 * Approve / Resume / Abort as plain POST forms to this page's own paths: the session cookie is
 * SameSite=Strict, the CSP allows forms to 'self' only, and the route checks the Origin. Abort
 * asks for a tick first (HTML `required`, no script): it undoes what the run did.
 */
function actions(row: IncidentRow, can: ReturnType<typeof actionsFor>): Html {
  if (!can.approve && !can.resume && !can.abort) return html``;
  const base = `/ui/incidents/${encodeURIComponent(row.id)}`;
  return html`<div class="actions">
    ${can.approve ? html`<form method="post" action="${base}/approve"><button type="submit" class="approve" data-testid="approve">Approve and run</button> <span class="muted">runs the plan below in holdfast serve</span></form>` : ''}
    ${can.resume ? html`<form method="post" action="${base}/approve"><button type="submit" class="approve" data-testid="resume">Resume</button> <span class="muted">continues from the journal; completed steps are not repeated</span></form>` : ''}
    ${
      can.abort
        ? html`<form method="post" action="${base}/abort">
            <label><input type="checkbox" name="confirm" value="yes" required data-testid="abort-confirm" /> undo what this incident did (evidence is kept)</label>
            <button type="submit" class="abort" data-testid="abort">Abort</button>
          </form>`
        : ''
    }
  </div>`;
}

export function incidentPage(cp: ControlPlane, id: string, notice?: PageNotice): { page: Html; body: Html } | undefined {
  const rec = readIncident(cp, id);
  if (!rec) return undefined;
  const body = incidentBody(cp, rec, notice);
  return { body, page: layout(`Incident ${id}`, body, 'incidents') };
}
