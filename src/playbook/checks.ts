/**
 * The checks a playbook proves its work with, on real connections: an HTTPS health check that
 * trusts only Holdfast's CA, a handshake that must verify against the trust bundle, and the
 * identity of a certificate's key (so "new key" is checked, not assumed).
 */
import { createHash, X509Certificate } from 'node:crypto';
import { request } from 'node:https';
import { connect } from 'node:tls';
import { isIP } from 'node:net';

export interface HealthResult {
  ok: boolean;
  status?: number;
  body?: string;
  error?: string;
}

export function httpsHealth(ep: { host: string; port: number; serverName?: string }, path: string, caPem: string, timeoutMs = 3000): Promise<HealthResult> {
  return new Promise((resolve) => {
    const servername = ep.serverName && !isIP(ep.serverName) ? ep.serverName : undefined;
    const req = request({ host: ep.host, port: ep.port, path, method: 'GET', ca: caPem, ...(servername ? { servername } : {}), timeout: timeoutMs, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body = (body + c).slice(0, 4096)));
      res.on('end', () => resolve({ ok: res.statusCode === 200, status: res.statusCode ?? 0, body }));
    });
    req.once('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.once('error', (e: NodeJS.ErrnoException) => resolve({ ok: false, error: e.code ?? e.message }));
    req.end();
  });
}

/** Polls the health check until it passes or `timeoutMs` runs out; returns the last result. */
export async function waitHealthy(ep: { host: string; port: number; serverName?: string }, path: string, caPem: string, timeoutMs = 30_000): Promise<HealthResult> {
  const deadline = Date.now() + timeoutMs;
  let last: HealthResult = { ok: false, error: 'not checked' };
  let delay = 25;
  while (Date.now() < deadline) {
    last = await httpsHealth(ep, path, caPem);
    if (last.ok) return last;
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(250, delay * 2);
  }
  return last;
}

/** A handshake that verifies the served chain against `bundlePem` and the name; returns the leaf served. */
export function trustedHandshake(ep: { host: string; port: number; serverName?: string }, bundlePem: string, timeoutMs = 5000): Promise<{ authorized: boolean; error?: string; fingerprint?: string; keyId?: string }> {
  return new Promise((resolve) => {
    const servername = ep.serverName && !isIP(ep.serverName) ? ep.serverName : undefined;
    const sock = connect({ host: ep.host, port: ep.port, ca: bundlePem, rejectUnauthorized: true, ...(servername ? { servername } : {}) });
    const timer = setTimeout(() => done({ authorized: false, error: `no handshake within ${timeoutMs} ms` }), timeoutMs);
    const done = (r: { authorized: boolean; error?: string; fingerprint?: string; keyId?: string }) => {
      clearTimeout(timer);
      sock.destroy();
      resolve(r);
    };
    sock.once('secureConnect', () => {
      const raw = sock.getPeerCertificate().raw;
      done({ authorized: sock.authorized, ...(raw ? { fingerprint: new X509Certificate(raw).fingerprint256, keyId: keyIdOf(new X509Certificate(raw)) } : {}) });
    });
    sock.once('error', (e: NodeJS.ErrnoException) => done({ authorized: false, error: e.code ?? e.message }));
  });
}

/** SHA-256 of the certificate's public key (SPKI DER), hex: equal for two certificates on one key. */
export function keyIdOf(cert: X509Certificate | string): string {
  const c = typeof cert === 'string' ? new X509Certificate(cert) : cert;
  return createHash('sha256').update(c.publicKey.export({ type: 'spki', format: 'der' })).digest('hex');
}
