/**
 * /ui/certificates: each certificate as written and as served, whether they match, the CA
 * rotation's gates (what each waits for, and which certificates wait to move to the new CA), and
 * every certificate Holdfast issued on a time axis (its lifetime, the renewals, now).
 */
import type { CertificateView } from '../views/health.js';
import type { GateView, RotationStatusView } from '../views/rotation.js';
import type { certificateSpans } from './charts/data.js';
import { spanChart } from './charts/svg.js';
import { ago, badge, html, type Html, short } from './html.js';


const GATE_BADGE: Record<GateView['state'], [string, string]> = { done: ['ok', 'done'], waiting: ['running', 'waiting'], ahead: ['ahead', 'ahead'] };

const until = (iso: string | undefined, now: Date) => (iso ? html` until ${iso} <span class="muted">(${ago(iso, now)})</span>` : '');

function rotationSection(v: RotationStatusView, now: Date): Html {
  const r = v.rotation;
  return html`<section id="ca-rotation">
      <h2>CA rotation</h2>
      ${r
        ? html`<p data-rotation="${r.id}">${r.id}: ${r.oldCaId} → ${r.newCaId}, ${r.finishedAt ? html`finished ${ago(r.finishedAt, now)}` : html`phase ${r.phase}${v.runningHere ? ', run by this serve' : ', run by holdfast tls rotate-ca'}`}
            <span class="muted">(started ${ago(r.startedAt, now)})</span></p>
          <table>
            <thead>
              <tr><th>Gate</th><th>Phase</th><th>State</th><th>Waits for</th></tr>
            </thead>
            <tbody>
              ${r.gates.map(
                (g) => html`<tr class="gate" data-gate="${g.id}" data-state="${g.state}">
                  <td>${g.describe}</td>
                  <td>${g.phase}</td>
                  <td>${badge(...GATE_BADGE[g.state])}</td>
                  <td>${g.for ? html`${g.for}${until(g.until, now)}` : html`<span class="muted">—</span>`}</td>
                </tr>`,
              )}
            </tbody>
          </table>`
        : html`<p class="muted">No CA rotation has run. Start one with POST /api/v1/tls/rotate-ca or holdfast tls rotate-ca.</p>`}
      ${v.lastError ? html`<p class="rotation-error">${badge('failed')} the last rotation this serve ran stopped: ${v.lastError}</p>` : ''}
      ${v.certificates.length
        ? html`<h3>Certificates waiting to move to the new CA</h3>
            <ul>
              ${v.certificates.map((c) => html`<li class="certificate-wait" data-certificate="${c.name}">${c.name}: ${c.for}${until(c.until, now)}</li>`)}
            </ul>`
        : ''}
    </section>`;
}

export function certificatesBody(certs: readonly CertificateView[], spans: ReturnType<typeof certificateSpans>, now: Date, rotation: RotationStatusView): Html {
  return html`<section id="certificates">
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
              html`<tr class="certificate" id="${c.name}" data-certificate="${c.name}">
                <td>${c.name}<div class="muted">${c.commonName}</div></td>
                <td>${badge(c.state)}<div class="muted">${c.message}</div></td>
                <td>
                  ${c.written ? html`${c.written.notAfter} <span class="muted">(${ago(c.written.notAfter, now)})</span><div class="muted">serial ${short(c.written.serial, 16)}</div>` : html`<span class="muted">not written yet</span>`}
                </td>
                <td>
                  ${c.endpoint ?? html`<span class="muted">no endpoint configured</span>`}
                  ${c.served ? (c.served.error ? html`<div class="muted">${c.served.error}</div>` : html`<div class="muted">until ${c.served.notAfter}</div>`) : ''}
                </td>
                <td>${c.servedMatchesWritten === undefined ? html`<span class="muted">not probed</span>` : badge(c.servedMatchesWritten ? 'ok' : 'Mismatch', c.servedMatchesWritten ? 'yes' : 'no')}</td>
                <td>${c.lastRenewal ? ago(c.lastRenewal, now) : html`<span class="muted">never</span>`}</td>
              </tr>`,
          )}
        </tbody>
      </table>
    </section>
    ${rotationSection(rotation, now)}
    <section id="certificate-charts">
      <h2>Lifetimes and renewals</h2>
      <div class="charts">
        ${spanChart({ id: 'chart-certificates', title: 'Certificates issued: valid from issue to expiry', spans: spans.spans, marks: spans.marks, now: now.getTime(), empty: 'no certificate issued yet' })}
      </div>
    </section>`;
}
