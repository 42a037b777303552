/** Prometheus exposition at /metrics (bearer token required, like every non-health route). */
import type { FastifyPluginAsync } from 'fastify';
import type { ControlPlane } from '../control-plane.js';
import { createMetrics } from '../metrics.js';
import { registerPruneMetrics } from './prune-metrics.js';

export const metricsRoutes: FastifyPluginAsync<{ cp: ControlPlane }> = async (app, { cp }) => {
  const metrics = createMetrics(cp);
  registerPruneMetrics(metrics.registry, cp);
  app.get(
    '/metrics',
    { schema: { summary: 'Prometheus metrics', tags: ['metrics'], produces: ['text/plain'] } },
    async (_req, reply) => {
      reply.header('content-type', metrics.registry.contentType);
      return metrics.scrape();
    },
  );
};
