/**
 * `holdfast serve` as a child process of a test, the way an operator runs it: ready once it prints
 * the address it serves. A start after a kill keeps the earlier starts' log (for failures) and
 * waits for its own ready line.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..', '..');

export class Serve {
  child: ChildProcess | undefined;
  stderr = '';
  url = '';
  constructor(
    readonly config?: string,
    readonly env?: NodeJS.ProcessEnv,
  ) {}

  async start(config = this.config, env = this.env): Promise<void> {
    if (!config) throw new Error('Serve.start: no config file');
    const child = spawn(process.execPath, [join(root, 'bin/holdfast.js'), 'serve', '--config', config], { cwd: root, env: env ?? process.env, stdio: ['ignore', 'ignore', 'pipe'] });
    this.child = child;
    const from = this.stderr.length;
    child.stderr!.setEncoding('utf8').on('data', (c: string) => (this.stderr += c));
    const ready = () => /holdfast serving (https:\/\/\S+) /.exec(this.stderr.slice(from));
    for (const deadline = Date.now() + 60_000; !ready(); ) {
      if (child.exitCode !== null) throw new Error(`holdfast serve exited ${child.exitCode}: ${this.stderr.slice(from)}`);
      if (Date.now() > deadline) throw new Error(`holdfast serve did not start: ${this.stderr.slice(from)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    this.url = ready()![1]!;
  }

  /** SIGTERM, then SIGKILL after 30 s; the exit code (null after a signal). */
  async stop(): Promise<number | null> {
    const c = this.child;
    // Already gone (exited, or killed by a signal: then exitCode stays null and 'exit' never fires again).
    if (!c || c.exitCode !== null || c.signalCode !== null) return c?.exitCode ?? null;
    const exited = new Promise<number | null>((r) => c.once('exit', (code) => r(code)));
    c.kill('SIGTERM');
    const t = setTimeout(() => c.kill('SIGKILL'), 30_000);
    const code = await exited;
    clearTimeout(t);
    return code;
  }
}

/** GET against a running serve over its TLS (trusting its CA), with its token: the status and the body as text. */
export function serveGet(url: string, path: string, auth: { token: string; ca: Buffer }): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(new URL(path, url), { ca: auth.ca, headers: { authorization: `Bearer ${auth.token}` } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end();
  });
}
