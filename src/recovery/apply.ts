/**
 * How each kind of catalog record is put back into a catalog being rebuilt. SAST records replay
 * through the ingest that made them (sast/replay.ts); the others are rows the catalog's own stores
 * write. Bodies come from a repository and are checked here, at the edge.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { Catalog, CatalogRecordKind } from '../catalog/index.js';
import { EvidenceStore } from '../catalog/evidence.js';
import { IncidentStore, type IncidentRow, type IncidentStepRow } from '../catalog/incidents.js';
import { replayDismissal, replayReport, replayVersion } from '../sast/index.js';

const optional = <T extends z.ZodTypeAny>(t: T) => t.nullish().transform((v) => v ?? undefined);

const deployment = z.object({
  workload: z.string(),
  commit: z.string(),
  imageDigest: optional(z.string()),
  repository: optional(z.string()),
  at: z.string(),
  volumes: z.array(z.string()),
});

const verification = z.object({
  snapshotId: z.string(),
  volume: z.string(),
  time: z.string(),
  result: z.enum(['passed', 'failed']),
  bytes: z.number(),
  files: z.number(),
  restoreMs: z.number(),
  checkExit: optional(z.number()),
  message: z.string(),
});

const certificateEvent = z
  .object({
    name: z.string(),
    time: z.string(),
    action: z.enum(['issued', 'renewed', 'probed']),
    serial: optional(z.string()),
    fingerprint: optional(z.string()),
    notAfter: optional(z.string()),
    message: z.string(),
  })
  .strict();

const incident = z.object({
  incident: z.object({ id: z.string(), playbook: z.string(), volume: z.string(), status: z.enum(['proposed', 'running', 'failed', 'succeeded', 'aborted']) }).passthrough(),
  steps: z.array(z.object({ step: z.string(), seq: z.number(), uses: z.string(), status: z.string() }).passthrough()),
});

// An id from a repository names a folder: nothing that could climb out of the incidents folder.
const incidentReport = z.object({ id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]*$/, 'not an incident id'), markdown: z.string(), html: z.string() });

const restorePointReview = z.object({
  snapshotId: z.string().min(1),
  decision: z.enum(['cleared', 'withdrawn']),
  actor: z.string(),
  reason: z.string(),
  at: z.string(),
});

export interface ApplyContext {
  now: () => Date;
  /** Where incident reports go: `incidents/` beside the catalog, as holdfast serve keeps them. */
  incidentsDir: string;
}

/** Puts one record's change into `catalog`; throws (and the rebuild names the record) when it cannot. */
export const appliers: Record<CatalogRecordKind, (catalog: Catalog, body: unknown, ctx: ApplyContext) => void> = {
  'sast-report': (c, b) => void replayReport(c, b),
  version: replayVersion,
  deployment: (c, b) => {
    const d = deployment.parse(b);
    c.deployments.record({ ...d, at: new Date(d.at) });
  },
  dismissal: replayDismissal,
  verification: (c, b) => {
    const v = verification.parse(b);
    new EvidenceStore(c.db).addVerification({ ...v, checkExit: v.checkExit, time: new Date(v.time), runId: undefined });
  },
  'certificate-event': (c, b) => {
    const e = certificateEvent.parse(b);
    new EvidenceStore(c.db).addCertificateEvent({ ...e, serial: e.serial, fingerprint: e.fingerprint, time: new Date(e.time), notAfter: e.notAfter ? new Date(e.notAfter) : undefined });
  },
  incident: (c, b, ctx) => {
    const i = incident.parse(b);
    // A process that ran it before the disaster is not running it now.
    const row = { ...i.incident, runnerPid: undefined } as unknown as IncidentRow;
    new IncidentStore(c.db, ctx.now).restore(row, i.steps as unknown as IncidentStepRow[]);
  },
  // Written only where none is: a report that survived the disaster is the one to keep.
  'incident-report': (_c, b, ctx) => {
    const r = incidentReport.parse(b);
    const dir = join(ctx.incidentsDir, r.id);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    for (const [name, text] of [['report.md', r.markdown], ['report.html', r.html]] as const) if (!existsSync(join(dir, name))) writeFileSync(join(dir, name), text);
  },
  // By snapshot id, before or after its restore point is back: records replay oldest first, so the last word stays.
  'restore-point-review': (c, b) => {
    const r = restorePointReview.parse(b);
    c.restorePoints.setReview(r.snapshotId, r.decision === 'cleared' ? { decision: 'cleared', actor: r.actor, reason: r.reason, at: new Date(r.at) } : undefined);
  },
};
