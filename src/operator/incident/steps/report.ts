/**
 * report: the ConfigMap `<incident>-report` with report.md (renderReport). Not owned by the
 * Incident: deleting the Incident keeps the auditors' record. A ConfigMap of that name written by
 * anything but this Incident is never overwritten.
 */
import type * as k8s from '@kubernetes/client-node';
import { isHoldfastError } from '../../../base/errors.js';
import { call } from '../../../platform/kubernetes/index.js';
import type { IncidentStatus } from '../../api/index.js';
import { incidentLabels, incidentNames, INCIDENT_UID_LABEL } from '../names.js';
import { renderReport } from '../report.js';
import { done, StepFailure, type KubeStepKind } from './types.js';

/** The timeline as it will stand once this step completes: the report is its own last entry. */
function asWritten(status: IncidentStatus, stepId: string, now: Date): IncidentStatus {
  return { ...status, steps: status.steps?.map((s) => (s.name === stepId ? { ...s, phase: 'Completed' as const, completedAt: now.toISOString() } : s)) };
}

export const reportStep: KubeStepKind = {
  uses: 'report',
  mutates: true,
  async run(env) {
    const { ctx, ref, spec, status } = env;
    const name = incidentNames.report(ref);
    const body: k8s.V1ConfigMap = {
      metadata: { name, namespace: ref.namespace, labels: incidentLabels(ref) },
      data: { 'report.md': renderReport(ref.name, ref.namespace, spec, asWritten(status, env.stepId, ctx.clock.now()), ctx.clock.now()) },
    };
    try {
      await call(`create ConfigMap ${ref.namespace}/${name}`, () => ctx.apis.core.createNamespacedConfigMap({ namespace: ref.namespace, body }));
    } catch (e) {
      if (!isHoldfastError(e, 'K8S_CONFLICT')) throw e;
      const old = await call(`read ConfigMap ${ref.namespace}/${name}`, () => ctx.apis.core.readNamespacedConfigMap({ namespace: ref.namespace, name }));
      if (old.metadata?.labels?.[INCIDENT_UID_LABEL] !== ref.uid) throw new StepFailure('ReportExists', `ConfigMap ${ref.namespace}/${name} exists and was not written by this Incident`);
    }
    status.report = { configMap: name };
    env.event('Normal', 'Reported', `report written to ConfigMap ${name}`);
    return done({ configMap: name });
  },
};
