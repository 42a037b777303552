/**
 * What aborting an Incident undoes and what it cannot, newest step first, the way `holdfast incident
 * abort` answers. Only quiesce is undone (the workloads go back to their recorded replicas and
 * images), and only while nothing was restored yet: once the PVC holds restored data, bringing the
 * old version back on it would be a second, unplanned change. Evidence and the report are kept by
 * design; a reissued key is never put back (the old one may have leaked). Pure.
 */
import type { IncidentStepStatus } from '../api/index.js';

export interface AbortPlan {
  undoQuiesce: boolean;
  undone: string[];
  notUndone: { step: string; why: string }[];
}

/**
 * What the cluster shows this Incident created, whatever its status says: a status write can be
 * lost to a conflict (the user's abort patch lands between a reconcile's read and its write), so the
 * step that created a Restore may still read Pending. An abort must not scale workloads back up
 * over a restore that is running.
 */
export interface ObservedSideEffects {
  restore?: boolean;
  evidence?: boolean;
}

export function planAbort(steps: readonly Pick<IncidentStepStatus, 'name' | 'uses' | 'phase'>[], evidence?: string, observed: ObservedSideEffects = {}): AbortPlan {
  const seen = (uses: string) => (uses === 'restore' && observed.restore) || (uses === 'preserve-evidence' && observed.evidence);
  steps = steps.map((s) => (s.phase === 'Pending' && seen(s.uses) ? { ...s, phase: 'Running' as const } : s));
  const started = (uses: string) => steps.some((s) => s.uses === uses && s.phase !== 'Pending');
  const plan: AbortPlan = { undoQuiesce: false, undone: [], notUndone: [] };
  for (const s of [...steps].reverse()) {
    if (s.phase === 'Pending') continue;
    const no = (why: string) => plan.notUndone.push({ step: s.name, why });
    switch (s.uses) {
      case 'report':
        no('the report stays: it is the record of what was done');
        break;
      case 'rotate-tls':
        no('a reissued certificate is kept: the old key may have leaked');
        break;
      case 'restart':
        no('the workloads stay on the known-good version');
        break;
      case 'restore':
        no(`the PVC keeps the restored data; to go back, restore the evidence${evidence ? ` RestorePoint ${evidence}` : ''} with an InPlace Restore while the workloads are scaled down`);
        break;
      case 'preserve-evidence':
        no('evidence is never deleted');
        break;
      case 'quiesce':
        if (started('restore') || started('restart')) no('the workloads stay as the later steps left them: the PVC was (or is being) restored');
        else {
          plan.undoQuiesce = true;
          plan.undone.push(s.name);
        }
        break;
      default:
        break; // assess, choose-restore-point and verify only read
    }
  }
  return plan;
}
