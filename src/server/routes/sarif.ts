/**
 * SARIF upload for CI pipelines: POST the scanner's output as the body, naming the version in the
 * query (`repository`, `commit`, optional `ref`, `imageDigest`). The body is kept as bytes: the
 * SAST ingester hashes the exact report to make re-uploads idempotent.
 */
import type { FastifyPluginAsync } from 'fastify';
import { isHoldfastError } from '../../base/errors.js';
import type { ControlPlane } from '../control-plane.js';

/** What the upload says of each incident it proposed or withdrew (OpenAPI). */
const proposal = { id: { type: 'string' }, volume: { type: 'string' }, findingId: { type: 'string' }, message: { type: 'string' } } as const;

export const sarifRoutes: FastifyPluginAsync<{ cp: ControlPlane }> = async (app, { cp }) => {
  // Scoped to this plugin: here JSON bodies stay raw bytes.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser(
    ['application/json', 'application/sarif+json', 'application/octet-stream'],
    { parseAs: 'buffer', bodyLimit: 256 * 1024 * 1024 },
    (_req, body, done) => done(null, body),
  );
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
        });
        // New findings at or above sast.blockAt in a deployed version become incident proposals (engines/incidents.ts).
        const incidents = await cp.incidents.onNewFindings(r.newFindings.map((f) => f.id));
        return reply.code(201).send({ ...r, incidents });
      } catch (e) {
        if (
          isHoldfastError(e) &&
          (e.kind === 'invalid-input' || e.kind === 'corrupt' || e.kind === 'conflict')
        )
          return reply.code(e.kind === 'conflict' ? 409 : 400).send({ code: e.code, message: e.message });
        throw e;
      }
    },
  );
};
