/**
 * Ingesting a SARIF report: read (file, stdin, Buffer or stream; gzip; size cap), parse
 * tolerantly, normalise each run, check it against the envelope, and record the version, one scan
 * per tool and category (its runs merged: see merge-runs.ts) and the findings' lifecycle, all in ONE transaction: a report is ingested whole or not
 * at all. Ingesting the same report again for the same version changes nothing.
 */
import { createHash } from 'node:crypto';
import type { Catalog } from '../catalog/index.js';
import type { Clock } from '../platform/clock.js';
import { parseEnvelope, resolveRun, type Envelope, type EnvelopeInput } from './envelope.js';
import type { IngestGate } from './ingest-gate.js';
import { defaultKeepNew, KeptNew, type KeepNew } from './kept-new.js';
import { applyLifecycle, type LifecycleCounts, type NewFinding } from './lifecycle.js';
import { mergeRuns } from './merge-runs.js';
import { sourceLines, type SourceLines } from './source-lines.js';
import { capturingLines, recordedReport, reportRecord } from './record.js';
import { finishRun, readRun, repeatedLineHashes, type NormalisedRun, type ReadRun, type RunStatus } from './normalise.js';
import { parseSarif } from './parse.js';
import type { SeverityPolicy } from './severity-policy.js';
import { defaultMaxReportBytes, handReport, HandedReport, type ReportSource } from './read-report.js';

export interface IngestOptions {
  catalog: Catalog;
  clock: Clock;
  /** For messages: the file name, "stdin", or "upload". */
  name: string;
  maxBytes?: number;
  /** Who asked, for the audit trail. */
  actor?: string;
  /** The checkout's lines, instead of reading them under the envelope's sourceRoot (a replayed record). */
  source?: SourceLines;
  /** Which new findings the summary lists (default: high and above, and 1000 in all); newOpenCount counts all. */
  keepNew?: KeepNew;
  /** Which of the sources' severities decides (severity-policy.ts; default: the strictest). Kept in the report's record. */
  severityPolicy?: SeverityPolicy;
  /** Lets another thread stop the ingest, its transaction rolled back (ingest-gate.ts). */
  gate?: IngestGate;
  /** Told once the report is read and its transaction holds the catalog: what is left is writing. */
  onWriting?: (results: number) => void;
}

export interface IngestedScan extends LifecycleCounts {
  scanId: number;
  /** The first of `runs`. */
  run: number;
  /** The report's runs merged into this scan: runs of one tool and category are one scan. */
  runs: number[];
  tool: string;
  category: string;
  status: RunStatus;
  statusReason: string;
  results: number;
  notFailures: number;
  alreadyIngested: boolean;
}

export interface IngestSummary {
  repository: string;
  commit: string;
  ref: string;
  reportSha256: string;
  scans: IngestedScan[];
  /** Findings this report opened for the first time: those `keepNew` names (kept-new.ts). */
  newOpenFindings: NewFinding[];
  /** How many findings this report opened for the first time. */
  newOpenCount: number;
  /** Set when this exact report (same bytes) was ingested for this version and ref before: nothing was parsed. */
  sameAs?: { reportSha256: string; ingestedAt: string };
  warnings: string[];
}

/**
 * The entry point for the CLI now and the control plane's HTTP upload later. A HandedReport
 * (readReportFile) has been read and checked against the size limit already; ingest lets its bytes
 * go once parsed.
 */
export async function ingestReport(source: ReportSource | HandedReport, envelope: EnvelopeInput, opts: IngestOptions): Promise<IngestSummary> {
  parseEnvelope(envelope, opts.name); // refuse a bad envelope before reading a large body
  return ingestBytes(source instanceof HandedReport ? source : await handReport(source, opts.name, opts.maxBytes ?? defaultMaxReportBytes), envelope, opts);
}

/**
 * Parses and normalises a result at a time (parse.ts): only what each result contributes is kept,
 * never the report's object tree. Identities come later (finishRuns), once the bytes can go.
 */
function readRuns(bytes: Buffer, name: string, sourceRoot: string | undefined, policy: SeverityPolicy | undefined): { read: ReadRun[]; warnings: string[] } {
  const log = parseSarif(bytes, name);
  const warnings = [...log.warnings];
  const read = log.runs.flatMap((r, i) => {
    if (!r) {
      warnings.push(`runs[${i}]: unreadable run (no tool.driver.name); skipped`);
      return [];
    }
    return [readRun(r, i, sourceRoot ? [sourceRoot] : [], policy)];
  });
  if (log.runs.length === 0) warnings.push('the report has no runs: no scan recorded, verdicts stay unknown');
  return { read, warnings };
}

/** Identities, computed over the whole report: line hashes repeated anywhere in it are no identity. */
function finishRuns(read: ReadRun[], warnings: string[], source: SourceLines | undefined): NormalisedRun[] {
  const repeated = repeatedLineHashes(read);
  return read.map((r) => {
    const n = finishRun(r, repeated, source);
    warnings.push(...n.warnings.map((w) => (w.startsWith('runs[') ? w : `runs[${r.index}]: ${w}`)));
    return n;
  });
}

/**
 * What ingest needs of the report's bytes (its digest, its gzip for the record, its runs read), or
 * the answer for a report ingested before. Its own function so that, once it returns, only a caller
 * that kept them holds the bytes: the gzip is made first, while little else is in memory.
 */
function readOnce(bytes: Buffer, env: Envelope, opts: IngestOptions): { reportSha256: string; gzip: Buffer; read: ReadRun[]; warnings: string[] } | IngestSummary {
  const reportSha256 = createHash('sha256').update(bytes).digest('hex');
  const same = sameReport(reportSha256, env, opts);
  if (same) return same;
  return { reportSha256, gzip: recordedReport(bytes), ...readRuns(bytes, opts.name, env.sourceRoot, opts.severityPolicy) };
}

/** The report read and its identities computed, or the answer for a report ingested before. */
function prepare(report: Buffer | HandedReport, env: Envelope, opts: IngestOptions): { reportSha256: string; gzip: Buffer; runs: NormalisedRun[]; warnings: string[]; lines: Record<string, string> } | IngestSummary {
  const once = report instanceof HandedReport ? report.read((bytes) => readOnce(bytes, env, opts)) : readOnce(report, env, opts);
  if (!('gzip' in once)) return once;
  // The lines identities read are kept in the report's record: the checkout is gone by a rebuild.
  const lines: Record<string, string> = {};
  const source = opts.source ?? (env.sourceRoot ? capturingLines(sourceLines(env.sourceRoot), lines) : undefined);
  return { reportSha256: once.reportSha256, gzip: once.gzip, runs: finishRuns(once.read, once.warnings, source), warnings: once.warnings, lines };
}

export function ingestBytes(report: Buffer | HandedReport, envelope: EnvelopeInput, opts: IngestOptions): IngestSummary {
  const env = parseEnvelope(envelope, opts.name);
  const prepared = prepare(report, env, opts);
  if (!('gzip' in prepared)) return prepared;
  const { reportSha256, gzip, runs, warnings, lines } = prepared;
  // Check every run against the envelope before writing anything.
  const resolved = runs.map((r) => resolveRun(env, r, opts.name));
  const commit = resolved[0]?.commit ?? env.commit;
  const reportScans = mergeRuns(runs, resolved);
  const now = opts.clock.now();
  const c = opts.catalog;

  const newOpen = new KeptNew(opts.keepNew ?? defaultKeepNew);
  const gate = opts.gate;
  const scans = writeOnce(opts, () => {
    if (!commit) return [];
    opts.onWriting?.(reportScans.reduce((n, s) => n + s.run.results.length, 0));
    const version = c.versions.upsert({ repository: env.repository, commit, imageDigests: env.imageDigests });
    const applicationId = c.versions.upsertApplication(env.repository);
    const out: IngestedScan[] = [];
    for (const { run, category, commit: runCommit, runIndexes } of reportScans) {
      const v = runCommit === commit ? version : c.versions.upsert({ repository: env.repository, commit: runCommit });
      const st = { applicationId, ref: env.ref, tool: run.tool, category };
      const scanTime = env.scanTime ?? (run.startTime && !Number.isNaN(Date.parse(run.startTime)) ? new Date(run.startTime) : now);
      const base = { run: run.index, runs: runIndexes, tool: run.tool, category, status: run.status, statusReason: run.statusReason, results: run.results.length, notFailures: run.notFailures };
      const same = c.sast.findSameScan(reportSha256, run.index, v.id, env.ref, category);
      if (same) {
        out.push({ ...base, scanId: same.id, alreadyIngested: true, new: 0, unchanged: 0, reopened: 0, fixed: 0, suppressed: 0, dismissed: 0 });
        continue;
      }
      const scanId = c.sast.insertScan({
        ...st,
        reportSha256,
        runIndex: run.index,
        versionId: v.id,
        toolVersion: run.toolVersion,
        scanTime,
        ingestedAt: now,
        status: run.status,
        resultCount: run.results.length,
        warnings: run.warnings,
      });
      const counts = applyLifecycle(c.sast, st, run, {
        scanId,
        commit: v.commit,
        scanTime,
        repository: env.repository,
        newOpen,
        merged: runIndexes.length > 1,
        ...(gate ? { check: () => gate.check(opts.name) } : {}),
      });
      for (const r of run.rules) c.sast.upsertRule({ tool: run.tool, ...r }, now);
      out.push({ ...base, ...counts, scanId, alreadyIngested: false });
    }
    c.audit.append({
      actor: opts.actor ?? 'holdfast',
      action: 'sast.ingest',
      object: `report:${reportSha256.slice(0, 16)}`,
      details: { name: opts.name, repository: env.repository, commit, ref: env.ref, scans: out.map((s) => s.scanId) },
    });
    if (out.some((s) => !s.alreadyIngested)) {
      const r = reportRecord(gzip, env, { name: opts.name, actor: opts.actor ?? 'holdfast', ingestedAt: now, reportSha256, lines, severityPolicy: opts.severityPolicy ?? 'strictest' });
      c.records.append('sast-report', now, r.body, r.attachment);
    }
    return out;
  });
  return { repository: env.repository, commit: commit ?? '', ref: env.ref, reportSha256, scans, newOpenFindings: newOpen.list(), newOpenCount: newOpen.count, warnings };
}

/** The ingest's one transaction; with a gate, a stop asked before its end rolls it back. */
function writeOnce<T>(opts: IngestOptions, fn: () => T): T {
  return opts.catalog.transaction(() => {
    opts.gate?.beginWriting(opts.name);
    const out = fn();
    opts.gate?.commit(opts.name);
    return out;
  });
}

/**
 * An identical report (same digest) for a version and ref that already has its scans: answered
 * from the digest at once, without parsing, and recorded (audit "sast.ingest", sameAs) rather than
 * silently dropped. Image digests it brings are still bound to the version.
 */
function sameReport(reportSha256: string, env: Envelope, opts: IngestOptions): IngestSummary | undefined {
  const c = opts.catalog;
  const version = env.commit ? c.versions.findByCommit(env.commit) : undefined;
  const scans = version ? c.sast.scansOfReport(reportSha256, version.id, env.ref) : [];
  if (!version || scans.length === 0) return undefined;
  const first = scans[0]!;
  const sameAs = { reportSha256, ingestedAt: first.ingestedAt.toISOString() };
  writeOnce(opts, () => {
    if (env.imageDigests.length) {
      c.versions.upsert({ repository: env.repository, commit: version.commit, imageDigests: env.imageDigests });
      c.records.append('version', opts.clock.now(), { repository: env.repository, commit: version.commit, imageDigests: env.imageDigests });
    }
    c.audit.append({
      actor: opts.actor ?? 'holdfast',
      action: 'sast.ingest',
      object: `report:${reportSha256.slice(0, 16)}`,
      details: { name: opts.name, repository: env.repository, commit: version.commit, ref: env.ref, sameAs, scans: scans.map((s) => s.id) },
    });
  });
  const ingested = scans.map(
    (s): IngestedScan => ({
      scanId: s.id,
      run: s.runIndex,
      runs: [s.runIndex],
      tool: s.tool,
      category: s.category,
      status: s.status,
      statusReason: `the same report as ${reportSha256.slice(0, 12)}, ingested ${sameAs.ingestedAt}`,
      results: s.resultCount,
      notFailures: 0,
      alreadyIngested: true,
      new: 0,
      unchanged: 0,
      reopened: 0,
      fixed: 0,
      suppressed: 0,
      dismissed: 0,
    }),
  );
  return { repository: env.repository, commit: version.commit, ref: env.ref, reportSha256, scans: ingested, newOpenFindings: [], newOpenCount: 0, sameAs, warnings: [] };
}
