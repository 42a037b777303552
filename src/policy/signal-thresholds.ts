/**
 * The `changeSignals` block of a backup policy: thresholds for policy/change-signals.ts, each
 * optional, defaulting to `defaultSignalThresholds`. Shares are fractions (0.5 = 50 %).
 */
import { z } from 'zod';
import { defaultSignalThresholds as d, type SignalThresholds } from './change-signals.js';

const share = z.number().min(0).max(1);
const departure = (def: { floor: number; minDelta: number }) =>
  z.object({ floor: share.default(def.floor), minDelta: share.default(def.minDelta) }).strict().default(def);

export const signalThresholdsSchema = z
  .object({
    enabled: z.boolean().default(d.enabled),
    minHistory: z.number().int().min(1).default(d.minHistory),
    historyWindow: z.number().int().min(1).default(d.historyWindow),
    madFactor: z.number().nonnegative().default(d.madFactor),
    rewritten: departure(d.rewritten),
    incompressible: departure(d.incompressible),
    minNewBytes: z.number().int().nonnegative().default(d.minNewBytes),
    renamedFiles: z.number().int().min(1).default(d.renamedFiles),
    renamedShare: share.default(d.renamedShare),
    renamedNewShare: share.default(d.renamedNewShare),
    /** Clean snapshots that retention keeps before each suspicious one, while it exists. */
    keepBeforeSuspicious: z.number().int().nonnegative().default(3),
  })
  .strict()
  .default({}) satisfies z.ZodType<SignalThresholds & { keepBeforeSuspicious: number }, z.ZodTypeDef, unknown>;

export type SignalPolicy = z.infer<typeof signalThresholdsSchema>;
