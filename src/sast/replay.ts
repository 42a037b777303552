/**
 * Replaying SAST records (record.ts) on a catalog being rebuilt, through the same ingest and
 * dismissal code that made them. Bodies are checked at this edge: a record is read from a
 * repository, which may hold anything.
 */
import { gunzipSync } from 'node:zlib';
import { z } from 'zod';
import type { Catalog } from '../catalog/index.js';
import { ingestBytes } from './ingest.js';
import { recordedLines } from './record.js';
import { severityPolicies } from './severity-policy.js';

const nullish = <T extends z.ZodTypeAny>(t: T) => t.nullable().transform((v) => v ?? undefined);

const reportBody = z.object({
  envelope: z.object({
    repository: z.string(),
    commit: nullish(z.string()),
    ref: z.string(),
    imageDigests: z.array(z.string()),
    category: nullish(z.string()),
    scanTime: nullish(z.string()),
    sourceRoot: nullish(z.string()),
  }),
  name: z.string(),
  actor: z.string(),
  ingestedAt: z.string(),
  lines: z.record(z.string()),
  // Records made before the policy was kept were decided by the strictest source.
  severityPolicy: z.enum(severityPolicies).default('strictest'),
  gzip: z.string(),
});

/** Replays a recorded report on the catalog being rebuilt; returns how many scans it recorded. */
export function replayReport(catalog: Catalog, body: unknown): number {
  const b = reportBody.parse(body);
  const at = new Date(b.ingestedAt);
  const summary = ingestBytes(gunzipSync(Buffer.from(b.gzip, 'base64')), b.envelope, { catalog, clock: { now: () => at }, name: b.name, actor: b.actor, source: recordedLines(b.lines), severityPolicy: b.severityPolicy });
  return summary.scans.filter((s) => !s.alreadyIngested).length;
}

const versionBody = z.object({ repository: z.string(), commit: z.string(), imageDigests: z.array(z.string()) });

/** Image digests bound to a known version by a report that was otherwise already ingested. */
export function replayVersion(catalog: Catalog, body: unknown): void {
  catalog.versions.upsert(versionBody.parse(body));
}

const dismissalBody = z.object({ id: z.string(), reason: z.string(), comment: nullish(z.string()), at: z.string(), actor: z.string() });

export function replayDismissal(catalog: Catalog, body: unknown): void {
  const d = dismissalBody.parse(body);
  catalog.transaction(() => {
    catalog.sast.dismiss(d.id, d.reason, d.comment, new Date(d.at));
    catalog.audit.append({ actor: d.actor, action: 'sast.dismiss', object: `finding:${d.id}`, details: { reason: d.reason, comment: d.comment ?? null } });
  });
}
