/**
 * How a data-mover pod runs: the security settings a BackupPolicy or Restore may set for the Jobs it
 * starts. A deliberately small subset of the Kubernetes pod and container security contexts: the
 * fields that decide whether the data mover can read a volume owned by another user and restore
 * ownership, and nothing that mounts the host; what is not set keeps Holdfast's default, which
 * passes Pod Security `restricted` (see operator/datamover/security.ts and docs/kubernetes.md,
 * "Data mover security"). The one way to the host is `placement: Node`, whose pod runs in Holdfast's
 * own namespace, never the volume's (operator/datamover/node-placement.ts).
 */
import { z } from 'zod';

const id = z.number().int().nonnegative().max(2147483647);
/** Linux capability names as Kubernetes writes them (no CAP_ prefix), e.g. DAC_READ_SEARCH. */
/** A Kubernetes resource quantity as the API writes CPU and memory: 500m, 2, 256Mi, 1Gi. */
const quantity = z.string().regex(/^[0-9]+(\.[0-9]+)?(m|k|M|G|T|Ki|Mi|Gi|Ti)?$/, 'a Kubernetes quantity like 500m, 2, 256Mi or 1Gi');
const cpuMemory = z.object({ cpu: quantity.optional(), memory: quantity.optional() }).strict();
const capability = z.string().regex(/^[A-Z][A-Z_]*$/, 'a capability name like CHOWN or DAC_READ_SEARCH (no CAP_ prefix)');

export const dataMoverSchema = z
  .object({
    /**
     * Where the data mover runs. Namespace (default): a Job in the volume's namespace that mounts
     * the PVC, under that namespace's Pod Security level. Node: a Job in Holdfast's own namespace,
     * on the node of a pod that mounts the PVC, reading or writing the volume where the kubelet
     * mounted it for that pod, as root with the read or ownership capabilities: ownership and modes
     * of every file intact while the volume's namespace enforces `restricted` (docs/kubernetes.md,
     * "Node placement"). The security contexts below then only add capabilities.
     */
    placement: z.enum(['Namespace', 'Node']).optional(),
    /** Merged over the default pod securityContext (runAsNonRoot, uid/gid 10001, seccomp RuntimeDefault). */
    podSecurityContext: z
      .object({
        runAsUser: id.optional(),
        runAsGroup: id.optional(),
        runAsNonRoot: z.boolean().optional(),
        /** The kubelet makes the volume group-owned by fsGroup (recursively, unless OnRootMismatch finds the root right). */
        fsGroup: id.optional(),
        fsGroupChangePolicy: z.enum(['OnRootMismatch', 'Always']).optional(),
        supplementalGroups: z.array(id).max(32).optional(),
      })
      .strict()
      .optional(),
    /** Merged over the default container securityContext (no privilege escalation, read-only root, drop ALL). */
    securityContext: z
      .object({
        runAsUser: id.optional(),
        runAsGroup: id.optional(),
        runAsNonRoot: z.boolean().optional(),
        /** Added to the default drop of ALL. Only effective for uid 0: Kubernetes 1.34 grants no ambient capabilities. */
        capabilities: z.object({ add: z.array(capability).max(16).optional() }).strict().optional(),
      })
      .strict()
      .optional(),
    /**
     * The container's requests and limits, merged over the default request of cpu 500m (no limits):
     * what the scheduler reserves for a data mover and its share of CPU when the node is busy.
     */
    resources: z.object({ requests: cpuMemory.optional(), limits: cpuMemory.optional() }).strict().optional(),
  })
  .strict();

export type DataMoverSettings = z.infer<typeof dataMoverSchema>;
