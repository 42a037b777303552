/**
 * Helpers for the TLS tests: temporary CA directories, an engine over local certificate targets,
 * the example shop service as a real child process, an in-process Node TLS server that reloads
 * from a target directory, and openssl invocations.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request, type Agent } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, connect, type Server, type TLSSocket } from 'node:tls';
import { CaStore, TlsEngine, parseSpec, type CertSpecInput, type EngineDeps } from '../../src/tls/index.js';
import { LocalCertTarget } from '../../src/platform/local/cert-target.js';

export const root = new URL('../..', import.meta.url).pathname;

export async function tempDir(prefix = 'hf-tls-'): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Extra reload actions by certificate name, for in-process servers. */
export type Reloaders = Map<string, () => void | Promise<void>>;

export function makeEngine(
  caDir: string,
  extra: Partial<EngineDeps> = {},
  reloaders: Reloaders = new Map(),
): TlsEngine {
  return new TlsEngine({
    store: new CaStore(caDir),
    targets: (spec) => {
      const t = new LocalCertTarget({
        name: spec.name,
        outDir: spec.outDir,
        ...(spec.reload ? { reload: spec.reload } : {}),
      });
      const r = reloaders.get(spec.name);
      if (r)
        t.reload = async () => {
          await r();
        };
      return t;
    },
    servedTimeoutMs: 5000,
    // No propagation wait and no waiting for other issuers unless a test asks: they prove those gates themselves.
    rotationTimings: { propagationMs: 0, retireWaitMs: 0 },
    ...extra,
  });
}

export function spec(input: CertSpecInput, base: string) {
  return parseSpec(input, base);
}

/** The example service, started as a real process; resolves when it listens. */
export interface Shop {
  proc: ChildProcess;
  port: number;
  pidFile: string;
  logs: string[];
  stop(): Promise<void>;
}

export async function startShop(opts: {
  dataDir: string;
  certDir: string;
  pidFile: string;
  clientAuth?: string;
  keepAliveMs?: number;
}): Promise<Shop> {
  const args = [
    '--import',
    'tsx',
    join(root, 'examples/shop/server.ts'),
    '--data-dir',
    opts.dataDir,
    '--cert-dir',
    opts.certDir,
    '--port',
    '0',
    '--pid-file',
    opts.pidFile,
  ];
  if (opts.clientAuth) args.push('--client-auth', opts.clientAuth);
  if (opts.keepAliveMs !== undefined) args.push('--keep-alive-ms', String(opts.keepAliveMs));
  const proc = spawn(process.execPath, args, {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, HOLDFAST_SHOP_COMMIT: 'test-commit' },
  });
  const logs: string[] = [];
  const port = await new Promise<number>((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error(`shop did not start: ${logs.join('\n')}`)), 20_000);
    proc.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        logs.push(line);
        try {
          const j = JSON.parse(line) as { msg: string; port?: number };
          if (j.msg === 'listening') {
            clearTimeout(timer);
            resolve(j.port!);
          }
        } catch {
          /* not JSON */
        }
      }
    });
    proc.stderr!.on('data', (d: Buffer) => logs.push(d.toString()));
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`shop exited with ${code}: ${logs.join('\n')}`));
    });
  });
  return {
    proc,
    port,
    pidFile: opts.pidFile,
    logs,
    stop: () =>
      new Promise((resolve) => {
        if (proc.exitCode !== null) return resolve();
        proc.once('exit', () => resolve());
        proc.kill('SIGTERM');
      }),
  };
}

/** A Node TLS server in this process that (re)loads tls.crt/tls.key from a directory. */
export interface DirServer {
  server: Server;
  port: number;
  reload(): void;
  close(): Promise<void>;
  /** Why the server refused handshakes (e.g. "certificate revoked"). */
  clientErrors: string[];
}

export async function startDirServer(
  certDir: string,
  opts: { requestCert?: boolean; crlFiles?: string[] } = {},
): Promise<DirServer> {
  const load = () => {
    const o: Record<string, Buffer | Buffer[] | boolean> = {
      cert: readFileSync(join(certDir, 'tls.crt')),
      key: readFileSync(join(certDir, 'tls.key')),
    };
    if (opts.requestCert) {
      o.ca = readFileSync(join(certDir, 'trust-bundle.pem'));
      if (opts.crlFiles) o.crl = opts.crlFiles.map((f) => readFileSync(f));
    }
    return o;
  };
  const clientErrors: string[] = [];
  // Client certificates are checked here rather than by rejectUnauthorized, so the reason is seen.
  const server = createServer(
    { ...load(), ...(opts.requestCert ? { requestCert: true, rejectUnauthorized: false } : {}) },
    (s) => {
      if (opts.requestCert && !s.authorized) {
        clientErrors.push(String(s.authorizationError));
        s.destroy();
        return;
      }
      s.end('hello\n');
    },
  );
  server.on('tlsClientError', (e) => clientErrors.push(e.message));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const addr = server.address();
  return {
    server,
    port: typeof addr === 'object' && addr ? addr.port : 0,
    reload: () => server.setSecureContext(load()),
    clientErrors,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

/** One verified handshake (hostname checked) trusting `caPem`; resolves with the served leaf serial. */
export function handshake(
  port: number,
  caPem: string | Buffer,
  opts: { servername?: string; cert?: string; key?: string; expectData?: boolean; timeoutMs?: number } = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    const s: TLSSocket = connect({
      host: '127.0.0.1',
      port,
      servername: opts.servername ?? 'localhost',
      ca: caPem,
      ...(opts.cert ? { cert: opts.cert, key: opts.key } : {}),
    });
    s.once('secureConnect', () => {
      const serial = s.getPeerCertificate().serialNumber.toLowerCase();
      if (!opts.expectData) {
        s.destroy();
        return resolve(serial);
      }
      // TLS 1.3 reports a rejected client certificate after the handshake: wait for data or an alert.
      s.once('data', () => {
        s.destroy();
        resolve(serial);
      });
    });
    s.once('error', (e) => {
      s.destroy();
      reject(e);
    });
    s.once('close', () => reject(new Error('connection closed before the handshake completed')));
    s.setTimeout(opts.timeoutMs ?? 5000, () => {
      s.destroy();
      reject(new Error('handshake timeout'));
    });
  });
}

/** What a client saw: handshakes that passed, why the others failed, how often it re-read its bundle. */
export interface ClientTally {
  ok: number;
  failed: string[];
  refreshes: number;
}

/**
 * A client that re-reads `bundle` every `reloadMs` (0: before each handshake) and connects every
 * 50 ms, each handshake verified (name localhost) against what it read last.
 */
export function startClient(port: number, bundle: string, reloadMs: number, opts: { timeoutMs?: number } = {}) {
  const t: ClientTally = { ok: 0, failed: [], refreshes: 0 };
  let trust = readFileSync(bundle);
  let last = Date.now();
  let stop = false;
  let onRefresh: (() => void) | undefined;
  const done = (async () => {
    while (!stop) {
      if (reloadMs === 0 || Date.now() - last >= reloadMs) {
        trust = readFileSync(bundle);
        last = Date.now();
        t.refreshes++;
        onRefresh?.();
      }
      try {
        await handshake(port, trust, opts);
        t.ok++;
      } catch (e) {
        t.failed.push(`${new Date().toISOString()} ${(e as Error).message}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  return {
    tally: t,
    /** Resolves right after the client's next re-read, so what follows starts a full interval before the next. */
    nextRefresh: () => new Promise<void>((r) => (onRefresh = () => ((onRefresh = undefined), r()))),
    stop: async () => {
      stop = true;
      await done;
      return t;
    },
  };
}

export function openssl(args: string[], input?: string): { status: number; out: string } {
  const r = spawnSync('openssl', args, { input: input ?? '', encoding: 'utf8', timeout: 20_000 });
  return { status: r.status ?? -1, out: (r.stdout ?? '') + (r.stderr ?? '') };
}

export async function text(p: string): Promise<string> {
  return readFile(p, 'utf8');
}

/** The holdfast CLI as a user runs it (asynchronously, so servers in this process keep answering). */
export function cli(
  args: string[],
  cwd: string,
  logLevel: 'error' | 'warn' = 'error',
): Promise<{ status: number; stdout: string; stderr: string }> {
  return startCli(args, cwd, logLevel).done;
}

/** The CLI as a running process: what it wrote so far, and its end. */
export interface CliProcess {
  proc: ChildProcess;
  output(): { stdout: string; stderr: string };
  done: Promise<{ status: number; stdout: string; stderr: string }>;
}

export function startCli(args: string[], cwd: string, logLevel: 'error' | 'warn' = 'error'): CliProcess {
  const p = spawn(process.execPath, [join(root, 'bin/holdfast.js'), ...args], {
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, HOLDFAST_FROM_SOURCE: '1', HOLDFAST_LOG_LEVEL: logLevel },
  });
  let stdout = '';
  let stderr = '';
  p.stdout!.on('data', (d) => (stdout += d));
  p.stderr!.on('data', (d) => (stderr += d));
  return {
    proc: p,
    output: () => ({ stdout, stderr }),
    done: new Promise((resolve) => p.on('close', (code) => resolve({ status: code ?? -1, stdout, stderr }))),
  };
}

/** Polls `f` until it returns a value; fails naming `what` (and `context()`, e.g. a process's output) after `ms`. */
export async function until<T>(what: string, f: () => Promise<T | undefined | false>, ms: number, context: () => string = () => ''): Promise<T> {
  for (const end = Date.now() + ms; ; await new Promise((r) => setTimeout(r, 200))) {
    const v = await f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms\n${context()}`);
  }
}

/** A digest of every path and file under a directory: "nothing was overwritten" is an equal digest. */
export async function treeHash(dir: string): Promise<string> {
  const h = createHash('sha256');
  const walk = async (d: string) => {
    for (const e of (await readdir(d, { withFileTypes: true })).sort((a, b) =>
      a.name.localeCompare(b.name),
    )) {
      const p = join(d, e.name);
      h.update(p);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile()) h.update(await readFile(p)).update(String((await stat(p)).mode));
    }
  };
  await walk(dir);
  return h.digest('hex');
}

/** An HTTPS request to the shop on loopback, verifying against `ca` with the name localhost. */
export function httpsJson(
  port: number,
  ca: string,
  method: string,
  path: string,
  body?: unknown,
  agent?: Agent,
): Promise<{ status: number; body: unknown; reusedSocket: boolean }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        servername: 'localhost',
        method,
        path,
        ca,
        headers: { 'content-type': 'application/json' },
        agent: agent ?? false,
      },
      (res) => {
        let data = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (data += c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: JSON.parse(data), reusedSocket: req.reusedSocket }),
        );
      },
    );
    req.once('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}
