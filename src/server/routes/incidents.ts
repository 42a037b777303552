/**
 * Incident routes (/api/v1/incidents...): the playbook journal, a proposal's plan, approve (runs
 * it in this server, in the background: 202 with the row, 409 while it or another incident on the
 * volume is active), abort, and the report the report step wrote. Inputs are checked with zod (the
 * JSON schemas Fastify and /openapi.json see are made from the same zod schemas); errors are
 * HoldfastErrors mapped by app.ts like every other route's (INCIDENT_NOT_FOUND 404, INCIDENT_* 409).
 */
import { readFile } from 'node:fs/promises';
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { notFound } from '../../base/errors.js';
import { anyObject, errorBody as error, jsonSchema as json, parse } from './zod-schema.js';
import type { ControlPlane } from '../control-plane.js';

const idParams = z.object({ id: z.string().regex(/^[A-Za-z0-9-]{1,80}$/, 'an incident id like inc-20261201-101500-9f2c') }).strict();
const listQuery = z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100) }).strict();
const actionBody = z.object({ actor: z.string().min(1).max(100).optional().describe('who approves or aborts, for the audit log (default "api")') }).strict().optional();
const reportQuery = z.object({ format: z.enum(['html', 'md']).default('html') }).strict();

export const incidentRoutes: FastifyPluginAsync<{ cp: ControlPlane }> = async (app, { cp }) => {
  app.get(
    '/api/v1/incidents',
    { schema: { summary: 'Incidents (proposed, running, failed, finished), newest first', tags: ['incidents'], querystring: json(listQuery), response: { 200: { type: 'array', items: anyObject } } } },
    async (req) => cp.incidents.list(parse(listQuery, req.query, 'list incidents')),
  );

  app.get(
    '/api/v1/incidents/:id',
    { schema: { summary: 'One incident: its row, its steps and, for a proposed one, the plan in words', tags: ['incidents'], params: json(idParams), response: { 200: anyObject, 404: error } } },
    async (req) => {
      const { id } = parse(idParams, req.params, 'get incident');
      const d = cp.incidents.get(id);
      if (!d) throw notFound('INCIDENT_NOT_FOUND', `incident ${id}: not in the catalog`);
      return d;
    },
  );

  app.post(
    '/api/v1/incidents/:id/approve',
    {
      schema: {
        summary: 'Approve a proposed incident (or continue a failed one): it runs in the server, in the background',
        tags: ['incidents'],
        params: json(idParams),
        optionalBody: json(actionBody.unwrap()),
        response: { 202: anyObject, 404: error, 409: error },
      },
    },
    async (req, reply) => {
      const { id } = parse(idParams, req.params, 'approve incident');
      const body = parse(actionBody, req.body ?? undefined, 'approve incident');
      return reply.code(202).send(await cp.incidents.approve(id, body?.actor ?? 'api'));
    },
  );

  app.post(
    '/api/v1/incidents/:id/abort',
    {
      schema: {
        summary: 'Abort an incident: undo what can be undone, newest first, and say what cannot',
        tags: ['incidents'],
        params: json(idParams),
        optionalBody: json(actionBody.unwrap()),
        response: { 200: anyObject, 404: error, 409: error },
      },
    },
    async (req) => {
      const { id } = parse(idParams, req.params, 'abort incident');
      const body = parse(actionBody, req.body ?? undefined, 'abort incident');
      return cp.incidents.abort(id, body?.actor ?? 'api');
    },
  );

  app.get(
    '/api/v1/incidents/:id/report',
    {
      schema: {
        summary: 'The incident report (HTML, or Markdown with format=md) written by its report step',
        tags: ['incidents'],
        params: json(idParams),
        querystring: json(reportQuery),
        produces: ['text/html', 'text/markdown'],
        response: { 200: { type: 'string' }, 404: error },
      },
    },
    async (req, reply) => {
      const { id } = parse(idParams, req.params, 'incident report');
      const { format } = parse(reportQuery, req.query, 'incident report');
      if (!cp.incidents.get(id)) throw notFound('INCIDENT_NOT_FOUND', `incident ${id}: not in the catalog`);
      const file = cp.incidents.reportPath(id, format);
      if (!file) throw notFound('INCIDENT_NO_REPORT', `incident ${id}: no report yet (the report step writes it when the run has verified)`);
      return reply.type(format === 'md' ? 'text/markdown; charset=utf-8' : 'text/html; charset=utf-8').send(await readFile(file, 'utf8'));
    },
  );
};
