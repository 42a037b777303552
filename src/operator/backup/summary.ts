/**
 * The data mover's report: `holdfast backup --json` output, written to the container's termination
 * message (at most 4 KiB, so the summary must stay small). Only the fields the operator needs are
 * read; anything else in the summary is ignored so the CLI can grow it freely.
 */
import type * as k8s from '@kubernetes/client-node';
import { z } from 'zod';
import { suspicionSchema } from '../../backup/snapshot/signals.js';
import type { Suspicion } from '../../policy/change-signals.js';

const summarySchema = z
  .object({
    snapshotId: z.string().min(1).optional(),
    id: z.string().min(1).optional(),
    /** `holdfast backup --json` prints { "type": "summary", "snapshot": "<id>", ... }. */
    snapshot: z.union([z.string().min(1), z.object({ id: z.string().min(1) }).passthrough()]).optional(),
    time: z.string().datetime({ offset: true }).optional(),
    suspicion: suspicionSchema.optional(),
  })
  .passthrough();

export interface MoverSummary {
  snapshotId: string;
  time?: string;
  /** The judgement of the backup's change signals, when the data mover's engine made one. */
  suspicion?: Suspicion;
}

export type SummaryResult = { ok: true; summary: MoverSummary } | { ok: false; reason: 'NoTerminationMessage' | 'BadSummary'; message: string };

export function parseSummary(text: string | undefined): SummaryResult {
  if (!text?.trim()) return { ok: false, reason: 'NoTerminationMessage', message: 'the data mover left no termination message' };
  // The summary is the whole message (pretty-printed JSON), or its last JSON document when the CLI
  // printed something before it.
  const t = text.trim();
  const candidates = [t, t.slice(Math.max(0, t.lastIndexOf('\n{') + 1)), t.split('\n').pop()!];
  let json: unknown;
  for (const c of candidates) {
    try {
      json = JSON.parse(c);
      break;
    } catch {
      /* try the next reading */
    }
  }
  if (json === undefined) return { ok: false, reason: 'BadSummary', message: 'the data mover termination message is not JSON' };
  const r = summarySchema.safeParse(json);
  const snap = r.success ? r.data.snapshot : undefined;
  const id = r.success ? (r.data.snapshotId ?? (typeof snap === 'string' ? snap : snap?.id) ?? r.data.id) : undefined;
  if (!r.success || !id) return { ok: false, reason: 'BadSummary', message: 'the data mover summary has no snapshot id' };
  return { ok: true, summary: { snapshotId: id, ...(r.data.time ? { time: r.data.time } : {}), ...(r.data.suspicion ? { suspicion: r.data.suspicion } : {}) } };
}

/** The termination message of the data-mover container in the Job's pods (the newest terminated one). */
export function terminationMessage(pods: readonly k8s.V1Pod[]): string | undefined {
  const msgs = pods
    .flatMap((p) => p.status?.containerStatuses ?? [])
    .filter((s) => s.name === 'data-mover' && s.state?.terminated)
    .map((s) => s.state!.terminated!)
    .sort((a, b) => new Date(String(b.finishedAt ?? 0)).getTime() - new Date(String(a.finishedAt ?? 0)).getTime());
  return msgs.find((t) => t.exitCode === 0)?.message ?? msgs[0]?.message;
}
