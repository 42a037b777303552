/** Clients that run beside an incident and count what fails: new TLS connections, and writes. */
import { X509Certificate } from 'node:crypto';
import { connect } from 'node:tls';

/**
 * New TLS connections in a loop, each verifying the chain against the CA and the name. A refused
 * connection (nothing listening: the service is stopped for the restore) is downtime, counted
 * apart; anything else that fails — a reset mid-handshake, an untrusted or mismatched certificate —
 * is a failed handshake, except a reset inside the stop window (`failedOutside`): closing a
 * listener resets the connections still in its kernel backlog, which is the same downtime.
 */
export class TlsLoop {
  ok = 0;
  refused = 0;
  failed: string[] = [];
  private readonly failedAt: { at: number; code: string }[] = [];
  readonly fingerprints = new Set<string>();
  running = true;
  private readonly loop: Promise<void>;
  constructor(
    private readonly port: number,
    private readonly caPem: string | (() => string),
  ) {
    this.loop = this.run();
  }
  private once(): Promise<void> {
    return new Promise((resolve) => {
      const ca = typeof this.caPem === 'string' ? this.caPem : this.caPem();
      const s = connect({ host: '127.0.0.1', port: this.port, ca, servername: 'localhost', rejectUnauthorized: true });
      const t = setTimeout(() => (this.failed.push('timeout'), s.destroy(), resolve()), 5000);
      s.once('secureConnect', () => {
        clearTimeout(t);
        this.ok++;
        this.fingerprints.add(new X509Certificate(s.getPeerCertificate().raw).fingerprint256);
        s.destroy();
        resolve();
      });
      s.once('error', (e: NodeJS.ErrnoException) => {
        clearTimeout(t);
        if (e.code === 'ECONNREFUSED') this.refused++;
        else {
          this.failed.push(e.code ?? e.message);
          this.failedAt.push({ at: Date.now(), code: e.code ?? e.message });
        }
        resolve();
      });
    });
  }
  private async run(): Promise<void> {
    while (this.running) {
      await this.once();
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }
  /** The failures that are failed handshakes given that the service was stopped from `from` to `to` (ms since the epoch). */
  failedOutside(from: number, to: number): string[] {
    return this.failedAt.filter((f) => !(f.code === 'ECONNRESET' && f.at >= from && f.at <= to)).map((f) => f.code);
  }
}

/** When the service was down for the swap, from the incident journal: quiesce started → restart completed. */
export function stopWindow(steps: readonly { step: string; startedAt?: string | undefined; completedAt?: string | undefined }[]): [number, number] {
  const at = (step: string, k: 'startedAt' | 'completedAt') => Date.parse(steps.find((x) => x.step === step)?.[k] ?? '');
  return [at('quiesce', 'startedAt'), at('restart', 'completedAt')];
}

/** POSTs an item every `everyMs` and keeps the times of the ones that succeeded: the gaps are write outages. */
export class WriteLoop {
  readonly okAt: number[] = [];
  failures = 0;
  private running = true;
  private readonly loop: Promise<void>;
  constructor(
    private readonly story: { post(item: Record<string, unknown>): Promise<number> },
    private readonly everyMs = 20,
  ) {
    this.loop = this.run();
  }
  private async run(): Promise<void> {
    for (let n = 0; this.running; n++) {
      const code = await this.story.post({ by: 'writer', n }).catch(() => 0);
      if (code === 201) this.okAt.push(Date.now());
      else this.failures++;
      await new Promise((r) => setTimeout(r, this.everyMs));
    }
  }
  /** The longest time without a successful write. */
  longestGapMs(): number {
    let gap = 0;
    for (let i = 1; i < this.okAt.length; i++) gap = Math.max(gap, this.okAt[i]! - this.okAt[i - 1]!);
    return gap;
  }
  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }
}
