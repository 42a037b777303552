/** Every job the config asks for: a backup and (optionally) a verification per policy and volume, a prune per repository, a check per certificate, the review report. */
import type { ControlPlane } from '../control-plane.js';
import { backupJob } from './backup-job.js';
import { certificateJob } from './certificate-job.js';
import { pruneJob } from './prune-job.js';
import { reportJob } from './report-job.js';
import type { Job } from './scheduler.js';
import { verifyJob } from './verify-job.js';

export function jobsFor(cp: ControlPlane): Job[] {
  const jobs: Job[] = [];
  for (const [name, p] of Object.entries(cp.config.backupPolicies)) {
    for (const v of p.volumes) {
      jobs.push(backupJob(cp, name, p, v));
      const verify = verifyJob(cp, name, p, v);
      if (verify) jobs.push(verify);
    }
  }
  for (const [name, r] of Object.entries(cp.config.repositories)) if (r.prune) jobs.push(pruneJob(cp, name, r.prune));
  for (const [name, c] of Object.entries(cp.config.certificates)) jobs.push(certificateJob(cp, name, c));
  if (cp.config.report.schedule) jobs.push(reportJob(cp, cp.config.report.schedule));
  return jobs;
}
