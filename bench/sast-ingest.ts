/**
 * SAST ingestion throughput: a generated SARIF report of N results (default 200k; realistic
 * shapes: several rules with CWE tags, snippets, a third with primaryLocationLineHash, some
 * suppressed) is ingested twice into a fresh catalog: once as the first scan of a stream (all
 * new), once as the next commit with 5 % fixed and 5 % new (the lifecycle diff path).
 * Reports results/s for each (wall clock, and per CPU-second of this process, which a busy shared
 * machine does not distort) and the peak RSS of the process. Targets: >= 20k results/s, <= 300 MiB
 * peak RSS for 200k results.
 *
 * Usage: node --import tsx bench/sast-ingest.ts [--results 200000] [--gzip]
 */
import { closeSync, createReadStream, createWriteStream, mkdtempSync, openSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGzip } from 'node:zlib';
import { Catalog } from '../src/catalog/index.js';
import { ingestReport, readReportFile } from '../src/sast/index.js';
import { systemClock } from '../src/platform/clock.js';

const args = process.argv.slice(2);
const n = Number(args[args.indexOf('--results') + 1] ?? 200_000) || 200_000;
const gzip = args.includes('--gzip');

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

const dir = mkdtempSync(join(tmpdir(), 'holdfast-bench-sast-'));
const catalog = Catalog.open(join(dir, 'holdfast.db'));
try {
  const rows: string[] = [];
  for (const [label, shift, commit, day] of [
    ['first scan (all new)', 0, 'a'.repeat(40), 1],
    ['next scan (5% fixed, 5% new)', Math.floor(n * 0.05), 'b'.repeat(40), 2],
  ] as const) {
    const file = join(dir, `report-${shift}.sarif`);
    const size = await writeReport(file, n, shift);
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const s = await ingestReport(await readReportFile(file),  { repository: 'github.com/acme/bench', commit, ref: 'refs/heads/main', scanTime: new Date(Date.UTC(2026, 0, day)) }, { catalog, clock: systemClock, name: 'bench.sarif' });
    const secs = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const cpuSecs = (cpu.user + cpu.system) / 1e6;
    const sc = s.scans[0]!;
    rows.push(`${label.padEnd(30)} ${String(n).padStart(7)} results  ${(size / 1024 / 1024).toFixed(1).padStart(6)} MiB${gzip ? ' gz' : ''}  ${secs.toFixed(2).padStart(6)} s  ${Math.round(n / secs).toString().padStart(7)} results/s wall, ${Math.round(n / cpuSecs).toString().padStart(7)} per CPU-second  (new ${sc.new}, unchanged ${sc.unchanged}, fixed ${sc.fixed})`);
  }
  console.log(rows.join('\n'));
  // The ingest is synchronous, so no timer could sample during it: the kernel's high-water mark.
  console.log(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB (target <= 300)`);
} finally {
  catalog.close();
  rmSync(dir, { recursive: true, force: true });
}
