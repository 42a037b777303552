/**
 * The frame of every dashboard page: one inline stylesheet (the CSP allows inline styles, no
 * foreign sheets), the navigation with the current area marked, the favicon, and the refresh
 * script. The login page and the 404 page use the same frame, so nothing looks unstyled.
 */
import { html, Html } from './html.js';

export const style = `
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1b1f24;background:#f4f6f9}
a{color:#0b5cad}a:hover{text-decoration:underline}
header.top{background:#0f2233;color:#fff;padding:0 20px;display:flex;gap:4px;align-items:stretch;min-height:48px}
header.top .brand{display:flex;align-items:center;gap:8px;font-size:17px;font-weight:700;margin-right:18px;color:#fff;text-decoration:none}
header.top nav{display:flex;gap:2px;align-items:stretch;flex-wrap:wrap}
header.top nav a{color:#c9d6e3;text-decoration:none;padding:13px 12px;border-bottom:3px solid transparent}
header.top nav a:hover{color:#fff;background:#18334b}
header.top nav a[aria-current=page]{color:#fff;border-bottom-color:#f0b429;font-weight:600}
main{padding:12px 24px 40px;max-width:1400px}
section{background:#fff;border:1px solid #dde3ea;border-radius:8px;margin:14px 0;padding:10px 18px 14px}
h2{font-size:16px;margin:6px 0 10px}h3{font-size:14px;margin:12px 0 6px}
table{border-collapse:collapse;width:100%;font-size:13px}
td,th{border-bottom:1px solid #edf0f3;padding:5px 7px;text-align:left;vertical-align:top}
th{color:#556;font-weight:600;background:#fafbfc}.nowrap,#timeline td:first-child{white-space:nowrap}
.badge{display:inline-block;border-radius:10px;padding:0 8px;font-size:12px;font-weight:600;white-space:nowrap}
.good{background:#d8f5dd;color:#14532d}.bad{background:#fde0e0;color:#7f1d1d}.neutral{background:#e8ecf2;color:#334}
.warn{background:#fff1c2;color:#6b4500}
.cards{display:flex;gap:12px;flex-wrap:wrap}
.card{border:1px solid #dde3ea;border-radius:8px;padding:10px 14px;min-width:170px;background:#fbfcfd;color:inherit;text-decoration:none}
a.card:hover{border-color:#0b5cad;text-decoration:none}
.card b{font-size:22px;display:block}code{font-size:12px}.muted{color:#667}
ul.problems{margin:8px 0;padding-left:20px}ul.problems li{margin:3px 0}ul.problems a{color:#7f1d1d}
pre{background:#111;color:#eee;padding:8px;overflow:auto;font-size:12px}
section.attention{border:2px solid #e0a800}tr.step.running{background:#fff8dc;font-weight:600}
tr.step.running td:first-child{border-left:4px solid #e0a800}tr.step[data-status=failed],tr.step[data-status=undo-failed]{background:#fdecec}
.notice{padding:6px 10px;border-radius:4px}.actions form{display:inline-block;margin-right:16px}
button,.button{font:inherit;padding:5px 14px;cursor:pointer;border-radius:4px;border:1px solid #b8c2cc;background:#fff}
button.approve{background:#14532d;color:#fff;border:0}button.abort{background:#7f1d1d;color:#fff;border:0}
button.primary{background:#0f2233;color:#fff;border:0}
ol.reasoning li{margin:2px 0}table.facts th{width:140px}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(420px,1fr));gap:14px}
figure.chart{margin:0;border:1px solid #edf0f3;border-radius:6px;padding:8px;background:#fff}
figure.chart figcaption{font-weight:600;font-size:13px;margin-bottom:4px}
figure.chart svg{display:block;width:100%;height:auto}
.legend{font-size:12px;color:#556;display:flex;gap:12px;flex-wrap:wrap}.legend i{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:4px;vertical-align:-1px}
form.filters{display:flex;gap:10px;flex-wrap:wrap;align-items:end;margin:6px 0 12px}
form.filters label{display:flex;flex-direction:column;font-size:12px;color:#556;gap:2px}
form.filters select,form.filters input{font:inherit;padding:4px 6px;border:1px solid #b8c2cc;border-radius:4px;background:#fff}
.pager{display:flex;gap:12px;align-items:center;margin:10px 0}
.tabs{display:flex;gap:6px;margin:4px 0 10px}.tabs a{padding:4px 10px;border-radius:14px;border:1px solid #dde3ea;text-decoration:none;color:#334}
.tabs a[aria-current=true]{background:#0f2233;color:#fff;border-color:#0f2233}
ol.history{margin:4px 0;padding-left:20px}ol.history li{margin:3px 0}
details.rule-text{margin:4px 0;font-size:12px}details.rule-text summary{cursor:pointer;color:#0b5cad}
.rule-full,.rule-help-text{white-space:pre-wrap;overflow-wrap:anywhere;margin:4px 0}
.rule-help-text{background:#f6f8fa;border:1px solid #edf0f3;border-radius:4px;padding:6px 8px;max-height:24em;overflow:auto}
ul.severity-sources{margin:4px 0;padding-left:20px}ul.severity-sources li{margin:2px 0}
.login{max-width:380px;margin:12vh auto 0;background:#fff;border:1px solid #dde3ea;border-radius:10px;padding:26px 28px}
.login h1{display:flex;gap:10px;align-items:center;font-size:22px;margin:0 0 16px}
.login label{display:block;font-weight:600;margin-bottom:6px}
.login input{width:100%;font:inherit;padding:8px 10px;border:1px solid #b8c2cc;border-radius:6px;margin-bottom:12px}
.login button{width:100%;padding:9px}.login .alert{background:#fde0e0;color:#7f1d1d;padding:6px 10px;border-radius:6px}
.login p{color:#556;font-size:13px}`;

/** The mark: a shield with a keyhole, in the header and as the favicon (served at /favicon.ico). */
export const logoSvg = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32" width="32" height="32"><path d="M16 2 4 6v9c0 7.5 5.1 13 12 15 6.9-2 12-7.5 12-15V6z" fill="#0f2233" stroke="#f0b429" stroke-width="2"/><circle cx="16" cy="14" r="4" fill="#f0b429"/><path d="M14.5 17h3l1 7h-5z" fill="#f0b429"/></svg>`;

export type Area = 'overview' | 'incidents' | 'volumes' | 'certificates' | 'findings' | 'runs' | 'timeline' | undefined;

const areas: [Exclude<Area, undefined>, string, string][] = [
  ['overview', '/ui', 'Overview'],
  ['incidents', '/ui/incidents', 'Incidents'],
  ['volumes', '/ui/volumes', 'Volumes'],
  ['certificates', '/ui/certificates', 'Certificates'],
  ['findings', '/ui/findings', 'Findings'],
  ['runs', '/ui/runs', 'Runs'],
  ['timeline', '/ui/timeline', 'Timeline'],
];

function head(title: string): Html {
  return html`<head>
    <meta charset="utf-8" />
    <title>${title}</title>
    <meta name="viewport" content="width=device-width" />
    <link rel="icon" href="/favicon.ico" type="image/svg+xml" />
    <style>
      ${new Html(style)}
    </style>
  </head>`;
}

export function layout(title: string, body: Html, area?: Area): Html {
  return html`<!doctype html>
    <html lang="en">
      ${head(title === 'Holdfast' ? title : `${title} · Holdfast`)}
      <body>
        <header class="top">
          <a class="brand" href="/ui">${new Html(logoSvg.replace('width="32" height="32"', 'width="24" height="24"'))} Holdfast</a>
          <nav>
            ${areas.map(([a, href, label]) => html`<a href="${href}" ${a === area ? new Html('aria-current="page"') : ''}>${label}</a>`)}
          </nav>
        </header>
        <main id="content">${body}</main>
        <script src="/ui/refresh.js" defer></script>
      </body>
    </html>`;
}

export function loginPage(failed: boolean): Html {
  return html`<!doctype html>
    <html lang="en">
      ${head('Log in · Holdfast')}
      <body>
        <form class="login" method="post" action="/ui/login">
          <h1>${new Html(logoSvg)} Holdfast</h1>
          ${failed ? html`<p class="alert" role="alert">Wrong token.</p>` : ''}
          <label for="token">API token</label>
          <input id="token" type="password" name="token" autocomplete="current-password" autofocus required />
          <button type="submit" class="primary">Log in</button>
          <p>
            The token is in the file named by <code>server.token</code> in holdfast.yaml (or
            <code>&lt;dataDir&gt;/api-token</code>).
          </p>
        </form>
      </body>
    </html>`;
}

export function notFoundPage(what: string, back: { href: string; label: string } = { href: '/ui', label: 'overview' }): Html {
  return layout(
    'Not found',
    html`<section data-testid="not-found">
      <h2>Not found</h2>
      <p>${what}</p>
      <p><a href="${back.href}">← ${back.label}</a></p>
    </section>`,
  );
}
