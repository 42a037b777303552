/**
 * The envelope: what the caller knows about a report that the report itself rarely says: the
 * repository, commit, ref and image digests it was made for, its category and scan time. When a
 * run does say (versionControlProvenance, automationDetails), it must agree; a mismatch is refused,
 * because filing findings under the wrong version would make a vulnerable version look clean.
 */
import { z } from 'zod';
import { invalidInput } from '../base/errors.js';
import { checkCommit, checkDigest } from '../catalog/index.js';
import type { NormalisedRun } from './normalise.js';

export const envelopeSchema = z.object({
  repository: z.string().min(1, 'repository must not be empty'),
  commit: z.string().optional(),
  ref: z.string().min(1, 'ref must not be empty'),
  imageDigests: z.array(z.string()).default([]),
  category: z.string().min(1).optional(),
  scanTime: z.union([z.string(), z.date()]).transform((v) => new Date(v)).optional(),
  /** Absolute checkout root the scanner ran in, stripped from absolute paths. */
  sourceRoot: z.string().optional(),
});
export type EnvelopeInput = z.input<typeof envelopeSchema>;
export type Envelope = z.output<typeof envelopeSchema>;

export function parseEnvelope(input: EnvelopeInput, name: string): Envelope {
  const r = envelopeSchema.safeParse(input);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw invalidInput('BAD_ENVELOPE', `ingest report ${name}: ${i.path.join('.') || 'envelope'}: ${i.message}`);
  }
  if (r.data.scanTime && Number.isNaN(r.data.scanTime.getTime())) throw invalidInput('BAD_ENVELOPE', `ingest report ${name}: scan time is not a valid date`);
  if (r.data.commit !== undefined) checkCommit(r.data.commit.toLowerCase());
  r.data.imageDigests.forEach(checkDigest);
  return { ...r.data, commit: r.data.commit?.toLowerCase() };
}

/** "https://github.com/Acme/Shop.git", "git@github.com:acme/shop" and "github.com/acme/shop" are one repository. */
export function sameRepository(a: string, b: string): boolean {
  const n = (s: string) =>
    s
      .trim()
      .toLowerCase()
      .replace(/^[a-z+]+:\/\//, '')
      .replace(/^[^@/]+@/, '')
      .replace(/:(?!\d)/, '/')
      .replace(/\.git$/, '')
      .replace(/\/+$/, '');
  return n(a) === n(b);
}

const branchOf = (ref: string) => ref.replace(/^refs\/heads\//, '');
const sameCommit = (a: string, b: string) => a.startsWith(b) || b.startsWith(a);

export interface Resolved {
  commit: string;
  category: string;
}

export function resolveRun(env: Envelope, run: NormalisedRun, name: string): Resolved {
  const what = `ingest report ${name}: run ${run.index} (${run.tool})`;
  let commit = env.commit;
  for (const p of run.provenance) {
    const rev = p.revisionId?.toLowerCase();
    if (rev) {
      if (commit && !sameCommit(rev, commit)) throw invalidInput('REPORT_COMMIT_MISMATCH', `${what} was made at commit ${rev}, not the given ${commit}`);
      commit ??= checkCommit(rev);
    }
    if (p.repositoryUri && !sameRepository(p.repositoryUri, env.repository)) {
      throw invalidInput('REPORT_REPOSITORY_MISMATCH', `${what} is of repository ${p.repositoryUri}, not the given ${env.repository}`);
    }
    if (p.branch && branchOf(p.branch) !== branchOf(env.ref)) {
      throw invalidInput('REPORT_REF_MISMATCH', `${what} was made on branch ${p.branch}, not the given ref ${env.ref}`);
    }
  }
  if (!commit) throw invalidInput('MISSING_COMMIT', `${what}: no commit given and the report does not name one (pass --commit)`);
  if (env.category && run.category && env.category !== run.category) {
    throw invalidInput('REPORT_CATEGORY_MISMATCH', `${what} has category ${run.category}, not the given ${env.category}`);
  }
  return { commit, category: env.category ?? run.category ?? run.tool.toLowerCase().replace(/[^a-z0-9._-]+/g, '-') };
}
