/**
 * The control plane's HTTP server: Fastify with one plugin per concept. Errors a user can act on
 * (HoldfastError) become a status from their kind and one message; anything else is a 500 that
 * says "internal error" and is logged with its stack, never sent.
 */
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { HoldfastError, type ErrorKind } from '../base/errors.js';
import { catalogBusy, isCatalogBusy } from '../catalog/busy.js';
import type { ControlPlane } from './control-plane.js';
import { registerAuth } from './auth.js';
import { collectOpenApi } from './openapi.js';
import { apiRoutes } from './routes/api.js';
import { healthRoutes } from './routes/health.js';
import { metricsRoutes } from './routes/metrics.js';
import { sarifRoutes } from './routes/sarif.js';
import { incidentRoutes } from './routes/incidents.js';
import { workloadRoutes } from './routes/workloads.js';
import { tlsRoutes } from './routes/tls.js';
import { dashboardRoutes } from './dashboard/routes.js';

const statusOf: Record<ErrorKind, number> = {
  'invalid-input': 400,
  auth: 403,
  'not-found': 404,
  corrupt: 422,
  conflict: 409,
  transient: 503,
  resource: 507,
  permanent: 500,
  bug: 500,
};

export interface AppOptions {
  token: string;
  https?: { key: string; cert: string };
}

export async function buildApp(cp: ControlPlane, o: AppOptions): Promise<FastifyInstance> {
  const opts: FastifyServerOptions = { logger: false, trustProxy: false };
  const app: FastifyInstance = o.https
    ? (Fastify({ ...opts, https: o.https } as FastifyServerOptions) as unknown as FastifyInstance)
    : Fastify(opts);
  const openapi = collectOpenApi(app, { title: 'Holdfast', version: '1' });
  registerAuth(app, o.token);
  app.setErrorHandler((err, req, reply) => {
    if (err instanceof HoldfastError)
      return reply.code(statusOf[err.kind]).send({ code: err.code, message: err.message });
    // Another process's long write (a large CLI ingest): the request did nothing and may be repeated.
    if (isCatalogBusy(err)) {
      const busy = catalogBusy(`${req.method} ${req.url.split('?')[0]}`, err);
      return reply.code(503).header('retry-after', '5').send({ code: busy.code, message: busy.message });
    }
    const e = err as { validation?: unknown; statusCode?: number; code?: string; message: string };
    if (e.validation || (e.statusCode && e.statusCode < 500))
      return reply.code(e.statusCode ?? 400).send({ code: e.code ?? 'BAD_REQUEST', message: e.message });
    cp.d.log.error(`${req.method} ${req.url.split('?')[0]}: internal error: ${e.message}`, {
      stack: (err as Error).stack,
    });
    return reply.code(500).send({ code: 'INTERNAL', message: 'internal error (logged on the server)' });
  });
  app.get('/openapi.json', { schema: { summary: 'This document', tags: ['meta'] } }, async () => openapi());
  await app.register(healthRoutes, { cp });
  await app.register(metricsRoutes, { cp });
  await app.register(apiRoutes, { cp });
  await app.register(sarifRoutes, { cp });
  await app.register(incidentRoutes, { cp });
  await app.register(workloadRoutes, { cp });
  await app.register(tlsRoutes, { cp });
  await app.register(dashboardRoutes, { cp, token: o.token, secure: o.https !== undefined });
  return app;
}
