/** The scheduled review: the same document `holdfast report` writes, into the data directory's reports/. */
import { writeReview } from '../report/write.js';
import type { ControlPlane } from '../control-plane.js';
import type { Job } from './scheduler.js';

export function reportJob(cp: ControlPlane, schedule: string): Job {
  return {
    id: 'report/review',
    kind: 'report',
    policy: 'review',
    target: 'review',
    schedule,
    timeoutMs: 10 * 60_000,
    missedAfterMs: 60 * 60_000,
    runAtStart: false,
    async execute(ctx) {
      const files = await writeReview(
        cp,
        cp.config.report.dir ? cp.d.loaded.resolvePath(cp.config.report.dir) : undefined,
      );
      ctx.log('info', `review written: ${files.markdown}, ${files.html}`);
      return { details: files };
    },
  };
}
