/**
 * Liveness and readiness: /healthz answers while the process serves; /readyz is ready once the
 * catalog is open and the scheduler runs, and degraded (503) while a workload it runs is not
 * ready — the service Holdfast protects is down, whatever Holdfast itself is doing. It is public,
 * so it says how many, not which (the overview, behind the token, names them).
 */
import type { FastifyPluginAsync } from 'fastify';
import type { ControlPlane } from '../control-plane.js';
import { isDown } from '../workloads/decide.js';

export const healthRoutes: FastifyPluginAsync<{ cp: ControlPlane }> = async (app, { cp }) => {
  const status = { type: 'object', properties: { status: { type: 'string' }, reason: { type: 'string' } } } as const;
  app.get(
    '/healthz',
    { schema: { summary: 'Liveness', tags: ['health'], response: { 200: status } } },
    async () => ({ status: 'ok' }),
  );
  app.get(
    '/readyz',
    {
      schema: {
        summary: 'Readiness: catalog open, scheduler running, every workload ready (503 degraded otherwise)',
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
      if (!ok) return reply.code(503).send({ status: 'not ready' });
      const down = [...cp.workloads.values()].filter((w) => isDown(w.status().state)).length;
      if (down) return reply.code(503).send({ status: 'degraded', reason: `${down} workload(s) not ready` });
      return reply.code(200).send({ status: 'ready' });
    },
  );
};
