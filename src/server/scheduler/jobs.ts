/** Every job the config asks for: a backup and (optionally) a verification per policy and volume, a prune per repository, a check per certificate, the review report. */
import { backupJob } from './backup-job.js';
import { certificateJob, type CertificateJobDeps } from './certificate-job.js';
import { pruneJob } from './prune-job.js';
import { reportJob } from './report-job.js';
import type { Job } from './scheduler.js';
import { verifyJob } from './verify-job.js';

/** What every job takes, together: the control plane passes itself, but it builds the jobs, so nothing here imports it. */
export type JobsDeps = Parameters<typeof backupJob>[0] &
  Parameters<typeof verifyJob>[0] &
  Parameters<typeof pruneJob>[0] &
  CertificateJobDeps &
  Parameters<typeof reportJob>[0];

export function jobsFor(cp: JobsDeps): Job[] {
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
