/** Cron expressions in config are checked by croner itself, so what validates is what runs. */
import { Cron } from 'croner';
import { z } from 'zod';

export function cronProblem(expr: string): string | undefined {
  try {
    const c = new Cron(expr, { paused: true, timezone: 'UTC' });
    c.stop();
    return undefined;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

export const cronSchema = z.string().superRefine((s, ctx) => {
  const p = cronProblem(s);
  if (p) ctx.addIssue({ code: 'custom', message: `invalid cron expression "${s}": ${p}` });
});
