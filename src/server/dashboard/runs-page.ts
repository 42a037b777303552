/**
 * /ui/runs (the scheduled jobs with their last run, and the run history, filtered by kind,
 * status and target) and /ui/runs/:id (one run with its log).
 */
import { formatDuration } from '../../base/format.js';
import type { RunLogLine, RunRow } from '../../catalog/run-history.js';
import { ago, badge, html, stamp, type Html } from './html.js';
import { runResult } from './run-result.js';

export interface JobLine {
  id: string;
  schedule: string;
  next: Date | undefined;
  running: boolean;
  queued: boolean;
  last: RunRow | undefined;
}

export interface RunsFilter {
  kind?: string | undefined;
  status?: string | undefined;
  target?: string | undefined;
}

const query = (f: RunsFilter) => {
  const q = new URLSearchParams(Object.entries(f).filter((e): e is [string, string] => typeof e[1] === 'string' && e[1] !== ''));
  return q.size ? `?${q}` : '';
};

function tabs(label: string, key: 'kind' | 'status', values: readonly string[], f: RunsFilter): Html {
  return html`<div class="tabs" aria-label="${label}">
    <a href="/ui/runs${query({ ...f, [key]: undefined })}" aria-current="${String(!f[key])}">all ${label}</a>
    ${values.map((v) => html`<a href="/ui/runs${query({ ...f, [key]: v })}" aria-current="${String(f[key] === v)}">${v}</a>`)}
  </div>`;
}

export function runsBody(jobs: readonly JobLine[], runs: readonly RunRow[], f: RunsFilter, now: Date): Html {
  return html`<section id="jobs">
      <h2>Jobs</h2>
      <table>
        <thead>
          <tr><th>Job</th><th>Schedule</th><th>Next</th><th>Last run</th><th>Result</th></tr>
        </thead>
        <tbody>
          ${jobs.map(
            (j) =>
              html`<tr class="job" data-job="${j.id}">
                <td>${j.id}</td>
                <td><code>${j.schedule}</code></td>
                <td class="nowrap">${j.running ? 'running now' : j.queued ? 'queued' : ago(j.next?.toISOString(), now)}</td>
                <td class="nowrap">
                  ${j.last ? html`<a href="/ui/runs/${j.last.id}">#${j.last.id}</a> ${badge(j.last.status)} <span class="muted">${ago((j.last.finishedAt ?? j.last.scheduledFor).toISOString(), now)}</span>` : 'never'}
                </td>
                <td class="result">${j.last ? runResult(j.last) : html`<span class="muted">not run yet</span>`}</td>
              </tr>`,
          )}
        </tbody>
      </table>
    </section>
    <section id="runs">
      <h2>Run history</h2>
      ${tabs('kinds', 'kind', ['backup', 'verify', 'certificate', 'prune', 'report'], f)}
      ${tabs('statuses', 'status', ['succeeded', 'failed', 'missed', 'running'], f)}
      ${f.target ? html`<p>Only target <b>${f.target}</b> · <a href="/ui/runs${query({ ...f, target: undefined })}">all targets</a></p>` : ''}
      ${
        runs.length === 0
          ? html`<p class="muted">No runs match.</p>`
          : html`<table>
              <thead>
                <tr><th>Run</th><th>Job</th><th>Scheduled</th><th>Status</th><th>Duration</th><th>Result</th></tr>
              </thead>
              <tbody>
                ${runs.map(
                  (r) =>
                    html`<tr class="run" data-kind="${r.kind}" data-target="${r.target}" data-status="${r.status}">
                      <td><a href="/ui/runs/${r.id}">#${r.id}</a></td>
                      <td>${r.kind} ${r.policy}/${r.target}</td>
                      <td class="nowrap">${stamp(r.scheduledFor.toISOString())}</td>
                      <td>${badge(r.status)}</td>
                      <td>${r.durationMs !== undefined ? formatDuration(r.durationMs) : r.status === 'missed' ? 'not run' : '—'}</td>
                      <td class="result">${runResult(r)}</td>
                    </tr>`,
                )}
              </tbody>
            </table>`
      }
    </section>`;
}

export function runBody(r: RunRow, logs: readonly RunLogLine[]): Html {
  return html`<section id="run" data-run="${r.id}">
    <h2>Run #${r.id}: ${r.kind} ${r.policy}/${r.target} ${badge(r.status)}</h2>
    <p>
      Scheduled ${r.scheduledFor.toISOString()} · started ${r.startedAt?.toISOString() ?? '—'} · finished
      ${r.finishedAt?.toISOString() ?? '—'}
    </p>
    <p><b>Result:</b> ${runResult(r)}</p>
    <pre data-testid="run-log">
${logs.map((l) => `${l.time.toISOString()} ${l.level.padEnd(5)} ${l.message}\n`).join('')}</pre>
    <p><a href="/ui/runs">← all runs</a></p>
  </section>`;
}
