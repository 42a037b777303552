/** A duration string in YAML (src/base/duration.ts), turned into milliseconds by the schema. */
import { z } from 'zod';
import { DURATION_EXAMPLES, parseDurationMs } from '../base/duration.js';

export const durationSchema = z
  .string()
  .refine((s) => parseDurationMs(s) !== undefined, `expected ${DURATION_EXAMPLES}`)
  .transform((s) => parseDurationMs(s)!);
