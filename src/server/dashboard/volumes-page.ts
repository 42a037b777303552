/**
 * /ui/volumes (every volume: last backup, verification, restore points, and backup duration,
 * size and data added over time) and /ui/volumes/:name (one volume with all its restore points:
 * the versions that wrote each, their SAST verdicts, and whether a restore was verified).
 */
import { formatBytes, formatDuration } from '../../base/format.js';
import type { VolumeView } from '../views/health.js';
import type { BackupSeries } from './charts/data.js';
import { byteTicks, countTicks, durationTicks } from './charts/scale.js';
import { timeChart, type Series } from './charts/svg.js';
import { ago, badge, html, type Html, short, stamp } from './html.js';

const palette = ['#2563a8', '#d97706', '#059669', '#7c3aed', '#dc2626', '#0891b2', '#65a30d', '#db2777'];
export const volumeHref = (name: string) => `/ui/volumes/${encodeURIComponent(name)}`;

export function backupCharts(series: readonly BackupSeries[], idPrefix = 'chart'): Html {
  const pick = (k: 'duration' | 'size' | 'added'): Series[] => series.map((s, i) => ({ name: s.volume, color: palette[i % palette.length]!, points: s[k] }));
  return html`<div class="charts">
    ${timeChart({ id: `${idPrefix}-backup-duration`, title: 'Backup duration', kind: 'line', series: pick('duration'), ticks: durationTicks, format: formatDuration, empty: 'no backups yet' })}
    ${timeChart({ id: `${idPrefix}-backup-size`, title: 'Backup size (data in the snapshot)', kind: 'line', series: pick('size'), ticks: byteTicks, format: formatBytes, empty: 'no backups yet' })}
    ${timeChart({ id: `${idPrefix}-backup-added`, title: 'Data added to the repository per backup', kind: 'bar', series: pick('added'), ticks: byteTicks, format: formatBytes, empty: 'no backups yet' })}
  </div>`;
}

/**
 * The ransomware signals of a volume's restore points over time: the share of files rewritten or
 * removed and the share of new data zstd could not shrink, with each suspicious backup marked, so
 * a person sees the spike and what it departed from. Points without signals (older snapshots, the
 * first backup) are left out.
 */
export function signalsChart(v: Pick<VolumeView, 'name' | 'restorePoints'>): Html {
  const measured = v.restorePoints.filter((p) => p.signals && !p.signals.initial);
  const point = (p: VolumeView['restorePoints'][number], share: number) => ({ t: Date.parse(p.time), v: Math.round(share * 100) });
  const rewritten = measured.map((p) => {
    const s = p.signals!;
    const before = s.files - s.filesNew + s.filesRemoved;
    return point(p, before ? Math.min(1, (s.filesChanged + s.filesRemoved) / before) : 0);
  });
  const incompressible = measured.filter((p) => p.signals!.bytesNew > 0).map((p) => point(p, p.signals!.bytesNewIncompressible / p.signals!.bytesNew));
  return timeChart({
    id: 'chart-signals',
    title: 'Change per backup (ransomware signals)',
    kind: 'line',
    series: [
      { name: 'files rewritten or removed', color: palette[0]!, points: rewritten },
      { name: 'new data incompressible', color: palette[1]!, points: incompressible },
    ],
    ticks: (max) => countTicks(Math.max(max, 100)).map((t) => ({ ...t, label: `${t.label}%` })),
    format: (x) => `${x}%`,
    marks: v.restorePoints.filter((p) => p.suspicion?.verdict === 'suspicious').map((p) => ({ t: Date.parse(p.time), title: `suspicious ${short(p.snapshotId)}: ${p.suspicion!.reasons.join('; ')}${p.cleared ? ` (cleared by ${p.cleared.actor}: ${p.cleared.reason})` : ''}` })),
    empty: 'no backup with change signals yet',
  });
}

const chartsSection = (series: readonly BackupSeries[]) =>
  html`<section id="volume-charts">
    <h2>Backups over time</h2>
    ${backupCharts(series)}
  </section>`;

function lastBackup(v: VolumeView, now: Date): Html {
  if (!v.lastBackup) return html`<span class="muted">none yet</span>`;
  return html`${badge(v.lastBackup.status)} ${ago(v.lastBackup.time, now)}
  ${v.lastBackup.status === 'succeeded' ? html`<span class="muted">${formatBytes(v.lastBackup.bytes ?? 0)}${v.lastBackup.durationMs !== undefined ? ` in ${formatDuration(v.lastBackup.durationMs)}` : ''}</span>` : html`<div class="muted">${v.lastBackup.message}</div>`}`;
}

export function volumesBody(vols: readonly VolumeView[], series: readonly BackupSeries[], now: Date): Html {
  return html`<section id="volumes">
      <h2>Volumes</h2>
      <table>
        <thead>
          <tr><th>Volume</th><th>Workloads</th><th>Policies</th><th>Last backup</th><th>Verification</th><th>Restore points</th></tr>
        </thead>
        <tbody>
          ${vols.map(
            (v) => html`<tr class="volume" data-volume="${v.name}">
              <td><a href="${volumeHref(v.name)}"><b>${v.name}</b></a><div class="muted"><code>${v.path}</code></div></td>
              <td>${v.workloads.join(', ') || html`<span class="muted">none</span>`}</td>
              <td>${v.policies.join(', ') || html`<span class="muted">none</span>`}</td>
              <td>${lastBackup(v, now)}</td>
              <td>${badge(v.verification.state)}<div class="muted">${v.verification.message}</div></td>
              <td><a href="${volumeHref(v.name)}#restore-points">${v.restorePoints.length}${v.restorePoints.length ? html` <span class="muted">newest ${ago(v.restorePoints[0]!.time, now)}</span>` : ''}</a></td>
            </tr>`,
          )}
        </tbody>
      </table>
    </section>
    ${chartsSection(series)}`;
}

export function restorePointsTable(v: VolumeView, now: Date): Html {
  if (v.restorePoints.length === 0) return html`<p class="muted">No restore points yet: the first backup writes one.</p>`;
  return html`<table>
    <thead>
      <tr><th>Restore point</th><th>Time</th><th>App versions</th><th>SAST verdict</th><th>Signals</th><th>Verified</th><th>Tags</th></tr>
    </thead>
    <tbody>
      ${v.restorePoints.map(
        (p) =>
          html`<tr class="restore-point" data-snapshot="${p.snapshotId}">
            <td><code>${short(p.snapshotId)}</code></td>
            <td class="nowrap">${stamp(p.time)} <div class="muted">${ago(p.time, now)}</div></td>
            <td>
              ${p.workloads.length ? p.workloads.map((w) => html`<div>${w.workload} <code>${short(w.commit)}</code>${w.imageDigest ? html` <code class="muted">${short(w.imageDigest, 19)}</code>` : ''}</div>`) : html`<span class="muted">no workload recorded</span>`}
            </td>
            <td>
              ${p.workloads.map((w) => html`<div>${w.commit ? html`<a href="/ui/findings?version=${w.commit}&state=all">${badge(w.verdict)}</a>` : badge(w.verdict)}${w.highest ? html` <span class="muted">highest ${w.highest}</span>` : ''}</div>`)}
            </td>
            <td class="signals">${p.suspicion ? html`${badge(p.suspicion.verdict)}${p.suspicion.verdict === 'suspicious' ? html`<div class="muted">${p.suspicion.reasons.join('; ')}</div>` : ''}${p.cleared ? html`<div class="cleared">cleared by ${p.cleared.actor} ${ago(p.cleared.at, now)}: ${p.cleared.reason}</div>` : ''}` : html`<span class="muted">—</span>`}</td>
            <td>
              ${p.verification ? html`${badge(p.verification.result)} <span class="muted">${formatBytes(p.verification.bytes)} in ${p.verification.restoreMs} ms</span>` : html`<span class="muted">not verified</span>`}
            </td>
            <td class="muted">${p.tags.join(', ') || '—'}</td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}

export function volumeBody(v: VolumeView, series: readonly BackupSeries[], now: Date): Html {
  return html`<section id="volume" class="volume" data-volume="${v.name}">
      <h2>Volume ${v.name}</h2>
      <table class="facts">
        <tbody>
          <tr><th>Path</th><td><code>${v.path}</code></td></tr>
          <tr><th>Workloads</th><td>${v.workloads.join(', ') || '—'}</td></tr>
          <tr><th>Policies</th><td>${v.policies.join(', ') || '—'}</td></tr>
          <tr><th>Last backup</th><td>${lastBackup(v, now)}</td></tr>
          <tr><th>Verification</th><td>${badge(v.verification.state)} <span class="muted">${v.verification.message}${v.verification.lastRestoreMs !== undefined ? ` · last restore ${v.verification.lastRestoreMs} ms` : ''}</span></td></tr>
        </tbody>
      </table>
    </section>
    ${chartsSection(series)}
    <section id="volume-signals">
      <h2>Change signals</h2>
      <div class="charts">${signalsChart(v)}</div>
    </section>
    <section id="restore-points">
      <h2>Restore points (${v.restorePoints.length})</h2>
      ${restorePointsTable(v, now)}
    </section>
    <p><a href="/ui/volumes">← all volumes</a> · <a href="/ui/runs?kind=backup&target=${encodeURIComponent(v.name)}">backup runs of ${v.name}</a></p>`;
}
