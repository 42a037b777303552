/** Read endpoints of the API (/api/v1/...): overview, volumes and restore points, runs and their logs, certificates, findings, timeline, alerts; and "run a job now". */
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { ControlPlane } from '../control-plane.js';
import { certificateViews, volumeViews } from '../views/health.js';
import { overview } from '../views/overview.js';
import { timeline } from '../views/timeline.js';
import { overviewSource } from '../views/sources.js';
import { parseFindingsQuery } from '../views/findings-query.js';
import { findingsPaged } from '../views/findings-paged.js';
import { findingDetail } from '../views/finding-detail.js';
import { severitySources } from '../../sast/index.js';

const anyObject = { type: 'object', additionalProperties: true } as const;
const list = { type: 'array', items: anyObject } as const;
const error = {
  type: 'object',
  properties: { code: { type: 'string' }, message: { type: 'string' } },
} as const;

export const apiRoutes: FastifyPluginAsync<{ cp: ControlPlane }> = async (app, { cp }) => {
  app.get(
    '/api/v1/overview',
    { schema: { summary: 'Health overview', tags: ['overview'], response: { 200: anyObject } } },
    async () => overview(overviewSource(cp)),
  );

  app.get(
    '/api/v1/volumes',
    {
      schema: {
        summary: 'Volumes with their restore points, the versions in each and their SAST verdicts',
        tags: ['volumes'],
        response: { 200: list },
      },
    },
    async () => volumeViews(cp),
  );

  app.get<{ Params: { name: string } }>(
    '/api/v1/volumes/:name',
    {
      schema: {
        summary: 'One volume',
        tags: ['volumes'],
        params: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] },
        response: { 200: anyObject, 404: error },
      },
    },
    async (req, reply) => {
      const v = volumeViews(cp, { points: 500 }).find((x) => x.name === req.params.name);
      return (
        v ??
        reply
          .code(404)
          .send({ code: 'VOLUME_NOT_FOUND', message: `volume ${req.params.name}: not in the config` })
      );
    },
  );

  app.get<{
    Querystring: {
      kind?: 'backup' | 'verify' | 'certificate' | 'report' | 'prune';
      status?: 'running' | 'succeeded' | 'failed' | 'missed';
      limit?: number;
    };
  }>(
    '/api/v1/runs',
    {
      schema: {
        summary: 'Run history, newest first',
        tags: ['runs'],
        querystring: {
          type: 'object',
          properties: {
            kind: { type: 'string', enum: ['backup', 'verify', 'certificate', 'report', 'prune'] },
            status: { type: 'string', enum: ['running', 'succeeded', 'failed', 'missed'] },
            limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
          },
          additionalProperties: false,
        },
        response: { 200: list },
      },
    },
    async (req) => cp.runs.list({ kind: req.query.kind, status: req.query.status, limit: req.query.limit }),
  );

  app.get<{ Params: { id: number } }>(
    '/api/v1/runs/:id',
    {
      schema: {
        summary: 'One run with its log',
        tags: ['runs'],
        params: { type: 'object', properties: { id: { type: 'integer' } }, required: ['id'] },
        response: { 200: anyObject, 404: error },
      },
    },
    async (req, reply) => {
      const r = cp.runs.get(req.params.id);
      if (!r)
        return reply.code(404).send({ code: 'RUN_NOT_FOUND', message: `run ${req.params.id}: no such run` });
      return { ...r, logs: cp.runs.logs(r.id) };
    },
  );

  app.get(
    '/api/v1/jobs',
    {
      schema: { summary: 'Scheduled jobs and their next fire time', tags: ['runs'], response: { 200: list } },
    },
    async () =>
      cp.scheduler
        .list()
        .map((j) => ({
          id: j.id,
          kind: j.kind,
          policy: j.policy,
          target: j.target,
          repository: j.repository,
          schedule: j.schedule,
          next: j.next?.toISOString(),
          running: j.running,
          queued: j.queued,
        })),
  );

  const runNow = (id: string, reply: FastifyReply) => {
    if (!cp.scheduler.list().some((j) => j.id === id))
      return reply.code(409).send({ code: 'JOB_NOT_FOUND', message: `job ${id}: not in the config` });
    const queued = cp.scheduler.trigger(id);
    return reply
      .code(202)
      .send({ job: id, queued, message: queued ? 'queued' : 'already queued or running' });
  };
  const runSchema = (properties: Record<string, { type: 'string' }>) => ({
    schema: {
      summary: 'Queue a job now, outside its schedule',
      tags: ['runs'],
      params: { type: 'object', properties },
      response: { 202: anyObject, 409: error },
    },
  });

  app.post<{ Params: { kind: string; policy: string; target: string } }>(
    '/api/v1/jobs/:kind/:policy/:target/run',
    runSchema({ kind: { type: 'string' }, policy: { type: 'string' }, target: { type: 'string' } }),
    async (req, reply) => runNow(`${req.params.kind}/${req.params.policy}/${req.params.target}`, reply),
  );

  // Jobs with a two-part id: prune/<repository>, certificate/<name>, report/review.
  app.post<{ Params: { kind: string; target: string } }>(
    '/api/v1/jobs/:kind/:target/run',
    runSchema({ kind: { type: 'string' }, target: { type: 'string' } }),
    async (req, reply) => runNow(`${req.params.kind}/${req.params.target}`, reply),
  );

  app.get(
    '/api/v1/certificates',
    {
      schema: {
        summary: 'Certificates: expiry as written and as served, and whether they match',
        tags: ['certificates'],
        response: { 200: list },
      },
    },
    async () => certificateViews(cp),
  );

  const findingsQuery = {
    type: 'object',
    properties: {
      state: { type: 'string', default: 'open', description: 'comma-separated states, or "all"' },
      severity: { type: 'string', description: 'comma-separated severities' },
      tool: { type: 'string' },
      workload: { type: 'string', description: 'only findings the version running on this workload carries' },
      version: { type: 'string', description: 'only findings the scans of this commit (or prefix) saw' },
      rule: { type: 'string' },
      page: { type: 'string' },
      perPage: { type: 'string' },
    },
    additionalProperties: false,
  } as const;
  type FindingsQs = Record<string, string | undefined>;

  app.get<{ Querystring: FindingsQs }>(
    '/api/v1/findings',
    {
      schema: {
        summary: 'SAST findings with SLA state and where they are deployed; filtered, one page (the first 1000 by default), the true count in X-Total-Count',
        tags: ['findings'],
        querystring: findingsQuery,
        response: { 200: list },
      },
    },
    async (req, reply) => {
      // Always one page, read in SQL: without page/perPage the whole list was read, and at 200k
      // findings built and sent from the event loop.
      const p = findingsPaged(cp, parseFindingsQuery(req.query, { state: 'open', perPage: 1000 }), { page: true }).page;
      reply.header('x-total-count', String(p.total));
      return p.items;
    },
  );

  app.get<{ Querystring: FindingsQs }>(
    '/api/v1/findings/rules',
    {
      schema: {
        summary: 'The same findings grouped by tool and rule: count, most severe, CWEs, where deployed, and the rule as its scanner described it (name, descriptions, help, help URI)',
        tags: ['findings'],
        querystring: findingsQuery,
        response: { 200: list },
      },
    },
    async (req) => findingsPaged(cp, parseFindingsQuery(req.query, { state: 'open', perPage: 1000 }), { groups: true }).groups,
  );

  const said = {
    type: 'object',
    properties: {
      source: { type: 'string', enum: severitySources },
      raw: { type: 'string', description: 'what the source said, as written: a CVSS score, a word, a tag or a SARIF level' },
      severity: { type: 'string', description: "that word on Holdfast's scale" },
      label: { type: 'string', description: 'the source in words, e.g. "gosec\'s tag MEDIUM"' },
      stricter: { type: 'boolean', description: 'stricter than the decided severity: the severity policy let a milder source decide' },
    },
  } as const;
  const findingDetailSchema = {
    type: 'object',
    additionalProperties: true,
    properties: {
      severityDecision: {
        type: 'object',
        description:
          'What each source said of the severity (security-severity score, the tool\'s own severity or tag, the SARIF level) and which one decided under sast.severityPolicy. recorded is false for a finding ingested before Holdfast kept them; decidedBy is then absent.',
        properties: {
          severity: { type: 'string' },
          recorded: { type: 'boolean' },
          decidedBy: said,
          alsoSaid: { type: 'array', items: said, description: 'the other sources, the strictest first' },
          text: { type: 'string', description: 'all of it in one line' },
        },
      },
      rule: {
        type: 'object',
        description: "The finding's rule as the newest report described it, each field only when the scanner gave it. A report's text, never HTML to render.",
        properties: {
          name: { type: 'string' },
          description: { type: 'string', description: 'SARIF shortDescription' },
          fullDescription: { type: 'string', description: 'SARIF fullDescription' },
          help: { type: 'string', description: "SARIF help: its text, else its Markdown source" },
          helpUri: { type: 'string', description: 'as written, any scheme: link it only when http(s)' },
        },
      },
    },
  } as const;

  app.get<{ Params: { id: string } }>(
    '/api/v1/findings/:id',
    {
      schema: {
        summary: "One finding: why it has its severity, its rule's description and help, its history, the versions that carry it and the backups they wrote",
        tags: ['findings'],
        params: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] },
        response: { 200: findingDetailSchema, 404: error },
      },
    },
    async (req, reply) => {
      const d = findingDetail(cp, req.params.id);
      if (!d) return reply.code(404).send({ code: 'FINDING_NOT_FOUND', message: `finding ${req.params.id}: no such finding` });
      const { now: _now, ...rest } = d;
      return rest;
    },
  );

  app.get<{ Querystring: { limit?: number; routine?: number } }>(
    '/api/v1/timeline',
    {
      schema: {
        summary: 'Deploys, scans, backups, verifications, certificate rotations and alerts, newest first',
        tags: ['timeline'],
        querystring: {
          type: 'object',
          properties: {
            limit: { type: 'integer', minimum: 1, maximum: 2000, default: 200 },
            routine: {
              type: 'integer',
              minimum: 0,
              description: 'at most this many successful backups/verifications',
            },
          },
        },
        response: { 200: list },
      },
    },
    async (req) => timeline(cp, req.query.limit, req.query.routine),
  );

  app.get(
    '/api/v1/alerts',
    { schema: { summary: 'Alerts sent to webhooks', tags: ['alerts'], response: { 200: list } } },
    async () => cp.evidence.alerts({ limit: 200 }),
  );
};
