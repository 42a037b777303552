/**
 * The operator opening a BackupRepository itself, to read it (a rebuild), never to write: the
 * Secret's keys are handed to the store as an environment of their own, never put in the process
 * environment (other repositories use other keys), and a private CA bundle is written to a file
 * only this process reads, removed once the store holds it in memory.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as k8s from '@kubernetes/client-node';
import { invalidInput } from '../../base/errors.js';
import { Repository } from '../../backup/index.js';
import { openBlobStore } from '../../storage/index.js';
import type { BackupRepositorySpec } from '../api/index.js';

export type OpenRepository = (spec: BackupRepositorySpec, secret: k8s.V1Secret) => Promise<Repository>;

const key = (secret: k8s.V1Secret, k: string | undefined): string | undefined => {
  const v = k ? secret.data?.[k] : undefined;
  return v === undefined ? undefined : Buffer.from(v, 'base64').toString('utf8');
};

export const openRepositoryOf: OpenRepository = async (spec, secret) => {
  const where = `Secret ${secret.metadata?.namespace}/${secret.metadata?.name}`;
  const c = spec.credentials;
  // As the data mover gets it (HOLDFAST_PASSWORD from the same key): byte for byte, nothing trimmed.
  const password = key(secret, c.passwordKey);
  if (!password) throw invalidInput('REPO_PASSWORD_MISSING', `${where} has no key "${c.passwordKey}" holding the repository password`);
  if (spec.volume) throw invalidInput('REPO_ON_VOLUME', `repository ${spec.url} lives on PVC ${spec.volume.claimName}, which the operator does not mount; rebuild from it with \`holdfast catalog rebuild --repo\` on a machine that has it, or move it to object storage`);
  const env: NodeJS.ProcessEnv = {};
  for (const [name, k] of [['AWS_ACCESS_KEY_ID', c.accessKeyIdKey], ['AWS_SECRET_ACCESS_KEY', c.secretAccessKeyKey]] as const) {
    const v = key(secret, k);
    if (k && v === undefined) throw invalidInput('REPO_SECRET_KEY', `${where} has no key "${k}" (${name})`);
    if (v !== undefined) env[name] = v;
  }
  if (spec.s3?.region) env.AWS_REGION = spec.s3.region;
  const ca = key(secret, c.caKey);
  if (c.caKey && ca === undefined) throw invalidInput('REPO_SECRET_KEY', `${where} has no key "${c.caKey}" (the S3 endpoint's CA bundle)`);
  const dir = ca === undefined ? undefined : mkdtempSync(join(tmpdir(), 'holdfast-repo-ca-'));
  try {
    if (dir) writeFileSync((env.HOLDFAST_S3_CA_FILE = join(dir, 'ca.crt')), ca!, { mode: 0o600 });
    return await Repository.open(await openBlobStore(spec.url, { env }), password);
  } finally {
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
};
