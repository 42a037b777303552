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

export const suspicionSchema = z.object({
  verdict: z.enum(['suspicious', 'normal', 'unjudged']),
  reasons: z.array(z.string()),
}) satisfies z.ZodType<Suspicion>;
