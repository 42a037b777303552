/**
 * The dashboard: /ui (the page), /ui/runs/:id (a run with its log), /ui/incidents/:id
 * (incident-routes.ts), /ui/login (token → session cookie), /ui/refresh.js.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { ControlPlane } from '../control-plane.js';
import { SESSION_COOKIE, sameSecret, sessionValue } from '../auth.js';
import { refreshJs } from './refresh.js';
import { html } from './html.js';
import { dashboardBody, layout, runPage } from './page.js';
import { incidentRoutes } from './incident-routes.js';

const loginPage = (failed: boolean) =>
  html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <title>Holdfast login</title>
      </head>
      <body style="font:14px system-ui;margin:40px">
        <h1>Holdfast</h1>
        <form method="post" action="/ui/login">
          <label
            >API token <input type="password" name="token" autocomplete="current-password" autofocus
          /></label>
          <button type="submit">Log in</button>
        </form>
        ${failed ? html`<p style="color:#a00" role="alert">Wrong token.</p>` : ''}
        <p>
          The token is in the file named by <code>server.token</code> in holdfast.yaml (or
          <code>&lt;dataDir&gt;/api-token</code>).
        </p>
      </body>
    </html>`;

export const dashboardRoutes: FastifyPluginAsync<{
  cp: ControlPlane;
  token: string;
  secure: boolean;
}> = async (app, { cp, token, secure }) => {
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) =>
    done(null, Object.fromEntries(new URLSearchParams(String(body)))),
  );
  const hide = { hide: true };
  // The pages are self-contained: no frames, no foreign scripts; inline styles only.
  app.addHook('onSend', async (_req, reply, payload) => {
    if (String(reply.getHeader('content-type') ?? '').startsWith('text/html')) {
      reply.header(
        'content-security-policy',
        "default-src 'self'; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; form-action 'self'",
      );
      reply
        .header('x-frame-options', 'DENY')
        .header('referrer-policy', 'no-referrer')
        .header('cache-control', 'no-store');
    }
    return payload;
  });
  app.get('/', { schema: hide }, async (_req, reply) => reply.redirect('/ui', 303));
  app.get('/ui/login', { schema: hide }, async (_req, reply) =>
    reply.type('text/html; charset=utf-8').send(loginPage(false).s),
  );
  app.post<{ Body: { token?: string } }>('/ui/login', { schema: hide }, async (req, reply) => {
    if (!sameSecret(req.body?.token ?? '', token))
      return reply.code(401).type('text/html; charset=utf-8').send(loginPage(true).s);
    const attrs = ['Path=/', 'HttpOnly', 'SameSite=Strict', 'Max-Age=43200', ...(secure ? ['Secure'] : [])];
    return reply
      .header('set-cookie', `${SESSION_COOKIE}=${sessionValue(token)}; ${attrs.join('; ')}`)
      .redirect('/ui', 303);
  });
  app.get('/ui/refresh.js', { schema: hide }, async (_req, reply) =>
    reply.type('text/javascript; charset=utf-8').send(refreshJs),
  );
  app.get<{ Querystring: { partial?: string } }>('/ui', { schema: hide }, async (req, reply) => {
    const body = await dashboardBody(cp);
    return reply
      .type('text/html; charset=utf-8')
      .send(req.query.partial ? body.s : layout('Holdfast', body).s);
  });
  app.get<{ Params: { id: string } }>('/ui/runs/:id', { schema: hide }, async (req, reply) => {
    const page = runPage(cp, Number(req.params.id));
    return page
      ? reply.type('text/html; charset=utf-8').send(page.s)
      : reply
          .code(404)
          .type('text/html')
          .send(layout('Not found', html`<p>No run ${req.params.id}.</p>`).s);
  });
  await app.register(incidentRoutes, { cp });
};
