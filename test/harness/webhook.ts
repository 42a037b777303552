/**
 * A real HTTP server on loopback that receives Holdfast's alert webhooks and records them, for
 * tests. It can be told to answer the first N requests with a 503 (so retries are exercised
 * against a real socket), and waits for a matching alert with a deadline instead of sleeping.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedAlert {
  event: string;
  key: string;
  severity: string;
  summary: string;
  time: string;
  details: Record<string, unknown>;
}

export class WebhookReceiver {
  readonly received: ReceivedAlert[] = [];
  requests = 0;
  private failures = 0;
  private server: Server | undefined;
  private waiters: (() => void)[] = [];

  /** Answer the next `n` requests with 503 before accepting. */
  failNext(n: number): void {
    this.failures = n;
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => (body += c));
      req.on('end', () => {
        this.requests++;
        if (this.failures > 0) {
          this.failures--;
          res.writeHead(503).end();
          return;
        }
        try {
          this.received.push(JSON.parse(body) as ReceivedAlert);
          res.writeHead(204).end();
        } catch {
          res.writeHead(400).end();
        }
        for (const w of this.waiters.splice(0)) w();
      });
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
  }

  /** Resolves with the first alert matching `pred`, or rejects after `timeoutMs` listing what did arrive. */
  async waitFor(pred: (a: ReceivedAlert) => boolean, timeoutMs = 30_000): Promise<ReceivedAlert> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.received.find(pred);
      if (hit) return hit;
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(
          `no matching alert within ${timeoutMs} ms; received: ${this.received.map((a) => `${a.event}:${a.key}`).join(', ') || 'none'}`,
        );
      await new Promise<void>((r) => {
        const t = setTimeout(r, Math.min(left, 500));
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }

  async close(): Promise<void> {
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
    this.server?.closeAllConnections();
  }
}

/** A loopback port with nothing listening: for "webhook unreachable". */
export async function deadPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}
