/**
 * Side-by-side on object storage: Holdfast and restic backing up the same dataset into the same
 * real S3 server (versitygw on loopback, plain HTTP so TLS cost is equal and small), in one run.
 * Steps per tool: init, initial backup (v1), incremental backup (after v2 changes), full restore.
 * Reports wall time, requests' worth of stored bytes, and ratios (restic / Holdfast: time > 1 means
 * Holdfast is faster; size > 1 means Holdfast is smaller).
 *
 *   node --import tsx bench/s3/run.ts [--gib 0.25] [--out bench/out]
 *
 * Needs: restic (Debian), versitygw (scripts/prepare/10-versitygw.sh). Writes <out>/s3-table.md.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
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
try {
  const data = join(work, 'data');
  const gen = (version: number) => execFileSync(process.execPath, ['--import', 'tsx', join(root, 'bench', 'gen-dataset.ts'), data, '--gib', String(gib), '--version', String(version)], { stdio: 'inherit' });
  gen(1);
  const common = { ...s3.env(), RESTIC_PASSWORD: 'bench-pw', HOLDFAST_PASSWORD: 'bench-pw' };
  const hf = (...a: string[]) => run(process.execPath, [join(root, 'bin', 'holdfast.js'), ...a], { ...common, HOLDFAST_REPO: s3.url(s3.buckets.plain, 'holdfast') });
  const restic = (...a: string[]) => run('restic', ['--no-cache', '-q', ...a], { ...common, RESTIC_REPOSITORY: `s3:${s3.endpoint}/${s3.buckets.plain}/restic` });
  const t: Record<string, Record<string, number>> = { holdfast: {}, restic: {} };
  t.holdfast!.init = await hf('repo', 'init');
  t.restic!.init = await restic('init');
  t.holdfast!.initial = await hf('backup', data);
  t.restic!.initial = await restic('backup', data);
  gen(2);
  t.holdfast!.incremental = await hf('backup', data);
  t.restic!.incremental = await restic('backup', data);
  t.holdfast!.restore = await hf('restore', 'latest', '--target', join(work, 'r-hf'));
  t.restic!.restore = await restic('restore', 'latest', '--target', join(work, 'r-restic'));
  execFileSync('diff', ['-r', data, join(work, 'r-hf', data)], { stdio: 'ignore' });

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
    '| step | Holdfast | restic | ratio |',
    '|---|---|---|---|',
  ];
  for (const step of ['init', 'initial', 'incremental', 'restore']) {
    const [h, r] = [t.holdfast![step]!, t.restic![step]!];
    const rate = (s: number) => (step === 'initial' || step === 'restore' ? ` (${(total / 1024 / 1024 / s).toFixed(0)} MiB/s)` : '');
    lines.push(`| ${step} | ${h.toFixed(1)} s${rate(h)} | ${r.toFixed(1)} s${rate(r)} | ${(r / h).toFixed(2)}x |`);
  }
  lines.push(`| stored | ${(hs.bytes / 1024 / 1024).toFixed(0)} MiB in ${hs.objects} objects | ${(rs.bytes / 1024 / 1024).toFixed(0)} MiB in ${rs.objects} objects | ${(rs.bytes / hs.bytes).toFixed(2)}x |`);
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 's3-table.md'), lines.join('\n') + '\n');
  console.log(lines.join('\n'));
} finally {
  await s3.stop();
  rmSync(work, { recursive: true, force: true });
}
