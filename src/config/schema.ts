/**
 * The shape of holdfast.yaml: what `holdfast serve` protects on one machine. Names are map keys
 * (repositories.local, volumes.shop-data, ...) so references between sections are plain strings and
 * an error path like backupPolicies.shop.volumes[0] points at one line of the file.
 *
 * Secrets are never inline: a repository password, the API token and webhook secrets name a file or
 * an environment variable, and are read only when used.
 */
import { z } from 'zod';
import { retentionSchema } from '../policy/retention.js';
import { signalThresholdsSchema } from '../policy/signal-thresholds.js';
import { lifetimeDecision } from '../policy/certificate-lifetime.js';
import { cronSchema } from './cron.js';
import { durationSchema } from './duration.js';
import { severityPolicies } from '../sast/severity-policy.js';

const name = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, 'names are lowercase letters, digits, ".", "_" or "-"');

/** Where a secret comes from: a file (its content, trimmed) or an environment variable. */
export const secretRefSchema = z.union([
  /** generate: make a random secret in the file (0600) when it does not exist yet — for demos; lose the file, lose the repository. */
  z.object({ file: z.string().min(1), generate: z.boolean().default(false) }).strict(),
  z
    .object({ env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'env is an environment variable name') })
    .strict(),
]);

const repositorySchema = z
  .object({
    /** A directory, or s3:https://host/bucket/prefix. */
    location: z.string().min(1),
    password: secretRefSchema,
    /** Created at start-up when the location holds no repository yet. */
    init: z.boolean().default(true),
    /** How many backups, verifications or prunes may run against this repository at once. */
    maxConcurrent: z.number().int().positive().default(1),
    /**
     * Scheduled prune: frees what retention (forget) left unreferenced. Safe beside running backups
     * (the engine defers deleting what a live backup may use); packs younger than `grace` are never
     * touched. `false` turns it off (e.g. a WORM bucket, or a prune run from elsewhere).
     */
    prune: z
      .union([
        z.literal(false, { errorMap: () => ({ message: 'prune is false (off) or { schedule, grace } (on by default)' }) }),
        z
          .object({
            /** Daily at a quiet hour by default (03:17 UTC: off the hour, when schedules bunch up). */
            schedule: cronSchema.default('17 3 * * *'),
            grace: durationSchema.default('1h'),
            timeout: durationSchema.default('2h'),
            missedAfter: durationSchema.default('1h'),
          })
          .strict(),
      ])
      .default({}),
  })
  .strict();

const volumeSchema = z
  .object({
    path: z.string().min(1),
    excludes: z.array(z.string()).default([]),
    /** Create the directory at start-up when missing (a fresh demo). Off by default: a missing mount backed up as empty would look like data loss. */
    create: z.boolean().default(false),
  })
  .strict();

/** How to learn which version of a workload is running: a command printing JSON, or a JSON file. */
const versionSourceSchema = z.union([
  z.object({ command: z.string().min(1), timeout: durationSchema.default('10s') }).strict(),
  z.object({ file: z.string().min(1) }).strict(),
]);

const workloadSchema = z
  .object({
    volumes: z.array(z.string()).default([]),
    start: z.string().optional(),
    stop: z.string().optional(),
    /** Run after a certificate renewal so the service serves the new certificate. */
    reload: z.string().optional(),
    version: versionSourceSchema.optional(),
    /** Working directory of the commands (default: the config file's directory). */
    cwd: z.string().optional(),
    /**
     * When a started workload is ready (serving): a TCP connect to host:port, or a command that
     * exits 0. Without one, the endpoint of a certificate that names this workload is used, else
     * "its process runs". Holdfast sends a reload only to a ready workload. `timeout`: how long a
     * start may take to become ready before it is reported as a problem.
     */
    ready: z
      .union([
        z.object({ tcp: z.string().regex(/^[^\s]+:\d+$/, 'tcp is host:port'), timeout: durationSchema.default('60s') }).strict(),
        z.object({ command: z.string().min(1), timeout: durationSchema.default('60s') }).strict(),
      ])
      .optional(),
    /**
     * What serve does when a workload it runs exits: always restart it (the default, as a
     * Kubernetes Deployment does), only after a failure (non-zero exit or a signal), or never.
     * Restarts wait `backoff`, doubling per failure in a row up to `maxBackoff`.
     */
    restart: z
      .object({
        policy: z.enum(['always', 'on-failure', 'never']).default('always'),
        backoff: durationSchema.default('1s'),
        maxBackoff: durationSchema.default('5m'),
      })
      .strict()
      .default({}),
  })
  .strict();

const hookSchema = z
  .object({
    name: z.string().min(1),
    command: z.string().min(1),
    timeout: durationSchema.default('30s'),
    /** abort: a failed pre-hook cancels the backup; continue: back up anyway and record it. */
    onError: z.enum(['abort', 'continue']).default('abort'),
  })
  .strict();

const verifySchema = z
  .object({
    schedule: cronSchema,
    /** Command run in the restored copy (cwd = the scratch directory); non-zero exit fails verification. */
    check: z.string().optional(),
    checkTimeout: durationSchema.default('5m'),
    /** Alert when a volume has gone this long without a successful verification. */
    staleAfter: durationSchema.default('7d'),
    timeout: durationSchema.default('1h'),
  })
  .strict();

const backupPolicySchema = z
  .object({
    repository: z.string(),
    volumes: z.array(z.string()).min(1),
    schedule: cronSchema,
    retention: retentionSchema.optional(),
    hooks: z
      .object({ pre: z.array(hookSchema).default([]), post: z.array(hookSchema).default([]) })
      .strict()
      .default({}),
    verify: verifySchema.optional(),
    /** The watchdog marks a run failed when it has been running longer than this. */
    timeout: durationSchema.default('1h'),
    /** Runs missed by more than this after downtime are recorded as missed and alerted. */
    missedAfter: durationSchema.default('1m'),
    /** Back up once when Holdfast first starts with this policy, instead of waiting for the schedule. */
    runAtStart: z.boolean().default(false),
    tags: z.array(z.string()).default([]),
    /**
     * Fail the run (no snapshot) at the first entry that cannot be read, as `backup
     * --fail-on-unreadable` does, instead of skipping it with a warning that the run records.
     */
    failOnUnreadable: z.boolean().default(false),
    /** Ransomware signals: when a backup's change is unlike the volume's history (docs/ransomware-signals.md). */
    changeSignals: signalThresholdsSchema,
  })
  .strict();

/** The setting that caps certificate `name`'s validity: what a refusal tells the user to raise. */
export const certificateCapSetting = (name: string) => `certificates.${name}.maxValidity`;

const certificateSchema = z
  .object({
    commonName: z.string().min(1),
    dnsNames: z.array(z.string()).default([]),
    ipAddresses: z.array(z.string()).default([]),
    certFile: z.string().min(1),
    keyFile: z.string().min(1),
    /** Where the CA certificate is written for clients (trust bundle). */
    caFile: z.string().optional(),
    validity: durationSchema.default('30d'),
    /** The cap on validity: 398 days, what public clients accept; raise it here for one certificate (serve then warns when it issues). */
    maxValidity: durationSchema.default('398d'),
    /** Renew when less than this remains. */
    renewBefore: durationSchema.default('10d'),
    /** How often to check (and renew when due). */
    schedule: cronSchema.default('*/5 * * * *'),
    /** host:port that should serve this certificate: probed to compare served with expected. */
    endpoint: z
      .string()
      .regex(/^[^:\s]+:\d+$/, 'endpoint is host:port')
      .optional(),
    /** The workload whose reload command makes it pick the new certificate up. */
    workload: z.string().optional(),
  })
  .strict();

const severity = z.enum(['critical', 'high', 'medium', 'low']);
/** Time to fix an open finding, by severity (common defaults: a week, a month, a quarter, half a year). */
export const sastSlaSchema = z
  .object({
    critical: durationSchema.default('7d'),
    high: durationSchema.default('30d'),
    medium: durationSchema.default('90d'),
    low: durationSchema.default('180d'),
  })
  .strict()
  .default({});
const sastSchema = z
  .object({
    /** A version with open findings at or above this severity is not a safe restore target. */
    blockAt: severity.default('high'),
    /** Time to fix an open finding, by severity; older open findings are overdue. */
    sla: sastSlaSchema,
    /**
     * Which source decides a finding's severity when a scanner's score, label or tag and the SARIF
     * level disagree: the strictest (default), the SARIF level alone, or the scanner's own label
     * before the level. Every source's word is kept beside the decision either way.
     */
    severityPolicy: z.enum(severityPolicies).default('strictest'),
    /** SARIF files ingested at start-up (e.g. a scan shipped with the example), for a commit or for the version a workload runs now. */
    seed: z
      .array(
        z
          .object({
            file: z.string(),
            repository: z.string(),
            commit: z
              .string()
              .regex(/^[0-9a-f]{7,40}$/, 'commit is 7 to 40 lowercase hex digits')
              .optional(),
            workload: z.string().optional(),
            ref: z.string().default('main'),
          })
          .strict()
          .refine(
            (s) => (s.commit === undefined) !== (s.workload === undefined),
            'give exactly one of commit or workload',
          ),
      )
      .default([]),
  })
  .strict()
  .default({});

export const alertEvents = [
  'backup-failed',
  'schedule-missed',
  'verification-failed',
  'verification-stale',
  'certificate-expiring',
  // An endpoint serves a certificate its clients reject: expired, untrusted, or without their name.
  'certificate-served-invalid',
  'critical-finding-deployed',
  // An uploaded finding at or above sast.blockAt in a deployed version: an incident was proposed
  // (or auto-run), or could not be (no clean restore point), and the alert says why.
  'incident-proposed',
  'incident-refused',
  'incident-failed',
  // A scheduled prune failed: the repository keeps growing until it works again.
  'prune-failed',
  // A workload serve runs exited (crashed, killed) while nobody stopped it on purpose.
  'workload-down',
  // A backup's change signals departed from the volume's history (ransomware signals): the restore
  // point is marked suspicious and skipped by the restore-point choice.
  'backup-suspicious',
] as const;
const webhookSchema = z
  .object({
    name: name,
    url: z.string().url(),
    events: z.array(z.enum(alertEvents)).optional(),
    timeout: durationSchema.default('5s'),
    retries: z.number().int().nonnegative().default(4),
    /** First wait between attempts; doubles each time (capped at 30s). */
    backoff: durationSchema.default('1s'),
  })
  .strict();

const alertsSchema = z
  .object({
    webhooks: z.array(webhookSchema).default([]),
    certificateExpiresWithin: durationSchema.default('14d'),
  })
  .strict()
  .default({});

const serverSchema = z
  .object({
    /** host:port. Plain HTTP is refused unless insecureHttp is set and the host is loopback. */
    listen: z
      .string()
      .regex(/^[^\s]+:\d+$/, 'listen is host:port')
      .default('127.0.0.1:8443'),
    insecureHttp: z.boolean().default(false),
    token: secretRefSchema.optional(),
    /** Catalog, scratch space, the server's own TLS key and reports (default .holdfast beside the config). */
    dataDir: z.string().default('.holdfast'),
    /** Finished runs and their logs older than this are forgotten (verification evidence is kept). */
    historyRetention: durationSchema.default('30d'),
  })
  .strict()
  .default({});

/**
 * Incident playbooks started by the control plane. A SARIF upload with a new finding at or above
 * sast.blockAt in a version deployed now proposes an incident per volume that version writes (a
 * planned run awaiting approval through the API or the dashboard) and alerts. autoRun approves
 * such a proposal by itself — off unless enabled, only at or above atOrAbove (default critical),
 * and only for the listed volumes when a list is given: restoring a volume is not undone lightly.
 */
const incidentsSchema = z
  .object({
    autoRun: z
      .object({
        enabled: z.boolean().default(false),
        atOrAbove: severity.default('critical'),
        volumes: z.array(z.string()).optional(),
      })
      .strict()
      .default({}),
  })
  .strict()
  .default({});

const reportSchema = z
  .object({ schedule: cronSchema.optional(), dir: z.string().optional() })
  .strict()
  .default({});

export const configSchema = z
  .object({
    version: z.literal(1),
    server: serverSchema,
    repositories: z.record(name, repositorySchema).default({}),
    volumes: z.record(name, volumeSchema).default({}),
    workloads: z.record(name, workloadSchema).default({}),
    backupPolicies: z.record(name, backupPolicySchema).default({}),
    certificates: z.record(name, certificateSchema).default({}),
    sast: sastSchema,
    alerts: alertsSchema,
    incidents: incidentsSchema,
    report: reportSchema,
  })
  .strict()
  .superRefine((c, ctx) => {
    // References between sections, each reported at the line that names the missing thing.
    const ref = (known: Record<string, unknown>, what: string, value: string, path: (string | number)[]) => {
      if (!(value in known)) {
        const names = Object.keys(known);
        ctx.addIssue({
          code: 'custom',
          path,
          message: `no ${what} named "${value}"${names.length ? ` (known: ${names.join(', ')})` : ''}`,
        });
      }
    };
    for (const [n, w] of Object.entries(c.workloads))
      w.volumes.forEach((v, i) => ref(c.volumes, 'volume', v, ['workloads', n, 'volumes', i]));
    for (const [n, p] of Object.entries(c.backupPolicies)) {
      ref(c.repositories, 'repository', p.repository, ['backupPolicies', n, 'repository']);
      p.volumes.forEach((v, i) => ref(c.volumes, 'volume', v, ['backupPolicies', n, 'volumes', i]));
    }
    c.sast.seed.forEach(
      (s, i) => s.workload && ref(c.workloads, 'workload', s.workload, ['sast', 'seed', i, 'workload']),
    );
    c.incidents.autoRun.volumes?.forEach((v, i) => ref(c.volumes, 'volume', v, ['incidents', 'autoRun', 'volumes', i]));
    for (const [n, cert] of Object.entries(c.certificates)) {
      if (cert.workload) ref(c.workloads, 'workload', cert.workload, ['certificates', n, 'workload']);
      // Refused when the config loads, not at the first issuance minutes later.
      const cap = lifetimeDecision(cert.validity, cert.maxValidity, certificateCapSetting(n));
      if (cap.refuse) ctx.addIssue({ code: 'custom', path: ['certificates', n, 'validity'], message: cap.refuse });
      if (cert.renewBefore >= cert.validity) {
        ctx.addIssue({
          code: 'custom',
          path: ['certificates', n, 'renewBefore'],
          message: 'renewBefore must be shorter than validity, or the certificate is renewed forever',
        });
      }
    }
  });

export type HoldfastConfig = z.infer<typeof configSchema>;
export type SecretRef = z.infer<typeof secretRefSchema>;
export type RepositoryConfig = HoldfastConfig['repositories'][string];
export type PruneConfig = Exclude<RepositoryConfig['prune'], false>;
export type VolumeConfig = HoldfastConfig['volumes'][string];
export type WorkloadConfig = HoldfastConfig['workloads'][string];
export type BackupPolicyConfig = HoldfastConfig['backupPolicies'][string];
export type HookConfig = BackupPolicyConfig['hooks']['pre'][number];
export type CertificateConfig = HoldfastConfig['certificates'][string];
export type WebhookConfig = HoldfastConfig['alerts']['webhooks'][number];
export type AlertEvent = (typeof alertEvents)[number];
export type Severity = z.infer<typeof severity>;
