/**
 * shop: a small HTTPS service with a data directory, the example workload Holdfast backs up and
 * rotates certificates for. Node built-ins only; run with `npx tsx examples/shop/server.ts`.
 *
 *   POST /items   body: any JSON object  -> appends one line to <data-dir>/items.jsonl
 *   GET  /items   -> the records, as a JSON array
 *   GET  /healthz -> {"ok":true,"version":..., "serial":...}   (serial of the certificate it serves)
 *
 * TLS material comes from --cert-dir: tls.crt (leaf + chain), tls.key, and, when present,
 * trust-bundle.pem (the CAs it trusts for client certificates with --client-auth). It is reloaded
 * on SIGHUP and whenever the directory changes, with tls.Server.setSecureContext: connections in
 * flight keep the context they started with, new handshakes get the new one, none is dropped. A set
 * of files that does not load (a key that does not match its certificate, a half-written file) is
 * refused and the previous context kept; a changed directory is retried a few times first because
 * a writer may still be mid-swap.
 */
import { createSecureContext, type SecureContextOptions } from 'node:tls';
import { createServer, type ServerOptions } from 'node:https';
import { X509Certificate } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync, watch, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { IncomingMessage, ServerResponse } from 'node:http';

interface Options {
  host: string;
  port: number;
  dataDir: string;
  certDir: string;
  clientAuth: 'none' | 'optional' | 'require';
  pidFile?: string;
  keepAliveMs: number;
}

const usage = `usage: server.ts --data-dir DIR --cert-dir DIR [--host 127.0.0.1] [--port 8443]
                 [--client-auth none|optional|require] [--pid-file FILE] [--keep-alive-ms 5000]
env: SHOP_DATA_DIR, SHOP_CERT_DIR, SHOP_HOST, SHOP_PORT, SHOP_CLIENT_AUTH, SHOP_PID_FILE, SHOP_KEEP_ALIVE_MS,
     HOLDFAST_SHOP_COMMIT (the version it reports; else the VERSION file beside this script)`;

function parseArgs(argv: string[]): Options {
  const flags: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--help' || a === '-h') {
      console.log(usage);
      process.exit(0);
    }
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(a);
    if (!m) fail(`unexpected argument ${a}`);
    flags[m[1]!] = m[2] ?? argv[++i] ?? fail(`--${m[1]} needs a value`);
  }
  const env = process.env;
  const dataDir = flags['data-dir'] ?? env.SHOP_DATA_DIR ?? fail('--data-dir (or SHOP_DATA_DIR) is required');
  const certDir = flags['cert-dir'] ?? env.SHOP_CERT_DIR ?? fail('--cert-dir (or SHOP_CERT_DIR) is required');
  const clientAuth = (flags['client-auth'] ?? env.SHOP_CLIENT_AUTH ?? 'none') as Options['clientAuth'];
  if (!['none', 'optional', 'require'].includes(clientAuth))
    fail(`--client-auth must be none, optional or require`);
  const port = Number(flags.port ?? env.SHOP_PORT ?? 8443);
  if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`--port must be 0..65535`);
  const pidFile = flags['pid-file'] ?? env.SHOP_PID_FILE;
  const keepAliveMs = Number(flags['keep-alive-ms'] ?? env.SHOP_KEEP_ALIVE_MS ?? 5000);
  if (!Number.isInteger(keepAliveMs) || keepAliveMs < 0) fail('--keep-alive-ms must be a whole number of ms');
  return {
    host: flags.host ?? env.SHOP_HOST ?? '127.0.0.1',
    port,
    dataDir,
    certDir,
    clientAuth,
    keepAliveMs,
    ...(pidFile ? { pidFile } : {}),
  };
}

function fail(msg: string): never {
  console.error(`shop: ${msg}\n${usage}`);
  process.exit(2);
}

function log(msg: string, fields: Record<string, unknown> = {}): void {
  process.stdout.write(JSON.stringify({ time: new Date().toISOString(), msg, ...fields }) + '\n');
}

function version(): string {
  if (process.env.HOLDFAST_SHOP_COMMIT) return process.env.HOLDFAST_SHOP_COMMIT;
  const f = join(dirname(fileURLToPath(import.meta.url)), 'VERSION');
  return existsSync(f) ? readFileSync(f, 'utf8').trim() : 'dev';
}

/**
 * An order as the shop stores it: a flat JSON object of at most 32 fields whose values are short
 * strings, numbers, booleans or null. Every later read (GET /items, a backup's verify check)
 * parses each line, so what is appended must stay small and plain. Returns why it is refused.
 */
function validRecord(rec: unknown): Record<string, string | number | boolean | null> | string {
  if (typeof rec !== 'object' || rec === null || Array.isArray(rec)) return 'body must be a JSON object';
  const fields = Object.entries(rec);
  if (fields.length > 32) return 'at most 32 fields';
  for (const [k, v] of fields) {
    if (k === 'at' || k === '__proto__') return `field ${k} is reserved`;
    const plain = v === null || ['number', 'boolean'].includes(typeof v) || (typeof v === 'string' && v.length <= 1000);
    if (!plain) return `field ${k}: a string of at most 1000 characters, a number, a boolean or null`;
  }
  return Object.fromEntries(fields) as Record<string, string | number | boolean | null>;
}

/** Reads the material and builds a context from it; throws when it does not load (e.g. key mismatch). */
function loadTls(o: Options): { options: SecureContextOptions; serial: string } {
  const cert = readFileSync(join(o.certDir, 'tls.crt'));
  const key = readFileSync(join(o.certDir, 'tls.key'));
  const bundle = join(o.certDir, 'trust-bundle.pem');
  const ca = existsSync(bundle) ? readFileSync(bundle) : undefined;
  const options: SecureContextOptions = { cert, key, ...(ca ? { ca } : {}) };
  createSecureContext(options); // validates: throws "key values mismatch" for a mismatched pair
  return { options, serial: new X509Certificate(cert).serialNumber.toLowerCase() };
}

function main(): void {
  const o = parseArgs(process.argv.slice(2));
  mkdirSync(o.dataDir, { recursive: true });
  const items = join(o.dataDir, 'items.jsonl');
  let current = loadTls(o);
  const ver = version();

  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const send = (code: number, body: unknown) => {
      res.writeHead(code, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body) + '\n');
    };
    const url = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && url === '/healthz')
      return send(200, { ok: true, version: ver, serial: current.serial });
    if (req.method === 'GET' && url === '/items') {
      const text = existsSync(items) ? readFileSync(items, 'utf8') : '';
      return send(
        200,
        text
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l)),
      );
    }
    if (req.method === 'POST' && url === '/items') {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => {
        body += c;
        if (body.length > 1 << 20) req.destroy();
      });
      req.on('end', () => {
        let rec: unknown;
        try {
          rec = JSON.parse(body);
        } catch {
          return send(400, { error: 'body is not JSON' });
        }
        const checked = validRecord(rec);
        if (typeof checked === 'string') return send(400, { error: checked });
        const line = { ...checked, at: new Date().toISOString() };
        appendFileSync(items, JSON.stringify(line) + '\n');
        send(201, line);
      });
      return;
    }
    send(404, { error: 'not found' });
  };

  const serverOptions: ServerOptions = {
    ...current.options,
    requestCert: o.clientAuth !== 'none',
    rejectUnauthorized: o.clientAuth === 'require',
  };
  const server = createServer(serverOptions, handler);
  server.keepAliveTimeout = o.keepAliveMs;

  let pending: NodeJS.Timeout | undefined;
  const reload = (why: string, attempt = 0) => {
    try {
      const next = loadTls(o);
      if (
        next.serial === current.serial &&
        next.options.ca?.toString() === current.options.ca?.toString() &&
        why !== 'SIGHUP'
      )
        return;
      server.setSecureContext(next.options);
      current = next;
      log('reloaded tls', { why, serial: next.serial });
    } catch (e) {
      // A writer may be between files; try again shortly, then give up and keep what works.
      if (attempt < 5) {
        setTimeout(() => reload(why, attempt + 1), 50);
        return;
      }
      log('tls reload refused; keeping the previous certificate', { why, error: (e as Error).message });
    }
  };
  process.on('SIGHUP', () => reload('SIGHUP'));
  watch(o.certDir, () => {
    clearTimeout(pending);
    pending = setTimeout(() => reload('file change'), 25);
  });
  const stop = () => {
    log('stopping');
    server.close(() => process.exit(0));
    setTimeout(() => process.exit(0), 2000).unref();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);

  server.listen(o.port, o.host, () => {
    const addr = server.address();
    const port = typeof addr === 'object' && addr ? addr.port : o.port;
    if (o.pidFile) writeFileSync(o.pidFile, `${process.pid}\n`);
    log('listening', { host: o.host, port, version: ver, serial: current.serial, pid: process.pid });
  });
}

main();
