/**
 * The CPU and memory a data-mover container asks for (backup, evidence and restore Jobs alike).
 * The default requests half a core and sets no limit: the engine hashes, compresses and encrypts on
 * worker threads, so a data mover with no request gets almost no CPU on a busy node (its Job then
 * runs for hours), while a limit would throttle it on an idle one. No memory default: the engine's
 * memory is bounded (a few packs in flight, ~40 MiB per worker), and a guess could leave a pod
 * unschedulable. A policy's `dataMover.resources` is merged over this, per field. Pure.
 */
import type * as k8s from '@kubernetes/client-node';
import type { DataMoverSettings } from '../api/index.js';

export const DEFAULT_CPU_REQUEST = '500m';

export function dataMoverResources(settings: DataMoverSettings | undefined): k8s.V1ResourceRequirements {
  const r = settings?.resources ?? {};
  const out: k8s.V1ResourceRequirements = { requests: { cpu: DEFAULT_CPU_REQUEST, ...r.requests } };
  if (r.limits && Object.keys(r.limits).length) out.limits = { ...r.limits };
  // Kubernetes rejects a request above its limit; a limit alone below the default request means
  // the user wants at most that, so the request follows it down.
  if (!r.requests?.cpu && r.limits?.cpu) out.requests!.cpu = r.limits.cpu;
  return out;
}
