/** Liveness and readiness: /healthz answers while the process serves; /readyz once the catalog is open and the scheduler runs. */
import type { FastifyPluginAsync } from 'fastify';
import type { ControlPlane } from '../control-plane.js';

export const healthRoutes: FastifyPluginAsync<{ cp: ControlPlane }> = async (app, { cp }) => {
  const status = { type: 'object', properties: { status: { type: 'string' } } } as const;
  app.get(
    '/healthz',
    { schema: { summary: 'Liveness', tags: ['health'], response: { 200: status } } },
    async () => ({ status: 'ok' }),
  );
  app.get(
    '/readyz',
    {
      schema: {
        summary: 'Readiness: catalog open and scheduler running',
        tags: ['health'],
        response: { 200: status, 503: status },
      },
    },
    async (_req, reply) => {
      let ok = cp.ready;
      try {
        cp.d.catalog.db.prepare('SELECT 1').get();
      } catch {
        ok = false;
      }
      return reply.code(ok ? 200 : 503).send({ status: ok ? 'ready' : 'not ready' });
    },
  );
};
