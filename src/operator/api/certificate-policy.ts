/**
 * CertificatePolicy: a certificate the operator keeps valid in a `kubernetes.io/tls` Secret, the
 * trust bundle it publishes in a ConfigMap, and the workloads it rolls (a few at a time) when the
 * Secret changes, because most servers read their certificate only at start.
 */
import { z } from 'zod';
import { baseStatus, durationString, objectName } from './common.js';

export const certificatePolicySpecSchema = z
  .object({
    issuer: z
      .object({
        /** Holdfast's in-cluster CA, kept in the operator's namespace in Secret `name`. */
        kind: z.enum(['HoldfastCA']).default('HoldfastCA'),
        name: objectName.default('holdfast-ca'),
      })
      .strict()
      .default({}),
    commonName: z.string().max(64).optional(),
    dnsNames: z.array(z.string().min(1)).optional(),
    ipAddresses: z.array(z.string().min(1)).optional(),
    lifetime: durationString.default('2160h'),
    /** Renew this long before expiry; a third of the lifetime when omitted. */
    renewBefore: durationString.optional(),
    secretName: objectName,
    trustBundle: z
      .object({ configMapName: objectName, key: z.string().min(1).default('ca.crt') })
      .strict()
      .optional(),
    rollout: z
      .object({
        /** Workloads to roll; when omitted, every Deployment/StatefulSet in the namespace that mounts the Secret. */
        workloads: z
          .array(z.object({ kind: z.enum(['Deployment', 'StatefulSet']), name: objectName }).strict())
          .optional(),
        /** How many workloads may be mid-rollout at once. */
        maxConcurrent: z.number().int().positive().max(100).default(1),
      })
      .strict()
      .default({}),
    /** CA rotation (annotation holdfast.dev/rotate-ca; src/operator/tls/ca-rotation.ts). */
    caRotation: z
      .object({
        /**
         * How long every trust bundle must have held the new CA before it issues: the kubelet
         * refreshes a mounted ConfigMap at its next sync of the pod (a minute and a little more by
         * default), and a client reading an older copy would not trust the new certificates.
         */
        propagationDelay: durationString.default('2m'),
      })
      .strict()
      .default({}),
  })
  .strict();

export const certificatePolicyStatusSchema = z
  .object({
    ...baseStatus,
    serial: z.string().optional(),
    notBefore: z.string().datetime().optional(),
    notAfter: z.string().datetime().optional(),
    renewalTime: z.string().datetime().optional(),
    /** Workloads whose pod template already carries the current serial. */
    rolledOut: z.array(z.string()).optional(),
    pendingRollout: z.array(z.string()).optional(),
    /** Value of the `holdfast.dev/reissue` annotation already acted upon (a forced reissue with a new key runs once). */
    handledReissue: z.string().optional(),
    /** Value of the `holdfast.dev/rotate-ca` annotation whose rotation is done. */
    handledRotateCa: z.string().optional(),
    /** The issuer's CA rotation as this policy last saw it: its step and what it waits for. */
    caRotation: z.object({ rotation: z.string(), step: z.string(), message: z.string() }).strict().optional(),
  })
  .strict();

export type CertificatePolicySpec = z.infer<typeof certificatePolicySpecSchema>;
export type CertificatePolicyStatus = z.infer<typeof certificatePolicyStatusSchema>;
