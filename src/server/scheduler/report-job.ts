/** The scheduled review: the same document `holdfast report` writes, into the data directory's reports/. */
import type { ReviewDeps } from '../report/review.js';
import { writeReview } from '../report/write.js';
import type { JobDeps } from './deps.js';
import type { Job } from './scheduler.js';

export function reportJob(
  cp: ReviewDeps & Pick<JobDeps, 'dataDir' | 'resolvePath'> & { config: Pick<JobDeps['config'], 'report'> },
  schedule: string,
): Job {
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
        cp.config.report.dir ? cp.resolvePath(cp.config.report.dir) : undefined,
      );
      ctx.log('info', `review written: ${files.markdown}, ${files.html}`);
      return { details: files };
    },
  };
}
