/**
 * Failures inside single steps, on real parts: a restore whose repository lost a pack (the volume
 * keeps its data, the partial copy is removed, the step can run again), and a workload that does
 * not pick up its new certificate (the old one goes back in, the step stops and says so).
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { createServer, type Server } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initRepository, Repository, runBackup } from '../../src/backup/index.js';
import { Catalog } from '../../src/catalog/index.js';
import { parseConfig } from '../../src/config/index.js';
import { gatherFacts, type IncidentParams } from '../../src/playbook/index.js';
import { stepKinds, type StepEnv } from '../../src/playbook/steps/index.js';
import { swapPaths } from '../../src/playbook/facts.js';
import { systemClock } from '../../src/platform/clock.js';
import { openBlobStore } from '../../src/storage/index.js';
import { CaStore, DEFAULT_KEY_ALGORITHM, DEFAULT_MAX_LIFETIME_MS, TlsEngine, issueLeaf } from '../../src/tls/index.js';
import { freePort } from './harness.js';

process.env.HOLDFAST_TEST_FAST_KDF = '1';
const dirs: string[] = [];
const servers: Server[] = [];
after(() => {
  for (const s of servers) s.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function world(port = 1) {
  const dir = mkdtempSync(join(tmpdir(), 'holdfast-steps-'));
  dirs.push(dir);
  mkdirSync(join(dir, 'data'));
  mkdirSync(join(dir, 'certs'));
  writeFileSync(join(dir, 'pw'), 'pw\n');
  const text = `version: 1
server: { dataDir: ./hf }
repositories: { local: { location: ./repo, password: { file: ./pw } } }
volumes: { shop-data: { path: ./data } }
workloads: { shop: { volumes: [shop-data] } }
backupPolicies: { p: { repository: local, volumes: [shop-data], schedule: "0 * * * *" } }
certificates:
  shop-tls: { commonName: shop.local, dnsNames: [localhost], certFile: ./certs/tls.crt, keyFile: ./certs/tls.key, caFile: ./certs/ca.crt, validity: 1h, renewBefore: 10m, endpoint: "127.0.0.1:${port}", workload: shop }
`;
  const loaded = parseConfig(text, join(dir, 'holdfast.yaml'));
  const facts = gatherFacts(loaded, 'shop-data');
  mkdirSync(facts.dataDir, { recursive: true });
  const catalog = Catalog.open(facts.catalogFile);
  const store = await openBlobStore(join(dir, 'repo'));
  await initRepository(store, 'pw');
  const repo = await Repository.open(store, 'pw');
  const params: IncidentParams = { volume: 'shop-data', target: { severity: 'high' }, onUnknown: 'refuse', rotateCa: false, healthPath: '/healthz' };
  const outputs = new Map<string, Record<string, unknown>>();
  let progress: Record<string, unknown> = {};
  const env = (stepId: string, w: Record<string, unknown> = {}): StepEnv => ({
    incidentId: 'inc-test',
    stepId,
    with: w,
    params,
    facts,
    catalog,
    clock: systemClock,
    env: process.env,
    repo: async () => repo,
    outputsOf: (uses) => outputs.get(uses),
    progress,
    recordProgress: (p) => (progress = { ...progress, ...p }),
    log: () => undefined,
    hold: async () => undefined,
  });
  return { dir, facts, catalog, repo, outputs, env, close: () => catalog.close() };
}

test('a restore that fails midway leaves the volume with its own data and no partial copy, ready to run again', async () => {
  const w = await world();
  try {
    writeFileSync(join(w.dir, 'data', 'items.jsonl'), '{"by":"v1"}\n');
    const r = await runBackup(w.repo, { source: join(w.dir, 'data'), tags: ['v1'], provenance: { volume: 'shop-data' } });
    writeFileSync(join(w.dir, 'data', 'items.jsonl'), '{"by":"v1"}\n{"by":"v2"}\n');
    // The repository loses its packs (a damaged disk): reading the file's chunks fails mid-restore.
    for (const sub of readdirSync(join(w.dir, 'repo', 'data'))) rmSync(join(w.dir, 'repo', 'data', sub), { recursive: true });
    w.outputs.set('choose-restore-point', { snapshotId: r.snapshotId });
    await assert.rejects(stepKinds.get('restore')!.run(w.env('restore')), (e: Error & { code?: string }) => {
      assert.ok(e.code, e.message);
      return true;
    });
    assert.equal(readFileSync(join(w.dir, 'data', 'items.jsonl'), 'utf8'), '{"by":"v1"}\n{"by":"v2"}\n');
    const p = swapPaths(join(w.dir, 'data'), 'inc-test');
    assert.equal(existsSync(p.scratch), false);
    assert.equal(existsSync(p.old), false);
  } finally {
    w.close();
  }
});

test('a new certificate the workload does not serve is taken back out: the old one is installed again and the step says so', async () => {
  const port = await freePort();
  const w = await world(port);
  try {
    const caStore = new CaStore(w.facts.caDir);
    await new TlsEngine({ store: caStore, targets: () => { throw new Error('unused'); } }).initCa({ commonName: 'test CA', algorithm: DEFAULT_KEY_ALGORITHM, lifetimeMs: 86_400_000, intermediate: false });
    const ca = await caStore.loadCa((await caStore.readState()).active);
    const leaf = await issueLeaf({ name: 'shop-tls', sans: { dns: ['localhost'], ip: [], uri: [] }, usages: ['serverAuth'], algorithm: DEFAULT_KEY_ALGORITHM, lifetimeMs: 3_600_000, maxLifetimeMs: DEFAULT_MAX_LIFETIME_MS }, ca, systemClock);
    writeFileSync(join(w.dir, 'certs', 'tls.crt'), leaf.chainPem);
    writeFileSync(join(w.dir, 'certs', 'tls.key'), leaf.keyPem, { mode: 0o600 });
    writeFileSync(join(w.dir, 'certs', 'ca.crt'), leaf.caPem);
    // A workload that loaded its certificate once and never reloads.
    const server = createServer({ cert: leaf.chainPem, key: leaf.keyPem }, (s) => s.end());
    servers.push(server);
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
    await assert.rejects(stepKinds.get('rotate-tls')!.run(w.env('rotate-tls', { servedTimeoutMs: 300 })), (e: Error & { code?: string }) => {
      assert.equal(e.code, 'INCIDENT_TLS_NOT_SERVED');
      assert.match(e.message, /serves serial [0-9a-f]+ .*, expected serial/);
      assert.match(e.message, /^rotate certificate shop-tls: .*the previous certificate \(serial [0-9a-f]+\) is installed again and served; the run stopped at rotate-tls/);
      return true;
    });
    assert.equal(readFileSync(join(w.dir, 'certs', 'tls.crt'), 'utf8'), leaf.chainPem);
    assert.equal(readFileSync(join(w.dir, 'certs', 'tls.key'), 'utf8'), leaf.keyPem);
  } finally {
    w.close();
  }
});

test('preconditions name what would stop the run before it starts: no CA to issue from, a workload that cannot be started again', async () => {
  const w = await world();
  try {
    const pre = (uses: string) => stepKinds.get(uses)!.precondition?.({ facts: w.facts, params: w.env('x').params, with: {} });
    assert.match(pre('rotate-tls') ?? '', /hf\/ca holds no CA to issue the new certificates from/);
    assert.match(pre('restart') ?? '', /^workload shop has no start command in .*holdfast\.yaml: the playbook could stop it but not start it again/);
    assert.equal(pre('preserve-evidence'), undefined);
    const caStore = new CaStore(w.facts.caDir);
    await new TlsEngine({ store: caStore, targets: () => { throw new Error('unused'); } }).initCa({ commonName: 'test CA', algorithm: DEFAULT_KEY_ALGORITHM, lifetimeMs: 86_400_000, intermediate: false });
    assert.equal(pre('rotate-tls'), undefined);
    rmSync(join(w.dir, 'data'), { recursive: true });
    assert.match(pre('preserve-evidence') ?? '', /does not exist, so there is no state to preserve/);
  } finally {
    w.close();
  }
});
