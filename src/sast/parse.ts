/**
 * From bytes to SARIF runs, a piece at a time (report-scan.ts): what is not UTF-8, not strict
 * JSON, not SARIF or not version 2.1.0 is refused with one line naming where; a run's members are
 * parsed tolerantly (what had to be ignored becomes a warning), and its results are parsed one by
 * one only as they are read, so a report of 200k results is never one object tree.
 */
import { isUtf8 } from 'node:buffer';
import { invalidInput } from '../base/errors.js';
import { invalidUtf8At } from './strict-json.js';
import { parseSpan, scanReport, type Span } from './report-scan.js';
import { logSchema, runSchema, tolerantParse, type ReportResults, type SarifRun } from './sarif-schema.js';


export interface ParsedLog {
  runs: (SarifRun | undefined)[];
  warnings: string[];
}

const members = (b: Buffer, m: Map<string, Span>, name: string): Record<string, unknown> => {
  const o: Record<string, unknown> = {};
  for (const [k, s] of m) o[k] = parseSpan(b, s, name);
  return o;
};

/** The results of one run, each parsed when the iteration reaches it and free to be collected after. */
class LazyResults implements ReportResults {
  constructor(
    private readonly b: Buffer,
    private readonly spans: readonly number[],
    private readonly name: string,
  ) {}

  get length(): number {
    return this.spans.length / 2;
  }

  *[Symbol.iterator](): Iterator<unknown> {
    for (let k = 0; k < this.spans.length; k += 2) yield parseSpan(this.b, { start: this.spans[k]!, end: this.spans[k + 1]! }, this.name);
  }
}

export function parseSarif(bytes: Buffer, name: string): ParsedLog {
  // isUtf8 checks without decoding: decoding a 70 MiB report would make a string of that size.
  if (!isUtf8(bytes)) {
    const bad = invalidUtf8At(bytes);
    throw invalidInput('REPORT_NOT_UTF8', `ingest report ${name}: not UTF-8: invalid byte 0x${(bytes[bad] ?? 0).toString(16).padStart(2, '0')} at byte ${bad}`);
  }
  const spans = scanReport(bytes, name);
  const top = logSchema.safeParse({ ...members(bytes, spans.members, name), ...(spans.runs ? { runs: spans.runs.map(() => null) } : {}) });
  if (!top.success) {
    const where = top.error.issues[0]?.path.join('.') || 'the top level';
    throw invalidInput('REPORT_NOT_SARIF', `ingest report ${name}: not a SARIF log (${where}: ${top.error.issues[0]?.message ?? 'invalid'})`);
  }
  if (top.data.version !== '2.1.0') {
    throw invalidInput('REPORT_SARIF_VERSION', `ingest report ${name}: SARIF version ${JSON.stringify(top.data.version)} is not supported (only 2.1.0)`);
  }
  const warnings: string[] = [];
  const runs = (spans.runs ?? []).map((r, i): SarifRun | undefined => {
    if (!('members' in r)) return tolerantParse(runSchema, parseSpan(bytes, r, name), `runs[${i}]`, warnings);
    const run = members(bytes, r.members, name);
    // The schema sees an empty results array: each result is checked as it is read (normalise.ts).
    const parsed = tolerantParse(runSchema, r.results ? { ...run, results: [] } : run, `runs[${i}]`, warnings);
    if (parsed && r.results) return { ...parsed, results: new LazyResults(bytes, r.results, name) };
    return parsed;
  });
  return { runs, warnings };
}
