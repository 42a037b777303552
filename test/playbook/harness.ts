/**
 * The incident story on the local platform, from the command line: examples/shop (the real HTTPS
 * service with a data dir and hot TLS reload) runs v1, is backed up, runs v2 which writes more,
 * is backed up again; real Bandit reports judge v1 clean and v2 vulnerable; a CA issues the shop's
 * first certificate. A TLS client makes new connections in a loop the whole time and counts what
 * fails. Everything lives in one temporary directory; `dispose` stops the shop and the client.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initRepository, listSnapshots, Repository, restore, runBackup, findSnapshot } from '../../src/backup/index.js';
import { Catalog } from '../../src/catalog/index.js';
import { loadConfig } from '../../src/config/index.js';
import { ingestReport } from '../../src/sast/index.js';
import { openBlobStore } from '../../src/storage/index.js';
import { gatherFacts, runningPid, startWorkload, stopWorkload } from '../../src/playbook/index.js';
import { waitHealthy } from '../../src/playbook/checks.js';
import { systemClock } from '../../src/platform/clock.js';
import { CaStore, DEFAULT_KEY_ALGORITHM, DEFAULT_MAX_LIFETIME_MS, TlsEngine, issueLeaf } from '../../src/tls/index.js';
import { Checkout, bandit } from '../sast/scanners.js';
import { TlsLoop } from './loops.js';

export { stopWindow, TlsLoop, WriteLoop } from './loops.js';

// Cheap scrypt for the repositories this suite creates, in this process and in the CLI it runs.
process.env.HOLDFAST_TEST_FAST_KDF = '1';
const root = new URL('../../', import.meta.url).pathname;
const bin = join(root, 'bin', 'holdfast.js');
export const v1 = 'c1ea000000000000000000000000000000000001';
export const v2 = 'bad0000000000000000000000000000000000002';
export const digest = (c: string) => 'sha256:' + c.slice(-1).repeat(64);

export interface CliResult {
  code: number | null;
  out: string;
  err: string;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

/** Real Bandit reports: the fixture app as is (B602 shell=True, high) and with its high findings fixed. Scanned once per process. */
let reports: { vuln: Buffer; clean: Buffer } | undefined;
export function banditReports() {
  if (reports) return reports;
  const co = new Checkout('py-notes');
  try {
    const vuln = bandit(co);
    co.write('notes.py', co.read('notes.py').replace(', shell=True)', ', shell=False)').replace('hashlib.md5(body).hexdigest()\n\n\ndef calc', 'hashlib.sha256(body).hexdigest()\n\n\ndef calc'));
    reports = { vuln, clean: bandit(co) };
    return reports;
  } finally {
    co.dispose();
  }
}

export class Story {
  readonly dir = mkdtempSync(join(tmpdir(), 'holdfast-incident-'));
  readonly config = join(this.dir, 'holdfast.yaml');
  readonly data = join(this.dir, 'data');
  readonly certs = join(this.dir, 'certs');
  readonly dataDir = join(this.dir, 'holdfast');
  readonly env: NodeJS.ProcessEnv;
  port = 0;
  client?: TlsLoop;
  v1Items = '';
  v1Snapshot = '';
  initialKeyPem = '';
  /** The backup repository: a directory here, or an S3 URL (its credentials in process.env). */
  readonly repoLocation: string;

  constructor(o: { repoLocation?: string } = {}) {
    this.repoLocation = o.repoLocation ?? join(this.dir, 'repo');
    this.env = { ...process.env, HOLDFAST_FROM_SOURCE: '1', HOLDFAST_TEST_FAST_KDF: '1', HOLDFAST_CATALOG: join(this.dataDir, 'catalog.db'), HOLDFAST_REPO: this.repoLocation, HOLDFAST_PASSWORD_FILE: join(this.dir, 'pw'), HOLDFAST_CONFIG: this.config };
    delete this.env.HOLDFAST_PLAYBOOK_HOLD;
  }

  /** Synchronous: never while the TLS client runs (a blocked event loop would time its handshakes out). */
  cli(args: string[], input?: Buffer): CliResult {
    if (this.client?.running) throw new Error('harness: use cliAsync while the TLS client runs');
    const r = spawnSync(process.execPath, [bin, ...args], { cwd: this.dir, env: this.env, input, encoding: 'utf8' });
    return { code: r.status, out: r.stdout, err: r.stderr };
  }

  ok(args: string[], input?: Buffer): string {
    const r = this.cli(args, input);
    if (r.code !== 0) throw new Error(`holdfast ${args.join(' ')} exited ${r.code}: ${r.err}`);
    return r.out;
  }

  /** The CLI without blocking the event loop, failing on a non-zero exit. */
  async okAsync(args: string[]): Promise<string> {
    const r = await this.cliAsync(args).done;
    if (r.code !== 0) throw new Error(`holdfast ${args.join(' ')} exited ${r.code}: ${r.err}`);
    return r.out;
  }

  /** Runs the CLI without blocking the event loop (the TLS client keeps running); `extraEnv` e.g. a hold point. */
  cliAsync(args: string[], extraEnv: NodeJS.ProcessEnv = {}): { pid: number; done: Promise<CliResult> } {
    const child = spawn(process.execPath, [bin, ...args], { cwd: this.dir, env: { ...this.env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    return { pid: child.pid!, done: new Promise((resolve) => child.once('close', (code) => resolve({ code, out, err }))) };
  }

  get caPem(): string {
    return readFileSync(join(this.certs, 'ca.crt'), 'utf8');
  }

  async facts() {
    return gatherFacts(await loadConfig(this.config), 'shop-data');
  }

  async deploy(commit: string): Promise<void> {
    const f = await this.facts();
    const w = f.workloads[0]!;
    await stopWorkload(f.dataDir, w, systemClock);
    await startWorkload(f.dataDir, w, { commit, imageDigest: digest(commit) });
    const h = await waitHealthy({ host: '127.0.0.1', port: this.port, serverName: 'localhost' }, '/healthz', this.caPem, 30_000);
    if (!h.ok) throw new Error(`shop ${commit} did not become healthy: ${h.error ?? h.status}; log: ${readFileSync(join(this.dataDir, 'services', 'shop.log'), 'utf8').slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 5)); // deployment strictly after the previous backup's time
    this.catalog((c) => c.deployments.record({ workload: 'shop', commit, imageDigest: digest(commit), at: new Date(), volumes: ['shop-data'] }));
  }

  post(item: Record<string, unknown>): Promise<number> {
    return new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: this.port, path: '/items', method: 'POST', ca: this.caPem, servername: 'localhost', agent: false }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.once('error', reject);
      req.end(JSON.stringify(item));
    });
  }

  /** The catalog, opened for one call: the CLI processes write it too. */
  catalog<T>(fn: (c: Catalog) => T): T {
    const c = Catalog.open(join(this.dataDir, 'catalog.db'));
    try {
      return fn(c);
    } finally {
      c.close();
    }
  }

  async repo(): Promise<Repository> {
    const r = await Repository.open(await openBlobStore(this.repoLocation), 'correct horse battery staple');
    await r.loadIndex();
    return r;
  }

  async snapshots() {
    return (await listSnapshots(await this.repo())).map((x) => ({ id: x.id, tags: x.snapshot.tags }));
  }

  async restoreTo(snapshotId: string, target: string): Promise<void> {
    const repo = await this.repo();
    await restore(repo, { snapshot: await findSnapshot(repo, snapshotId), target });
  }

  /** A backup with the provenance `holdfast backup --provenance` records, indexed as a restore point (what `restore-point sync` does). */
  async backup(commit: string, tag: string): Promise<string> {
    const provenance = { volume: 'shop-data', workloads: [{ workload: 'shop', commit, imageDigest: digest(commit) }] };
    const r = await runBackup(await this.repo(), { source: this.data, tags: [tag], provenance });
    this.catalog((c) => c.restorePoints.record({ repository: this.repoLocation, snapshotId: r.snapshotId, time: new Date(r.snapshot.time), volume: 'shop-data', tags: [tag], provenance: { ...provenance, hooks: [], labels: {} } }));
    return r.snapshotId;
  }

  async ingest(report: Buffer, commit: string, scanTime?: string): Promise<void> {
    const c = Catalog.open(join(this.dataDir, 'catalog.db'));
    try {
      await ingestReport(report, { repository: 'github.com/acme/notes', commit, ref: 'main', imageDigests: [digest(commit)], ...(scanTime ? { scanTime } : {}) }, { catalog: c, clock: systemClock, name: `bandit-${commit.slice(0, 4)}.sarif`, actor: 'test' });
    } finally {
      c.close();
    }
  }

  /** v1 deployed and backed up, v2 deployed, writes, backed up; SARIF for both ingested. Returns the B602 finding id. */
  async setUp(o: { scanClean?: boolean; fillBytes?: number } = {}): Promise<string> {
    this.port = await freePort();
    mkdirSync(this.data);
    // Bulk data for the benchmark: incompressible 4 MiB files, written by "v1".
    for (let i = 0, left = o.fillBytes ?? 0; left > 0; i++, left -= 4 << 20) {
      mkdirSync(join(this.data, 'blobs'), { recursive: true });
      writeFileSync(join(this.data, 'blobs', `b${i}.bin`), randomBytes(Math.min(left, 4 << 20)));
    }
    mkdirSync(this.certs);
    writeFileSync(join(this.dir, 'pw'), 'correct horse battery staple\n', { mode: 0o600 });
    writeFileSync(
      join(this.dir, 'start-shop.sh'),
      `#!/bin/sh\nset -eu\nprintf '{"commit":"%s"}\\n' "$HOLDFAST_DEPLOY_COMMIT" > "${this.dir}/version.json"\nHOLDFAST_SHOP_COMMIT="$HOLDFAST_DEPLOY_COMMIT" exec "${process.execPath}" --import tsx examples/shop/server.ts --data-dir "${this.data}" --cert-dir "${this.certs}" --host 127.0.0.1 --port ${this.port}\n`,
    );
    writeFileSync(
      this.config,
      `version: 1
server: { dataDir: ./holdfast }
repositories:
  local: { location: "${this.repoLocation}", password: { file: ./pw } }
volumes:
  shop-data: { path: ./data }
workloads:
  shop:
    volumes: [shop-data]
    cwd: ${root}
    start: sh ${this.dir}/start-shop.sh
    reload: kill -HUP "$HOLDFAST_SERVICE_PID"
    version: { file: ${this.dir}/version.json }
backupPolicies:
  shop:
    repository: local
    volumes: [shop-data]
    schedule: "0 * * * *"
certificates:
  shop-tls:
    commonName: shop.local
    dnsNames: [localhost]
    ipAddresses: [127.0.0.1]
    certFile: ./certs/tls.crt
    keyFile: ./certs/tls.key
    caFile: ./certs/ca.crt
    validity: 1h
    renewBefore: 10m
    endpoint: 127.0.0.1:${this.port}
    workload: shop
`,
    );
    await initRepository(await openBlobStore(this.repoLocation), 'correct horse battery staple');
    // Holdfast's CA where `holdfast serve` keeps it, and the shop's first certificate from it.
    const store = new CaStore(join(this.dataDir, 'ca'));
    const engine = new TlsEngine({ store, targets: () => { throw new Error('unused'); } });
    await engine.initCa({ commonName: 'Holdfast test CA', algorithm: DEFAULT_KEY_ALGORITHM, lifetimeMs: 365 * 86_400_000, intermediate: false });
    const ca = await store.loadCa((await store.readState()).active);
    const leaf = await issueLeaf({ name: 'shop-tls', sans: { dns: ['localhost'], ip: ['127.0.0.1'], uri: [] }, usages: ['serverAuth'], algorithm: DEFAULT_KEY_ALGORITHM, lifetimeMs: 3_600_000, maxLifetimeMs: DEFAULT_MAX_LIFETIME_MS }, ca, systemClock);
    writeFileSync(join(this.certs, 'tls.key'), leaf.keyPem, { mode: 0o600 });
    writeFileSync(join(this.certs, 'tls.crt'), leaf.chainPem);
    writeFileSync(join(this.certs, 'ca.crt'), leaf.caPem);
    this.initialKeyPem = leaf.certPem;

    await this.deploy(v1);
    for (let i = 0; i < 3; i++) if ((await this.post({ by: 'v1', n: i })) !== 201) throw new Error('POST failed');
    this.v1Snapshot = await this.backup(v1, 'v1');
    this.v1Items = readFileSync(join(this.data, 'items.jsonl'), 'utf8');
    copyFileSync(join(this.data, 'items.jsonl'), join(this.dir, 'v1-items.jsonl'));
    await this.deploy(v2);
    for (let i = 0; i < 3; i++) await this.post({ by: 'v2', n: i, note: 'written by the vulnerable version' });
    await this.backup(v2, 'v2');
    const r = banditReports();
    await this.ingest(r.vuln, v2);
    if (o.scanClean !== false) await this.scanClean();
    const findings = this.catalog((c) => c.sast.listFindings({ severities: ['high'], states: ['open'] }));
    const f = findings.find((x) => x.ruleId === 'B602');
    if (!f) throw new Error(`no B602 finding: ${JSON.stringify(findings)}`);
    return f.id;
  }

  /** Waits until the run stops at a hold point (HOLDFAST_PLAYBOOK_HOLD) and returns the incident id. */
  async waitHeld(point: string, timeoutMs = 180_000): Promise<string> {
    const marker = `held-${point.replace(':', '-')}`;
    for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; ) {
      await new Promise((r) => setTimeout(r, 100));
      const inc = this.catalog((c) => c.db.prepare('SELECT id FROM incidents ORDER BY created_at DESC').get() as { id: string } | undefined);
      if (inc && existsSync(join(this.dataDir, 'incidents', inc.id, marker))) return inc.id;
    }
    throw new Error(`the run did not reach ${point} within ${timeoutMs} ms`);
  }

  /** The clean report for v1, filed as scanned before v2's (a late report changes no finding's state). */
  scanClean(): Promise<void> {
    return this.ingest(banditReports().clean, v1, '2026-01-01T00:00:00Z');
  }

  /** `followBundle`: re-read ca.crt before every connection, as a client that reloads its trust bundle does (needed across a CA rotation). */
  startClient(o: { followBundle?: boolean } = {}): TlsLoop {
    this.client = new TlsLoop(this.port, o.followBundle ? () => readFileSync(join(this.certs, 'ca.crt'), 'utf8') : this.caPem);
    return this.client;
  }

  async dispose(): Promise<void> {
    await this.client?.stop();
    const f = await this.facts().catch(() => undefined);
    if (f) {
      const pid = await runningPid(f.dataDir, 'shop');
      if (pid) await stopWorkload(f.dataDir, f.workloads[0]!, systemClock, 3000).catch(() => process.kill(-pid, 'SIGKILL'));
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
