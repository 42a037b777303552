/**
 * SARIF upload for CI pipelines: POST the scanner's output as the body, naming the version in the
 * query (`repository`, `commit`, optional `ref`, `imageDigest`). The body is kept as bytes: the
 * SAST ingester hashes the exact report to make re-uploads idempotent.
 */
import type { FastifyPluginAsync } from 'fastify';
import { isHoldfastError, type ErrorKind, type HoldfastError } from '../../base/errors.js';
import { atLeast, isSeverity, severities } from '../../sast/index.js';
import type { ControlPlane } from '../control-plane.js';

/** What the upload says of each incident it proposed or withdrew (OpenAPI). */
const proposal = { id: { type: 'string' }, volume: { type: 'string' }, findingId: { type: 'string' }, message: { type: 'string' } } as const;

const maxListed = 1000;
const rankOf = (s: string) => (isSeverity(s) ? severities.indexOf(s) : severities.length);

/** The answer to a report refused: its fault (400), too big or slow to ingest (413), or the server stopping (503). */
const statusOf: Partial<Record<ErrorKind, number>> = { 'invalid-input': 400, corrupt: 400, conflict: 409, resource: 413, transient: 503 };

export const sarifRoutes: FastifyPluginAsync<{ cp: ControlPlane }> = async (app, { cp }) => {
  // Scoped to this plugin: here JSON bodies stay raw bytes.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser(
    ['application/json', 'application/sarif+json', 'application/octet-stream'],
    { parseAs: 'buffer', bodyLimit: 256 * 1024 * 1024 },
    (_req, body, done) => done(null, body),
  );
  // Before the server waits for in-flight requests: a long ingest ends now (503, nothing
  // written), so SIGTERM is never held up by an upload.
  app.addHook('preClose', async () => cp.sast.close());
  app.post<{
    Querystring: { repository: string; commit: string; ref?: string; imageDigest?: string; name?: string };
    Body: Buffer;
  }>(
    '/api/v1/sarif',
    {
      bodyLimit: 256 * 1024 * 1024,
      schema: {
        summary: 'Upload a SARIF report for a version (CI)',
        tags: ['findings'],
        consumes: ['application/sarif+json', 'application/json'],
        querystring: {
          type: 'object',
          required: ['repository', 'commit'],
          properties: {
            repository: { type: 'string', minLength: 1 },
            commit: { type: 'string', pattern: '^[0-9a-f]{7,40}$' },
            ref: { type: 'string', default: 'main' },
            imageDigest: { type: 'string', pattern: '^sha256:[0-9a-f]{64}$' },
            name: { type: 'string' },
          },
          additionalProperties: false,
        },
        response: {
          201: {
            type: 'object',
            additionalProperties: true,
            properties: {
              newFindingsCount: { type: 'integer', description: 'how many findings the report opened; newFindings lists at most 1000 of them, the most severe first' },
              incidents: {
                type: 'object',
                description:
                  'Incidents this upload proposed (awaiting approval, or auto-run by incidents.autoRun) and the ones it could not (why)',
                properties: {
                  proposed: {
                    type: 'array',
                    items: {
                      type: 'object',
                      properties: {
                        ...proposal,
                        autoRun: { type: 'boolean' },
                        autoRunMessage: { type: 'string' },
                        alsoFindings: { type: 'array', items: { type: 'string' } },
                      },
                    },
                  },
                  withdrawn: {
                    type: 'array',
                    description: 'second proposals for a volume from this upload, withdrawn in favour of the first',
                    items: { type: 'object', properties: proposal },
                  },
                  refused: {
                    type: 'array',
                    items: { type: 'object', properties: { volume: proposal.volume, findingId: proposal.findingId, message: proposal.message } },
                  },
                  triggerMs: { type: 'integer' },
                  error: { type: 'string' },
                },
              },
            },
          },
          400: { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' } } },
          413: { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' } } },
          503: { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' } } },
        },
      },
    },
    async (req, reply) => {
      if (!Buffer.isBuffer(req.body) || req.body.length === 0)
        return reply
          .code(400)
          .send({ code: 'SARIF_EMPTY', message: 'upload SARIF: the request body is empty' });
      try {
        const r = await cp.sast.ingest(req.body, {
          name: req.query.name ?? 'upload.sarif',
          repository: req.query.repository,
          commit: req.query.commit,
          ref: req.query.ref ?? 'main',
          imageDigest: req.query.imageDigest,
          triggerAtOrAbove: cp.config.sast.blockAt,
        });
        // New findings at or above sast.blockAt in a deployed version become incident proposals (engines/incidents.ts).
        // Only those can propose: passing the rest would walk the trigger over every low finding.
        const threshold = cp.config.sast.blockAt;
        const incidents = await cp.incidents.onNewFindings(r.newFindings.filter((f) => isSeverity(f.severity) && atLeast(f.severity, threshold)).map((f) => f.id));
        // The list is for a person or a CI log: the most severe first, at most a page of them.
        // A report of 200k new findings would otherwise be a 30 MB answer built on the event loop.
        const shown = r.newFindings.length > maxListed ? [...r.newFindings].sort((a, b) => rankOf(a.severity) - rankOf(b.severity)).slice(0, maxListed) : r.newFindings;
        return reply.code(201).send({ ...r, newFindings: shown, incidents });
      } catch (e) {
        const status = isHoldfastError(e) ? statusOf[e.kind] : undefined;
        if (status) return reply.code(status).send({ code: (e as HoldfastError).code, message: (e as HoldfastError).message });
        throw e;
      }
    },
  );
};
