/**
 * One condition set on a custom object's status as the API server has it now, for objects whose
 * status two controllers write (a BackupRepository: `Ready` from the backup controller, `Rebuilt`
 * from the repository controller). A merge patch replaces the whole conditions list, so a writer
 * working from its cached copy would drop the other's condition: this reads the object, sets the
 * one condition, and writes with its resourceVersion, reading again on a conflict.
 */
import { isHoldfastError } from '../../base/errors.js';
import { call, mergePatch } from '../../platform/kubernetes/index.js';
import type { Condition } from '../api/index.js';
import type { CustomObject, OperatorContext } from '../context.js';
import { sameConditions, setCondition, type ConditionInput } from './conditions.js';

export interface ObjectRef {
  group: string;
  version: string;
  plural: string;
  kind: string;
  namespace: string;
  name: string;
}

/** Returns the status written, or undefined when the condition was already so and `extra` is absent. */
export async function writeCondition(ctx: OperatorContext, ref: ObjectRef, c: ConditionInput, extra?: Record<string, unknown>): Promise<Record<string, unknown> | undefined> {
  const { kind, ...api } = ref;
  const what = `${kind} ${ref.namespace}/${ref.name}`;
  for (let attempt = 1; ; attempt++) {
    const fresh = (await call(`read ${what}`, () => ctx.apis.custom.getNamespacedCustomObject(api))) as CustomObject;
    const was = (fresh.status as { conditions?: Condition[] } | undefined)?.conditions;
    const conditions = setCondition(was, c, ctx.clock.now(), fresh.metadata?.generation);
    if (!extra && sameConditions(was, conditions)) return undefined;
    const status = { ...extra, conditions, observedGeneration: fresh.metadata?.generation };
    try {
      await call(`write status of ${what}`, () => ctx.apis.custom.patchNamespacedCustomObjectStatus({ ...api, body: { metadata: { resourceVersion: fresh.metadata?.resourceVersion }, status } }, mergePatch));
      return { ...fresh.status, ...status };
    } catch (e) {
      if (!isHoldfastError(e, 'K8S_CONFLICT') || attempt >= 5) throw e;
    }
  }
}
