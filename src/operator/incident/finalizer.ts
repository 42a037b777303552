/**
 * The holdfast.dev/incident finalizer. The controller puts it on an Incident just before the first
 * step that changes the cluster runs (so a refused or unapproved Incident never carries it), and
 * takes it off when nothing is left to undo: Succeeded, Aborted, or the undo of a deletion done. So
 * deleting an Incident mid-run cannot leave its workloads scaled to zero behind, and the backup
 * controller reads its presence as "this Incident holds its PVC". Both writes carry the
 * resourceVersion read (merge patches replace the whole list: a stale one must lose with a 409).
 */
import { call, mergePatch } from '../../platform/kubernetes/index.js';
import { GROUP, INCIDENT_FINALIZER, VERSION } from '../api/index.js';
import type { CustomObject, OperatorContext } from '../context.js';

export const hasFinalizer = (obj: CustomObject): boolean => (obj.metadata?.finalizers ?? []).includes(INCIDENT_FINALIZER);

async function writeFinalizers(ctx: OperatorContext, obj: CustomObject, resourceVersion: string | undefined, finalizers: string[], what: string): Promise<string | undefined> {
  const { namespace, name } = obj.metadata as { namespace: string; name: string };
  const out = (await call(`${what} finalizer ${INCIDENT_FINALIZER} of Incident ${namespace}/${name}`, () =>
    ctx.apis.custom.patchNamespacedCustomObject(
      { group: GROUP, version: VERSION, namespace, plural: 'incidents', name, body: { metadata: { resourceVersion, finalizers } } },
      mergePatch,
    ),
  )) as CustomObject | undefined;
  return out?.metadata?.resourceVersion;
}

/** Adds the finalizer; returns the new resourceVersion (later writes of this reconcile use it). */
export function addFinalizer(ctx: OperatorContext, obj: CustomObject, resourceVersion: string | undefined): Promise<string | undefined> {
  return writeFinalizers(ctx, obj, resourceVersion, [...(obj.metadata?.finalizers ?? []), INCIDENT_FINALIZER], 'add');
}

/** Removes the finalizer; on a deleted Incident the API server then removes the object. */
export async function removeFinalizer(ctx: OperatorContext, obj: CustomObject): Promise<void> {
  await writeFinalizers(ctx, obj, obj.metadata?.resourceVersion, (obj.metadata?.finalizers ?? []).filter((f) => f !== INCIDENT_FINALIZER), 'remove');
}
