/**
 * A fault-injecting HTTP(S) proxy on loopback, between a client and a real server. For each
 * request it draws from a seeded PRNG: pass it through, or inject one fault —
 *   503      answer "503 SlowDown" itself (the server never sees the request)
 *   slow     wait `slowMs`, then pass through
 *   timeout  never answer (the client's request timeout must fire)
 *   reset    destroy the connection as soon as the request arrives
 *   cut      pass through, but cut the connection halfway through the response body — after the
 *            server has done the work, which is the ambiguous case retries must survive
 * The draws are deterministic for a seed (the order requests arrive in may vary under concurrency).
 * It forwards the Host header untouched, so SigV4 signatures made for the proxy still verify.
 */
import { createServer as createHttpServer, request as httpRequest, Agent as HttpAgent, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, request as httpsRequest, Agent as HttpsAgent } from 'node:https';
import type { Socket } from 'node:net';
import { seededRandom } from './seeded-random.js';

export { seededRandom };

export type FaultKind = '503' | 'slow' | 'timeout' | 'reset' | 'cut';
export const allFaults: FaultKind[] = ['503', 'slow', 'timeout', 'reset', 'cut'];


/** The decision for one request: pure, so the sequence for a seed is testable. */
export function drawFault(random: () => number, rate: number, kinds: FaultKind[]): FaultKind | undefined {
  if (random() >= rate || kinds.length === 0) return undefined;
  return kinds[Math.floor(random() * kinds.length)]!;
}

export interface FaultProxyOptions {
  upstream: string;
  rate: number;
  seed: number;
  kinds?: FaultKind[];
  slowMs?: number;
  /**
   * Answer every PUT carrying If-None-Match with 501 NotImplemented, as S3 servers without
   * conditional writes do (versitygw has them, so this is the one behaviour we imitate).
   */
  noConditionalWrites?: boolean;
  /** Serve TLS with this identity, and trust `ca` for the upstream. */
  tls?: { cert: Buffer; key: Buffer; ca: Buffer };
}

export interface FaultProxy {
  endpoint: string;
  /** Requests seen per outcome: 'pass' or a fault kind. */
  stats: Record<FaultKind | 'pass', number>;
  /** Most requests the proxy was handling at the same moment: what a client's parallelism limit allows. */
  readonly maxInFlight: number;
  /** Conditional PUTs answered 501 (noConditionalWrites). */
  readonly refusedConditional: number;
  setRate(rate: number): void;
  stop(): Promise<void>;
}

export async function startFaultProxy(o: FaultProxyOptions): Promise<FaultProxy> {
  const random = seededRandom(o.seed);
  const kinds = o.kinds ?? allFaults;
  let rate = o.rate;
  const stats: FaultProxy['stats'] = { pass: 0, '503': 0, slow: 0, timeout: 0, reset: 0, cut: 0 };
  const up = new URL(o.upstream);
  const secure = up.protocol === 'https:';
  const agent = secure ? new HttpsAgent({ keepAlive: true, ca: o.tls?.ca }) : new HttpAgent({ keepAlive: true });
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();

  const forward = (req: IncomingMessage, res: ServerResponse, cut: boolean) => {
    const send = secure ? httpsRequest : httpRequest;
    const out = send(
      { host: up.hostname, port: up.port, method: req.method, path: req.url, headers: req.headers, agent },
      (ures) => {
        if (!cut) {
          res.writeHead(ures.statusCode ?? 502, ures.headers);
          ures.pipe(res);
          return;
        }
        const chunks: Buffer[] = [];
        ures.on('data', (c: Buffer) => chunks.push(c));
        ures.on('end', () => {
          const body = Buffer.concat(chunks);
          res.writeHead(ures.statusCode ?? 502, ures.headers);
          res.write(body.subarray(0, Math.floor(body.length / 2)), () => res.socket?.destroy());
        });
      },
    );
    out.on('error', () => res.socket?.destroy());
    req.pipe(out);
  };

  let refusedConditional = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    maxInFlight = Math.max(maxInFlight, ++inFlight);
    res.once('close', () => inFlight--);
    if (o.noConditionalWrites && req.method === 'PUT' && req.headers['if-none-match']) {
      refusedConditional++;
      req.resume();
      req.on('end', () => {
        const body = '<?xml version="1.0" encoding="UTF-8"?><Error><Code>NotImplemented</Code><Message>A header you provided implies functionality that is not implemented.</Message></Error>';
        res.writeHead(501, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) });
        res.end(body);
      });
      return;
    }
    const fault = drawFault(random, rate, kinds);
    stats[fault ?? 'pass']++;
    switch (fault) {
      case undefined:
        return forward(req, res, false);
      case 'cut':
        return forward(req, res, true);
      case 'slow': {
        req.pause();
        const t = setTimeout(() => {
          timers.delete(t);
          req.resume();
          forward(req, res, false);
        }, o.slowMs ?? 200);
        timers.add(t);
        return;
      }
      case '503':
        req.resume();
        req.on('end', () => {
          const body = '<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>';
          res.writeHead(503, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) });
          res.end(body);
        });
        return;
      case 'timeout':
        req.resume(); // read it all, answer nothing
        return;
      case 'reset':
        req.socket.destroy();
        return;
    }
  };

  const server = o.tls ? createHttpsServer({ cert: o.tls.cert, key: o.tls.key }, handler) : createHttpServer(handler);
  server.on(o.tls ? 'secureConnection' : 'connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  if (!addr || typeof addr !== 'object') throw new Error('fault proxy: no address');
  return {
    endpoint: `${o.tls ? 'https' : 'http'}://127.0.0.1:${addr.port}`,
    stats,
    get maxInFlight() {
      return maxInFlight;
    },
    get refusedConditional() {
      return refusedConditional;
    },
    setRate: (r) => {
      rate = r;
    },
    stop: async () => {
      for (const t of timers) clearTimeout(t);
      for (const s of sockets) s.destroy();
      agent.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
