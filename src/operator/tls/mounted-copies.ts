/**
 * Reads the copies of the trust bundles that running pods mount (bundle-mounts.ts says where), through
 * pods/exec `cat`, for the CA rotation's activate gate. Bounded: only the pods of the bundles'
 * namespaces, a short timeout, a few at a time and at most MAX_READS per look; a copy not read is
 * reported with its reason, never waited for. The content is compared and dropped, never logged.
 */
import type { InvolvedObject } from '../../platform/kubernetes/index.js';
import type { OperatorContext } from '../context.js';
import { bundleMount, holdsRoot, type MountedCopy } from './bundle-mounts.js';

export const MAX_READS = 25;
const TIMEOUT_MS = 5000;
const PARALLEL = 5;
const LIMIT_BYTES = 256 * 1024;

export interface BundleRef {
  namespace: string;
  configMap: string;
  key: string;
  /** The policy that publishes it: subPath warnings go to it. */
  involved: InvolvedObject;
}

export async function readMountedCopies(ctx: OperatorContext, bundles: readonly BundleRef[], newRootPem: string): Promise<MountedCopy[]> {
  const todo: { copy: MountedCopy; container: string }[] = [];
  const out: MountedCopy[] = [];
  const seen = new Set<string>();
  for (const b of bundles) {
    const id = `${b.namespace}/${b.configMap}`;
    if (seen.has(`${id}/${b.key}`)) continue;
    seen.add(`${id}/${b.key}`);
    for (const pod of ctx.caches.pods.list(b.namespace)) {
      if (pod.status?.phase !== 'Running' || pod.metadata?.deletionTimestamp) continue;
      const m = bundleMount(pod, b.configMap, b.key);
      if (!m) continue;
      const name = `${b.namespace}/${pod.metadata!.name}`;
      if (m.subPaths.length)
        await ctx.events.record(b.involved, 'Warning', 'SubPathMount', `Pod ${name} mounts ConfigMap ${id} with subPath (${m.subPaths.join(', ')}): the kubelet never refreshes it, so that copy keeps the old trust bundle until the pod restarts`);
      if (!m.read) out.push({ bundle: id, pod: name, path: m.subPaths.join(', '), state: 'unread', reason: 'mounted only with subPath, which the kubelet never refreshes' });
      else if (!m.read.running) out.push({ bundle: id, pod: name, path: m.read.path, state: 'unread', reason: `container ${m.read.container} is not running` });
      else if (todo.length >= MAX_READS) out.push({ bundle: id, pod: name, path: m.read.path, state: 'unread', reason: `over the ${MAX_READS} copies read per reconcile` });
      else todo.push({ copy: { bundle: id, pod: name, path: m.read.path, state: 'unread' }, container: m.read.container });
    }
  }
  for (let i = 0; i < todo.length; i += PARALLEL)
    await Promise.all(
      todo.slice(i, i + PARALLEL).map(async ({ copy, container }) => {
        const [namespace, name] = copy.pod.split('/') as [string, string];
        const r = await ctx.exec({ namespace, name }, container, ['cat', copy.path], TIMEOUT_MS, { stdoutLimitBytes: LIMIT_BYTES });
        if (r.outcome === 'ok' && r.stdout) copy.state = holdsRoot(r.stdout.toString('utf8'), newRootPem) ? 'new' : 'old';
        else copy.reason = r.message.replace(/^exec in \S+ container \S+: /, '');
      }),
    );
  return [...todo.map((t) => t.copy), ...out].sort((a, b) => a.bundle.localeCompare(b.bundle) || a.pod.localeCompare(b.pod));
}
