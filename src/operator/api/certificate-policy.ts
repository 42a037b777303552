/**
 * CertificatePolicy: a certificate the operator keeps valid in a `kubernetes.io/tls` Secret, the
 * trust bundle it publishes in a ConfigMap, and the workloads it rolls (a few at a time) when the
 * Secret changes, because most servers read their certificate only at start.
 */
import { z } from 'zod';
import { DEFAULT_MAX_LIFETIME_MS } from '../../tls/index.js';
import { baseStatus, durationString, objectName } from './common.js';
import { celSeconds, durationSeconds, type SpecRule } from './spec-rules.js';

/** The trust-bundle ConfigMap key beside the bundle that holds the CRLs of its CAs (operator/tls/ca-crl.ts). */
export const CRL_KEY = 'ca.crl';

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
    // Bounded so the API server can cost the CEL rules below (an unbounded list is refused at CRD install).
    dnsNames: z.array(z.string().min(1).max(253)).max(100).optional(),
    ipAddresses: z.array(z.string().min(1).max(45)).max(100).optional(),
    lifetime: durationString.max(24).default('2160h'),
    /**
     * Above 398 days (what public clients accept) only with this set: an explicit yes in the
     * policy, checked at admission. The operator still refuses above its --max-certificate-lifetime.
     */
    allowLongLifetime: z.boolean().default(false),
    /** Renew this long before expiry; a third of the lifetime when omitted. */
    renewBefore: durationString.max(24).optional(),
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
    /**
     * Services that serve this certificate. Before a CA rotation retires the old root, every ready
     * address behind each is probed, and the rotation waits while one serves a leaf from the old CA
     * (a pod that has not reloaded yet). One that does not answer serves nothing and does not hold it.
     */
    endpoints: z
      .array(z.object({ service: objectName, port: z.number().int().min(1).max(65535) }).strict())
      .max(20)
      .optional(),
    /** CA rotation (annotation holdfast.dev/rotate-ca; src/operator/tls/ca-rotation.ts). */
    caRotation: z
      .object({
        /**
         * How long every trust bundle must have held the new CA before it issues: the kubelet
         * refreshes a mounted ConfigMap at its next sync of the pod (63–80 s on the real node), and
         * a client that re-reads its copy every minute needs that minute too; 3m, as the CLI's.
         */
        propagationDelay: durationString.default('3m'),
      })
      .strict()
      .default({}),
  })
  .strict();

export type CertificatePolicySpec = z.infer<typeof certificatePolicySpecSchema>;

const LONG_S = DEFAULT_MAX_LIFETIME_MS / 1000;
/** CEL: a DNS name as validateSans normalizes it (lower case, no trailing dot), as commonNameConflict compares. */
const celDns = (x: string) => `(${x}.endsWith('.') ? ${x}.substring(0, ${x}.size() - 1) : ${x}).lowerAscii()`;
const dns = (x: string) => x.toLowerCase().replace(/\.$/, '');

/**
 * What the API server refuses at create and update, and the controller at reconcile (spec-rules.ts).
 * The controller then also applies the operator's own cap, which no CRD can know.
 */
export const certificatePolicyRules: readonly SpecRule<CertificatePolicySpec>[] = [
  {
    field: '.dnsNames',
    cel: `(has(self.dnsNames) && size(self.dnsNames) > 0) || (has(self.ipAddresses) && size(self.ipAddresses) > 0)`,
    message: 'a certificate needs at least one name: list spec.dnsNames or spec.ipAddresses',
    holds: (s) => (s.dnsNames?.length ?? 0) + (s.ipAddresses?.length ?? 0) > 0,
  },
  {
    field: '.commonName',
    cel:
      `!has(self.commonName) || (has(self.dnsNames) && self.dnsNames.exists(d, ${celDns('d')} == ${celDns('self.commonName')})) || ` +
      `(has(self.ipAddresses) && self.ipAddresses.exists(i, i == self.commonName))`,
    message: "must be one of spec.dnsNames or spec.ipAddresses: a CN that is not a SAN is a name no client checks; add it to the names, or leave it out",
    holds: (s) => s.commonName === undefined || (s.dnsNames ?? []).some((d) => dns(d) === dns(s.commonName!)) || (s.ipAddresses ?? []).includes(s.commonName),
  },
  {
    field: '.lifetime',
    cel: `${celSeconds('self.lifetime')} <= ${LONG_S}.0 || self.allowLongLifetime`,
    message: `above ${LONG_S / 86_400}d, which public clients refuse: shorten it, or set spec.allowLongLifetime: true (the operator still refuses a lifetime above its --max-certificate-lifetime)`,
    holds: (s) => durationSeconds(s.lifetime) <= LONG_S || s.allowLongLifetime,
  },
  {
    field: '.renewBefore',
    cel: `!has(self.renewBefore) || ${celSeconds('self.renewBefore')} < ${celSeconds('self.lifetime')}`,
    message: 'must be shorter than spec.lifetime, or every certificate would be due for renewal as soon as it is issued',
    holds: (s) => s.renewBefore === undefined || durationSeconds(s.renewBefore) < durationSeconds(s.lifetime),
  },
  {
    field: '.trustBundle.key',
    cel: `!has(self.trustBundle) || self.trustBundle.key != '${CRL_KEY}'`,
    message: `${CRL_KEY} is where the operator publishes the CRLs beside the bundle; choose another key`,
    holds: (s) => s.trustBundle?.key !== CRL_KEY,
  },
];

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
    /** Value of the `holdfast.dev/revoke` annotation already acted upon (the certificate then in the Secret is in the CRL). */
    handledRevoke: z.string().optional(),
    /** Value of the `holdfast.dev/rotate-ca` annotation whose rotation is done. */
    handledRotateCa: z.string().optional(),
    /** The issuer's CA rotation as this policy last saw it: its step and what it waits for. */
    caRotation: z.object({ rotation: z.string(), step: z.string(), message: z.string() }).strict().optional(),
  })
  .strict();

export type CertificatePolicyStatus = z.infer<typeof certificatePolicyStatusSchema>;
