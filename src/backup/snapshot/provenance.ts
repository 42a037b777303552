/**
 * Provenance: what wrote the data in a snapshot. SAST-aware restore reads this to decide whether a
 * restore point predates a vulnerable version, so it records versions exactly as observed (image
 * digests, commits), never guessed. Stored inside the encrypted snapshot manifest.
 */
import { z } from 'zod';

export const workloadVersionSchema = z.object({
  /** Workload name: a local service, or "namespace/kind/name" on Kubernetes. */
  workload: z.string().min(1),
  /** Container or process name inside the workload, when there are several. */
  container: z.string().optional(),
  /** Image reference as deployed (may be a tag). */
  image: z.string().optional(),
  /** Content digest, "sha256:<64 hex>": what SAST verdicts are keyed on. */
  imageDigest: z
    .string()
    .regex(/^sha256:[0-9a-f]{64}$/, 'imageDigest must be sha256:<64 hex digits>')
    .optional(),
  /**
   * A reference the image can be pulled by, "repo@sha256:<64 hex>", when the platform reported one.
   * imageDigest alone may be a config digest no registry serves (containerd's bare "sha256:" imageID),
   * so an incident restart pins by this, never by repo + imageDigest.
   */
  imageRef: z
    .string()
    .regex(/^[^\s@]+@sha256:[0-9a-f]{64}$/, 'imageRef must be repo@sha256:<64 hex digits>')
    .optional(),
  /** Source commit (7–40 hex digits) the workload was built from. */
  commit: z
    .string()
    .regex(/^[0-9a-f]{7,40}$/, 'commit must be 7 to 40 lowercase hex digits')
    .optional(),
  /** Source repository, e.g. "github.com/acme/shop". */
  repository: z.string().optional(),
});

export const hookRunSchema = z.object({
  name: z.string(),
  phase: z.enum(['pre', 'post']),
  command: z.string().optional(),
  exitCode: z.number().int().nullable(),
  startedAt: z.string().datetime(),
  durationMs: z.number().nonnegative(),
  outcome: z.enum(['ok', 'failed', 'timeout', 'skipped']),
});

export const provenanceSchema = z
  .object({
    /** The volume this snapshot is of: a local volume name, or "namespace/pvc". */
    volume: z.string().optional(),
    workloads: z.array(workloadVersionSchema).default([]),
    hooks: z.array(hookRunSchema).default([]),
    /** Free-form labels (policy name, cluster, incident id). */
    labels: z.record(z.string()).default({}),
  })
  .strict();

export type WorkloadVersion = z.infer<typeof workloadVersionSchema>;
export type HookRun = z.infer<typeof hookRunSchema>;
export type Provenance = z.infer<typeof provenanceSchema>;
