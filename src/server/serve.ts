/**
 * Starting and stopping the whole control plane: config → catalog → engines → scheduler → HTTP.
 * Used by `holdfast serve` and by the tests, so both start exactly the same thing.
 *
 * Transport: TLS with a certificate from Holdfast's CA; plain HTTP only when asked for AND the
 * listen address is loopback (a bearer token over plain HTTP on a network is a token given away).
 */
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { conflict, errnoCode, HoldfastError, invalidInput } from '../base/errors.js';
import type { Logger } from '../base/log.js';
import { Catalog } from '../catalog/index.js';
import { readSecret, type LoadedConfig } from '../config/index.js';
import type { Clock } from '../platform/clock.js';
import { buildApp } from './app.js';
import { ControlPlane } from './control-plane.js';
import { backupEngine } from './engines/backup.js';
import { sastEngine } from './engines/sast.js';
import { tlsEngine } from './engines/tls.js';
import { lockDataDir } from './serve-lock.js';
import { ServingCertKeeper } from './serving-cert.js';
import { readVersion } from '../platform/local/version.js';

export interface ServeOptions {
  loaded: LoadedConfig;
  clock: Clock;
  log: Logger;
  /** Overrides server.listen. */
  listen?: string;
  insecureHttp?: boolean;
  env?: NodeJS.ProcessEnv;
  tickMs?: number;
  alertBackoffMs?: number;
  healthIntervalMs?: number;
  /** How often the API's own certificate is checked for renewal (default 10 s; a check reads three small files). */
  servingCertCheckMs?: number;
}

export interface RunningServer {
  url: string;
  /** File holding the API token (never the token itself in logs). */
  tokenFile: string | undefined;
  token: string;
  caFile: string | undefined;
  cp: ControlPlane;
  app: FastifyInstance;
  close(): Promise<void>;
}

export function parseListen(listen: string): { host: string; port: number } {
  const i = listen.lastIndexOf(':');
  const host = listen.slice(0, i).replace(/^\[|\]$/g, '');
  const port = Number(listen.slice(i + 1));
  if (i < 0 || !Number.isInteger(port) || port < 0 || port > 65535)
    throw invalidInput('BAD_LISTEN', `listen address ${listen}: expected host:port`);
  return { host, port };
}

export const isLoopback = (host: string) =>
  host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));

async function apiToken(
  loaded: LoadedConfig,
  dataDir: string,
  env: NodeJS.ProcessEnv,
): Promise<{ token: string; file: string | undefined }> {
  const ref = loaded.config.server.token;
  if (ref)
    return {
      token: await readSecret(ref, 'API token (server.token)', loaded.resolvePath, env),
      file: 'file' in ref ? loaded.resolvePath(ref.file) : undefined,
    };
  // No token configured: one is made once and kept (0600) in the data directory.
  const file = join(dataDir, 'api-token');
  const existing = await readFile(file, 'utf8').catch(() => '');
  if (existing.trim()) return { token: existing.trim(), file };
  const token = randomBytes(24).toString('base64url');
  await writeFile(file, token + '\n', { mode: 0o600, flag: 'wx' }).catch(async (e) => {
    if (errnoCode(e) !== 'EEXIST') throw e;
  });
  return { token: (await readFile(file, 'utf8')).trim(), file };
}

export async function startServer(o: ServeOptions): Promise<RunningServer> {
  const { config } = o.loaded;
  const env = o.env ?? process.env;
  const { host, port } = parseListen(o.listen ?? config.server.listen);
  const insecure = o.insecureHttp ?? config.server.insecureHttp;
  if (insecure && !isLoopback(host))
    throw invalidInput(
      'INSECURE_NOT_LOOPBACK',
      `listen on ${host}:${port}: plain HTTP is only allowed on a loopback address (127.0.0.1, ::1); drop --insecure-http to serve TLS`,
    );
  const dataDir = o.loaded.resolvePath(config.server.dataDir);
  const { mkdir } = await import('node:fs/promises');
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  // Before anything else in the data directory: a second serve must not even open the catalog,
  // let alone adopt (and on its way out stop) the first one's workloads.
  const lock = await lockDataDir(dataDir, {
    address: o.listen ?? config.server.listen,
    now: o.clock.now(),
    onTakeover: (m) => o.log.warn(m),
  });
  let catalog: Catalog;
  try {
    catalog = Catalog.open(join(dataDir, 'catalog.db'), { now: () => o.clock.now() });
  } catch (e) {
    await lock.release();
    throw e;
  }
  let cp: ControlPlane | undefined;
  let app: FastifyInstance | undefined;
  try {
    const certs = tlsEngine(o.clock);
    cp = new ControlPlane({
      loaded: o.loaded,
      catalog,
      clock: o.clock,
      log: o.log,
      backup: backupEngine(o.clock),
      certs,
      sast: sastEngine(catalog, o.clock),
      env,
      alertBackoffMs: o.alertBackoffMs,
    });
    const { token, file: tokenFile } = await apiToken(o.loaded, dataDir, env);
    const keeper = insecure ? undefined : new ServingCertKeeper({ dataDir, host, clock: o.clock, certs });
    const tls = await keeper?.check();
    app = await buildApp(cp, { token, https: tls ? { key: tls.key, cert: tls.cert } : undefined });
    cp.servingCert = keeper;
    await seedSarif(cp, o.log);
    try {
      await app.listen({ host, port });
    } catch (e) {
      if (errnoCode(e) === 'EADDRINUSE')
        throw conflict(
          'PORT_IN_USE',
          `listen on ${host}:${port}: address already in use (is another holdfast serve running? pick another with --listen)`,
          e,
        );
      if (errnoCode(e) === 'EACCES')
        throw new HoldfastError(
          'PERMISSION_DENIED',
          'auth',
          `listen on ${host}:${port}: permission denied (ports below 1024 need privileges)`,
          { cause: e },
        );
      throw e;
    }
    const addr = app.server.address();
    const actualPort = typeof addr === 'object' && addr ? addr.port : port;
    await cp.start({ intervalMs: o.tickMs, healthIntervalMs: o.healthIntervalMs });
    const url = `${tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${actualPort}`;
    await lock.setAddress(url);
    const running = { url, token, tokenFile, caFile: tls?.caFile, cp, app };
    const renewing = keeper ? keepServingCert(keeper, app, o.log, o.servingCertCheckMs ?? 10_000) : undefined;
    let closed = false;
    return {
      ...running,
      async close() {
        if (closed) return;
        closed = true;
        await renewing?.stop();
        await app!.close();
        await cp!.stop();
        catalog.close();
        await lock.release();
      },
    };
  } catch (e) {
    await app?.close().catch(() => undefined);
    await cp?.stop().catch(() => undefined);
    catalog.close();
    await lock.release();
    throw e;
  }
}

/**
 * Checks the API certificate periodically and hands a renewed one to the listening server: new
 * connections get it, open ones keep theirs. A CA rotation needs this (its retire gate waits for
 * the old leaf to go), and so does a serve that runs for longer than the certificate lives.
 */
function keepServingCert(keeper: ServingCertKeeper, app: FastifyInstance, log: Logger, everyMs: number): { stop(): Promise<void> } {
  let running: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    running = running.then(async () => {
      try {
        const c = await keeper.check();
        if (!c.renewed) return;
        (app.server as import('node:https').Server).setSecureContext({ cert: c.cert, key: c.key });
        log.info(`API certificate renewed; serving it from now on, valid until ${c.notAfter.toISOString()}`);
      } catch (e) {
        log.warn(`API certificate check: ${e instanceof Error ? e.message : String(e)}`);
      }
    });
  }, everyMs);
  timer.unref();
  return {
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
}

/** SARIF files named in sast.seed are ingested at start-up (idempotent: the same report twice changes nothing). */
async function seedSarif(cp: ControlPlane, log: Logger): Promise<void> {
  for (const s of cp.config.sast.seed) {
    const path = cp.d.loaded.resolvePath(s.file);
    try {
      let commit = s.commit;
      if (s.workload) {
        const w = cp.config.workloads[s.workload]!;
        if (!w.version)
          throw invalidInput(
            'SEED_NO_VERSION',
            `workload ${s.workload} has no version source to read the commit from`,
          );
        commit = (
          await readVersion(s.workload, w.version, {
            cwd: cp.d.loaded.resolvePath(w.cwd ?? '.'),
            clock: cp.d.clock,
            resolvePath: cp.d.loaded.resolvePath,
          })
        ).commit;
        if (!commit) throw invalidInput('SEED_NO_COMMIT', `workload ${s.workload} reports no commit`);
      }
      const r = await cp.sast.ingest(await readFile(path), {
        name: path,
        repository: s.repository,
        commit: commit!,
        ref: s.ref,
      });
      log.info(`seeded SARIF ${path} for ${commit!.slice(0, 12)}: ${r.results} result(s)`);
    } catch (e) {
      log.warn(`seed SARIF ${path}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
}
