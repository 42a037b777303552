/**
 * A certificate target on one machine: a directory of files plus a reload action.
 *
 * The directory is laid out like a Kubernetes Secret volume (the kubelet's AtomicWriter), so that
 * a workload reading `tls.crt` and `tls.key` never sees a key from one issuance and a certificate
 * from another:
 *
 *     out/..data -> ..2026_12_01T08_00_00_123Z_9f2c   (one symlink, swapped by rename)
 *     out/..2026_12_01T08_00_00_123Z_9f2c/{tls.crt,tls.key,ca.crt,trust-bundle.pem}
 *     out/tls.crt -> ..data/tls.crt                     (and the same for the others)
 *
 * Every install writes a complete new generation directory (fsynced), then renames a fresh symlink
 * over `..data`: one atomic step switches all four files. A crash before the rename leaves the old
 * generation in force and a stray directory that the next install removes.
 *
 * The reload action is a shell command (run with `sh -c`, with HOLDFAST_CERT_DIR set) or a signal
 * sent to the pid in a pid file; without either, the workload is expected to watch the files.
 *
 * It implements the engine's CertTarget port (src/tls/target.ts) structurally: platform/ sits below
 * the engines and imports nothing from them.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { lstat, mkdir, readFile, readdir, readlink, rename, rm, stat, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { syncDir, writeNewFile } from '../../base/durable-files.js';
import { HoldfastError, errnoCode, fromSystemError } from '../../base/errors.js';

export const FILES = { chain: 'tls.crt', key: 'tls.key', ca: 'ca.crt', bundle: 'trust-bundle.pem' } as const;
const DATA = '..data';

export interface ReloadAction {
  /** Run with `sh -c`; a non-zero exit fails the reload. */
  command?: string;
  /** A signal name (SIGHUP) sent to the process whose pid is in `pidFile`. */
  signal?: string;
  pidFile?: string;
}

export interface LocalCertTargetOptions {
  name: string;
  outDir: string;
  reload?: ReloadAction;
  reloadTimeoutMs?: number;
}

export interface LocalMaterial {
  chainPem: string;
  keyPem: string;
  caPem: string;
  bundlePem?: string;
}

export interface LocalInstalled {
  chainPem?: string;
  keyPem?: string;
  caPem?: string;
  bundlePem?: string;
}

export class LocalCertTarget {
  readonly location: string;
  constructor(private readonly opts: LocalCertTargetOptions) {
    this.location = `files in ${opts.outDir}`;
  }

  private async readOne(name: string): Promise<string | undefined> {
    const p = join(this.opts.outDir, name);
    try {
      return await readFile(p, 'utf8');
    } catch (e) {
      if (errnoCode(e) === 'ENOENT') return undefined;
      throw new HoldfastError(
        'TLS_KEY_UNREADABLE',
        'invalid-input',
        `read ${p}: ${errnoCode(e) ?? 'unreadable'}`,
        { cause: e },
      );
    }
  }

  async read(): Promise<LocalInstalled> {
    const keyPath = join(this.opts.outDir, FILES.key);
    const s = await stat(keyPath).catch((e) => {
      if (errnoCode(e) === 'ENOENT') return undefined;
      throw new HoldfastError(
        'TLS_KEY_UNREADABLE',
        'invalid-input',
        `read private key ${keyPath}: ${errnoCode(e) ?? 'cannot stat'}`,
        { cause: e },
      );
    });
    if (s && !s.isFile())
      throw new HoldfastError(
        'TLS_KEY_UNREADABLE',
        'invalid-input',
        `read private key ${keyPath}: not a regular file`,
      );
    if (s && (s.mode & 0o077) !== 0)
      throw new HoldfastError(
        'TLS_KEY_PERMISSIONS',
        'auth',
        `read private key ${keyPath}: mode ${(s.mode & 0o777).toString(8).padStart(4, '0')} lets others read it; chmod 600 ${keyPath}`,
      );
    const [chainPem, keyPem, caPem, bundlePem] = await Promise.all(
      Object.values(FILES).map((f) => this.readOne(f)),
    );
    const out: LocalInstalled = {};
    if (chainPem !== undefined) out.chainPem = chainPem;
    if (keyPem !== undefined) out.keyPem = keyPem;
    if (caPem !== undefined) out.caPem = caPem;
    if (bundlePem !== undefined) out.bundlePem = bundlePem;
    return out;
  }

  async install(m: LocalMaterial): Promise<void> {
    const cur = await this.read();
    await this.writeGeneration({
      chainPem: m.chainPem,
      keyPem: m.keyPem,
      caPem: m.caPem,
      bundlePem: m.bundlePem ?? cur.bundlePem,
    });
  }

  async installBundle(bundlePem: string): Promise<void> {
    const cur = await this.read();
    await this.writeGeneration({ ...cur, bundlePem });
  }

  private async writeGeneration(m: LocalInstalled): Promise<void> {
    const dir = this.opts.outDir;
    const gen = `..${new Date().toISOString().replace(/[:.-]/g, '_')}_${randomBytes(3).toString('hex')}`;
    const genDir = join(dir, gen);
    try {
      await mkdir(genDir, { recursive: true, mode: 0o755 });
      const content: [string, string | undefined, number][] = [
        [FILES.chain, m.chainPem, 0o644],
        [FILES.key, m.keyPem, 0o600],
        [FILES.ca, m.caPem, 0o644],
        [FILES.bundle, m.bundlePem, 0o644],
      ];
      for (const [name, data, mode] of content) {
        if (data === undefined) continue;
        await writeNewFile(join(genDir, name), data, mode);
      }
      await syncDir(genDir);
      // The switch: one rename of a symlink makes the whole generation current.
      const tmpLink = join(dir, `..data_tmp_${randomBytes(3).toString('hex')}`);
      await symlink(gen, tmpLink);
      await rename(tmpLink, join(dir, DATA));
      for (const [name, data] of content) if (data !== undefined) await this.ensureLink(name);
      await syncDir(dir);
      await this.removeStale(gen);
    } catch (e) {
      await rm(genDir, { recursive: true, force: true }).catch(() => {});
      throw fromSystemError(`install certificate ${this.opts.name} into ${dir}`, e);
    }
  }

  private async ensureLink(name: string): Promise<void> {
    const p = join(this.opts.outDir, name);
    const want = `${DATA}/${name}`;
    const st = await lstat(p).catch(() => undefined);
    if (st?.isSymbolicLink() && (await readlink(p)) === want) return;
    const tmp = join(this.opts.outDir, `.${name}.tmp-${randomBytes(3).toString('hex')}`);
    await symlink(want, tmp);
    await rename(tmp, p);
  }

  private async removeStale(current: string): Promise<void> {
    for (const ent of await readdir(this.opts.outDir)) {
      if (ent.startsWith('..') && ent !== DATA && ent !== current)
        await rm(join(this.opts.outDir, ent), { recursive: true, force: true });
    }
  }

  async reload(): Promise<void> {
    const r = this.opts.reload;
    if (!r) return;
    const what = `reload ${this.opts.name}`;
    if (r.command) {
      await new Promise<void>((resolve, reject) => {
        execFile(
          'sh',
          ['-c', r.command!],
          {
            timeout: this.opts.reloadTimeoutMs ?? 30_000,
            env: { ...process.env, HOLDFAST_CERT_DIR: this.opts.outDir },
          },
          (err, _stdout, stderr) => {
            if (!err) return resolve();
            const detail = String(stderr).trim().split('\n').pop() || err.message;
            reject(
              new HoldfastError('TLS_RELOAD_FAILED', 'permanent', `${what}: command failed: ${detail}`, {
                cause: err,
              }),
            );
          },
        );
      });
    }
    if (r.signal) {
      if (!r.pidFile)
        throw new HoldfastError('TLS_RELOAD_FAILED', 'invalid-input', `${what}: a signal needs a pidFile`);
      const raw = await readFile(r.pidFile, 'utf8').catch((e) => {
        throw new HoldfastError(
          'TLS_RELOAD_FAILED',
          'permanent',
          `${what}: read pid file ${r.pidFile}: ${errnoCode(e) ?? e}`,
          { cause: e },
        );
      });
      const pid = Number(raw.trim());
      if (!Number.isInteger(pid) || pid <= 1)
        throw new HoldfastError(
          'TLS_RELOAD_FAILED',
          'permanent',
          `${what}: pid file ${r.pidFile} holds no pid`,
        );
      try {
        process.kill(pid, r.signal as NodeJS.Signals);
      } catch (e) {
        throw new HoldfastError(
          'TLS_RELOAD_FAILED',
          'permanent',
          `${what}: signal ${r.signal} to pid ${pid}: ${errnoCode(e) ?? e}`,
          { cause: e },
        );
      }
    }
  }
}

export function localCertTarget(opts: LocalCertTargetOptions): LocalCertTarget {
  return new LocalCertTarget(opts);
}
