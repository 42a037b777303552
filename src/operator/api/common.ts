/**
 * Pieces every Holdfast custom resource shares: the API group, status conditions in the shape
 * `kubectl wait --for=condition=...` and other controllers understand, and object references.
 */
import { z } from 'zod';

export const GROUP = 'holdfast.dev';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}`;

/** A metav1.Condition: one per concern, `reason` is a stable CamelCase word, `message` one line. */
export const conditionSchema = z.object({
  type: z.string().min(1),
  status: z.enum(['True', 'False', 'Unknown']),
  reason: z.string().min(1),
  message: z.string(),
  lastTransitionTime: z.string().datetime(),
  observedGeneration: z.number().int().nonnegative().optional(),
});
export type Condition = z.infer<typeof conditionSchema>;

/** Kubernetes object names (RFC 1123 subdomain), checked by the API server's schema validation too. */
export const objectName = z
  .string()
  .min(1)
  .max(253)
  .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'must be a lowercase RFC 1123 name');

/** Namespaces and labels values are DNS labels (63 characters). */
export const dnsLabel = z
  .string()
  .min(1)
  .max(63)
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a lowercase RFC 1123 label');

export const baseStatus = {
  observedGeneration: z.number().int().nonnegative().optional(),
  conditions: z.array(conditionSchema).optional(),
};

/** Durations the way Kubernetes writes them ("720h", "90m", "30s"; "d" for days as a convenience). */
export const durationString = z.string().regex(/^(\d+(d|h|m|s))+$/, 'a duration like 2160h, 90m or 30s');
