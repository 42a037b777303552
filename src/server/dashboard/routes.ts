/**
 * The dashboard: a page per area — /ui (overview), /ui/incidents (incident-routes.ts for one),
 * /ui/volumes[/:name], /ui/certificates, /ui/findings[/:id], /ui/runs[/:id], /ui/timeline — plus
 * /ui/login (token → session cookie), /ui/refresh.js and /favicon.ico. Any other /ui path is an
 * HTML 404 in the same frame, never the API's JSON.
 */
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { isHoldfastError } from '../../base/errors.js';
import type { ControlPlane } from '../control-plane.js';
import { SESSION_COOKIE, sameSecret, sessionValue } from '../auth.js';
import { parseFindingsQuery } from '../views/findings-query.js';
import { timeline } from '../views/timeline.js';
import { certificatesBody } from './certificates-page.js';
import { findingBody, findingsBody } from './findings-page.js';
import { findingDetail } from '../views/finding-detail.js';
import { certificatesData, findingsData, overviewData, runsData, volumeData, volumesData } from './gather.js';
import { html, type Html } from './html.js';
import { incidentRoutes } from './incident-routes.js';
import { incidentsSection } from './incidents.js';
import { layout, loginPage, logoSvg, notFoundPage, type Area } from './layout.js';
import { overviewBody } from './overview-page.js';
import { refreshJs } from './refresh.js';
import { runBody, runsBody } from './runs-page.js';
import { timelineBody } from './timeline-page.js';
import { volumeBody, volumesBody } from './volumes-page.js';

const timelineTypes = ['deploy', 'scan', 'backup', 'prune', 'verification', 'certificate', 'alert', 'missed', 'report', 'incident', 'rebuild', 'review'];

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
  const send = (reply: FastifyReply, page: Html, code = 200) => reply.code(code).type('text/html; charset=utf-8').send(page.s);
  const page = (reply: FastifyReply, title: string, body: Html, area: Area) => send(reply, layout(title, body, area));
  const notFound = (reply: FastifyReply, what: string, back?: { href: string; label: string }) => send(reply, notFoundPage(what, back), 404);

  app.get('/', { schema: hide }, async (_req, reply) => reply.redirect('/ui', 303));
  app.get('/favicon.ico', { schema: hide }, async (_req, reply) =>
    reply.type('image/svg+xml').header('cache-control', 'public, max-age=86400').send(logoSvg),
  );
  app.get('/ui/login', { schema: hide }, async (_req, reply) => send(reply, loginPage(false)));
  app.post<{ Body: { token?: string } }>('/ui/login', { schema: hide }, async (req, reply) => {
    if (!sameSecret(req.body?.token ?? '', token)) return send(reply, loginPage(true), 401);
    const attrs = ['Path=/', 'HttpOnly', 'SameSite=Strict', 'Max-Age=43200', ...(secure ? ['Secure'] : [])];
    return reply
      .header('set-cookie', `${SESSION_COOKIE}=${sessionValue(token)}; ${attrs.join('; ')}`)
      .redirect('/ui', 303);
  });
  app.get('/ui/refresh.js', { schema: hide }, async (_req, reply) =>
    reply.type('text/javascript; charset=utf-8').send(refreshJs),
  );

  app.get<{ Querystring: { partial?: string } }>('/ui', { schema: hide }, async (req, reply) => {
    const body = overviewBody(await overviewData(cp));
    return req.query.partial ? send(reply, body) : page(reply, 'Holdfast', body, 'overview');
  });
  app.get('/ui/incidents', { schema: hide }, async (_req, reply) => page(reply, 'Incidents', incidentsSection(cp), 'incidents'));
  app.get('/ui/volumes', { schema: hide }, async (_req, reply) => {
    const d = volumesData(cp);
    return page(reply, 'Volumes', volumesBody(d.vols, d.series, d.now), 'volumes');
  });
  app.get<{ Params: { name: string } }>('/ui/volumes/:name', { schema: hide }, async (req, reply) => {
    const d = volumeData(cp, req.params.name);
    if (!d) return notFound(reply, `No volume ${req.params.name} in the config.`, { href: '/ui/volumes', label: 'all volumes' });
    return page(reply, `Volume ${d.v.name}`, volumeBody(d.v, d.series, d.now), 'volumes');
  });
  app.get('/ui/certificates', { schema: hide }, async (_req, reply) => {
    const d = await certificatesData(cp);
    return page(reply, 'Certificates', certificatesBody(d.certs, d.spans, d.now, d.rotation), 'certificates');
  });
  app.get<{ Querystring: Record<string, string | undefined> }>('/ui/findings', { schema: hide }, async (req, reply) => {
    let q;
    try {
      q = parseFindingsQuery(req.query);
    } catch (e) {
      if (!isHoldfastError(e)) throw e;
      return send(reply, layout('Findings', html`<section><h2>Findings</h2><p role="alert">${e.message}</p><p><a href="/ui/findings">← all open findings</a></p></section>`, 'findings'), 400);
    }
    const view = req.query.view === 'list' ? 'list' : 'rules';
    return page(reply, 'Findings', findingsBody(findingsData(cp, q, view)), 'findings');
  });
  app.get<{ Params: { id: string } }>('/ui/findings/:id', { schema: hide }, async (req, reply) => {
    const d = findingDetail(cp, req.params.id);
    if (!d) return notFound(reply, `No finding ${req.params.id}.`, { href: '/ui/findings', label: 'all findings' });
    return page(reply, `Finding ${d.f.ruleId}`, findingBody(d), 'findings');
  });
  app.get<{ Querystring: { kind?: string; status?: string; target?: string } }>('/ui/runs', { schema: hide }, async (req, reply) => {
    const d = runsData(cp, req.query);
    return page(reply, 'Runs', runsBody(d.jobs, d.runs, d.filter, d.now), 'runs');
  });
  app.get<{ Params: { id: string } }>('/ui/runs/:id', { schema: hide }, async (req, reply) => {
    const id = Number(req.params.id);
    const r = Number.isSafeInteger(id) ? cp.runs.get(id) : undefined;
    if (!r) return notFound(reply, `No run ${req.params.id}.`, { href: '/ui/runs', label: 'all runs' });
    return page(reply, `Run #${r.id}`, runBody(r, cp.runs.logs(r.id)), 'runs');
  });
  app.get<{ Querystring: { type?: string } }>('/ui/timeline', { schema: hide }, async (req, reply) => {
    const type = timelineTypes.includes(req.query.type ?? '') ? req.query.type : undefined;
    return page(reply, 'Timeline', timelineBody(timeline(cp, 300, type ? 300 : 40), { type, types: timelineTypes }), 'timeline');
  });
  await app.register(incidentRoutes, { cp });
  // Last: any /ui path no route above knows.
  app.get('/ui/*', { schema: hide }, async (req, reply) => notFound(reply, `There is no page ${req.url.split('?')[0]}.`));
};
