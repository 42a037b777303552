/**
 * Side-by-side on object storage: Holdfast and restic backing up the same dataset into the same
 * real S3 server (versitygw on loopback, plain HTTP so TLS cost is equal and small), in one run.
 * Steps per tool: init, initial backup (v1), incremental backup (after v2 changes), full restore.
 * Both talk to the server through a pass-through proxy (test/harness/fault-proxy.ts at rate 0) that
 * counts requests, because on object storage the number of requests is what costs time and money.
 * Reports wall time, requests, stored bytes and objects, and ratios (restic / Holdfast: time > 1 means
 * Holdfast is faster; size > 1 means Holdfast is smaller).
 *
 *   node --import tsx bench/s3/run.ts [--gib 0.25] [--out bench/out]
 *
 * Needs: restic (Debian), versitygw (scripts/prepare/10-versitygw.sh). Writes <out>/s3-table.md.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { startFaultProxy } from '../../test/harness/fault-proxy.js';
import { startS3Server } from '../../test/harness/s3-server.js';

const args = process.argv.slice(2);
const opt = (name: string, dflt: string) => (args.includes(name) ? args[args.indexOf(name) + 1]! : dflt);
const gib = Number(opt('--gib', '0.25'));
const out = opt('--out', 'bench/out');
const root = join(import.meta.dirname, '..', '..');

function run(cmd: string, argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(cmd, argv, { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (b: Buffer) => (err = (err + b.toString()).slice(-3000)));
    child.once('close', (code) =>
      code === 0 ? resolve(Number(process.hrtime.bigint() - start) / 1e9) : reject(new Error(`${cmd} ${argv.join(' ')} failed (${code}): ${err}`)),
    );
  });
}

const work = mkdtempSync(join(tmpdir(), 'hf-bench-s3-'));
const s3 = await startS3Server({ tls: false });
const proxy = await startFaultProxy({ upstream: s3.endpoint, rate: 0, seed: 1 });
try {
  const data = join(work, 'data');
  const gen = (version: number) => execFileSync(process.execPath, ['--import', 'tsx', join(root, 'bench', 'gen-dataset.ts'), data, '--gib', String(gib), '--version', String(version)], { stdio: 'inherit' });
  gen(1);
  const common = { ...s3.env(), RESTIC_PASSWORD: 'bench-pw', HOLDFAST_PASSWORD: 'bench-pw' };
  const t: Record<string, Record<string, number>> = { holdfast: {}, restic: {} };
  const requests: Record<string, Record<string, number>> = { holdfast: {}, restic: {} };
  // Steps run one at a time, so the proxy's count between start and end belongs to this step.
  const counted = async (cmd: string, argv: string[], env: NodeJS.ProcessEnv) => {
    const before = proxy.stats.pass;
    const secs = await run(cmd, argv, env);
    return { secs, requests: proxy.stats.pass - before };
  };
  const viaProxy = `s3:${proxy.endpoint}/${s3.buckets.plain}`;
  // The compiled build when there is one, as users run it; tsx start-up is not what is measured.
  const dist = existsSync(join(root, 'dist', 'cli', 'main.js')) ? { HOLDFAST_DIST: '1' } : {};
  const hf = (...a: string[]) => counted(process.execPath, [join(root, 'bin', 'holdfast.js'), ...a], { ...common, ...dist, HOLDFAST_REPO: `${viaProxy}/holdfast` });
  const restic = (...a: string[]) => counted('restic', ['--no-cache', '-q', ...a], { ...common, RESTIC_REPOSITORY: `${viaProxy}/restic` });
  type Measured = { secs: number; requests: number };
  const step = async (name: string, h: () => Promise<Measured>, r: () => Promise<Measured>) => {
    for (const [tool, fn] of [['holdfast', h], ['restic', r]] as const) {
      const m = await fn();
      t[tool]![name] = m.secs;
      requests[tool]![name] = m.requests;
    }
  };
  await step('init', () => hf('repo', 'init'), () => restic('init'));
  await step('initial', () => hf('backup', data), () => restic('backup', data));
  gen(2);
  await step('incremental', () => hf('backup', data), () => restic('backup', data));
  await step('restore', () => hf('restore', 'latest', '--target', join(work, 'r-hf')), () => restic('restore', 'latest', '--target', join(work, 'r-restic')));
  // The restore must be exact, or the timing means nothing (Holdfast restores the snapshot's root into --target).
  execFileSync('diff', ['-r', data, join(work, 'r-hf')], { stdio: 'ignore' });

  const stored = async (prefix: string) => {
    let bytes = 0;
    let objects = 0;
    let token: string | undefined;
    do {
      const page = await s3.admin.send(new ListObjectsV2Command({ Bucket: s3.buckets.plain, Prefix: prefix, ContinuationToken: token }));
      for (const o of page.Contents ?? []) {
        bytes += o.Size ?? 0;
        objects++;
      }
      token = page.NextContinuationToken;
    } while (token);
    return { bytes, objects };
  };
  const [hs, rs] = [await stored('holdfast/'), await stored('restic/')];
  const total = gib * 1024 ** 3;
  const lines = [
    `S3 (versitygw ${'v1.8.0'}, loopback HTTP), dataset ${gib} GiB (bench/gen-dataset.ts), Holdfast via bin/holdfast.js, restic ${execFileSync('restic', ['version']).toString().split(' ')[1]}.`,
    'Ratio = restic / Holdfast (time: > 1 means Holdfast is faster; size: > 1 means Holdfast is smaller).',
    '',
    '| step | Holdfast | restic | time ratio | Holdfast requests | restic requests |',
    '|---|---|---|---|---|---|',
  ];
  for (const step of ['init', 'initial', 'incremental', 'restore']) {
    const [h, r] = [t.holdfast![step]!, t.restic![step]!];
    const rate = (s: number) => (step === 'initial' || step === 'restore' ? ` (${(total / 1024 / 1024 / s).toFixed(0)} MiB/s)` : '');
    lines.push(`| ${step} | ${h.toFixed(1)} s${rate(h)} | ${r.toFixed(1)} s${rate(r)} | ${(r / h).toFixed(2)}x | ${requests.holdfast![step]} | ${requests.restic![step]} |`);
  }
  lines.push(`| stored | ${(hs.bytes / 1024 / 1024).toFixed(0)} MiB in ${hs.objects} objects | ${(rs.bytes / 1024 / 1024).toFixed(0)} MiB in ${rs.objects} objects | ${(rs.bytes / hs.bytes).toFixed(2)}x (size) | | |`);
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 's3-table.md'), lines.join('\n') + '\n');
  console.log(lines.join('\n'));
} finally {
  await proxy.stop();
  await s3.stop();
  rmSync(work, { recursive: true, force: true });
}
