/**
 * /openapi.json, built from the schemas declared at each route (collected as routes register), so
 * the document cannot drift from what the server validates.
 */
import type { FastifyInstance, RouteOptions } from 'fastify';

// The OpenAPI fields routes declare beside their validation schemas.
declare module 'fastify' {
  interface FastifySchema {
    summary?: string;
    tags?: string[];
    hide?: boolean;
    consumes?: string[];
    produces?: string[];
    /** An optional JSON body, documented only: the route checks it itself (zod), since Fastify's validator would drop unknown keys silently instead of refusing them. */
    optionalBody?: Record<string, unknown>;
  }
}

type Schema = Record<string, unknown>;
interface Op {
  summary?: string;
  tags?: string[];
  parameters: Schema[];
  requestBody?: Schema;
  responses: Record<string, Schema>;
  security?: Schema[];
}

const publicPaths = new Set(['/healthz', '/readyz', '/openapi.json']);

export function collectOpenApi(app: FastifyInstance, info: { title: string; version: string }): () => Schema {
  const paths: Record<string, Record<string, Op>> = {};
  app.addHook('onRoute', (r: RouteOptions) => {
    const s = (r.schema ?? {}) as Schema & { summary?: string; tags?: string[]; hide?: boolean };
    if (s.hide || r.url.startsWith('/ui') || r.url === '/') return;
    const path = r.url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    const methods = (Array.isArray(r.method) ? r.method : [r.method]).filter((m) => m !== 'HEAD');
    const params = (where: 'query' | 'path', obj: unknown): Schema[] => {
      const o = obj as { properties?: Record<string, Schema>; required?: string[] } | undefined;
      return Object.entries(o?.properties ?? {}).map(([name, schema]) => ({
        name,
        in: where,
        required: where === 'path' || (o?.required ?? []).includes(name),
        schema,
      }));
    };
    const responses: Record<string, Schema> = {};
    for (const [code, schema] of Object.entries((s.response ?? { 200: {} }) as Record<string, Schema>))
      responses[code] = {
        description: code.startsWith('2') ? 'ok' : 'error',
        content: { 'application/json': { schema } },
      };
    if (!publicPaths.has(r.url)) responses['401'] = { description: 'missing or wrong bearer token' };
    const op: Op = {
      summary: s.summary,
      tags: s.tags,
      parameters: [...params('path', s.params), ...params('query', s.querystring)],
      responses,
    };
    if (s.body) op.requestBody = { content: { 'application/json': { schema: s.body } } };
    if (s.optionalBody) op.requestBody = { required: false, content: { 'application/json': { schema: s.optionalBody } } };
    if (Array.isArray(s.consumes))
      op.requestBody = {
        required: true,
        content: Object.fromEntries(
          (s.consumes as string[]).map((c) => [
            c,
            { schema: { type: 'object', description: 'SARIF 2.1.0 log' } },
          ]),
        ),
      };
    if (publicPaths.has(r.url)) op.security = [];
    for (const m of methods) (paths[path] ??= {})[m.toLowerCase()] = op;
  });
  return () => ({
    openapi: '3.0.3',
    info: {
      ...info,
      description:
        'Holdfast control plane: backups, verified restores, certificates and SAST findings of one machine.',
    },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    security: [{ bearer: [] }],
    paths,
  });
}
