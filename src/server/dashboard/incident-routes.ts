/**
 * Incident routes of the dashboard, registered inside dashboardRoutes (so its session, form
 * parser and CSP apply): /ui/incidents/:id (?partial=1 for the in-place refresh), and the report
 * files the run's last step wrote, served from the incident's own directory only.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { errnoCode } from '../../base/errors.js';
import type { ControlPlane } from '../control-plane.js';
import { html } from './html.js';
import { incidentStore } from './incident-data.js';
import { incidentPage } from './incidents.js';
import { layout } from './page.js';

// Incident ids are made by newIncidentId (inc-YYYYMMDD-HHMMSS-xxxx); anything else never names a directory.
const safeId = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const hide = { hide: true };

const notFound = (reply: FastifyReply, what: string) =>
  reply
    .code(404)
    .type('text/html; charset=utf-8')
    .send(layout('Not found', html`<section><p>${what}</p><p><a href="/ui#incidents">← all incidents</a></p></section>`).s);

export const incidentRoutes: FastifyPluginAsync<{ cp: ControlPlane }> = async (app, { cp }) => {
  app.get<{ Params: { id: string }; Querystring: { partial?: string } }>('/ui/incidents/:id', { schema: hide }, async (req, reply) => {
    const r = incidentPage(cp, req.params.id);
    if (!r) return notFound(reply, `No incident ${req.params.id}.`);
    return reply.type('text/html; charset=utf-8').send(req.query.partial ? r.body.s : r.page.s);
  });

  const report = (file: string, type: string) =>
    app.get<{ Params: { id: string } }>(`/ui/incidents/:id/${file}`, { schema: hide }, async (req, reply) => {
      const { id } = req.params;
      if (!safeId.test(id) || !incidentStore(cp).get(id)) return notFound(reply, `No incident ${id}.`);
      try {
        const text = await readFile(join(cp.dataDir, 'incidents', id, file), 'utf8');
        return reply.type(type).header('x-content-type-options', 'nosniff').send(text);
      } catch (e) {
        if (errnoCode(e) !== 'ENOENT') throw e;
        return notFound(reply, `Incident ${id} has no ${file} yet: the report step writes it once everything is verified.`);
      }
    });
  report('report.html', 'text/html; charset=utf-8');
  // Shown in the browser as text (text/markdown would be downloaded).
  report('report.md', 'text/plain; charset=utf-8');
};
