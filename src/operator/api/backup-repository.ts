/**
 * BackupRepository: where backups go. The URL names a Holdfast repository (an S3 endpoint, bucket and prefix,
 * or a path the data mover mounts); credentials live in a Secret of the same namespace and are only
 * ever passed to data movers as secretKeyRef environment variables, never copied into a spec.
 */
import { z } from 'zod';
import { baseStatus, objectName } from './common.js';

export const backupRepositorySpecSchema = z
  .object({
    /** What `holdfast --repo` takes: "s3:https://host/bucket/prefix", or an absolute path (then `volume` says what to mount there). */
    url: z
      .string()
      .min(1)
      .regex(/^(s3:https?:\/\/[^/\s]+\/[^/\s]+(\/\S*)?|\/\S*)$/, 'url is s3:https://host/bucket[/prefix] or an absolute path'),
    s3: z.object({ region: z.string().optional() }).strict().optional(),
    credentials: z.object({
      secretName: objectName,
      /** Key in the Secret holding the repository password. */
      passwordKey: z.string().min(1).default('password'),
      accessKeyIdKey: z.string().min(1).optional(),
      secretAccessKeyKey: z.string().min(1).optional(),
      /** Key in the Secret holding the PEM bundle that signed the S3 endpoint's certificate (a private CA); the system CAs otherwise. */
      caKey: z.string().min(1).optional(),
    }),
    /** For path repositories: the PVC (same namespace as the data mover) mounted at the path. */
    volume: z.object({ claimName: objectName }).optional(),
  })
  .strict();

/**
 * The last rebuild of the cluster's RestorePoints from the repository (operator/repository): run when
 * the BackupRepository is first seen, whenever its spec changes and whenever the `holdfast.dev/rebuild`
 * annotation changes. `request` is that annotation's value ("created" before there is one): a
 * request runs once per spec generation.
 */
export const repositoryRebuildSchema = z
  .object({
    request: z.string(),
    /** The spec generation it ran for: a changed spec (another URL, another Secret) runs it again. */
    generation: z.number().int().nonnegative().optional(),
    startedAt: z.string().datetime(),
    finishedAt: z.string().datetime().optional(),
    /** Rebuilt: all there; Incomplete: some snapshots missing or unusable (named in `missing`); Failed: nothing read, nothing written (the Rebuilt condition says why). */
    outcome: z.enum(['Rebuilt', 'Incomplete', 'Failed']),
    /** Snapshots read from the repository. */
    snapshots: z.number().int().nonnegative(),
    /** RestorePoints created by this rebuild. */
    recreated: z.number().int().nonnegative(),
    /** Snapshots whose RestorePoint was already there (left as it was). */
    existing: z.number().int().nonnegative(),
    /** Snapshots of BackupPolicies in other namespaces: their BackupRepository there rebuilds them. */
    otherNamespaces: z.number().int().nonnegative(),
    /** What the repository lacks or holds damaged, and snapshots no RestorePoint can be made of: one line each (the first 20). */
    missing: z.array(z.string()),
  })
  .strict();

export const backupRepositoryStatusSchema = z.object({ ...baseStatus, rebuild: repositoryRebuildSchema.optional() }).strict();
export type RepositoryRebuild = z.infer<typeof repositoryRebuildSchema>;

export type BackupRepositorySpec = z.infer<typeof backupRepositorySpecSchema>;
