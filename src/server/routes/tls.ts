/**
 * CA rotation through the API: POST /api/v1/tls/rotate-ca starts (or resumes) a rotation of serve's
 * own CA (<dataDir>/ca) in the background, 202 with its plan, 409 while one runs; GET
 * /api/v1/tls/rotation shows the recorded rotation, what each gate waits for (the rotation's own and
 * each certificate serve keeps), and how a rotation this serve ran last ended.
 */
import type { FastifyPluginAsync } from 'fastify';
import { parseDurationOrZero } from '../../tls/index.js';
import type { ControlPlane } from '../control-plane.js';

const anyObject = { type: 'object', additionalProperties: true } as const;
const error = { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' } } } as const;

export const tlsRoutes: FastifyPluginAsync<{ cp: ControlPlane }> = async (app, { cp }) => {
  app.post<{ Body: { propagation?: string; keepKey?: boolean } | undefined }>(
    '/api/v1/tls/rotate-ca',
    {
      schema: {
        summary: "Rotate serve's CA (as holdfast tls rotate-ca does): runs in the background; resumes one cut short",
        tags: ['certificates'],
        body: {
          type: 'object',
          properties: {
            propagation: { type: 'string', description: 'how long consumers get to re-read the bundle with both roots (default: the inventory rotation.propagation, 3m)' },
            keepKey: { type: 'boolean', description: 'renew the CA certificates with the same keys' },
          },
          additionalProperties: false,
        },
        response: { 202: anyObject, 409: error },
      },
    },
    async (req, reply) => {
      const b = req.body ?? {};
      const r = await cp.rotations.start({
        keepKey: b.keepKey,
        propagationMs: b.propagation === undefined ? undefined : parseDurationOrZero(b.propagation, 'body propagation'),
      });
      return reply.code(202).send(r);
    },
  );

  app.get(
    '/api/v1/tls/rotation',
    { schema: { summary: 'The CA rotation and what each gate waits for', tags: ['certificates'], response: { 200: anyObject } } },
    async () => cp.rotationStatus(),
  );
};
