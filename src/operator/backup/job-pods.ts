/**
 * The pods of a finished data-mover Job, whose termination message holds the backup's summary.
 * The cache first; when it shows no terminated data-mover container, the API. Each watch restarts on
 * its own backoff after an API server restart, so the Jobs cache can hold a Job Complete while the
 * pods cache still holds its pod Running: read from the cache alone, a backup that had succeeded
 * was recorded as failed (NoTerminationMessage) on the real node (test/node/faults.test.ts).
 */
import type * as k8s from '@kubernetes/client-node';
import { call } from '../../platform/kubernetes/index.js';
import type { OperatorContext } from '../context.js';
import { terminationMessage } from './summary.js';

const JOB_NAME = 'batch.kubernetes.io/job-name';

export async function finishedJobPods(ctx: Pick<OperatorContext, 'caches' | 'apis'>, namespace: string, jobName: string): Promise<k8s.V1Pod[]> {
  const cached = ctx.caches.pods.list(namespace).filter((p) => (p.metadata?.labels?.[JOB_NAME] ?? p.metadata?.labels?.['job-name']) === jobName);
  if (terminationMessage(cached) !== undefined) return [...cached];
  const listed = await call(`list pods of Job ${namespace}/${jobName}`, () => ctx.apis.core.listNamespacedPod({ namespace, labelSelector: `${JOB_NAME}=${jobName}` }));
  return listed.items;
}
