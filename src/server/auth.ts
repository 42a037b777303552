/**
 * Bearer-token auth for every route except /healthz, /readyz, /openapi.json and the dashboard's
 * login page. The dashboard (a browser cannot add an Authorization header to a navigation) sends a
 * session cookie instead, which holds a hash of the token, never the token itself. Comparisons are
 * constant-time; a refusal says only "missing or wrong token".
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';

export const SESSION_COOKIE = 'holdfast_session';
const publicPaths = new Set(['/healthz', '/readyz', '/openapi.json', '/ui/login', '/favicon.ico']);

export const sessionValue = (token: string) =>
  createHash('sha256')
    .update('holdfast-session\0' + token)
    .digest('base64url');

export function sameSecret(a: string, b: string): boolean {
  const x = createHash('sha256').update(a).digest();
  const y = createHash('sha256').update(b).digest();
  return timingSafeEqual(x, y);
}

export function cookie(req: FastifyRequest, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) return decodeURIComponent(part.slice(i + 1).trim());
  }
  return undefined;
}

export function isAuthorized(req: FastifyRequest, token: string): boolean {
  const h = req.headers.authorization;
  if (h?.startsWith('Bearer ') && sameSecret(h.slice(7).trim(), token)) return true;
  const c = cookie(req, SESSION_COOKIE);
  return c !== undefined && sameSecret(c, sessionValue(token));
}

export function registerAuth(app: FastifyInstance, token: string): void {
  app.addHook('onRequest', async (req, reply) => {
    const path = req.url.split('?')[0]!;
    if (publicPaths.has(path)) return;
    if (isAuthorized(req, token)) return;
    if (path === '/' || path.startsWith('/ui')) return reply.redirect('/ui/login', 303);
    return reply
      .code(401)
      .header('www-authenticate', 'Bearer realm="holdfast"')
      .send({ code: 'UNAUTHORIZED', message: 'missing or wrong bearer token' });
  });
}
