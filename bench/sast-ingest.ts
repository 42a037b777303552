/**
 * SAST ingestion throughput: a generated SARIF report of N results (default 100k; realistic
 * shapes: several rules with CWE tags, snippets, a third with primaryLocationLineHash, some
 * suppressed) is ingested twice into a fresh catalog: once as the first scan of a stream (all
 * new), once as the next commit with 5 % fixed and 5 % new (the lifecycle diff path).
 * Reports results/s for each (wall clock, and per CPU-second of this process, which a busy shared
 * machine does not distort) and the peak RSS of the process. Target: >= 20k results/s.
 *
 * Usage: node --import tsx bench/sast-ingest.ts [--results 100000] [--gzip]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type * as Sarif from 'sarif';
import { Catalog } from '../src/catalog/index.js';
import { ingestReport } from '../src/sast/index.js';
import { systemClock } from '../src/platform/clock.js';

const args = process.argv.slice(2);
const n = Number(args[args.indexOf('--results') + 1] ?? 100_000) || 100_000;
const gzip = args.includes('--gzip');

function report(count: number, shift: number): Buffer {
  const rules = Array.from({ length: 40 }, (_, i) => ({ id: `R${i}`, properties: { tags: ['security', `external/cwe/cwe-${String(20 + i).padStart(3, '0')}`], 'security-severity': String((i % 10) + 0.5) } }));
  const results: Sarif.Result[] = [];
  for (let k = shift; k < count + shift; k++) {
    const file = `src/module${k % 500}/file${k % 37}.py`;
    results.push({
      ruleId: `R${k % 40}`,
      ruleIndex: k % 40,
      level: 'warning',
      message: { text: `Possible injection of user input into call number ${k}` },
      locations: [{ physicalLocation: { artifactLocation: { uri: file, uriBaseId: '%SRCROOT%' }, region: { startLine: (k % 900) + 1, startColumn: 5, snippet: { text: `    run(query_${k}, user_input)` } } } }],
      ...(k % 3 === 0 ? { partialFingerprints: { primaryLocationLineHash: `${k.toString(16)}abcdef:1` } } : {}),
      ...(k % 50 === 0 ? { suppressions: [{ kind: 'inSource' }] } : {}),
    });
  }
  const log: Sarif.Log = { version: '2.1.0', runs: [{ tool: { driver: { name: 'BenchScanner', version: '1.0', rules } }, invocations: [{ executionSuccessful: true }], results }] };
  const b = Buffer.from(JSON.stringify(log));
  return gzip ? gzipSync(b) : b;
}

let peak = 0;
const sample = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
const dir = mkdtempSync(join(tmpdir(), 'holdfast-bench-sast-'));
const catalog = Catalog.open(join(dir, 'holdfast.db'));
try {
  const rows: string[] = [];
  for (const [label, shift, commit, day] of [
    ['first scan (all new)', 0, 'a'.repeat(40), 1],
    ['next scan (5% fixed, 5% new)', Math.floor(n * 0.05), 'b'.repeat(40), 2],
  ] as const) {
    const body = report(n, shift);
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const s = await ingestReport(body, { repository: 'github.com/acme/bench', commit, ref: 'refs/heads/main', scanTime: new Date(Date.UTC(2026, 0, day)) }, { catalog, clock: systemClock, name: 'bench.sarif' });
    const secs = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const cpuSecs = (cpu.user + cpu.system) / 1e6;
    const sc = s.scans[0]!;
    rows.push(`${label.padEnd(30)} ${String(n).padStart(7)} results  ${(body.length / 1024 / 1024).toFixed(1).padStart(6)} MiB${gzip ? ' gz' : ''}  ${secs.toFixed(2).padStart(6)} s  ${Math.round(n / secs).toString().padStart(7)} results/s wall, ${Math.round(n / cpuSecs).toString().padStart(7)} per CPU-second  (new ${sc.new}, unchanged ${sc.unchanged}, fixed ${sc.fixed})`);
  }
  peak = Math.max(peak, process.memoryUsage().rss);
  console.log(rows.join('\n'));
  console.log(`peak RSS ${(peak / 1024 / 1024).toFixed(0)} MiB (maxRSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB)`);
} finally {
  clearInterval(sample);
  catalog.close();
  rmSync(dir, { recursive: true, force: true });
}
