/**
 * The copies of a trust-bundle ConfigMap that pods mount, and what the CA rotation's activate gate
 * makes of them. The kubelet rewrites a mounted ConfigMap at its own pace, so before the new CA issues
 * the operator reads each running pod's copy (pods/exec, `cat`) and waits for every copy it could read
 * to hold the new root. A copy it could not read (exec forbidden, no `cat`, timeout, pod gone) never
 * blocks: it is named with its reason, and spec.caRotation.propagationDelay alone covers it. Pure.
 */
import type * as k8s from '@kubernetes/client-node';

/** Where a pod mounts the bundle's key: one readable path (the volume is the pod's, one read suffices), and any subPath mounts. */
export interface BundleMount {
  /** A container that mounts the volume without subPath, and the key's file in it; none if only subPath mounts. */
  read?: { container: string; path: string; running: boolean };
  /** "container:mountPath" of each subPath mount: the kubelet never refreshes those. */
  subPaths: string[];
}

/** The key's path inside a configMap or projected volume, honouring `items`; undefined if the volume does not hold the key. */
function keyPath(items: k8s.V1KeyToPath[] | undefined, key: string): string | undefined {
  if (!items?.length) return key;
  return items.find((i) => i.key === key)?.path;
}

export function bundleMount(pod: k8s.V1Pod, configMap: string, key: string): BundleMount | undefined {
  const vols = new Map<string, string>();
  for (const v of pod.spec?.volumes ?? []) {
    const p = v.configMap?.name === configMap
      ? keyPath(v.configMap.items, key)
      : v.projected?.sources?.map((s) => (s.configMap?.name === configMap ? keyPath(s.configMap.items, key) : undefined)).find((x) => x !== undefined);
    if (p !== undefined) vols.set(v.name, p);
  }
  if (!vols.size) return undefined;
  const running = new Set((pod.status?.containerStatuses ?? []).filter((s) => s.state?.running).map((s) => s.name));
  const out: BundleMount = { subPaths: [] };
  // Init containers have exited by the time a pod runs: only the app containers hold a live copy.
  for (const c of pod.spec?.containers ?? [])
    for (const m of c.volumeMounts ?? []) {
      const p = vols.get(m.name);
      if (p === undefined) continue;
      if (m.subPath || m.subPathExpr) out.subPaths.push(`${c.name}:${m.mountPath}`);
      else if (!out.read || (!out.read.running && running.has(c.name)))
        out.read = { container: c.name, path: `${m.mountPath.replace(/\/+$/, '')}/${p}`, running: running.has(c.name) };
    }
  return out.read || out.subPaths.length ? out : undefined;
}

const certBodies = (pem: string) => [...pem.matchAll(/-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g)].map((m) => m[1]!.replace(/\s+/g, ''));

/** Whether a bundle (PEM) holds the root certificate `rootPem`. */
export function holdsRoot(bundle: string, rootPem: string): boolean {
  const root = certBodies(rootPem)[0];
  return root !== undefined && certBodies(bundle).includes(root);
}

/** One mounted copy as read: `new` holds the new root, `old` does not yet, `unread` could not be read (reason says why). */
export interface MountedCopy {
  /** "namespace/configMap" of the bundle. */
  bundle: string;
  /** "namespace/pod". */
  pod: string;
  path: string;
  state: 'new' | 'old' | 'unread';
  reason?: string;
}

const LISTED = 5;
const list = (xs: string[]) => (xs.length > LISTED ? `${xs.slice(0, LISTED).join(', ')} and ${xs.length - LISTED} more` : xs.join(', '));
const where = (c: MountedCopy) => `${c.pod} (${c.path})`;

/** What the gate says of the mounted copies: who it waits for, and which copies it could not read. */
export function mountedSummary(copies: readonly MountedCopy[]): { waiting: number; confirmed: number; unread: number; unreadList: string; message: string } {
  const byBundle = new Map<string, MountedCopy[]>();
  for (const c of copies) byBundle.set(c.bundle, [...(byBundle.get(c.bundle) ?? []), c]);
  const parts: string[] = [];
  for (const [bundle, cs] of byBundle) {
    const name = bundle.slice(bundle.indexOf('/') + 1);
    const old = cs.filter((c) => c.state === 'old').map(where);
    const have = `${cs.filter((c) => c.state === 'new').length} of ${cs.length} pods have the new CA in their mounted ${name}`;
    parts.push(old.length ? `${have}: waiting for ${list(old)}` : have);
  }
  const unread = copies.filter((c) => c.state === 'unread');
  const unreadList = list(unread.map((c) => `${where(c)}: ${c.reason}`));
  if (unread.length) parts.push(`not read, so only the propagation delay covers them: ${unreadList}`);
  return {
    waiting: copies.filter((c) => c.state === 'old').length,
    confirmed: copies.filter((c) => c.state === 'new').length,
    unread: unread.length,
    unreadList,
    message: parts.join('; '),
  };
}
