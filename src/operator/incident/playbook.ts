/**
 * The Kubernetes playbooks: YAML in the same format as the local ones (src/playbook/definition.ts),
 * parsed with the same parser against the Kubernetes step kinds. `restore-secure-and-rotate` uses
 * the local playbook's step names where the meaning is the same; the order differs where the
 * cluster differs: the evidence backup runs after quiesce (a data mover Job needs nothing writing
 * to give a consistent copy, and there is no local scratch directory to stage a restore in).
 */
import { parsePlaybook, type RunnablePlaybook } from '../../playbook/index.js';
import { StepFailure } from './steps/types.js';
import { kubeStepKinds } from './steps/index.js';

export const kubeRestoreSecureAndRotate = `# Restore a PVC to the last restore point taken before a vulnerable version went live, and reissue TLS.
playbook: restore-secure-and-rotate
description: restore the last secure backup of a PVC, restart on the known-good version and reissue the certificates of the workloads that mount it
steps:
  - id: assess
    uses: assess
    description: the workloads that mount the PVC, what they run now, and the CertificatePolicies that serve them
  - id: choose
    uses: choose-restore-point
    needs: [assess]
    description: the latest RestorePoint taken before the exposure whose recorded versions are all clean
  - id: quiesce
    uses: quiesce
    needs: [choose]
    description: record replicas and images, scale the workloads to zero, wait until no pod mounts the PVC
  - id: evidence
    uses: preserve-evidence
    needs: [quiesce]
    description: back up the current (possibly compromised) PVC with a data mover Job, tagged incident-evidence
  - id: restore
    uses: restore
    needs: [evidence]
    description: a Restore of the chosen RestorePoint in place, run by the restore controller
  - id: restart
    uses: restart
    needs: [restore]
    description: the known-good image pinned by digest, the recorded replicas, and a finished rollout
  - id: rotate-tls
    uses: rotate-tls
    needs: [restart]
    description: reissue each affected certificate with a new key and wait for its rollout
  - id: verify
    uses: verify
    needs: [rotate-tls]
    description: workloads ready on the known-good image, new keys chaining to the CA, the Restore succeeded
  - id: report
    uses: report
    needs: [verify]
    description: a ConfigMap with report.md naming the finding, the restore point and why, the evidence and the certificates
`;

const builtin: Record<string, string> = { 'restore-secure-and-rotate': kubeRestoreSecureAndRotate };
const parsed = new Map<string, RunnablePlaybook>();

export function kubePlaybook(name: string): RunnablePlaybook {
  const hit = parsed.get(name);
  if (hit) return hit;
  const text = builtin[name];
  if (!text) throw new StepFailure('UnknownPlaybook', `spec.playbook: no Kubernetes playbook named ${name} (built-in: ${Object.keys(builtin).join(', ')})`, 'invalid-input');
  const pb = parsePlaybook(text, `(built-in Kubernetes ${name})`, new Set(kubeStepKinds.keys()));
  parsed.set(name, pb);
  return pb;
}

/** The playbook up to the first step that changes the cluster: all that runs before approval. */
export function beforeApproval(pb: RunnablePlaybook): RunnablePlaybook {
  const i = pb.order.findIndex((id) => kubeStepKinds.get(pb.steps.find((s) => s.id === id)!.uses)!.mutates);
  return i < 0 ? pb : { ...pb, order: pb.order.slice(0, i) };
}
