/**
 * The change signals and the judgement a snapshot carries (policy/change-signals.ts defines them),
 * as read back from the repository: optional, since snapshots written before them have neither.
 * The judgement is made once, when the backup is written, against the history it had then: a later
 * forget that thins the history must not turn a suspicious point normal and release what it pins.
 */
import { z } from 'zod';
import type { ChangeSignals, Suspicion } from '../../policy/change-signals.js';

const count = z.number().int().nonnegative();

export const changeSignalsSchema = z.object({
  files: count,
  filesNew: count,
  filesChanged: count,
  filesRemoved: count,
  bytesChanged: count,
  bytesNew: count,
  bytesDeduplicated: count,
  bytesNewStored: count,
  bytesNewIncompressible: count,
  renamed: z.record(count),
  initial: z.boolean().optional(),
}) satisfies z.ZodType<ChangeSignals>;

const COUNTS = ['files', 'filesNew', 'filesChanged', 'filesRemoved', 'bytesChanged', 'bytesNew', 'bytesDeduplicated', 'bytesNewStored', 'bytesNewIncompressible'] as const;
const isCount = (v: unknown) => Number.isInteger(v) && (v as number) >= 0;
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** What changeSignalsSchema makes of `v` (its fields, in its order, nothing else), or undefined where it fails. */
function readSignals(v: unknown): ChangeSignals | undefined {
  if (!isRecord(v) || !isRecord(v.renamed) || (v.initial !== undefined && typeof v.initial !== 'boolean')) return undefined;
  const out: Record<string, unknown> = {};
  for (const key of COUNTS) {
    if (!isCount(v[key])) return undefined;
    out[key] = v[key];
  }
  const renamed: Record<string, number> = {};
  for (const [ext, n] of Object.entries(v.renamed)) {
    if (!isCount(n)) return undefined;
    renamed[ext] = n as number;
  }
  out.renamed = renamed;
  if (v.initial !== undefined) out.initial = v.initial;
  return out as unknown as ChangeSignals;
}

/**
 * The signals a snapshot carries for the ones after it (up to 30 sets each), checked by hand:
 * every backup and `holdfast snapshots` read every snapshot, and the schema's parse of the
 * histories was most of that (47 of 54 ms for 70 snapshots).
 */
export const carriedSignalsSchema = z.unknown().transform((v, ctx) => {
  const signals = readSignals(v);
  if (signals) return signals;
  ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'not a set of change signals' });
  return z.NEVER;
});

export const suspicionSchema = z.object({
  verdict: z.enum(['suspicious', 'normal', 'unjudged']),
  reasons: z.array(z.string()),
}) satisfies z.ZodType<Suspicion>;
