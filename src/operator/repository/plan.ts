/**
 * Which RestorePoints a rebuild from a repository creates: one per snapshot a BackupPolicy of this
 * namespace wrote, named and labelled exactly as the backup controller names the one it records
 * (backup/objects.ts: a hash of policy, run and PVC, all three in the snapshot's provenance), so a
 * point that exists is found by its name or its snapshot and never made twice. Everything on it
 * comes from the snapshot: provenance, time and suspicion; what the repository does not hold (a
 * restore verification, post hooks that ran after the data mover) stays absent. Pure.
 */
import type { RecoveredPoint } from '../../recovery/index.js';
import { API_VERSION, type RestorePointStatus } from '../api/index.js';
import { labels, names, type ItemRef } from '../backup/objects.js';

export interface ExistingPoint {
  name: string;
  snapshotId?: string | undefined;
}

export interface PointToCreate {
  name: string;
  body: { apiVersion: string; kind: 'RestorePoint'; metadata: { name: string; namespace: string; labels: Record<string, string> }; spec: Record<string, unknown> };
  status: Omit<RestorePointStatus, 'conditions'>;
}

export interface RebuildPlan {
  create: PointToCreate[];
  existing: number;
  otherNamespaces: number;
  /** Snapshots no RestorePoint can be made of, one line each. */
  unusable: string[];
}

const pair = (s: string | undefined) => /^([^/\s]+)\/([^/\s]+)$/.exec(s ?? '');

/** The backup run a snapshot came from, as its provenance records it; why not, when it cannot say. */
export function itemRefOf(p: RecoveredPoint): ItemRef | string {
  const volume = pair(p.volume);
  if (!volume) return `volume "${p.volume}" is not a PVC (namespace/name)`;
  const policy = pair(p.provenance.labels.policy);
  const runId = p.provenance.labels.run;
  if (!policy || !runId) return 'its provenance names no BackupPolicy run (not taken by the operator)';
  return { policyNamespace: policy[1]!, policy: policy[2]!, runId, namespace: volume[1]!, pvc: volume[2]! };
}

export function planRestorePoints(points: readonly RecoveredPoint[], repository: { namespace: string; name: string }, existing: readonly ExistingPoint[]): RebuildPlan {
  const names_ = new Set(existing.map((e) => e.name));
  const snapshots = new Set(existing.flatMap((e) => (e.snapshotId ? [e.snapshotId] : [])));
  const plan: RebuildPlan = { create: [], existing: 0, otherNamespaces: 0, unusable: [] };
  for (const p of points) {
    const ref = itemRefOf(p);
    if (typeof ref === 'string') {
      plan.unusable.push(`snapshot ${p.snapshotId.slice(0, 12)}: ${ref}`);
      continue;
    }
    if (ref.policyNamespace !== repository.namespace) {
      plan.otherNamespaces++;
      continue;
    }
    const name = names.restorePoint(ref);
    if (names_.has(name) || snapshots.has(p.snapshotId)) {
      plan.existing++;
      continue;
    }
    names_.add(name);
    snapshots.add(p.snapshotId);
    plan.create.push({
      name,
      body: {
        apiVersion: API_VERSION,
        kind: 'RestorePoint',
        metadata: { name, namespace: repository.namespace, labels: labels(ref) },
        spec: { repository: repository.name, policy: ref.policy, pvc: { namespace: ref.namespace, name: ref.pvc }, runId: ref.runId },
      },
      status: { snapshotId: p.snapshotId, time: new Date(p.time).toISOString(), provenance: p.provenance, ...(p.suspicion ? { suspicion: p.suspicion } : {}) },
    });
  }
  return plan;
}
