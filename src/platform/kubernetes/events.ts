/**
 * Kubernetes Events for what the operator did or could not do, so `kubectl describe` shows it next
 * to the object. The same (object, reason, message) is recorded once per interval: a failure that
 * persists across reconciles must not flood etcd with identical Events.
 */
import { randomBytes } from 'node:crypto';
import type * as k8s from '@kubernetes/client-node';
import type { Clock } from '../clock.js';
import type { Logger } from '../../base/log.js';
import { kubeError } from './errors.js';

export interface InvolvedObject {
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
  uid?: string;
}

export interface EventRecorder {
  /** Never throws: an Event that cannot be written is logged, it must not fail a reconcile. */
  record(obj: InvolvedObject, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void>;
}

export function eventRecorder(core: k8s.CoreV1Api, clock: Clock, log: Logger, component = 'holdfast-operator', dedupMs = 10 * 60_000): EventRecorder {
  const seen = new Map<string, number>();
  return {
    async record(obj, type, reason, message) {
      const key = `${obj.namespace}/${obj.kind}/${obj.name}/${reason}/${message}`;
      const now = clock.now();
      const last = seen.get(key);
      if (last !== undefined && now.getTime() - last < dedupMs) return;
      seen.set(key, now.getTime());
      if (seen.size > 10_000) seen.clear();
      try {
        await core.createNamespacedEvent({
          namespace: obj.namespace,
          body: {
            metadata: { name: `${obj.name}.${randomBytes(6).toString('hex')}`, namespace: obj.namespace },
            involvedObject: { ...obj },
            type,
            reason,
            message,
            source: { component },
            reportingComponent: component,
            count: 1,
            firstTimestamp: now,
            lastTimestamp: now,
          },
        });
      } catch (e) {
        seen.delete(key);
        log.warn('could not record event', { reason, object: `${obj.namespace}/${obj.kind}/${obj.name}`, error: kubeError('create Event', e).message });
      }
    },
  };
}
