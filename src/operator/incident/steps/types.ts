/**
 * The contract between the Incident controller and a Kubernetes step kind. A step is called on
 * every reconcile until it is done: it looks at the cluster (caches first), does at most the next
 * idempotent thing, and returns `waiting` while the cluster catches up (a Job, pods going away, a
 * rollout). Facts that must survive a crash before a side effect are written into `env.status` (and
 * the step returns `waiting` so the status is persisted first); names come from incidentNames, so a
 * repeat finds what an earlier attempt created.
 */
import type { StepOutcome } from '../../../playbook/index.js';
import type { CustomObject, OperatorContext } from '../../context.js';
import type { IncidentSpec, IncidentStatus } from '../../api/index.js';
import type { InvolvedObject } from '../../../platform/kubernetes/index.js';
import { HoldfastError, type ErrorKind } from '../../../base/errors.js';
import type { IncidentRef } from '../names.js';

export interface IncidentEnv {
  ctx: OperatorContext;
  obj: CustomObject;
  ref: IncidentRef;
  spec: IncidentSpec;
  /** The status being built by this reconcile; written once at its end. */
  status: IncidentStatus;
  involved: InvolvedObject;
  stepId: string;
  /** This step's attempt (1 until a retry of a Failed Incident): part of the names of what it creates. */
  attempt: number;
  with: Record<string, unknown>;
  /** Outputs journaled by the completed step of this kind, if any. */
  outputsOf(uses: string): Record<string, string> | undefined;
  /** Queues an Event, recorded after the status write. */
  event(type: 'Normal' | 'Warning', reason: string, message: string): void;
}

export interface KubeStepKind {
  uses: string;
  /** Changes the cluster: never runs before spec.approved (the approval gate sits before the first such step). */
  mutates: boolean;
  run(env: IncidentEnv): Promise<StepOutcome>;
}

/** A step that cannot succeed as things are: the Incident fails with `reason` as its condition reason. */
export class StepFailure extends HoldfastError {
  constructor(readonly reason: string, message: string, kind: ErrorKind = 'conflict') {
    super(`INCIDENT_${reason.replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2').replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase()}`, kind, message);
  }
}

export const done = (outputs: Record<string, string> = {}): StepOutcome => ({ state: 'done', outputs });
export const waiting = (message: string, retryAfterMs = 5_000): StepOutcome => ({ state: 'waiting', message, retryAfterMs });
