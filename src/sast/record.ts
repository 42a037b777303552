/**
 * The SAST records a catalog rebuild replays (catalog/records.ts): a report is recorded as it was
 * ingested — its bytes (gzip), its envelope, when and by whom, and the checkout lines its
 * identities read — so replaying it through the same ingest, on the same clock, in the same order,
 * gives the same scans, findings, lifecycle and verdicts. A verdict is never stored: it is
 * recomputed from the evidence, so a version whose report is missing stays unknown.
 */
import { gzipSync } from 'node:zlib';
import type { Envelope } from './envelope.js';
import type { SourceLines } from './source-lines.js';

/** A SourceLines that remembers every line it answered, for the record. */
export function capturingLines(source: SourceLines, seen: Record<string, string>): SourceLines {
  return (path, line) => {
    const text = source(path, line);
    if (text !== undefined) seen[`${line}:${path}`] = text;
    return text;
  };
}

/** The lines a record kept, answered as the checkout did. */
export const recordedLines = (seen: Record<string, string>): SourceLines => (path, line) => seen[`${line}:${path}`];

export function reportRecordBody(bytes: Buffer, env: Envelope, o: { name: string; actor: string; ingestedAt: Date; reportSha256: string; lines: Record<string, string> }): Record<string, unknown> {
  return {
    envelope: { repository: env.repository, commit: env.commit ?? null, ref: env.ref, imageDigests: env.imageDigests, category: env.category ?? null, scanTime: env.scanTime?.toISOString() ?? null, sourceRoot: env.sourceRoot ?? null },
    name: o.name,
    actor: o.actor,
    ingestedAt: o.ingestedAt.toISOString(),
    reportSha256: o.reportSha256,
    lines: o.lines,
    gzip: gzipSync(bytes).toString('base64'),
  };
}
