/**
 * /ui/certificates: each certificate as written and as served, whether they match, and every
 * certificate Holdfast issued on a time axis (its lifetime, the renewals, now).
 */
import type { CertificateView } from '../views/health.js';
import type { certificateSpans } from './charts/data.js';
import { spanChart } from './charts/svg.js';
import { ago, badge, html, type Html, short } from './html.js';


export function certificatesBody(certs: readonly CertificateView[], spans: ReturnType<typeof certificateSpans>, now: Date): Html {
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
    <section id="certificate-charts">
      <h2>Lifetimes and renewals</h2>
      <div class="charts">
        ${spanChart({ id: 'chart-certificates', title: 'Certificates issued: valid from issue to expiry', spans: spans.spans, marks: spans.marks, now: now.getTime(), empty: 'no certificate issued yet' })}
      </div>
    </section>`;
}
