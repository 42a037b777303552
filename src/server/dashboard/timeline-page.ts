/** /ui/timeline: everything that happened, newest first, as the timeline view returns it. */
import type { TimelineEntry } from '../views/timeline.js';
import { badge, html, type Html, stamp } from './html.js';

export function timelineTable(events: readonly TimelineEntry[]): Html {
  if (events.length === 0) return html`<p class="muted">Nothing has happened yet.</p>`;
  return html`<table class="timeline">
    <thead>
      <tr><th>Time (UTC)</th><th>What</th><th>Title</th><th>Detail</th></tr>
    </thead>
    <tbody>
      ${events.map(
        (e) =>
          html`<tr class="event" data-type="${e.type}" data-status="${e.status}">
            <td class="nowrap">${stamp(e.time)}</td>
            <td>${badge(e.status === 'ok' ? 'ok' : e.status === 'failed' ? 'failed' : 'info', e.type)}</td>
            <td>${e.title}</td>
            <td class="muted">${e.detail}</td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}

export function timelineBody(events: readonly TimelineEntry[], filter: { type?: string | undefined; types: readonly string[] }): Html {
  const shown = filter.type ? events.filter((e) => e.type === filter.type) : events;
  return html`<section id="timeline">
    <h2>Timeline</h2>
    <div class="tabs">
      <a href="/ui/timeline" aria-current="${String(!filter.type)}">all</a>
      ${filter.types.map((t) => html`<a href="/ui/timeline?type=${t}" aria-current="${String(filter.type === t)}">${t}</a>`)}
    </div>
    ${timelineTable(shown)}
  </section>`;
}
