/**
 * SAST ingestion throughput and memory, as a user gets them: a generated SARIF report of N results
 * (default 200k; realistic shapes: several rules with CWE tags, snippets, a third with
 * primaryLocationLineHash, some suppressed) ingested into one catalog by `holdfast sast ingest`,
 * each step a CLI process of its own under /usr/bin/time:
 *   1. first scan of the stream (all new);
 *   2. the same report for the next commit (everything seen again: the lifecycle's update path);
 *   3. the next commit with 5 % fixed and 5 % new (the lifecycle diff);
 *   4. that report again for the same commit (answered from its digest).
 * Each prints wall time, CPU seconds (user + system of every thread of the process: the comparable
 * figure on a busy shared machine), results/s on both, and the process's peak RSS, which includes
 * Node, the CLI's modules and the report's bytes. From a checkout the CLI runs through tsx (~85 MiB
 * more, in the main thread and again in the ingest worker); `--dist` runs the compiled dist/ as an
 * installed package does (`npm run build` first). NODE_OPTIONS passes V8 flags to try.
 * Targets: >= 20k results/s, <= 300 MiB peak RSS for 200k results.
 *
 * Usage: node --import tsx bench/sast-ingest.ts [--results 200000] [--gzip] [--dist]
 */
import { spawnSync } from 'node:child_process';
import { closeSync, createReadStream, createWriteStream, mkdtempSync, openSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGzip } from 'node:zlib';
import { Catalog } from '../src/catalog/index.js';

const args = process.argv.slice(2);
const n = Number(args[args.indexOf('--results') + 1] ?? 200_000) || 200_000;
const gzip = args.includes('--gzip');
const dist = args.includes('--dist');

/**
 * Writes the report to `file` a result at a time, so making it costs this process no memory:
 * the peak RSS below is the ingest's (the CLI's path: read the file, then ingest).
 */
async function writeReport(file: string, count: number, shift: number): Promise<number> {
  const rules = Array.from({ length: 40 }, (_, i) => ({ id: `R${i}`, properties: { tags: ['security', `external/cwe/cwe-${String(20 + i).padStart(3, '0')}`], 'security-severity': String((i % 10) + 0.5) } }));
  const fd = openSync(file, 'w');
  let chunk = `{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"BenchScanner","version":"1.0","rules":${JSON.stringify(rules)}}},"invocations":[{"executionSuccessful":true}],"results":[`;
  for (let k = shift; k < count + shift; k++) {
    const file = `src/module${k % 500}/file${k % 37}.py`;
    const result = {
      ruleId: `R${k % 40}`,
      ruleIndex: k % 40,
      level: 'warning',
      message: { text: `Possible injection of user input into call number ${k}` },
      locations: [{ physicalLocation: { artifactLocation: { uri: file, uriBaseId: '%SRCROOT%' }, region: { startLine: (k % 900) + 1, startColumn: 5, snippet: { text: `    run(query_${k}, user_input)` } } } }],
      ...(k % 3 === 0 ? { partialFingerprints: { primaryLocationLineHash: `${k.toString(16)}abcdef:1` } } : {}),
      ...(k % 50 === 0 ? { suppressions: [{ kind: 'inSource' }] } : {}),
    };
    chunk += (k === shift ? '' : ',') + JSON.stringify(result);
    if (chunk.length > 1 << 20) {
      writeSync(fd, chunk);
      chunk = '';
    }
  }
  writeSync(fd, chunk + ']}]}');
  closeSync(fd);
  if (gzip) {
    await pipeline(createReadStream(file), createGzip(), createWriteStream(file + '.gz'));
    renameSync(file + '.gz', file);
  }
  return statSync(file).size;
}

interface Step {
  label: string;
  file: string;
  commit: string;
  day: number;
}

interface Measured {
  wall: number;
  cpu: number;
  rss: number;
  counts: string;
}

/**
 * One step: `holdfast sast ingest` as a user runs it, a process of its own under /usr/bin/time,
 * whose CPU seconds and peak RSS count every thread (the ingest runs in a worker thread).
 */
function step(s: Step, db: string): Measured {
  const cli = new URL('../bin/holdfast.js', import.meta.url).pathname;
  const argv = ['-f', '%e %U %S %M', process.execPath, cli, 'sast', 'ingest', s.file, '--catalog', db, '--repository', 'github.com/acme/bench', '--commit', s.commit, '--ref', 'refs/heads/main', '--scan-time', new Date(Date.UTC(2026, 0, s.day)).toISOString(), '--json'];
  const r = spawnSync('/usr/bin/time', argv, { encoding: 'utf8', maxBuffer: 64 << 20, env: { ...process.env, ...(dist ? { HOLDFAST_DIST: '1' } : {}) } });
  if (r.status !== 0) throw new Error(`step "${s.label}" exited ${r.status}: ${r.stderr}`);
  const [wall, user, sys, maxKiB] = r.stderr.trim().split('\n').pop()!.split(' ').map(Number) as [number, number, number, number];
  const sum = JSON.parse(r.stdout) as { sameAs?: unknown; scans: { new: number; unchanged: number; fixed: number }[] };
  const sc = sum.scans[0];
  return { wall, cpu: user + sys, rss: maxKiB / 1024, counts: sum.sameAs || !sc ? 'same report: nothing parsed' : `new ${sc.new}, unchanged ${sc.unchanged}, fixed ${sc.fixed}` };
}

const dir = mkdtempSync(join(tmpdir(), 'holdfast-bench-sast-'));
try {
  const db = join(dir, 'holdfast.db');
  Catalog.open(db).close();
  const first = join(dir, 'report-0.sarif');
  const next = join(dir, 'report-next.sarif');
  const size = await writeReport(first, n, 0);
  await writeReport(next, n, Math.floor(n * 0.05));
  const steps: Step[] = [
    { label: 'first scan (all new)', file: first, commit: 'a'.repeat(40), day: 1 },
    { label: 'same report, next commit', file: first, commit: 'b'.repeat(40), day: 2 },
    { label: 'next commit, 5% fixed 5% new', file: next, commit: 'c'.repeat(40), day: 3 },
    { label: 'identical report again', file: next, commit: 'c'.repeat(40), day: 3 },
  ];
  console.log(`${n} results, ${(size / 1024 / 1024).toFixed(1)} MiB${gzip ? ' gzip' : ''} per report; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  for (const s of steps) {
    const m = step(s, db);
    console.log(
      `${s.label.padEnd(30)} ${m.wall.toFixed(2).padStart(6)} s wall ${m.cpu.toFixed(2).padStart(6)} CPU s  ${String(Math.round(n / m.wall)).padStart(8)} results/s wall ${String(Math.round(n / m.cpu)).padStart(8)} per CPU-s  peak RSS ${m.rss.toFixed(0).padStart(4)} MiB  (${m.counts})`,
    );
  }
  console.log(`load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}; targets: >= 20000 results/s, <= 300 MiB peak RSS`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
