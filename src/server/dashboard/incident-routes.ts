/**
 * Incident routes of the dashboard, registered inside dashboardRoutes (so its session, form
 * parser and CSP apply): /ui/incidents/:id (?partial=1 for the in-place refresh), the report files
 * the run's last step wrote (cp.incidents.reportPath: the incident's own directory only), and the
 * Approve / Resume / Abort forms, which call cp.incidents as the actor "dashboard" and answer with
 * a redirect to the page (so a reload does not post twice).
 */
import { readFile } from 'node:fs/promises';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { isHoldfastError } from '../../base/errors.js';
import type { ControlPlane } from '../control-plane.js';
import { incidentPage, type PageNotice } from './incidents.js';
import { notFoundPage } from './layout.js';

const hide = { hide: true };
const ACTOR = 'dashboard';

/** Fixed texts for the redirect after an action: the query names one, it never carries text of its own. */
const notices: Record<string, PageNotice> = {
  approved: { kind: 'ok', text: 'Approved: the run has started in holdfast serve. This page follows it.' },
  aborted: { kind: 'ok', text: 'Aborted: what could be undone was undone (see the steps); the evidence is kept.' },
};

const notFound = (reply: FastifyReply, what: string) =>
  reply
    .code(404)
    .type('text/html; charset=utf-8')
    .send(notFoundPage(what, { href: '/ui/incidents', label: 'all incidents' }).s);

/**
 * The session cookie is SameSite=Strict, so a cross-site form carries none; a browser also says
 * where a form came from (Sec-Fetch-Site), and a POST from another site is refused outright.
 * Origin is only a fallback for browsers without Sec-Fetch-Site: under our Referrer-Policy
 * no-referrer a same-origin form's Origin is "null". A client without either header (curl with
 * the bearer token) is not a browser and is left to the auth check.
 */
function crossSite(req: FastifyRequest): boolean {
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined) return site !== 'same-origin' && site !== 'none';
  const origin = req.headers.origin;
  return origin !== undefined && origin !== 'null' && origin !== `${req.protocol}://${req.headers.host ?? ''}`;
}

export const incidentRoutes: FastifyPluginAsync<{ cp: ControlPlane }> = async (app, { cp }) => {
  const show = (reply: FastifyReply, id: string, o: { partial?: boolean; notice?: PageNotice; code?: number } = {}) => {
    const r = incidentPage(cp, id, o.notice);
    if (!r) return notFound(reply, `No incident ${id}.`);
    return reply
      .code(o.code ?? 200)
      .type('text/html; charset=utf-8')
      .send(o.partial ? r.body.s : r.page.s);
  };

  app.get<{ Params: { id: string }; Querystring: { partial?: string; notice?: string } }>('/ui/incidents/:id', { schema: hide }, async (req, reply) =>
    show(reply, req.params.id, { partial: Boolean(req.query.partial), notice: notices[req.query.notice ?? ''] }),
  );

  const report = (format: 'html' | 'md', type: string) =>
    app.get<{ Params: { id: string } }>(`/ui/incidents/:id/report.${format}`, { schema: hide }, async (req, reply) => {
      const { id } = req.params;
      if (!cp.incidents.get(id)) return notFound(reply, `No incident ${id}.`);
      const file = cp.incidents.reportPath(id, format);
      if (!file) return notFound(reply, `Incident ${id} has no report.${format} yet: the report step writes it once everything is verified.`);
      return reply
        .type(type)
        .header('x-content-type-options', 'nosniff')
        .send(await readFile(file, 'utf8'));
    });
  report('html', 'text/html; charset=utf-8');
  // Shown in the browser as text (text/markdown would be downloaded).
  report('md', 'text/plain; charset=utf-8');

  const action = (name: 'approve' | 'abort', run: (id: string, body: Record<string, string>) => Promise<string | undefined>) =>
    app.post<{ Params: { id: string }; Body: Record<string, string> | undefined }>(`/ui/incidents/:id/${name}`, { schema: hide }, async (req, reply) => {
      const { id } = req.params;
      if (crossSite(req)) return reply.code(403).type('text/plain; charset=utf-8').send(`${name} incident ${id}: refused, the form was not posted from this dashboard`);
      try {
        const refusal = await run(id, req.body ?? {});
        if (refusal) return show(reply, id, { notice: { kind: 'error', text: refusal }, code: 400 });
      } catch (e) {
        if (!isHoldfastError(e)) throw e;
        if (e.kind === 'not-found') return notFound(reply, `No incident ${id}.`);
        return show(reply, id, { notice: { kind: 'error', text: e.message }, code: e.kind === 'conflict' ? 409 : 400 });
      }
      return reply.redirect(`/ui/incidents/${encodeURIComponent(id)}?notice=${name === 'approve' ? 'approved' : 'aborted'}`, 303);
    });
  action('approve', async (id) => {
    await cp.incidents.approve(id, ACTOR);
    return undefined;
  });
  action('abort', async (id, body) => {
    if (body.confirm !== 'yes') return `abort incident ${id}: tick the box to confirm; nothing was changed`;
    await cp.incidents.abort(id, ACTOR);
    return undefined;
  });
};
