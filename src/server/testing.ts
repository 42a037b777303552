/**
 * Test helpers for the control plane: a temporary directory with a holdfast.yaml, a volume with a
 * few files, a workload whose version is a JSON file, a real repository, catalog, CA and SAST
 * ingester — everything real except the clock, which is a ManualClock the test moves.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger, type Logger } from '../base/log.js';
import { Catalog } from '../catalog/index.js';
import { parseConfig } from '../config/index.js';
import { ManualClock } from '../platform/clock.js';
import { buildApp } from './app.js';
import { ControlPlane } from './control-plane.js';
import { backupEngine } from './engines/backup.js';
import { sastEngine } from './engines/sast.js';
import { tlsEngine } from './engines/tls.js';

// Cheap scrypt for test repositories (the engine's own switch); production keys are unaffected.
process.env.HOLDFAST_TEST_FAST_KDF = '1';

export const commit = '0eeab4ac3343d514566cea28f0e00de9f4d0622e';
export const digest = 'sha256:' + 'ab'.repeat(32);

export function baseYaml(extra = ''): string {
  return `version: 1
server: { dataDir: ./state }
repositories:
  local: { location: ./repo, password: { env: HF_TEST_PASSWORD } }
volumes:
  data: { path: ./data }
workloads:
  app:
    volumes: [data]
    version: { file: ./version.json }
backupPolicies:
  hourly:
    repository: local
    volumes: [data]
    schedule: "0 * * * *"
    retention: { keepLast: 3 }
    hooks:
      pre: [{ name: quiesce, command: "touch quiesced", timeout: 5s }]
      post: [{ name: resume, command: "rm -f quiesced", timeout: 5s }]
    verify: { schedule: "30 * * * *", check: "test -f orders.json", staleAfter: 2h }
${extra}`;
}

export interface TestPlane {
  dir: string;
  clock: ManualClock;
  cp: ControlPlane;
  token: string;
  app: Awaited<ReturnType<typeof buildApp>>;
  dispose(): Promise<void>;
}

export async function testPlane(o: { yaml?: string; start?: Date; log?: Logger } = {}): Promise<TestPlane> {
  const dir = mkdtempSync(join(tmpdir(), 'holdfast-cp-'));
  mkdirSync(join(dir, 'data', 'sub'), { recursive: true });
  writeFileSync(join(dir, 'data', 'orders.json'), JSON.stringify([{ id: 1, item: 'anchor' }]));
  writeFileSync(join(dir, 'data', 'sub', 'blob.bin'), Buffer.alloc(100_000, 7));
  writeFileSync(
    join(dir, 'version.json'),
    JSON.stringify({ commit, imageDigest: digest, repository: 'github.com/holdfast/shop' }),
  );
  const file = join(dir, 'holdfast.yaml');
  const text = o.yaml ?? baseYaml();
  writeFileSync(file, text);
  const loaded = parseConfig(text, file);
  const clock = new ManualClock(o.start ?? new Date('2026-12-01T08:00:00Z'));
  mkdirSync(join(dir, 'state'), { recursive: true });
  const catalog = Catalog.open(join(dir, 'state', 'catalog.db'), { now: () => clock.now() });
  const env = { ...process.env, HF_TEST_PASSWORD: 'test-password-not-secret' };
  const cp = new ControlPlane({
    loaded,
    catalog,
    clock,
    log: o.log ?? silentLogger,
    backup: backupEngine(clock),
    certs: tlsEngine(clock),
    sast: sastEngine(catalog, clock),
    env,
    alertBackoffMs: 10,
  });
  const token = 'test-token-0123456789';
  const app = await buildApp(cp, { token });
  return {
    dir,
    clock,
    cp,
    token,
    app,
    async dispose() {
      await cp.rotations.stop();
      cp.scheduler.stop();
      await cp.scheduler.idle();
      await cp.alerter.idle();
      await app.close();
      catalog.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
